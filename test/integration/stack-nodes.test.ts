// The stack's own promises about its nodes, on a second stack of its own (its own state folder, ports and pod
// bridges): a node that cannot start makes `up` fail with its log instead of hanging, and `down` leaves nothing
// behind: no process, no container, no mount, no bridge.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import { waitForNamespaceDefaults, waitForRunning } from '../support/workloads.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-stack-'));

function stack(command: string, env: Record<string, string> = {}): { status: number | null; err: string } {
  const run = spawnSync('bash', ['scripts/stack/stack.sh', command], {
    env: { ...process.env, FERRY_STACK_DIR: dir, ...env }, encoding: 'utf8', timeout: 600_000,
  });
  return { status: run.status, err: run.stderr };
}

/** Processes whose command line names the second stack's folder. */
function processesOfStack(): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return cmdline.includes(dir) ? [`${pid}: ${cmdline.slice(0, 160)}`] : [];
    } catch {
      return []; // gone between the listing and the read
    }
  });
}

const mountsOfStack = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
const bridgesOfStack = (subnets: string[]) => subnets.filter((n) => spawnSync('ip', ['link', 'show', `ferry${n}`]).status === 0);

describe('the stack\'s nodes', () => {
  afterAll(() => { stack('down'); });

  it('fails `up` with the kubelet\'s last log lines when a node cannot start', () => {
    const up = stack('up', { FERRY_KUBELET_ARGS: '--no-such-flag' });
    expect(up.status).not.toBe(0);
    expect(up.err).toMatch(/kubelet: exited; last log lines/);
    expect(up.err).toContain('unknown flag: --no-such-flag');
  });

  it('runs a pod once the node can start, and `down` stops every process and container and unmounts what it mounted', async () => {
    const up = stack('up');
    expect(up.status, up.err).toBe(0);
    const cluster = new KubeCluster(loadKubeConfig(join(dir, 'source.kubeconfig')));
    await waitForNamespaceDefaults(cluster, 'default'); // a pod needs its ServiceAccount
    await cluster.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { containers: [{ name: 'web', image: 'ferry.local/web:1', imagePullPolicy: 'IfNotPresent' }] } });
    await waitForRunning(cluster, 'default', ['web'], 120);
    cluster.close();
    const subnets = ['source', 'target'].map((p) => readFileSync(join(dir, `${p}.subnet`), 'utf8').trim());
    expect(mountsOfStack().length).toBeGreaterThan(0);
    expect(bridgesOfStack(subnets)).toEqual(subnets);

    const down = stack('down');
    expect(down.status, down.err).toBe(0);
    expect(down.err).toMatch(/1 sandbox\(es\) removed, 0 failed/);
    expect(processesOfStack()).toEqual([]);
    expect(mountsOfStack()).toEqual([]);
    expect(bridgesOfStack(subnets)).toEqual([]);
  });
});
