// Velero v1.18.1 (its server a local process, its AWS plugin, the stack's bucket) and Ferry, both ways, with Ferry's
// catalog in the location: Velero restores a Ferry backup from it, and Ferry restores and indexes a Velero backup
// without Velero marking the location Unavailable. Specs are compared object by object.
// NOTE: `velero server` binds :8080 with no flag to move it; startVeleroServer serializes servers across the machine.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../lib/kube/cluster.js';
import type { KubeObject } from '../../lib/model/object.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { ferry } from '../support/ferry-cli.js';
import { createAll, inNamespace, seedDocuments } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackEnv, stackStore } from '../support/stack.js';
import { installVelero, startVeleroServer, velero, veleroBinaries, type VeleroServer, type VeleroSetup } from '../support/velero.js';

const HOUR = 60 * 60 * 1000;
const prefix = freshName('interop');
const layout = new BucketLayout(prefix);
let setup: VeleroSetup;
let server: VeleroServer;
let config: string;
const dir = mkdtempSync(join(tmpdir(), 'ferry-interop-'));

/** The objects both directions back up and restore: the seed's app and some of every common namespaced kind. */
function corpus(namespace: string): KubeObject[] {
  const own: KubeObject[] = [
    ...Array.from({ length: 12 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `settings-${i}`, namespace, labels: { app: 'interop' } }, data: { index: String(i), text: 'x'.repeat(i * 50) } })),
    ...Array.from({ length: 4 }, (_, i) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `creds-${i}`, namespace }, type: 'Opaque', data: { key: Buffer.from(`secret ${i}`).toString('base64') } })),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'worker', namespace }] },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace }, spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'registry.example/api:1.4', ports: [{ containerPort: 8080 }] }] } } } },
  ];
  return [...inNamespace(seedDocuments('app.yaml'), namespace), ...own];
}

/** What must be the same in a restored copy: everything but what the API server, its controllers and the restorer set. */
function comparable(o: KubeObject): unknown {
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, namespace: _n, ...metadata } = o.metadata as Record<string, unknown>;
  const labels = Object.fromEntries(Object.entries((metadata.labels ?? {}) as Record<string, string>).filter(([k]) => !k.startsWith('velero.io/')));
  const annotations = Object.fromEntries(Object.entries((metadata.annotations ?? {}) as Record<string, string>)
    .filter(([k]) => !k.startsWith('velero.io/') && k !== 'deployment.kubernetes.io/revision'));
  const spec = o.spec && o.kind === 'Service' ? { ...(o.spec as Record<string, unknown>), clusterIP: undefined, clusterIPs: undefined } : o.spec;
  const { status: _s, metadata: _md, ...rest } = o as Record<string, unknown>;
  // Both restorers map a binding's subjects in the mapped namespace to the new one, as they should.
  const own = (s: Record<string, unknown>) => (s.namespace === o.metadata.namespace ? { ...s, namespace: '(its own)' } : s);
  const subjects = Array.isArray(o.subjects) ? { subjects: (o.subjects as Record<string, unknown>[]).map(own) } : {};
  return { ...rest, ...subjects, spec, metadata: { ...metadata, labels, annotations } };
}

/** Each corpus object in `from`/`fromNs` and its copy in `to`/`toNs`, read back from the API servers. */
async function pairs(from: Cluster, fromNs: string, to: Cluster, toNs: string): Promise<[unknown, unknown, string][]> {
  return Promise.all(corpus(fromNs).map(async (o) => {
    const [a, b] = await Promise.all([from.read(o.apiVersion, o.kind, o.metadata.name!, fromNs), to.read(o.apiVersion, o.kind, o.metadata.name!, toNs)]);
    return [a && comparable(a), b && comparable(b), `${o.kind} ${o.metadata.name}`] as [unknown, unknown, string];
  }));
}

/** Polls `probe` every second until it returns something, up to `seconds`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, seconds = 180): Promise<T> {
  for (let i = 0; i < seconds; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}; velero server's last log lines:\n${server.log().split('\n').slice(-40).join('\n')}`);
}

async function veleroJson(args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse((await velero(setup, [...args, '-o', 'json'])).out) as Record<string, unknown>;
}

const phaseOf = (o: Record<string, unknown>) => (o.status as { phase?: string } | undefined)?.phase;

/** The location's phase once Velero validated it after `since`. */
async function locationPhase(since: Date): Promise<string> {
  return eventually('a validation of the backup location', async () => {
    const bsl = await veleroJson(['backup-location', 'get', 'default']);
    const status = bsl.status as { phase?: string; lastValidationTime?: string } | undefined;
    return status?.lastValidationTime && Date.parse(status.lastValidationTime) > since.getTime() ? status.phase : undefined;
  });
}

/** Top-level folders under the prefix, as Velero's IsValid lists them. */
async function topLevelFolders(): Promise<string[]> {
  const folders = new Set<string>();
  for await (const o of stackStore().list(`${prefix}/`)) folders.add(o.key.slice(prefix.length + 1).split('/')[0]!);
  return [...folders].sort();
}

