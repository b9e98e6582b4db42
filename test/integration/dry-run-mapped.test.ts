// A restore's dry run into namespaces that do not exist yet, through the real command on the local stack: it
// validates what the real run then does, with no false failures, and neither run copies the API server's own
// `kubernetes` Service out of `default`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlreadyExists } from '../../lib/kube/errors.js';
import type { RestoreResult } from '../../lib/restore/result.js';
import { ferry } from '../support/ferry-cli.js';
import { createAll } from '../support/seed.js';
import { freshName, stackCluster } from '../support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-dry-run-'));

/** Writes a YAML document into the test's folder and returns its path. */
function spec(file: string, doc: unknown): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

describe('a dry run into namespaces a restore has yet to create', () => {
  const ns = freshName('dryns');
  const backupName = freshName('dryns-backup');
  const restoreName = freshName('dryns-restore');
  const mapping = { [ns]: `${ns}-copy`, default: `${ns}-dflt` };
  let restoreFile: string;

  beforeAll(async () => {
    const app = { app: ns };
    await createAll(stackCluster('source'), [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'worker', namespace: ns, labels: app } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, labels: app }, data: { mode: 'batch' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-0', namespace: ns, labels: app },
        spec: { serviceAccountName: 'worker', restartPolicy: 'Never', containers: [{ name: 'web', image: 'ferry.local/web:1' }] } },
    ]);
    // The stand-in namespace's own ServiceAccount, which the target's controller-manager makes (a stack without
    // controllers has none).
    await stackCluster('target').create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } })
      .catch((err: unknown) => { if (!(err instanceof AlreadyExists)) throw err; });
    // The application's objects, and from `default` only the API server's own Service (by its labels).
    const backup = await ferry(['backup', '-f', spec('backup.yaml', { apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: backupName },
      spec: { includedNamespaces: [ns, 'default'], includedResources: ['serviceaccounts', 'configmaps', 'pods', 'services'],
        orLabelSelectors: [{ matchLabels: app }, { matchLabels: { component: 'apiserver', provider: 'kubernetes' } }] } })]);
    expect(backup.code, backup.err).toBe(0);
    restoreFile = spec('restore.yaml', { apiVersion: 'velero.io/v1', kind: 'Restore', metadata: { name: restoreName }, spec: { backupName, namespaceMapping: mapping } });
  });

  it('validates every object with no false failure, then the real run does what the dry run said, and neither copies the `kubernetes` Service', async () => {
    const dry = await ferry(['restore', '-f', restoreFile, '--cluster', 'target', '--dry-run']);
    expect(dry.code, dry.out + dry.err).toBe(0);
    expect(dry.out).toMatch(/Completed \(dry run: nothing was written\)\n {2}objects: 3 \(3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\)/);
    expect(dry.out).toContain(`${ns}-copy: Pod job-0: dry run: namespace ${ns}-copy does not exist yet, so the server validated the object in namespace default; `
      + 'its ServiceAccount worker is restored by this run but not written in a dry run, so the server validated the pod with ServiceAccount default');
    expect(await stackCluster('target').read('v1', 'Namespace', `${ns}-copy`)).toBeUndefined();

    const described = await ferry(['restores', 'describe', restoreName, '--dry-run', '-o', 'json']);
    expect(described.code, described.err).toBe(0);
    const stored = JSON.parse(described.out) as RestoreResult;
    expect(stored.dryRun).toBe(true);
    expect(stored.items.map((i) => `${i.status} ${i.kind} ${i.namespace}/${i.name}`).sort()).toEqual([
      `created ConfigMap ${ns}-copy/settings`, `created Pod ${ns}-copy/job-0`, `created ServiceAccount ${ns}-copy/worker`]);
    expect(stored.skippedByTransform).toContainEqual(expect.objectContaining({ kind: 'Service', name: 'kubernetes', reason: expect.stringMatching(/API server's own Service/) }));

    const real = await ferry(['restore', '-f', restoreFile, '--cluster', 'target']);
    expect(real.code, real.out + real.err).toBe(0);
    expect(real.out).toMatch(/: Completed\n {2}objects: 3 \(3 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\)/);
    expect(await stackCluster('target').read('v1', 'Pod', 'job-0', `${ns}-copy`)).toMatchObject({ spec: { serviceAccountName: 'worker' } });
    expect(await stackCluster('target').read('v1', 'Service', 'kubernetes', `${ns}-dflt`)).toBeUndefined();

    const text = await ferry(['restores', 'describe', restoreName]);
    expect(text.out).toMatch(/\n {2}left out by the transform:\n[\s\S]* {4}Service default\/kubernetes: skip-non-restorable: the API server's own Service/);
  });
});
