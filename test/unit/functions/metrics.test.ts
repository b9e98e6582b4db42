import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackupResponse } from '../../../functions/backup.js';
import { createRuntime } from '../../../functions/compose.js';
import type { IndexResponse } from '../../../functions/index.js';
import { backupMeasure, createMetrics, indexMeasure, type FunctionMeasure } from '../../../functions/metrics.js';
import { ferryHandler } from '../../../functions/middleware/index.js';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [field: string]: unknown;
}

/** Runs `fn` and returns the EMF lines written to stdout meanwhile (Powertools writes them there, as Lambda wants). */
async function emfLines(fn: () => Promise<unknown>): Promise<Emf[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; });
  try {
    await fn().catch(() => undefined);
  } finally {
    spy.mockRestore();
  }
  return written.flatMap((w) => w.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

const context = { awsRequestId: 'req-1', functionName: 'ferry-dev-backup' };
const taken: BackupResponse = {
  backup: 'nightly-1', phase: 'Completed', cluster: 'idc', storageLocation: 'default', itemsBackedUp: 42, totalItems: 42, byResource: {},
  warnings: 1, errors: 0, startedAt: '2026-01-10T03:00:00.000Z', completedAt: '2026-01-10T03:00:07.500Z', expiresAt: '2026-02-10T03:00:00.000Z', bytes: 5120,
};

function handlerOf<R>(name: string, measure: FunctionMeasure<R>, core: () => Promise<R>, lines: string[] = []) {
  const runtime = createRuntime({ FERRY_CONFIG_JSON: JSON.stringify({ clusters: {}, storageLocations: { default: { bucket: 'b' } } }) }, { write: (l) => { lines.push(l); } });
  return ferryHandler({ name, what: 'request', parse: (e) => e, runtime, measure: measure as FunctionMeasure<unknown>, metrics: createMetrics(name) }, core);
}

afterEach(() => { vi.restoreAllMocks(); vi.unstubAllEnvs(); });

describe('function metrics', () => {
  it('writes a backup\'s duration, items, bytes, errors and BackupFailed 0 as one EMF line in the Ferry namespace, and a cold start once', async () => {
    // Lambda sets this for an on-demand function; Powertools counts a cold start only then.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const handler = handlerOf('backup', backupMeasure, async () => taken);
    const first = await emfLines(() => handler({}, context as never));
    const second = await emfLines(() => handler({}, context as never));
    const metricsLine = first.find((l) => 'BackupDuration' in l)!;
    expect(metricsLine._aws.CloudWatchMetrics[0]!.Namespace).toBe('Ferry');
    expect(metricsLine._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'function']]);
    expect(metricsLine).toMatchObject({ service: 'ferry', function: 'backup', BackupDuration: 7500, BackupItems: 42, BackupBytes: 5120, BackupItemErrors: 0, BackupWarnings: 1, BackupFailed: 0 });
    expect(metricsLine._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: 'BackupDuration', Unit: 'Milliseconds' });
    expect(first.filter((l) => 'ColdStart' in l)).toHaveLength(1);
    expect(second.filter((l) => 'ColdStart' in l)).toHaveLength(0);
  });

  it('counts a failed backup invocation as BackupFailed 1, and still fails the invocation with its error', async () => {
    const boom = new Error('the cluster cannot be used');
    const handler = handlerOf('backup', backupMeasure, async () => { throw boom; });
    let thrown: unknown;
    const lines = await emfLines(async () => { thrown = await handler({}, context as never).catch((e: unknown) => e); });
    expect(thrown).toBe(boom);
    expect(lines.find((l) => 'BackupFailed' in l)).toMatchObject({ BackupFailed: 1, function: 'backup' });
  });

  it('counts index verdicts by phase, each on its own line with a phase dimension', async () => {
    const response: IndexResponse = {
      outcomes: [
        { location: 'default', backup: 'a', action: 'written', phase: 'Completed' },
        { location: 'default', backup: 'b', action: 'written', phase: 'Corrupt' },
        { location: 'default', backup: 'c', action: 'unchanged', phase: 'Completed' },
      ],
      ignored: 0, batchItemFailures: [{ itemIdentifier: 'm-2' }],
    };
    const lines = await emfLines(() => handlerOf('index', indexMeasure, async () => response)({}, context as never));
    const verdicts = lines.filter((l) => 'IndexVerdict' in l);
    expect(verdicts.map((l) => [l.phase, l.IndexVerdict])).toEqual([['Completed', 1], ['Corrupt', 1]]);
    expect(verdicts[0]!._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'function', 'phase']]);
    expect(lines.find((l) => 'IndexFailures' in l)).toMatchObject({ IndexFailures: 1 });
  });

  it('marks the first invocation\'s log line as a cold start and the next as warm', async () => {
    const log: string[] = [];
    const handler = handlerOf('backup', backupMeasure, async () => taken, log);
    await emfLines(() => handler({}, context as never));
    await emfLines(() => handler({}, context as never));
    const invoked = log.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'invoked');
    expect(invoked.map((l) => l.cold_start)).toEqual([expect.any(Boolean), false]);
  });
});
