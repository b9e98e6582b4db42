// The functions as AWS runs them, on the local stack: osls offline serves them on the Lambda API, bucket
// events reach index through versitygw's webhook and the bridge, and restore writes into the target plane.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalogEntry } from '../../lib/catalog/catalog-entry.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { localSchedules, startOffline, type Offline } from '../../scripts/offline/offline.js';
import { freePort } from '../support/ports.js';
import { freshName, stackCluster, stackDir, stackStore } from '../support/stack.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let offline: Offline;
const layout = new BucketLayout('');
const source = stackCluster('source');
const target = stackCluster('target');

beforeAll(async () => {
  // Ports of its own, so that suites of other clones on this machine can run at the same time.
  offline = await startOffline({ stackDir: stackDir(), lambdaPort: await freePort(), httpPort: await freePort(), log: () => undefined });
}, 300_000);

afterAll(async () => {
  await offline?.stop();
  source.close();
  target.close();
}, 60_000);

/** Waits until index has written a catalog entry for the backup with a final phase. */
async function catalogPhase(name: string, timeoutMs = 60_000): Promise<string> {
  const store = stackStore();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { entry } = await readCatalogEntry(store, layout, name);
    if (entry && entry.phase !== 'Incomplete') return entry.phase;
    if (Date.now() > deadline) return entry?.phase ?? 'no catalog entry';
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The first EMF line in the functions' log that `match` accepts, waiting for the log to be written. */
async function emfLine(match: (line: Emf) => boolean, timeoutMs = 20_000): Promise<Emf> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = readFileSync(offline.logFile, 'utf8').split('\n').map((l) => l.slice(l.indexOf('{'))).filter((l) => l.includes('"_aws"'));
    const found = lines.map((l) => { try { return JSON.parse(l) as Emf; } catch { return undefined; } }).find((l) => l && match(l));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no matching EMF line in ${offline.logFile} (${lines.length} EMF lines)`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** A CloudWatch embedded-metric-format line. */
type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } } & Record<string, unknown>;

/** A namespace in the source plane with a ConfigMap and a Service, as an application would have. */
async function sourceApp(ns: string): Promise<void> {
  await source.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await source.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: { app: 'shop' } }, data: { mode: 'blue' } });
  await source.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'shop', namespace: ns, labels: { app: 'shop' } }, spec: { selector: { app: 'shop' }, ports: [{ port: 80 }] } });
}

describe('the functions behind the Lambda API', () => {
  it('backs up through the Lambda API, indexes the backup from its bucket events, and restores it into the target', async () => {
    const ns = freshName('svl');
    await sourceApp(ns);

    const backup = await offline.invoke<{ backup: string; phase: string; itemsBackedUp: number }>('backup', {
      spec: { apiVersion: 'ferry.dev/v1', kind: 'ApplicationBackup', metadata: { name: ns }, spec: { includedNamespaces: [ns], storageLocation: 'default' } },
      cluster: 'source',
    });
    expect(backup).toMatchObject({ backup: ns, phase: 'Completed' });
    // The app's three objects, and what the source's controllers made: the default ServiceAccount, the root CA
    // ConfigMap, the Service's Endpoints and EndpointSlice (some of them may not be there yet).
    expect(backup.itemsBackedUp).toBeGreaterThanOrEqual(3);
    // The function wrote its metrics as CloudWatch EMF lines in its log, as Lambda would ship them to CloudWatch.
    const emf = await emfLine((l) => l.function === 'backup' && l.BackupItems === backup.itemsBackedUp);
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Ferry', Dimensions: [['service', 'function']] });
    expect(emf).toMatchObject({ BackupFailed: 0, BackupBytes: expect.any(Number), BackupDuration: expect.any(Number) });

    expect(await catalogPhase(ns)).toBe('Completed');
    const indexed = offline.bridge.invocations.filter((i) => i.keys.some((k) => k.startsWith(`backups/${ns}/`)));
    expect(indexed.length).toBeGreaterThan(0);
    expect(indexed.every((i) => i.ok)).toBe(true);

    const restored = `${ns}-r`;
    const restore = await offline.invoke<{ phase: string; counts: Record<string, number> }>('restore', {
      spec: { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: `${ns}-restore` }, spec: { backupName: ns, namespaceMapping: { [ns]: restored } } },
      cluster: 'target',
    });
    expect(restore.phase).toBe('Completed');
    expect(restore.counts).toMatchObject({ failed: 0 });
    expect(restore.counts.total).toBeGreaterThanOrEqual(3);
    const configMap = await target.read('v1', 'ConfigMap', 'settings', restored);
    expect(configMap?.data).toEqual({ mode: 'blue' });
    expect(configMap?.metadata.labels).toMatchObject({ 'app': 'shop', 'velero.io/backup-name': ns, 'velero.io/restore-name': `${ns}-restore` });
    expect(await target.read('v1', 'Service', 'shop', restored)).toBeDefined();
  });

  it('takes a scheduled backup from the event a BackupSchedule\'s rule delivers, named by its firing time', async () => {
    const ns = freshName('svs');
    await sourceApp(ns);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-schedules-'));
    const file = join(dir, 'schedules.yaml');
    writeFileSync(file, `apiVersion: csdr.alibabacloud.com/v1beta1\nkind: BackupSchedule\nmetadata: {name: ${ns}, namespace: csdr}\nspec:\n  schedule: 6h30m\n  template:\n    includedNamespaces: [${ns}]\n`);
    const [schedule] = localSchedules(file, 'ferry-dev');
    const result = await offline.invoke<{ backup: string; phase: string; itemsBackedUp: number }>('backup', schedule!.eventAt(new Date('2026-01-10T06:30:00Z')));
    expect(result).toMatchObject({ backup: `${ns}-20260110063000`, phase: 'Completed' });
    expect(result.itemsBackedUp).toBeGreaterThanOrEqual(3);
    expect(await catalogPhase(result.backup)).toBe('Completed');
  });

  it.each([
    ['restore', { spec: { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore', metadata: { name: 'r' }, spec: {} } }, /invalid restore request: .*backupName/s],
    ['backup', { spec: 'not: [yaml', cluster: 'source' }, /invalid backup request: .*line 1, column/s],
    ['index', { hello: 'world' }, /invalid S3 event: .*expected an S3 event notification with Records/s],
  ])('answers a malformed %s payload with a clear error through the Lambda API', async (fn, event, message) => {
    await expect(offline.invoke(fn as 'restore', event)).rejects.toThrow(message);
  });
});
