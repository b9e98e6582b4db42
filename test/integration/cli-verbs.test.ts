// The `ferry` command as a user runs it (bin/ferry.js in a child process) against the local stack: restore identity,
// a backup that catalogs itself, the verbs a Velero user reaches for, and output that is honest and safe.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { BucketLayout } from '../../lib/store/layout.js';
import { archiveEntries, buildBackup, buildTarball, putBackup } from '../support/backup-fixture.js';
import { ferry } from '../support/ferry-cli.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackStore } from '../support/stack.js';

const layout = new BucketLayout('');
const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-verbs-'));

/** Writes a YAML document into the test's folder and returns its path. */
function spec(file: string, doc: unknown): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

describe('ferry, through the real command on the local stack', () => {
  const ns = freshName('cliv');
  const backupName = freshName('cliv-backup');

  beforeAll(async () => {
    await createAll(stackCluster('source'), [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns, labels: { app: 'cliv' } }, data: { color: 'blue' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: ns, labels: { app: 'cliv' } }, stringData: { a: 'b' } },
    ]);
    const backup = await ferry(['backup', '-f', spec('backup.yaml', { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: backupName },
      // The label leaves out what the controller-manager adds to every namespace (kube-root-ca.crt, the default ServiceAccount).
      spec: { includedNamespaces: [ns], labelSelector: { matchLabels: { app: 'cliv' } } } })]);
    expect(backup.code, backup.err).toBe(0);
    // The backup judged and cataloged itself: no bucket-event bridge runs on this stack.
    expect(backup.out).toMatch(/\n {2}catalog: {2}Completed, verified against its manifest\n/);
    expect(backup.err).toMatch(/ {2}secrets: 1 item \(\d+\/\d+ types; [\d.]+ (B|KiB) archived, [\d.]+ (B|KiB) compressed so far\)/);
  });

  it('refuses to show a finished restore\'s result for another cluster (the false success), and runs it anew under another name', async () => {
    const restoreName = freshName('cliv-restore');
    const restore = spec('restore.yaml', { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: restoreName }, spec: { backupName, namespaceMapping: { [ns]: `${ns}-copy` } } });
    const first = await ferry(['restore', '-f', restore, '--cluster', 'target']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/Completed\n {2}objects: 3 \(3 created/);

    const elsewhere = await ferry(['restore', '-f', restore, '--cluster', 'source']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.out).toBe('');
    expect(elsewhere.err).toContain(`ferry restore: restore ${restoreName} already ran from backup ${backupName} into cluster target`);
    expect(elsewhere.err).toContain('it is not run again against cluster source');
    expect(await stackCluster('source').read('v1', 'ConfigMap', 'app-config', `${ns}-copy`)).toBeUndefined();

    const again = await ferry(['restore', '-f', restore, '--cluster', 'target']);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/Completed\n {2}objects: 3 \(3 created/); // its own stored result

    const anew = await ferry(['restore', '-f', restore, '--cluster', 'source', '--name', `${restoreName}-src`]);
    expect(anew.code, anew.err).toBe(0);
    expect(anew.out).toMatch(/objects: 3 \(3 created/);
    expect(await stackCluster('source').read('v1', 'ConfigMap', 'app-config', `${ns}-copy`)).toMatchObject({ data: { color: 'blue' } });

    const listed = await ferry(['restores', 'list', '-o', 'json']);
    expect(listed.code, listed.err).toBe(0);
    const rows = (JSON.parse(listed.out) as { restores: { name: string; targetCluster: string; phase: string }[] }).restores;
    expect(rows.filter((r) => r.name.startsWith(restoreName))).toEqual([
      expect.objectContaining({ name: restoreName, targetCluster: 'target', phase: 'Completed' }),
      expect.objectContaining({ name: `${restoreName}-src`, targetCluster: 'source', phase: 'Completed' }),
    ]);
    const table = await ferry(['restores', 'list']);
    expect(table.out).toMatch(new RegExp(`^NAME +BACKUP +CLUSTER +PHASE +AGE +CREATED +FAILED\\n[\\s\\S]*${restoreName} +${backupName} +target +Completed +\\d+s +3 +0\\n`));
  });

  it('says there is no such backup when a restore names one that is not in the location', async () => {
    const run = await ferry(['restore', '-f', spec('ghost.yaml', { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: freshName('cliv-ghost') }, spec: { backupName: 'no-such-backup' } }), '--cluster', 'target']);
    expect(run.code).toBe(2);
    expect(run.err).toBe('ferry restore: no backup named no-such-backup in storage location default\n');
  });

  it('describes a backup from the catalog it wrote itself, and judges one that is not in the catalog on the fly, saying so', async () => {
    const described = await ferry(['backups', 'describe', backupName, '-o', 'yaml']);
    expect(described.code, described.err).toBe(0);
    expect(described.out).toMatch(/^apiVersion: ferry.dev\/v1\nkind: CatalogEntry\n/);
    expect(described.out).toMatch(/\nphase: Completed\n/);

    const velero = freshName('cliv-velero');
    await putBackup(stackStore(), layout, velero, await buildBackup(velero, { ferry: false }));
    const judged = await ferry(['backups', 'describe', velero]);
    expect(judged.code, judged.err).toBe(0);
    expect(judged.out).toMatch(/Phase: +Completed\n/);
    expect(judged.out).toContain(`Indexed:         not in the catalog: judged now from its files (\`ferry backups verify ${velero} --update-catalog\` records it)`);
    await ferry(['backups', 'delete', velero]);
  });

  it('prints the backup\'s log, as `velero backup logs` does', async () => {
    const logs = await ferry(['backups', 'logs', backupName]);
    expect(logs.code, logs.err).toBe(0);
    expect(logs.out).toMatch(new RegExp(`^time="[^"]+" level=info msg="backup ${backupName} Completed: 3 items" backup=${backupName}$`, 'm'));
  });

  it('deletes a backup whose writer crashed so that its name can be used again', async () => {
    const name = freshName('cliv-crashed');
    const store = stackStore();
    // What a writer killed mid-run leaves: its claim, velero-backup.json InProgress, and nothing else.
    const [, backupJson] = (await buildBackup(name, { phase: 'InProgress' })).find(([f]) => f === 'velero-backup.json')!;
    await store.put(layout.backupKey(name, 'backup'), backupJson);
    const file = spec('crashed.yaml', { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name }, spec: { includedNamespaces: [ns] } });

    const taken = await ferry(['backup', '--file', file]);
    expect(taken.code).toBe(2);
    expect(taken.err).toMatch(new RegExp(`already exists.*\`ferry backups delete ${name}\` frees the name`));
    const refused = await ferry(['backups', 'delete', name]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/still in progress \(velero-backup.json says phase InProgress\); if its writer is gone \(crashed or killed\), delete it with --force/);
    const deleted = await ferry(['backups', 'delete', name, '--force']);
    expect(deleted.code, deleted.err).toBe(0);
    expect(deleted.out).toBe(`backup ${name} deleted (2 objects, its catalog entry included)\n`);
    const reused = await ferry(['backup', '-f', file]);
    expect(reused.code, reused.err).toBe(0);
    expect((await ferry(['backups', 'delete', name])).code).toBe(0);
    expect(await store.head(layout.backupKey(name, 'backup'))).toBeUndefined();
  });

  it('lists and describes schedules: next runs, the last backup each made and its phase', async () => {
    const schedule = freshName('cliv-nightly');
    const file = spec('schedules.yaml', { apiVersion: 'velero.io/v1', kind: 'Schedule', metadata: { name: schedule }, spec: { schedule: '0 3 * * *', template: { includedNamespaces: [ns], includedResources: ['configmaps'] } } });
    const taken = await ferry(['backup', '-f', file]);
    expect(taken.code, taken.err).toBe(0);
    const made = /^backup (\S+): Completed/.exec(taken.out)![1]!;

    const list = await ferry(['schedules', 'list', '-f', file]);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toMatch(new RegExp(`^NAME +SCHEDULE +PAUSED +NEXT RUN +LAST BACKUP +PHASE +AGE\\n${schedule} +0 3 \\* \\* \\* +no +\\d{4}-\\d\\d-\\d\\dT03:00:00.000Z +${made} +Completed +\\d+s\\n$`));
    const described = await ferry(['schedules', 'describe', schedule, '-f', file, '-o', 'json']);
    expect(JSON.parse(described.out)).toMatchObject({ name: schedule, paused: false, backups: [{ name: made, phase: 'Completed' }], nextRuns: expect.arrayContaining([expect.stringMatching(/T03:00:00.000Z$/)]) });
    expect(JSON.parse(described.out).nextRuns).toHaveLength(5);
    await ferry(['backups', 'delete', made]);
  });

  it('prints a hostile backup\'s escape sequences escaped in describe, verify, restore and transform, never raw', async () => {
    const name = freshName('cliv-hostile');
    const evil = '\x1b[2J\x1b[H\x1b[32mALL GOOD: Completed\x1b[0m';
    const entries = [...archiveEntries(), { path: `resources/configmaps/namespaces/default/${evil}.json`, body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: evil, namespace: 'default' } } }];
    const tarball = await buildTarball(entries);
    await putBackup(stackStore(), layout, name, await buildBackup(name, { tarball }));
    writeFileSync(join(dir, 'hostile.tar.gz'), tarball);
    const restore = spec('hostile-restore.yaml', { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: freshName('cliv-hostile-r') }, spec: { backupName: name, namespaceMapping: { default: freshName('cliv-h') } } });
    for (const args of [['backups', 'verify', name], ['backups', 'describe', name], ['restore', '-f', restore, '--cluster', 'target', '--dry-run'], ['transform', join(dir, 'hostile.tar.gz')]]) {
      const run = await ferry(args);
      const printed = run.out + run.err;
      expect(printed, args.join(' ')).not.toContain('\x1b');
      expect(printed, args.join(' ')).toContain('\\x1b[2J\\x1b[H\\x1b[32mALL GOOD');
    }
    await ferry(['backups', 'delete', name]);
  });

  it('knows its version and suggests what a typo meant', async () => {
    const version = await ferry(['--version']);
    expect(version.out).toMatch(/^ferry \d+\.\d+\.\d+ /);
    const typo = await ferry(['backups', 'lsit']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/unknown verb "lsit" \(did you mean list\?\)/);
  });
});
