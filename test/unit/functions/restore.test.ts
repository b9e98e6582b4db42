import { describe, expect, it } from 'vitest';
import { parseRestoreEvent, readRestoreSettings, restoreHandlerCore, type RestoreEvent } from '../../../functions/restore.js';
import { RestoreRunningError } from '../../../lib/restore/errors.js';
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
    ['a negative continuation is refused', { ...loadEvent('restore-invoke'), continuation: -1 }, /event.continuation must be a whole number of at least 0 .*got -1/],
    ['a continuation that is not a number is refused', { ...loadEvent('restore-invoke'), continuation: '3' }, /event.continuation must be a whole number .*got "3"/],
    ['a fractional continuation is refused', { ...loadEvent('restore-invoke'), continuation: 1.5 }, /got 1.5/],
    ['a claim token that is not a token is refused', { ...loadEvent('restore-invoke'), claimToken: { a: 1 } }, /event.claimToken must be the token a restore handed its continuation/],
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

  it('a continuation hands the claim to a fresh token, and the next event carries it', async () => {
    const event: RestoreEvent = { ...parseRestoreEvent({ ...loadEvent('restore-invoke'), continuation: 1, claimToken: 'token-a' }) };
    const continued: Record<string, unknown>[] = [];
    const { run, calls } = recordingRun('InProgress');
    const response = await restoreHandlerCore(event, runtime, {}, { run, maxInvocations: 5, newToken: () => 'token-b', continueLater: async (e) => { continued.push(e); } });
    expect(calls[0]![0]).toMatchObject({ claimToken: 'token-a', continuationToken: 'token-b' });
    expect(continued).toEqual([expect.objectContaining({ continuation: 2, claimToken: 'token-b' })]);
    expect(response).toMatchObject({ phase: 'InProgress', resultKey: 'restores/nginx-restore/ferry-result.json' });
  });

  it('an invocation of a restore that another invocation runs answers that it is running, and continues nothing', async () => {
    const event = parseRestoreEvent(loadEvent('restore-invoke'));
    const continued: unknown[] = [];
    const run = (async () => { throw new RestoreRunningError('nginx-restore', 'other', '2026-01-01T00:00:00.000Z'); }) as typeof runRestore;
    const response = await restoreHandlerCore(event, runtime, {}, { run, maxInvocations: 5, continueLater: async (e) => { continued.push(e); } });
    expect(response).toEqual({ restore: 'nginx-restore', running: true, message: expect.stringMatching(/restore nginx-restore is running in another invocation/) });
    expect(continued).toEqual([]);
  });

  it('the answer leaves out the per-object lists, which are in the bucket', async () => {
    const event = parseRestoreEvent(loadEvent('restore-invoke'));
    const run = (async () => ({ phase: 'Completed', counts: { total: 1 }, items: [{ name: 'x' }], skippedByTransform: [] })) as unknown as typeof runRestore;
    const response = await restoreHandlerCore(event, runtime, {}, { run, maxInvocations: 5, continueLater: async () => undefined });
    expect(response).toEqual({ phase: 'Completed', counts: { total: 1 }, resultKey: 'restores/nginx-restore/ferry-result.json' });
  });
});

describe('readRestoreSettings', () => {
  it.each([
    ['unset gives 20', undefined, { maxInvocations: 20 }],
    ['a whole number is taken', '5', { maxInvocations: 5 }],
    ['a word is refused, naming the variable and the value', 'twenty', /FERRY_RESTORE_MAX_INVOCATIONS must be a whole number from 1 to 1000 .*got "twenty"/],
    ['zero is refused', '0', /got "0"/],
    ['a negative number is refused', '-3', /got "-3"/],
    ['a fraction is refused', '2.5', /got "2.5"/],
    ['more than 1000 is refused', '100000', /got "100000"/],
  ] as const)('%s', (_name, value, expected) => {
    const read = () => readRestoreSettings({ FERRY_RESTORE_MAX_INVOCATIONS: value });
    if (expected instanceof RegExp) expect(read).toThrow(expected);
    else expect(read()).toEqual(expected);
  });
});
