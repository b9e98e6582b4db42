// `ferry restore` and `ferry restores describe` as a user runs them, against the real stack.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { processIo } from '../../lib/cli/main.js';
import type { CliIo } from '../../lib/cli/io.js';
import { bundledMain } from '../support/cli-io.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster, stackDir, stackEnv } from '../support/stack.js';

const main = await bundledMain();

/** The process io with stdout and stderr recorded, and the stack's environment. */
function recordingIo(): CliIo & { out: string; err: string } {
  const io = { ...processIo(), env: { ...process.env, ...stackEnv() }, interactive: false, out: '', err: '' };
  io.stdout = (t: string) => { io.out += t; };
  io.stderr = (t: string) => { io.err += t; };
  return io;
}

describe('ferry restore', () => {
  // The AWS SDK takes the stack's S3 credentials from the process environment, as it would on a laptop.
  beforeAll(() => { Object.assign(process.env, stackEnv()); });

  it('backs up a namespace, restores it into another with a mapping, and describes the stored result', async () => {
    const ns = freshName('cli');
    await createAll(stackCluster('source'), [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: ns }, data: { color: 'blue' } }]);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
    const backupName = freshName('cli-backup');
    const restoreName = freshName('cli-restore');
    // Without ServiceAccounts: the target's controller makes the namespace's `default` one before or after the
    // restore reaches it, and the counts below would depend on which.
    writeFileSync(join(dir, 'backup.yaml'), stringify({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: backupName },
      spec: { includedNamespaces: [ns], excludedResources: ['serviceaccounts'] } }));
    writeFileSync(join(dir, 'restore.yaml'), stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: restoreName }, spec: { backupName, namespaceMapping: { [ns]: `${ns}-copy` } } }));
    const config = join(stackDir(), 'ferry.yaml');

    const backup = recordingIo();
    expect(await main(['backup', '-f', join(dir, 'backup.yaml'), '--config', config], backup), backup.err).toBe(0);

    const restore = recordingIo();
    expect(await main(['restore', '-f', join(dir, 'restore.yaml'), '--cluster', 'target', '--config', config], restore), restore.err).toBe(0);
    expect(restore.out).toContain(`restore ${restoreName} of backup ${backupName}: Completed`);
    expect(restore.out).toMatch(/objects: 2 \(2 created/);
    expect(restore.err).toMatch(/2\/2 objects; configmaps 1\/1/);
    expect(await stackCluster('target').read('v1', 'ConfigMap', 'app-config', `${ns}-copy`)).toMatchObject({ data: { color: 'blue' } });

    const describeIo = recordingIo();
    expect(await main(['restores', 'describe', restoreName, '--config', config], describeIo)).toBe(0);
    expect(describeIo.out).toContain(`created ConfigMap ${ns}-copy/app-config`);
  });

  it('a restore spec with mistakes is refused with every problem and nothing is restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
    writeFileSync(join(dir, 'restore.yaml'), stringify({ apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: 'bad' },
      spec: { backupName: 'x', existingResourcePolicy: 'overwrite', namespaceMaping: { a: 'b' } } }));
    const io = recordingIo();
    expect(await main(['restore', '-f', join(dir, 'restore.yaml'), '--cluster', 'target', '--config', join(stackDir(), 'ferry.yaml')], io)).toBe(2);
    expect(io.err).toContain('spec.existingResourcePolicy');
    expect(io.err).toContain('spec.namespaceMaping');
    expect(io.out).toBe('');
  });
});
