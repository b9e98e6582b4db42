import type { KubeObject } from '../model/object.js';
import type { ResourceResolver } from '../model/resources.js';
import { copyJson } from './json-access.js';
import type { TransformItem } from './types.js';

/**
 * Wraps an object from a backup or a manifest as a pipeline item. `groupResource` defaults to the
 * resolver's; a namespaced object without a namespace gets `defaultNamespace` when one is given (as kubectl
 * would), written into the object too.
 */
export function itemFromObject(object: KubeObject, resolve: ResourceResolver,
  options: { groupResource?: string; defaultNamespace?: string } = {}): TransformItem {
  const info = resolve(object.apiVersion, object.kind);
  const groupResource = options.groupResource ?? (info.group ? `${info.resource}.${info.group}` : info.resource);
  let current = object;
  if (info.namespaced && !object.metadata.namespace && options.defaultNamespace) {
    current = copyJson(object);
    current.metadata.namespace = options.defaultNamespace;
  }
  const backupNamespace = info.namespaced ? (current.metadata.namespace ?? '') : '';
  return { object: current, original: current, groupResource, backupNamespace };
}
