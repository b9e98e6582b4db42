// The backup service against the real local stack: a real API server (paged lists, discovery, CRDs) and a real
// S3 server (multipart upload, conditional writes). Only "the bucket fails midway" uses a wrapper around the real
// store, since a real server cannot be made to fail at a chosen byte.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackupExistsError } from '../../lib/backup/errors.js';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { AlreadyExists } from '../../lib/kube/errors.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseBackupSpec, type BackupSpec } from '../../lib/spec/backup-spec.js';
import { readAll } from '../../lib/store/s3-store.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { parseManifest } from '../../lib/store/manifest.js';
import type { ObjectStore } from '../../lib/store/object-store.js';
import { tarEntries } from '../support/backup-archive.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';

const GROUP = 'backup.ferry.test';
const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `gadgets.${GROUP}` },
  spec: {
    group: GROUP, scope: 'Namespaced', names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

async function createAll(cluster: Cluster, objects: KubeObject[]): Promise<void> {
  for (const o of objects) {
    try {
      await cluster.create(o);
    } catch (err) {
      if (!(err instanceof AlreadyExists)) throw err;
    }
  }
}

async function waitForServed(cluster: Cluster, resource: string, group: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await cluster.discover({ refresh: true });
    if (d.resources.some((r) => r.group === group && r.resource === resource)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${resource}.${group} is not served after 20 s`);
}

function backupSpec(name: string, fields: Record<string, unknown>): BackupSpec {
  return parseBackupSpec({ apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'ApplicationBackup', metadata: { name, namespace: 'csdr' }, spec: fields }, 'test');
}

const clock = () => new Date();

describe('backup on the local stack', () => {
  const ns = freshName('backup');
  const pvName = `${ns}-pv`;
  const store = stackStore();
  const layout = new BucketLayout(freshName('it-backup'));

  beforeAll(async () => {
    const cluster = stackCluster('source');
    await createAll(cluster, [CRD]);
    await waitForServed(cluster, 'gadgets', GROUP);
    await createAll(cluster, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { purpose: 'backup-test' } } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${ns}-other` } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { app: 'shop' } }, data: { colour: 'blue' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'elsewhere', namespace: `${ns}-other` }, data: {} },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns, labels: { app: 'shop' } }, type: 'Opaque', stringData: { password: 'hunter2' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: ns, labels: { app: 'shop' } }, spec: { ports: [{ port: 80 }], selector: { app: 'shop' } } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: ns, labels: { app: 'shop' } },
        spec: { replicas: 1, selector: { matchLabels: { app: 'shop' } }, template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'web', image: 'ferry.local/web:1' }] } } },
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName },
        spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/ferry' }, storageClassName: 'manual' },
      },
      {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: ns, labels: { app: 'shop' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', volumeName: pvName },
      },
      { apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g1', namespace: ns, labels: { app: 'shop' } }, spec: { size: 3 } },
      { apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g2', namespace: ns, labels: { 'velero.io/exclude-from-backup': 'true' } }, spec: { size: 4 } },
    ]);
  });

  it('backs up a namespace with mixed kinds, its custom resources with their CRD and its claim with its PV, all checked back from the bucket', async () => {
    const outcome = await runBackup(backupSpec('mixed', { includedNamespaces: [ns] }), { store, layout, cluster: stackCluster('source'), clock, storageLocation: 'stack' });
    expect(outcome).toMatchObject({ phase: 'Completed', errors: 0 });

    const entries = await tarEntries(await readAll((await store.get(layout.backupKey('mixed', 'tarball'))).body));
    const paths = [...entries.keys()];
    for (const p of [
      `resources/configmaps/namespaces/${ns}/settings.json`, `resources/configmaps/v1-preferredversion/namespaces/${ns}/settings.json`,
      `resources/secrets/namespaces/${ns}/creds.json`, `resources/services/namespaces/${ns}/shop.json`,
      `resources/deployments.apps/namespaces/${ns}/shop.json`, `resources/deployments.apps/v1-preferredversion/namespaces/${ns}/shop.json`,
      `resources/persistentvolumeclaims/namespaces/${ns}/data.json`, `resources/persistentvolumes/cluster/${pvName}.json`,
      `resources/gadgets.${GROUP}/namespaces/${ns}/g1.json`, `resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gadgets.${GROUP}.json`,
      `resources/namespaces/cluster/${ns}.json`, 'metadata/version',
    ]) expect(paths).toContain(p);
    expect(paths.filter((p) => p.includes(`${ns}-other`) || p.includes('/g2.json'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('resources/events') || p.startsWith('resources/nodes'))).toEqual([]);
    const deployment = JSON.parse(entries.get(`resources/deployments.apps/namespaces/${ns}/shop.json`)!);
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop', namespace: ns }, spec: { replicas: 1 } });
    expect(JSON.parse(entries.get(`resources/secrets/namespaces/${ns}/creds.json`)!).data).toEqual({ password: Buffer.from('hunter2').toString('base64') });

    const manifest = parseManifest((await store.getBytes(layout.backupKey('mixed', 'manifest'))).bytes, 'mixed');
    expect(Object.keys(manifest.files).sort()).toEqual(['mixed-logs.gz', 'mixed-resource-list.json.gz', 'mixed-results.gz', 'mixed.tar.gz', 'velero-backup.json']);
    for (const [file, entry] of Object.entries(manifest.files)) {
      const bytes = (await store.getBytes(layout.backupPrefix('mixed') + file)).bytes;
      expect({ file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ file, ...entry });
    }
    const backup = JSON.parse(Buffer.from((await store.getBytes(layout.backupKey('mixed', 'backup'))).bytes).toString());
    expect(backup.status).toMatchObject({ phase: 'Completed', formatVersion: '1.1.0', progress: { itemsBackedUp: outcome.itemsBackedUp } });
    const list = JSON.parse(gunzipSync((await store.getBytes(layout.backupKey('mixed', 'resourceList'))).bytes).toString());
    expect(list['v1/PersistentVolume']).toEqual([pvName]);
    expect(list[`${GROUP}/v1/Gadget`]).toEqual([`${ns}/g1`]);
  });

  it('sends the label selector to the server and keeps the namespace that holds the matches', async () => {
    const outcome = await runBackup(backupSpec('labelled', { includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'shop' } }, includedResources: ['configmaps', 'secrets', 'namespaces'] }),
      { store, layout, cluster: stackCluster('source'), clock, storageLocation: 'stack', options: { pageSize: 1 } });
    expect(outcome).toMatchObject({ phase: 'Completed', byResource: { configmaps: 1, secrets: 1, namespaces: 1 } });
  });

  it('refuses to write over an existing backup', async () => {
    await expect(runBackup(backupSpec('mixed', { includedNamespaces: [ns] }), { store, layout, cluster: stackCluster('source'), clock }))
      .rejects.toBeInstanceOf(BackupExistsError);
  });

  it('a bucket failure midway aborts the multipart upload and leaves no manifest and no tarball', async () => {
    const failing = failAfterBytes(store, 64 * 1024);
    const cluster = stackCluster('source');
    const big = freshName('backup-big');
    await createAll(cluster, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: big } }]);
    // Incompressible data, so that the tarball passes 64 KiB for sure.
    const noise = (i: number) => createHash('sha512').update(`${big}-${i}`).digest('base64');
    await Promise.all(Array.from({ length: 60 }, (_, i) => cluster.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: big },
      data: { noise: Array.from({ length: 40 }, (_, j) => noise(i * 100 + j)).join('') } })));
    const outcome = await runBackup(backupSpec('broken', { includedNamespaces: [big], includedResources: ['configmaps'] }), { store: failing, layout, cluster, clock });
    expect(outcome).toMatchObject({ phase: 'Failed', failureReason: expect.stringMatching(/bucket stopped answering/) });
    expect(await store.head(layout.backupKey('broken', 'manifest'))).toBeUndefined();
    expect(await store.head(layout.backupKey('broken', 'tarball'))).toBeUndefined();
    const backup = JSON.parse(Buffer.from((await store.getBytes(layout.backupKey('broken', 'backup'))).bytes).toString());
    expect(backup.status.phase).toBe('Failed');
  });
});

/** The real store, except that a streamed upload fails once `limit` bytes have gone through. */
function failAfterBytes(real: ObjectStore, limit: number): ObjectStore {
  return {
    put: (k, b, o) => real.put(k, b, o), get: (k) => real.get(k), getBytes: (k) => real.getBytes(k), head: (k) => real.head(k),
    list: (p) => real.list(p), delete: (k) => real.delete(k), listUploads: (p) => real.listUploads(p), abortUpload: (u) => real.abortUpload(u),
    upload: (key: string, body: Readable, options?: { contentType?: string }) => {
      let seen = 0;
      const breaking = new Transform({
        transform(chunk: Buffer, _enc, done) {
          seen += chunk.length;
          if (seen > limit) done(new Error('the bucket stopped answering'));
          else done(null, chunk);
        },
      });
      body.on('error', (err) => breaking.destroy(err));
      return real.upload(key, body.pipe(breaking), options);
    },
  };
}
