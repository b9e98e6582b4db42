// The seed migration with its data: each replica of the seed's StatefulSet writes its own page into its volume in the
// source; Ferry backs the namespace up with the seed's ApplicationBackup (AppAndPvBackup), its claims' data moved by
// kopia mover Jobs into the bucket; the restore (the seed's ApplicationRestore, another storage class through
// storageClassMapping) fills the new claims in the target from the snapshots before the pods that mount them are
// created, and web-0 and web-1 serve exactly the pages written in the source.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../lib/backup/run-backup.js';
import { runRestore } from '../../lib/restore/run-restore.js';
import { parseBackupSpec } from '../../lib/spec/backup-spec.js';
import { parseRestoreSpec } from '../../lib/spec/restore-spec.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { MOVER_LABEL } from '../../lib/volumes/job-manifest.js';
import { RESTORED_FROM_ANNOTATION } from '../../lib/volumes/restore-volume-data.js';
import { parseVolumeData } from '../../lib/volumes/volume-data-record.js';
import { stackMover } from '../support/mover.js';
import { createAll, inNamespace, seedDocuments, seedModifierConfigMap } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';
import { POD_TEST_TIMEOUT_MS, deleteNamespaces, fetchFromPod, listOf, volumeFolderOf, waitFor, waitForRunning } from '../support/workloads.js';

const layout = new BucketLayout('it-volume-data');
const store = stackStore();
const source = stackCluster('source');
const target = stackCluster('target');
const app = freshName('vd-app');
const mapped = freshName('vd-app1');
const csdr = freshName('vd-csdr');
const backupName = freshName('nginx-backup');
const pages = new Map(['web-0', 'web-1'].map((n) => [n, `${n} in the data centre ${randomBytes(6).toString('hex')}\n`]));

/** Waits until nothing of the movers is left in a namespace: Jobs, pods (their deletion takes a grace period), Secrets. */
async function moverLeftovers(cluster: typeof source, namespace: string): Promise<string[]> {
  let found: string[] = [];
  await waitFor(`no mover objects in ${namespace}`, async () => {
    const lists = await Promise.all(['jobs', 'pods', 'secrets'].map(async (r) => (await listOf(cluster, r, namespace, MOVER_LABEL)).map((o) => `${r}/${o.metadata.name}`)));
    found = lists.flat();
    return found.length === 0 ? true : undefined;
  }, 90, () => found.join(', ')).catch(() => undefined);
  return found;
}

