// `ferry backup` end to end on the local stack: the stack's ferry.yaml, a spec file, progress and summary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../lib/cli/io.js';
import { BucketLayout } from '../../lib/store/layout.js';
import { parseManifest } from '../../lib/store/manifest.js';
import { bundledMain, stackCliIo } from '../support/cli-io.js';
import { freshName, stackCluster, stackEnv, stackStore } from '../support/stack.js';
import { waitForNamespaceDefaults } from '../support/workloads.js';

/** `ferry backup ...` as the command runs it (errors mapped to exit codes by main). */
const main = await bundledMain();
const run = (argv: string[], io: CliIo) => main(['backup', ...argv], io);

describe('ferry backup', () => {
  const ns = freshName('cli-backup');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-backup-'));

  beforeAll(async () => {
    // The S3 client of the config's location takes its credentials from the environment, as on a laptop.
    const env = stackEnv();
    process.env.AWS_ACCESS_KEY_ID ??= env.AWS_ACCESS_KEY_ID;
    process.env.AWS_SECRET_ACCESS_KEY ??= env.AWS_SECRET_ACCESS_KEY;
    const cluster = stackCluster('source');
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (let i = 0; i < 3; i++) await cluster.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
    await cluster.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns }, stringData: { a: 'b' } });
    await waitForNamespaceDefaults(cluster, ns);
  });

  it('takes the seed-shaped ApplicationBackup, prints progress per resource type on stderr and a summary on stdout', async () => {
    const name = freshName('cli');
    writeFileSync(join(dir, 'backup.yaml'), `apiVersion: csdr.alibabacloud.com/v1beta1
kind: ApplicationBackup
metadata:
  name: ${name}
  namespace: csdr
spec:
  backupType: AppBackup
  includedNamespaces:
  - ${ns}
  ttl: 720h0m0s
`);
    const io = stackCliIo(dir);
    const code = await run(['-f', 'backup.yaml'], io);
    expect({ code, err: io.err }).toMatchObject({ code: 0 });
    // The test's three ConfigMaps and the kube-root-ca.crt the controller manager puts into every namespace.
    expect(io.err).toMatch(/configmaps: 4 items \(\d+\/\d+ types; [\d.]+ (B|KiB) archived, [\d.]+ (B|KiB) compressed so far\)/);
    expect(io.err).toMatch(/secrets: 1 item /);
    expect(io.out).toMatch(new RegExp(`^backup ${name}: Completed in [\\d.]+s`));
    expect(io.out).toMatch(/items: +7 \(/); // 4 ConfigMaps, 1 Secret, the default ServiceAccount, the Namespace
    expect(io.out).toMatch(/configmaps +4\n/);
    const manifest = await stackStore().getBytes(new BucketLayout('').backupKey(name, 'manifest'));
    expect(parseManifest(manifest.bytes, name).files[`${name}.tar.gz`]!.size).toBeGreaterThan(0);
  });

  it('takes one backup now from a schedule, named after the schedule and the time', async () => {
    writeFileSync(join(dir, 'schedule.yaml'), `apiVersion: velero.io/v1
kind: Schedule
metadata: {name: ${ns}-nightly}
spec:
  schedule: "0 3 * * *"
  template: {includedNamespaces: [${ns}], includedResources: [secrets]}
`);
    const io = stackCliIo(dir);
    expect(await run(['-f', 'schedule.yaml', '--cluster', 'source'], io)).toBe(0);
    expect(io.out).toMatch(new RegExp(`^backup ${ns}-nightly-\\d{14}: Completed`));
  });

  it.each([
    ['a spec with problems lists them all and writes nothing', ['-f', 'bad.yaml'], /2 problems found[\s\S]*spec.ttl[\s\S]*spec.backupType/],
    ['a cluster the config does not have', ['-f', 'backup.yaml', '--cluster', 'nowhere'], /cluster "nowhere" is not in the config/],
    ['no spec at all', [], /a spec is required/],
  ])('exits 2 for %s', async (_name, argv, message) => {
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: ferry.dev/v1\nkind: ApplicationBackup\nmetadata: {name: bad}\nspec: {ttl: forever, backupType: Full}\n');
    const io = stackCliIo(dir);
    expect(await run(argv, io)).toBe(2);
    expect(io.err).toMatch(message);
  });

  it('exits 2 and says so when the backup name is taken', async () => {
    const name = freshName('cli-twice');
    writeFileSync(join(dir, 'twice.yaml'), `apiVersion: ferry.dev/v1\nkind: ApplicationBackup\nmetadata: {name: ${name}}\nspec: {includedNamespaces: [${ns}], includedResources: [secrets]}\n`);
    expect(await run(['-f', 'twice.yaml'], stackCliIo(dir))).toBe(0);
    const io = stackCliIo(dir);
    expect(await run(['-f', 'twice.yaml'], io)).toBe(2);
    expect(io.err).toMatch(/already exists/);
  });
});