describe('Velero interop', () => {
  beforeAll(async () => {
    Object.assign(process.env, stackEnv());
    const binaries = veleroBinaries();
    const stackConfig = parse(readFileSync(join(stackDir(), 'ferry.yaml'), 'utf8')) as { storageLocations: Record<string, { prefix?: string }> };
    stackConfig.storageLocations.default!.prefix = prefix;
    config = join(dir, 'ferry.yaml');
    writeFileSync(config, stringify(stackConfig));
    setup = await installVelero(binaries, 'target', freshName('velero'), prefix);
    server = startVeleroServer(setup, { metrics: 18085 + Math.floor(Math.random() * 1000), profiler: 16060 + Math.floor(Math.random() * 1000) });
    // Another clone's velero server may hold the machine's lock (it binds :8080) for a while: the waits below count
    // from when this one started.
    await server.started;
    expect(await locationPhase(new Date(0))).toBe('Available');
  }, 2 * HOUR);

  afterAll(async () => {
    await server?.stop();
  });

  it('Velero restores a Ferry backup from a location that had the old catalog/ folder and has the catalog now', async () => {
    const ns = freshName('to-velero');
    await createAll(stackCluster('source'), corpus(ns));
    await stackStore().put(`${prefix}/catalog/backups/from-an-older-ferry.json`, '{"kind":"CatalogEntry"}');
    const name = freshName('ferry-backup');
    writeFileSync(join(dir, `${name}.yaml`), stringify({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name }, spec: { includedNamespaces: [ns] } }));
    const backup = await ferry(['backup', '-f', join(dir, `${name}.yaml`), '--config', config]);
    expect(backup.code, backup.err).toBe(0);
    const verify = await ferry(['backups', 'verify', name, '--update-catalog', '--config', config]);
    expect(verify.code, verify.err).toBe(0);
    expect(await stackStore().head(layout.catalogKey(name))).toBeDefined();
    expect(await stackStore().head(layout.catalogKey('from-an-older-ferry'))).toBeDefined();
    expect(await topLevelFolders()).toEqual(['backups', 'plugins']);

    const since = new Date();
    await eventually('Velero to sync the Ferry backup', async () => (phaseOf(await veleroJson(['backup', 'get', name])) === 'Completed' ? true : undefined));
    expect(await locationPhase(since)).toBe('Available');
    const restore = freshName('velero-restore');
    await velero(setup, ['restore', 'create', restore, '--from-backup', name, '--namespace-mappings', `${ns}:${ns}-v`, '--wait']);
    expect(phaseOf(await veleroJson(['restore', 'get', restore]))).toBe('Completed');
    for (const [original, copy, what] of await pairs(stackCluster('source'), ns, stackCluster('target'), `${ns}-v`)) expect(copy, what).toEqual(original);

    const described = await velero(setup, ['backup', 'describe', name, '--details', '--colorized=false']);
    expect(described.out).toMatch(/Phase:\s+Completed/);
    expect(described.out).toContain(`${ns}/settings-0`);
    const logs = await velero(setup, ['backup', 'logs', name]);
    expect(logs.out).toContain(name);
  }, HOUR);

  it('Ferry restores a Velero backup and indexes it, and Velero keeps the location Available', async () => {
    // The first test planted the old catalog/ folder, which Velero refused until Ferry moved it: from here on, never.
    const logFrom = server.log().length;
    const ns = freshName('from-velero');
    await createAll(stackCluster('target'), corpus(ns));
    const name = freshName('velero-backup');
    await velero(setup, ['backup', 'create', name, '--include-namespaces', ns, '--wait']);
    expect(phaseOf(await veleroJson(['backup', 'get', name]))).toBe('Completed');

    const restoreName = freshName('ferry-restore');
    writeFileSync(join(dir, `${restoreName}.yaml`), stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: restoreName }, spec: { backupName: name, namespaceMapping: { [ns]: `${ns}-f` } } }));
    const restore = await ferry(['restore', '-f', join(dir, `${restoreName}.yaml`), '--cluster', 'source', '--config', config]);
    expect(restore.code, restore.err).toBe(0);
    const verify = await ferry(['backups', 'verify', name, '--update-catalog', '--config', config]);
    expect(verify.code, verify.err).toBe(0);
    expect(await stackStore().head(layout.catalogKey(name))).toBeDefined();
    for (const [original, copy, what] of await pairs(stackCluster('target'), ns, stackCluster('source'), `${ns}-f`)) expect(copy, what).toEqual(original);

    expect(await topLevelFolders()).toEqual(['backups', 'plugins', 'restores']);
    expect(await locationPhase(new Date())).toBe('Available');
    expect(server.log().slice(logFrom)).not.toContain('invalid top-level directories');
  }, HOUR);
});