describe('the seed migration with its volume data', { timeout: POD_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    await createAll(source, inNamespace(seedDocuments('app.yaml'), app));
    await createAll(target, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: csdr } }, seedModifierConfigMap(csdr, app)]);
  });
  afterAll(async () => {
    await Promise.all([deleteNamespaces(source, [app]), deleteNamespaces(target, [mapped, csdr])]);
  });

  it('has each replica in the source serve its own page from its own volume', async () => {
    const pods = await waitForRunning(source, app, ['web-0', 'web-1']);
    for (const [name, page] of pages) {
      writeFileSync(join(await volumeFolderOf(source, app, `www-${name}`), 'index.html'), page);
      expect(await fetchFromPod(pods.get(name)!.podIP!, '/index.html')).toEqual({ status: 200, body: page });
    }
  });

  it('backs the claims\' data up into the bucket\'s kopia repository of the namespace, recorded in the manifest', async () => {
    const doc = seedDocuments('backup.yaml')[0]!;
    const spec = parseBackupSpec({ ...doc, metadata: { ...doc.metadata, name: backupName }, spec: { ...(doc.spec as object), includedNamespaces: [app] } }, 'backup.yaml');
    const backup = await runBackup(spec, { store, layout, cluster: source, clock: () => new Date(), volumeMover: stackMover(source, layout) });
    expect(backup.results.errors).toEqual({});
    expect(JSON.stringify(backup.results.warnings)).not.toMatch(/www-web-|volume data|not moved/);
    expect(backup.phase).toBe('Completed');
    expect(Object.keys(backup.files)).toContain('ferry-volume-data.json');

    const { bytes } = await store.getBytes(layout.backupKey(backupName, 'volumeData'));
    const record = parseVolumeData(Buffer.from(bytes).toString('utf8'));
    expect(record.problems).toEqual([]);
    expect(record.volumes.map((v) => [v.namespace, v.claim, v.files, v.bytes])).toEqual([
      [app, 'www-web-0', 1, Buffer.byteLength(pages.get('web-0')!)], [app, 'www-web-1', 1, Buffer.byteLength(pages.get('web-1')!)],
    ]);
    const repository: string[] = [];
    for await (const o of store.list(layout.repositoryPrefix(app))) repository.push(o.key.slice(layout.repositoryPrefix(app).length));
    expect(repository).toContain('kopia.repository');
    expect(repository.some((k) => k.startsWith('p'))).toBe(true);
    expect(await moverLeftovers(source, app)).toEqual([]);
  });

  it('restores into the target with another storage class, filling each claim before its pod starts; web-0 and web-1 serve the source\'s pages', async () => {
    const doc = seedDocuments('restore.yaml')[0]!;
    const name = freshName('nginx-restore');
    const spec = parseRestoreSpec({
      ...doc, metadata: { ...doc.metadata, name, namespace: csdr },
      spec: { ...(doc.spec as object), backupName, namespaceMapping: { [app]: mapped }, storageClassMapping: { 'alicloud-disk-topology-alltype': 'ferry-local' } },
    }, 'restore.yaml');
    const events: string[] = [];
    const log = { info: (m: string) => { if (m.startsWith('filled ')) events.push(m); }, warn: () => undefined };
    const result = await runRestore({ name, spec, dryRun: false }, {
      store, layout, cluster: target, now: () => new Date(), log, volumeMover: stackMover(target, layout),
      onProgress: (o) => { if (o.kind === 'Pod' || o.kind === 'StatefulSet') events.push(`${o.status} ${o.kind} ${o.name}`); },
    });
    expect(result.counts.failed, JSON.stringify(result.results.errors)).toBe(0);
    expect(result.results.errors).toEqual({});
    // Both claims were filled before any pod or the StatefulSet was created.
    expect(events.slice(0, 2).sort()).toEqual([`filled PersistentVolumeClaim ${mapped}/www-web-0`, `filled PersistentVolumeClaim ${mapped}/www-web-1`]);
    expect(events.length).toBeGreaterThan(2);

    for (const claim of ['www-web-0', 'www-web-1']) {
      const pvc = await target.read('v1', 'PersistentVolumeClaim', claim, mapped);
      expect((pvc?.spec as { storageClassName?: string }).storageClassName).toBe('ferry-local');
      expect(pvc?.metadata.annotations?.[RESTORED_FROM_ANNOTATION]).toMatch(/^[0-9a-z]+$/);
    }
    // NOTE: the StatefulSet controller replaces the adopted pods with pods of its changed template (the mapped image,
    // the modifier rules), so a pod found Running may be on its way out: ask again until both pages are served.
    let served: Record<string, unknown> = {};
    await waitFor('web-0 and web-1 serving their pages in the target', async () => {
      const pods = await waitForRunning(target, mapped, ['web-0', 'web-1']);
      served = Object.fromEntries(await Promise.all([...pages.keys()].map(async (n) => [n, await fetchFromPod(pods.get(n)!.podIP!, '/index.html')
        .then((r) => ({ ...r, node: pods.get(n)!.nodeName }), (err: Error) => err.message)])));
      return [...pages.keys()].every((n) => typeof served[n] === 'object') ? true : undefined;
    }, 120, () => JSON.stringify(served));
    for (const [podName, page] of pages) expect(served[podName]).toEqual({ status: 200, body: page, node: 'target-node' });
    expect(await moverLeftovers(target, mapped)).toEqual([]);
  });
});
