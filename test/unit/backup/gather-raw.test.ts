import { describe, expect, it } from 'vitest';
import { runBackup } from '../../../lib/backup/run-backup.js';
import type { KubeObject } from '../../../lib/model/object.js';
import { parseBackupSpec } from '../../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { tarEntries, steppingClock } from '../../support/backup-archive.js';
import { FakeCluster, obj, RESOURCES, sourceCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('ferry');

function world(): KubeObject[] {
  return [
    obj('v1', 'Namespace', 'default'),
    obj('apps/v1', 'Deployment', 'web', 'default', { spec: { replicas: 2, note: 'say "hi" \\ caf\u00e9' } }, { app: 'nginx' }),
    ...Array.from({ length: 7 }, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'default', { data: { i: String(i) } }, { app: 'nginx' })),
    obj('v1', 'ConfigMap', 'private', 'default', {}, { 'velero.io/exclude-from-backup': 'true' }),
    obj('v1', 'ConfigMap', 'bad name', 'default'),
    obj('v1', 'PersistentVolumeClaim', 'data', 'default', { spec: { volumeName: 'pv-1' } }),
    obj('v1', 'PersistentVolume', 'pv-1'),
    obj('example.com/v1', 'Widget', 'w1', 'default', { spec: { size: 3 } }),
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com'),
  ];
}

async function backup(cluster: FakeCluster) {
  const store = new MemoryStore();
  const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'b' }, spec: { includedNamespaces: ['default'] } }, 'test');
  const outcome = await runBackup(spec, { cluster, store, layout, clock: steppingClock(), options: { pageSize: 3 } });
  const entries = await tarEntries(store.bytes(layout.backupKey('b', 'tarball')));
  return { outcome, entries: Object.fromEntries([...entries].map(([path, body]) => [path, path === 'metadata/version' ? body : JSON.parse(body) as unknown])) };
}

describe('backing up from LIST pages kept as bytes', () => {
  it('writes the same archive entries, errors and related objects as from parsed pages, reading every page as bytes', async () => {
    const raw = sourceCluster(world());
    const [fromBytes, fromObjects] = await Promise.all([backup(raw), backup(new FakeCluster(RESOURCES, { rawLists: false }).seed(...world()))]);
    expect(raw.rawLists).toBeGreaterThan(4);
    expect(fromBytes.entries).toEqual(fromObjects.entries);
    expect(Object.keys(fromBytes.entries)).toContain('resources/persistentvolumes/cluster/pv-1.json');
    expect(Object.keys(fromBytes.entries)).not.toContain('resources/configmaps/namespaces/default/private.json');
    expect(fromBytes.entries['resources/configmaps/v1-preferredversion/namespaces/default/cm-6.json']).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { i: '6' } });
    const { outcome } = fromBytes;
    expect({ phase: outcome.phase, items: outcome.itemsBackedUp, byResource: outcome.byResource, errors: outcome.results.errors })
      .toEqual({ phase: fromObjects.outcome.phase, items: fromObjects.outcome.itemsBackedUp, byResource: fromObjects.outcome.byResource, errors: fromObjects.outcome.results.errors });
    expect(outcome.errors).toBe(1);
  });

  it('records a LIST answer that is not JSON as a failure of its type and keeps the rest of the backup', async () => {
    const cluster = sourceCluster(world());
    const listBytes = cluster.listPageBytes!.bind(cluster);
    cluster.listPageBytes = async (resource, options) => (resource.resource === 'configmaps' ? Buffer.from('{"items":[{"meta') : listBytes(resource, options));
    const { outcome, entries } = await backup(cluster);
    expect(outcome.phase).toBe('PartiallyFailed');
    expect(JSON.stringify(outcome.results.errors)).toMatch(/could not list configmaps/);
    expect(Object.keys(entries)).toContain('resources/deployments.apps/namespaces/default/web.json');
  });
});
