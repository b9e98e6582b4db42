import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BackupExistsError } from '../../../lib/backup/errors.js';
import { runBackup } from '../../../lib/backup/run-backup.js';
import type { BackupDeps, BackupProgress } from '../../../lib/backup/types.js';
import { ClusterError, MalformedAnswer } from '../../../lib/kube/errors.js';
import { parseBackupSpec, type BackupSpec } from '../../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../../lib/store/layout.js';
import { parseManifest } from '../../../lib/store/manifest.js';
import { tarEntries, steppingClock } from '../../support/backup-archive.js';
import { FakeCluster, obj, sourceCluster } from '../../support/fake-cluster.js';
import { MemoryStore } from '../../support/memory-store.js';

const layout = new BucketLayout('ferry');
const key = (name: string, file: Parameters<BucketLayout['backupKey']>[1]) => layout.backupKey(name, file);

/** The seed's application (a StatefulSet with its claim and volume) next to things the seed backup must leave out. */
function world() {
  return [
    obj('v1', 'Namespace', 'default', undefined, {}, { team: 'web' }),
    obj('v1', 'Namespace', 'other'),
    obj('apps/v1', 'StatefulSet', 'web', 'default', { spec: { replicas: 2 } }, { app: 'nginx' }),
    obj('v1', 'ConfigMap', 'settings', 'default', { data: { a: '1' } }, { app: 'nginx' }),
    obj('v1', 'ConfigMap', 'unlabelled', 'default', { data: {} }),
    obj('v1', 'ConfigMap', 'private', 'default', { data: {} }, { app: 'nginx', 'velero.io/exclude-from-backup': 'true' }),
    obj('v1', 'Secret', 'creds', 'default', { data: { p: 'cA==' } }, { app: 'db' }),
    obj('v1', 'PersistentVolumeClaim', 'www-web-0', 'default', { spec: { volumeName: 'pv-web-0' } }, { app: 'nginx' }),
    obj('v1', 'PersistentVolume', 'pv-web-0', undefined, { spec: { capacity: { storage: '20Gi' } } }),
    obj('v1', 'PersistentVolume', 'pv-unrelated'),
    obj('example.com/v1', 'Widget', 'w1', 'default', { spec: { size: 3 } }, { app: 'nginx' }),
    obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', undefined, { spec: { group: 'example.com' } }),
    obj('storage.k8s.io/v1', 'StorageClass', 'fast'),
    obj('v1', 'ConfigMap', 'elsewhere', 'other'),
    obj('v1', 'Event', 'web.123', 'default'),
    obj('v1', 'Node', 'node-1'),
  ];
}

function spec(fields: Record<string, unknown>, name = 'nginx-backup'): BackupSpec {
  return parseBackupSpec({ apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'ApplicationBackup', metadata: { name, namespace: 'csdr' }, spec: fields }, 'test');
}

function deps(cluster: FakeCluster, store: MemoryStore, extra: Partial<BackupDeps> = {}): BackupDeps {
  return { cluster, store, layout, clock: steppingClock(), storageLocation: 'vault', ...extra };
}

async function paths(store: MemoryStore, name = 'nginx-backup'): Promise<string[]> {
  return [...(await tarEntries(store.bytes(key(name, 'tarball')))).keys()].filter((p) => !p.includes('-preferredversion/')).sort();
}

