// The RBAC manifests users apply (deploy/rbac): what each role lets the functions do, asked of a real API server
// with SubjectAccessReviews.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExists } from '../../lib/kube/errors.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseDocuments } from '../../lib/spec/documents.js';
import { stackCluster } from '../support/stack.js';

const cluster = stackCluster('source');

beforeAll(async () => {
  for (const file of ['deploy/rbac/backup-reader.yaml', 'deploy/rbac/restore-writer.yaml']) {
    for (const doc of parseDocuments(readFileSync(file, 'utf8'), file)) {
      const obj = doc.value as KubeObject;
      try {
        await cluster.create(obj);
      } catch (err) {
        if (!(err instanceof AlreadyExists)) throw err;
        // An earlier run applied it: bring it up to date.
        await cluster.patch(obj, obj, 'merge');
      }
    }
  }
});

afterAll(() => cluster.close());

/** Asks the API server whether a member of `group` may do `verb` on a resource. */
async function allowed(group: string, verb: string, resource: string, apiGroup = '', namespace = 'shop'): Promise<boolean> {
  const review = await cluster.create({
    apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', metadata: {},
    spec: { user: `ferry-function-${group}`, groups: [group, 'system:authenticated'], resourceAttributes: {
      verb, group: apiGroup, resource: resource.split('/')[0], subresource: resource.split('/')[1], namespace } },
  } as KubeObject);
  return (review.status as { allowed?: boolean } | undefined)?.allowed === true;
}

describe('deploy/rbac', () => {
  it.each([
    ['list deployments', 'list', 'deployments', 'apps', true],
    ['get secrets', 'get', 'secrets', '', true],
    ['list custom resources only once their group is added (deploy/rbac/custom-resources.yaml)', 'list', 'widgets', 'example.com', false],
    ['reach kubelets through nodes/proxy', 'get', 'nodes/proxy', '', false],
    ['create configmaps', 'create', 'configmaps', '', false],
    ['patch deployments', 'patch', 'deployments', 'apps', false],
    ['delete pods', 'delete', 'pods', '', false],
  ])('lets the backup group %s: %s', async (_case, verb, resource, apiGroup, expected) => {
    expect(await allowed('ferry:backup', verb, resource, apiGroup)).toBe(expected);
  });

  it.each([
    ['create statefulsets', 'create', 'statefulsets', 'apps', true],
    ['patch services', 'patch', 'services', '', true],
    ['create namespaces', 'create', 'namespaces', '', true],
    ['create custom resource definitions', 'create', 'customresourcedefinitions', 'apiextensions.k8s.io', true],
    ['create roles (bounded by what it holds)', 'create', 'clusterroles', 'rbac.authorization.k8s.io', true],
    ['bind roles without the opt-in file restore-rbac.yaml', 'bind', 'clusterroles', 'rbac.authorization.k8s.io', false],
    ['escalate roles without the opt-in file restore-rbac.yaml', 'escalate', 'roles', 'rbac.authorization.k8s.io', false],
    ['delete anything', 'delete', 'configmaps', '', false],
    ['delete namespaces', 'delete', 'namespaces', '', false],
  ])('lets the restore group %s: %s', async (_case, verb, resource, apiGroup, expected) => {
    expect(await allowed('ferry:restore', verb, resource, apiGroup)).toBe(expected);
  });
});
