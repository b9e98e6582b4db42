// The resource list written a namespace at a time is the text of the whole list: the same keys, the same order.
import { describe, expect, it } from 'vitest';
import { BackupContents, type EntrySink } from '../../../lib/backup/contents.js';
import type { ResourceType } from '../../../lib/backup/select.js';
import { obj, RESOURCES } from '../../support/fake-cluster.js';

const sink: EntrySink = { append: () => undefined, mustWait: false, ready: async () => undefined };
const type = (resource: string, group = ''): ResourceType => {
  const r = RESOURCES.find((x) => x.resource === resource && x.group === group)!;
  return { resource: r, groupResource: group ? `${resource}.${group}` : resource };
};

/** The list as one flat, sorted array per key: how the whole list was built before it was written in parts. */
function flatList(items: [ResourceType, string, string][]): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const [t, ns, name] of items) {
    const key = `${t.resource.group ? `${t.resource.group}/` : ''}${t.resource.version}/${t.resource.kind}`;
    (lists[key] ??= []).push(ns ? `${ns}/${name}` : name);
  }
  return Object.fromEntries(Object.entries(lists).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, v.sort()]));
}

describe('BackupContents resource list', () => {
  it.each<[string, [ResourceType, string, string][]]>([
    ['namespaces one of which is a prefix of another ("a" and "a-b": "a-b/x" sorts first)', [
      [type('configmaps'), 'a', 'x'], [type('configmaps'), 'a-b', 'x'], [type('configmaps'), 'a', 'a-1'], [type('configmaps'), 'a.b', 'z'], [type('configmaps'), 'a-b', 'b'],
    ]],
    ['several kinds, cluster-scoped ones and names written out of order', [
      [type('deployments', 'apps'), 'web', 'b'], [type('deployments', 'apps'), 'web', 'a'], [type('namespaces'), '', 'web'], [type('namespaces'), '', 'api'],
      [type('persistentvolumes'), '', 'pv-2'], [type('secrets'), 'api', 's'], [type('persistentvolumes'), '', 'pv-10'],
    ]],
    ['nothing at all', []],
  ])('is the JSON of the whole sorted list, written in parts, for %s', (_name, items) => {
    const contents = new BackupContents(sink);
    for (const [t, ns, name] of items) contents.write(t, obj(t.resource.version === 'v1' && !t.resource.group ? 'v1' : `${t.resource.group}/${t.resource.version}`, t.resource.kind, name, ns || undefined));
    expect(contents.resourceList()).toEqual(flatList(items));
    expect([...contents.resourceListJson()].join('')).toBe(JSON.stringify(flatList(items)));
  });

  it('gives only the keys asked for, as the volume passes ask for claims and pods', () => {
    const contents = new BackupContents(sink);
    contents.write(type('persistentvolumeclaims'), obj('v1', 'PersistentVolumeClaim', 'data', 'app'));
    contents.write(type('configmaps'), obj('v1', 'ConfigMap', 'c', 'app'));
    expect(contents.resourceList(new Set(['v1/PersistentVolumeClaim', 'v1/Pod']))).toEqual({ 'v1/PersistentVolumeClaim': ['app/data'] });
  });
});
