import { describe, expect, it } from 'vitest';
import { parseRestoreEvent, restoreHandlerCore, type RestoreEvent } from '../../../functions/restore.js';
import { createRuntime } from '../../../functions/compose.js';
import type { RestoreResult } from '../../../lib/restore/result.js';
import type { runRestore } from '../../../lib/restore/run-restore.js';
import { SpecError } from '../../../lib/spec/problems.js';
import { loadEvent } from '../../support/events.js';
import { FakeCluster } from '../../support/fake-cluster.js';

describe('parseRestoreEvent', () => {
  it('the seed restore as an invocation names its spec and its target', () => {
    const e = parseRestoreEvent(loadEvent('restore-invoke'));
    expect(e).toMatchObject({ targetCluster: 'target', dryRun: false, continuation: 0 });
    expect(e.spec).toMatchObject({ name: 'nginx-restore', backupName: 'nginx-backup', namespaceMapping: { default: 'default1' } });
  });

  it('a spec sent as YAML text with dryRun parses the same', () => {
    const e = parseRestoreEvent(loadEvent('restore-invoke-dry-run'));
    expect(e).toMatchObject({ targetCluster: 'target', dryRun: true });
    expect(e.spec.imageRegistryMapping).toEqual({ 'anolis-registry.cn-zhangjiakou.cr.aliyuncs.com/openanolis': 'registry.cn-beijing.aliyuncs.com/ferry-demo' });
  });

  it('a bare restore object is accepted when it names its target cluster', () => {
    const spec = { ...loadEvent<{ spec: Record<string, unknown> }>('restore-invoke').spec };
    spec.spec = { ...(spec.spec as object), targetCluster: 'ack' };
    expect(parseRestoreEvent(spec).targetCluster).toBe('ack');
  });

  it.each([
    ['an event without a spec is refused', {}, /expected \{spec/],
    ['an event without a target cluster is refused', { spec: loadEvent<{ spec: unknown }>('restore-invoke').spec }, /name the target cluster/],
    ['a dryRun that is not a boolean is refused', { ...loadEvent('restore-invoke'), dryRun: 'yes' }, /dryRun must be true or false/],
  ])('%s', (_name, event, message) => {
    expect(() => parseRestoreEvent(event)).toThrow(message);
  });

  it('a spec with a mistake is refused with its field path', () => {
    const event = loadEvent<{ spec: { spec: Record<string, unknown> } }>('restore-invoke');
    event.spec.spec.existingResourcePolicy = 'overwrite';
    expect(() => parseRestoreEvent(event)).toThrow(SpecError);
    expect(() => parseRestoreEvent(event)).toThrow(/spec.existingResourcePolicy/);
  });
});

describe('restoreHandlerCore', () => {
  const runtime = createRuntime({ FERRY_CONFIG_JSON: JSON.stringify({
    clusters: { target: { kubeconfig: '/dev/null' } }, storageLocations: { default: { bucket: 'b' } },
  }) }, { write: () => undefined });
  const cluster = new FakeCluster();
  runtime.openCluster = async () => Object.assign(cluster, { close: () => undefined });

  function recordingRun(phase: RestoreResult['phase']) {
    const calls: Parameters<typeof runRestore>[] = [];
    const run = (async (...args: Parameters<typeof runRestore>) => {
      calls.push(args);
      return { phase } as RestoreResult;
    }) as typeof runRestore;
    return { run, calls };
  }

  it.each([
    ['a restore that finishes is not continued', 'Completed', 0, []],
    ['a restore still in progress invokes the function again with the next continuation', 'InProgress', 0, [1]],
    ['a restore still in progress at the last allowed invocation stops continuing', 'InProgress', 2, []],
  ] as const)('%s', async (_name, phase, continuation, expected) => {
    const event: RestoreEvent = { ...parseRestoreEvent(loadEvent('restore-invoke')), continuation };
    const continued: number[] = [];
    const { run, calls } = recordingRun(phase);
    await restoreHandlerCore(event, runtime, { getRemainingTimeInMillis: () => 1000 }, {
      run, maxInvocations: 3, continueLater: async (e) => { continued.push(e.continuation as number); },
    });
    expect(continued).toEqual(expected);
    expect(calls[0]![0]).toMatchObject({ name: 'nginx-restore', targetCluster: 'target', dryRun: false });
    expect(calls[0]![1].remainingMs?.()).toBe(1000);
  });
});