describe('runBackup', () => {
  it('backs up the seed namespace with the PV of its claim, the CRD of its custom resource and its Namespace, and commits it with a manifest', async () => {
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], backupType: 'AppBackup' }), deps(sourceCluster(world()), store));
    expect(outcome).toMatchObject({ phase: 'Completed', itemsBackedUp: 9, errors: 0, warnings: 0, manifestKey: key('nginx-backup', 'manifest') });
    expect(await paths(store)).toEqual([
      'metadata/version',
      'resources/configmaps/namespaces/default/settings.json',
      'resources/configmaps/namespaces/default/unlabelled.json',
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
      'resources/namespaces/cluster/default.json',
      'resources/persistentvolumeclaims/namespaces/default/www-web-0.json',
      'resources/persistentvolumes/cluster/pv-web-0.json',
      'resources/secrets/namespaces/default/creds.json',
      'resources/statefulsets.apps/namespaces/default/web.json',
      'resources/widgets.example.com/namespaces/default/w1.json',
    ]);
  });

  it('writes every item twice, the second time under <version>-preferredversion, with apiVersion and kind', async () => {
    const store = new MemoryStore();
    await runBackup(spec({ includedNamespaces: ['default'] }), deps(sourceCluster(world()), store));
    const entries = await tarEntries(store.bytes(key('nginx-backup', 'tarball')));
    expect(entries.get('metadata/version')).toBe('1.1.0');
    const plain = entries.get('resources/statefulsets.apps/namespaces/default/web.json');
    expect(entries.get('resources/statefulsets.apps/v1-preferredversion/namespaces/default/web.json')).toBe(plain);
    expect(JSON.parse(plain!)).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: expect.objectContaining({ name: 'web' }), spec: { replicas: 2 } });
  });

  it('commits with a manifest written last that records the size and SHA-256 of every other file', async () => {
    const store = new MemoryStore();
    await runBackup(spec({ includedNamespaces: ['default'] }), deps(sourceCluster(world()), store));
    const manifestKey = key('nginx-backup', 'manifest');
    expect(store.writes.at(-1)).toBe(manifestKey);
    const manifest = parseManifest(store.bytes(manifestKey), 'nginx-backup');
    expect(Object.keys(manifest.files).sort()).toEqual(['nginx-backup-logs.gz', 'nginx-backup-resource-list.json.gz', 'nginx-backup-results.gz', 'nginx-backup.tar.gz', 'velero-backup.json']);
    for (const [file, entry] of Object.entries(manifest.files)) {
      const bytes = store.bytes(layout.backupPrefix('nginx-backup') + file);
      expect({ file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ file, ...entry });
    }
  });

  it('writes Velero\'s Backup object, resource list and results', async () => {
    const store = new MemoryStore();
    await runBackup(spec({ includedNamespaces: ['default'], ttl: '24h', labelSelector: { matchLabels: { app: 'nginx' } } }), deps(sourceCluster(world()), store));
    const backup = store.json(key('nginx-backup', 'backup'));
    expect(backup).toMatchObject({
      apiVersion: 'velero.io/v1', kind: 'Backup',
      metadata: { name: 'nginx-backup', namespace: 'csdr', labels: { 'velero.io/storage-location': 'vault' },
        annotations: { 'velero.io/source-cluster-k8s-gitversion': 'v1.35.4', 'velero.io/source-cluster-k8s-minor-version': '35', 'ferry.dev/backup-type': 'AppBackup' } },
      spec: { includedNamespaces: ['default'], includedResources: ['*'], ttl: '24h0m0s', storageLocation: 'vault', labelSelector: { matchLabels: { app: 'nginx' } } },
      status: { phase: 'Completed', version: 1, formatVersion: '1.1.0', startTimestamp: '2024-05-06T07:08:09Z', expiration: '2024-05-07T07:08:09Z',
        progress: { totalItems: 7, itemsBackedUp: 7 }, warnings: 0, errors: 0 },
    });
    expect((backup.status as Record<string, string>).completionTimestamp).toMatch(/^2024-05-06T07:0[89]:\d\dZ$/);
    expect(JSON.parse(gunzipSync(store.bytes(key('nginx-backup', 'resourceList'))).toString())).toEqual({
      'apiextensions.k8s.io/v1/CustomResourceDefinition': ['widgets.example.com'],
      'apps/v1/StatefulSet': ['default/web'],
      'example.com/v1/Widget': ['default/w1'],
      'v1/ConfigMap': ['default/settings'],
      'v1/Namespace': ['default'],
      'v1/PersistentVolume': ['pv-web-0'],
      'v1/PersistentVolumeClaim': ['default/www-web-0'],
    });
    expect(JSON.parse(gunzipSync(store.bytes(key('nginx-backup', 'results'))).toString())).toEqual({ errors: {}, warnings: {} });
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['includeClusterResources false keeps every cluster-scoped object out', { includedNamespaces: ['default'], includeClusterResources: false, includedResources: ['persistentvolumeclaims', 'persistentvolumes', 'namespaces'] },
      ['resources/persistentvolumeclaims/namespaces/default/www-web-0.json']],
    ['includeClusterResources true with a namespace takes every cluster-scoped object but only that Namespace', { includedNamespaces: ['other'], includeClusterResources: true, excludedResources: ['customresourcedefinitions.apiextensions.k8s.io'] },
      ['resources/configmaps/namespaces/other/elsewhere.json', 'resources/namespaces/cluster/other.json', 'resources/persistentvolumes/cluster/pv-unrelated.json',
        'resources/persistentvolumes/cluster/pv-web-0.json', 'resources/storageclasses.storage.k8s.io/cluster/fast.json']],
    ['a whole-cluster backup with a resource list takes those types everywhere', { includedResources: ['configmaps', 'storageclasses'] },
      ['resources/configmaps/namespaces/default/settings.json', 'resources/configmaps/namespaces/default/unlabelled.json',
        'resources/configmaps/namespaces/other/elsewhere.json', 'resources/storageclasses.storage.k8s.io/cluster/fast.json']],
    ['a label selector keeps matching objects, the PV of a matching claim and the Namespace that holds them', { includedNamespaces: ['default'], labelSelector: { matchLabels: { app: 'nginx' } }, excludedResources: ['customresourcedefinitions.apiextensions.k8s.io', 'widgets.example.com'] },
      ['resources/configmaps/namespaces/default/settings.json', 'resources/namespaces/cluster/default.json', 'resources/persistentvolumeclaims/namespaces/default/www-web-0.json',
        'resources/persistentvolumes/cluster/pv-web-0.json', 'resources/statefulsets.apps/namespaces/default/web.json']],
    ['orLabelSelectors take the union, each object once', { includedNamespaces: ['default'], includedResources: ['configmaps', 'secrets'], orLabelSelectors: [{ matchLabels: { app: 'nginx' } }, { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'nginx'] }] }] },
      ['resources/configmaps/namespaces/default/settings.json', 'resources/secrets/namespaces/default/creds.json']],
    ['a namespace glob selects by pattern and the exclusion wins', { includedNamespaces: ['*t*'], excludedNamespaces: ['default'], includedResources: ['configmaps', 'namespaces'] },
      ['resources/configmaps/namespaces/other/elsewhere.json', 'resources/namespaces/cluster/other.json']],
    ['events are backed up when named, though never by default', { includedNamespaces: ['default'], includedResources: ['events'] },
      ['resources/events/namespaces/default/web.123.json']],
  ])('%s', async (_name, fields, expected) => {
    const store = new MemoryStore();
    const outcome = await runBackup(spec(fields), deps(sourceCluster(world()), store));
    expect(outcome.phase).toBe('Completed');
    expect((await paths(store)).filter((p) => p !== 'metadata/version')).toEqual(expected);
  });

  it('sends the label selector and the page size to the server and follows continue tokens', async () => {
    const objects = Array.from({ length: 7 }, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'default', {}, { app: 'nginx' }));
    const cluster = sourceCluster(objects);
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps'], labelSelector: { matchLabels: { app: 'nginx' } } }),
      deps(cluster, new MemoryStore(), { options: { pageSize: 3 } }));
    expect(outcome.itemsBackedUp).toBe(7);
    expect(cluster.listCalls().map((c) => c.options)).toEqual([
      { namespace: 'default', labelSelector: 'app=nginx', limit: 3 },
      { namespace: 'default', labelSelector: 'app=nginx', limit: 3, continueToken: '3' },
      { namespace: 'default', labelSelector: 'app=nginx', limit: 3, continueToken: '6' },
    ]);
  });

  it('starts a list over when its continue token expires, without writing any object twice', async () => {
    const objects = Array.from({ length: 7 }, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'default'));
    const cluster = sourceCluster(objects);
    cluster.expiries.set('configmaps', 2);
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps'] }), deps(cluster, store, { options: { pageSize: 3 } }));
    expect(outcome).toMatchObject({ phase: 'Completed', itemsBackedUp: 7 });
    const entries = [...(await tarEntries(store.bytes(key('nginx-backup', 'tarball')))).keys()];
    expect(entries.length).toBe(1 + 2 * 7);
    expect(cluster.listCalls().filter((c) => !c.options.continueToken).length).toBe(3);
  });

  it('fails a type whose list keeps expiring, names it in the results and ends PartiallyFailed with a manifest', async () => {
    const cluster = sourceCluster(Array.from({ length: 4 }, (_, i) => obj('v1', 'ConfigMap', `cm-${i}`, 'default')).concat(world().filter((o) => o.kind === 'Secret')));
    cluster.expiries.set('configmaps', 10);
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps', 'secrets'] }), deps(cluster, store, { options: { pageSize: 2, maxListRestarts: 2 } }));
    expect(outcome.phase).toBe('PartiallyFailed');
    expect(outcome.results.errors.velero).toEqual([expect.stringMatching(/could not list configmaps: .*too old/)]);
    expect(store.objects.has(key('nginx-backup', 'manifest'))).toBe(true);
    expect(store.json(key('nginx-backup', 'backup'))).toMatchObject({ status: { phase: 'PartiallyFailed', errors: 1 } });
  });

  it('records a type the server refuses to list as an error and keeps the rest of the backup', async () => {
    const cluster = sourceCluster(world());
    cluster.failures.set('secrets', new ClusterError('list secrets: 403 Forbidden: secrets is forbidden', 403, 'Forbidden'));
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'] }), deps(cluster, store));
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 8, errors: 1 });
    const results = JSON.parse(gunzipSync(store.bytes(key('nginx-backup', 'results'))).toString());
    expect(results.errors.velero).toEqual([expect.stringMatching(/could not list secrets: .*Forbidden/)]);
  });

  it('records a single-object read answered 200 with HTML as an error of that object, not a failure of the bucket', async () => {
    const cluster = sourceCluster(world());
    cluster.readFailures.set('PersistentVolume/pv-web-0', new MalformedAnswer('read PersistentVolume pv-web-0: the server answered 200 with a body that is not JSON (Content-Type text/html)', 200, 'MalformedAnswer'));
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], backupType: 'AppBackup' }), deps(cluster, store));
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 8, errors: 1, manifestKey: key('nginx-backup', 'manifest') });
    const results = JSON.parse(gunzipSync(store.bytes(key('nginx-backup', 'results'))).toString());
    expect(results.errors.cluster).toEqual([expect.stringMatching(/could not read persistentvolumes pv-web-0: .*not JSON \(Content-Type text\/html\)/)]);
  });

  it('rethrows a programming error as it is, with its stack, after marking the backup Failed and aborting the tarball', async () => {
    const cluster = sourceCluster(world());
    const bug = new TypeError("Cannot read properties of undefined (reading 'metadata')");
    cluster.failures.set('configmaps', bug);
    const store = new MemoryStore();
    const warnings: Record<string, unknown>[] = [];
    const log = { info: () => undefined, warn: (_m: string, data?: Record<string, unknown>) => { warnings.push(data ?? {}); } };
    await expect(runBackup(spec({ includedNamespaces: ['default'] }), deps(cluster, store, { log }))).rejects.toBe(bug);
    expect(store.aborted).toEqual([key('nginx-backup', 'tarball')]);
    expect(store.objects.has(key('nginx-backup', 'manifest'))).toBe(false);
    expect(store.json(key('nginx-backup', 'backup'))).toMatchObject({ status: { phase: 'Failed', failureReason: expect.stringMatching(/^internal error: TypeError: Cannot read/) } });
    expect(warnings).toContainEqual({ error: bug });
  });

  it('records an item whose name cannot be an archive path as an error of its namespace', async () => {
    const objects = [obj('v1', 'ConfigMap', 'ok', 'default'), obj('v1', 'ConfigMap', 'bad name', 'default')];
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps'] }), deps(sourceCluster(objects), new MemoryStore()));
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 1 });
    expect(outcome.results.errors.namespaces?.default).toEqual([expect.stringMatching(/configmaps default\/bad name: unsafe archive path segment/)]);
  });

  it('warns about an included namespace that does not exist, and an AppAndPvBackup without claims adds no volume warning', async () => {
    const outcome = await runBackup(spec({ includedNamespaces: ['default', 'typo'], backupType: 'AppAndPvBackup', includedResources: ['namespaces'] }), deps(sourceCluster(world()), new MemoryStore()));
    expect(outcome.phase).toBe('Completed');
    expect(outcome.results.warnings).toEqual({
      namespaces: { typo: ['namespace typo is included but does not exist'] },
    });
  });

  it('lists at most `concurrency` resource types at once', async () => {
    const cluster = sourceCluster(world());
    // Each list stays open until the event loop has turned, so lists overlap whenever the pool lets them.
    cluster.pace = () => new Promise((resolve) => setImmediate(resolve));
    await runBackup(spec({}), deps(cluster, new MemoryStore(), { options: { concurrency: 2 } }));
    expect(cluster.maxRunning).toBe(2);
  });

  it('reports progress by resource type and bytes written', async () => {
    const seen: BackupProgress[] = [];
    await runBackup(spec({ includedNamespaces: ['default'] }), deps(sourceCluster(world()), new MemoryStore(), { onProgress: (p) => seen.push(p) }));
    const last = seen.at(-1)!;
    expect(last.byResource).toMatchObject({ configmaps: 2, 'statefulsets.apps': 1 });
    expect(seen.some((p) => p.bytesWritten > 0)).toBe(true);
    expect(seen.some((p) => p.typesDone === p.typesTotal && p.typesTotal === 7)).toBe(true);
  });

  it('refuses a name the bucket already holds and writes nothing', async () => {
    const store = new MemoryStore();
    await store.put(key('nginx-backup', 'tarball'), 'old');
    await expect(runBackup(spec({}), deps(sourceCluster(world()), store))).rejects.toThrow(BackupExistsError);
    expect(store.writes).toEqual([key('nginx-backup', 'tarball')]);
  });

  it('refuses the name when another run claims it first', async () => {
    const store = new MemoryStore();
    const cluster = sourceCluster(world());
    const [first, second] = await Promise.allSettled([
      runBackup(spec({ includedNamespaces: ['default'] }), deps(cluster, store)),
      runBackup(spec({ includedNamespaces: ['default'] }), deps(cluster, store)),
    ]);
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    expect(((first.status === 'rejected' ? first : second) as PromiseRejectedResult).reason).toBeInstanceOf(BackupExistsError);
  });

  it('keeps its log as Velero does, one logrus-style line per event in <name>-logs.gz, messages quoted so a line stays one line', async () => {
    const store = new MemoryStore();
    await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps', 'widgets.nowhere.io'] }), deps(sourceCluster(world()), store));
    const lines = gunzipSync(store.bytes(key('nginx-backup', 'logs'))).toString().trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^time="[^"]+" level=info msg="backup nginx-backup Completed: \d+ items" backup=nginx-backup$/);
    expect(lines.every((l) => l.startsWith('time="'))).toBe(true);
  });

  it('writes its log even when it fails, next to the Failed velero-backup.json', async () => {
    const cluster = sourceCluster(world());
    cluster.discoveryError = new ClusterError('discovery /version: connect ECONNREFUSED', 0);
    const store = new MemoryStore();
    await runBackup(spec({}), deps(cluster, store));
    expect(gunzipSync(store.bytes(key('nginx-backup', 'logs'))).toString()).toMatch(/level=warning msg="backup nginx-backup Failed: the cluster cannot be used: discovery failed: .*ECONNREFUSED"/);
  });

  it('fails when discovery fails: a Failed velero-backup.json, no tarball, no manifest', async () => {
    const cluster = sourceCluster(world());
    cluster.discoveryError = new ClusterError('discovery /version: connect ECONNREFUSED', 0);
    const store = new MemoryStore();
    const outcome = await runBackup(spec({}), deps(cluster, store));
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/cluster cannot be used.*ECONNREFUSED/), files: {} });
    expect([...store.objects.keys()]).toEqual([key('nginx-backup', 'backup'), key('nginx-backup', 'logs')]);
    expect(store.json(key('nginx-backup', 'backup'))).toMatchObject({ status: { phase: 'Failed', failureReason: expect.stringMatching(/ECONNREFUSED/) } });
  });

  it('fails when no type can be listed at all, aborting the tarball upload', async () => {
    const cluster = sourceCluster(world());
    for (const r of ['configmaps', 'secrets']) cluster.failures.set(r, new ClusterError(`list ${r}: connect ECONNRESET`, 0));
    const store = new MemoryStore();
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['configmaps', 'secrets'] }), deps(cluster, store));
    expect(outcome.phase).toBe('Failed');
    expect(store.aborted).toEqual([key('nginx-backup', 'tarball')]);
    expect(store.objects.has(key('nginx-backup', 'manifest'))).toBe(false);
  });

  it('fails when the bucket breaks midway through the tarball: upload aborted, no manifest', async () => {
    const objects = Array.from({ length: 300 }, (_, i) => obj('v1', 'Secret', `s-${i}`, 'default', { data: { k: randomBytes(1500).toString('base64') } }));
    const store = new MemoryStore();
    store.failUploadAfter = 64 * 1024;
    const outcome = await runBackup(spec({ includedNamespaces: ['default'], includedResources: ['secrets'] }), deps(sourceCluster(objects), store, { options: { pageSize: 50 } }));
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/^the bucket failed: .*connection reset by the bucket/) });
    // The original error is kept, so the function's BackupFailedError has it as its cause. Which side sees the break
    // first depends on scheduling: the archive writer (which wraps the bucket's error) or the upload itself.
    const failure = outcome.failure as Error;
    expect(failure.name === 'StoreError' ? failure : failure.cause).toMatchObject({ name: 'StoreError' });
    expect(store.aborted).toEqual([key('nginx-backup', 'tarball')]);
    expect([...store.objects.keys()]).toEqual([key('nginx-backup', 'backup'), key('nginx-backup', 'logs')]);
    expect(store.json(key('nginx-backup', 'backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });

  it('writes no manifest when a file after the tarball cannot be written', async () => {
    const store = new MemoryStore();
    store.failPutOf = /-results\.gz$/;
    const outcome = await runBackup(spec({ includedNamespaces: ['default'] }), deps(sourceCluster(world()), store));
    expect(outcome.phase).toBe('Failed');
    expect(store.objects.has(key('nginx-backup', 'manifest'))).toBe(false);
    expect(store.json(key('nginx-backup', 'backup'))).toMatchObject({ status: { phase: 'Failed' } });
  });
});
