// An object nested about 3,000 levels deep on the real stack: the API server stores it (a custom resource whose
// schema preserves unknown fields takes any JSON its decoder takes), and a backup refuses it alone, with its reason
// in the results and in the counts, and backs up everything else.
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import type { Cluster } from '../../lib/kube/cluster.js';
import { MAX_OBJECT_DEPTH } from '../../lib/model/depth.js';
import type { KubeObject } from '../../lib/model/object.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { tarEntries } from '../support/backup-archive.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';

const GROUP = 'deep.ferry.test';
const CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `nests.${GROUP}` },
  spec: {
    group: GROUP, scope: 'Namespaced', names: { plural: 'nests', singular: 'nest', kind: 'Nest', listKind: 'NestList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
};

function nestedValue(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** Asks discovery until the CRD's resource is served (the API server serves a new CRD within a second or two). */
async function waitForServed(cluster: Cluster): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await cluster.discover({ refresh: true });
    if (d.resources.some((r) => r.group === GROUP && r.resource === 'nests')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nests.${GROUP} is not served after 100 discoveries`);
}

describe('a deeply nested object on the local stack', () => {
  const ns = freshName('deep');
  const cluster = stackCluster('source');
  const store = stackStore();
  const layout = new BucketLayout(freshName('it-deep'));

  beforeAll(async () => {
    await createAll(cluster, [CRD]);
    await waitForServed(cluster);
    await createAll(cluster, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: ns }, data: { a: '1' } },
      { apiVersion: `${GROUP}/v1`, kind: 'Nest', metadata: { name: 'shallow', namespace: ns }, spec: nestedValue(10) },
      { apiVersion: `${GROUP}/v1`, kind: 'Nest', metadata: { name: 'deep', namespace: ns }, spec: nestedValue(3000) },
    ]);
  });

  it('is stored by the API server, and refused alone by a backup with its reason, counted in totalItems', async () => {
    const stored = await cluster.read(`${GROUP}/v1`, 'Nest', 'deep', ns);
    expect(stored?.metadata.name).toBe('deep');
    const spec = parseBackupSpec({ apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: 'deep' }, spec: { includedNamespaces: [ns] } }, 'test');
    const outcome = await runBackup(spec, { cluster, store, layout, clock: () => new Date() });
    // Besides the namespace, the ConfigMap, the shallow Nest and the CRD: the namespace's root CA and service account.
    expect(outcome).toMatchObject({ phase: 'PartiallyFailed', itemsBackedUp: 6, totalItems: 7, errors: 1 });
    const results = JSON.parse(gunzipSync((await store.getBytes(layout.backupKey('deep', 'results'))).bytes).toString()) as { errors: { namespaces: Record<string, string[]> } };
    // 3006, not 3001: the server's managedFields mirror the spec's fields five levels down (metadata, the list, an
    // entry, fieldsV1, f:spec), one more for the leaf's own entry.
    expect(results.errors.namespaces[ns]).toEqual([`nests.${GROUP} ${ns}/deep: not backed up: it nests 3006 levels of objects and arrays, more than the `
      + `${MAX_OBJECT_DEPTH} a backup takes (no Kubernetes object nests so deep; a restore could not walk it)`]);
    const status = (JSON.parse(Buffer.from((await store.getBytes(layout.backupKey('deep', 'backup'))).bytes).toString()) as { status: { progress: unknown } }).status;
    expect(status.progress).toEqual({ totalItems: 7, itemsBackedUp: 6 });
    const entries = [...(await tarEntries(Buffer.from((await store.getBytes(layout.backupKey('deep', 'tarball'))).bytes))).keys()];
    expect(entries).toContain(`resources/nests.${GROUP}/namespaces/${ns}/shallow.json`);
    expect(entries.filter((e) => e.endsWith('/deep.json'))).toEqual([]);
    expect(outcome.manifestKey).toBeDefined();
  });
});
