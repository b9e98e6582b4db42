import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../../functions/compose.js';
import { EventValidationError, ferryHandler, summarizeEvent } from '../../../../functions/middleware/index.js';
import { ClusterCredentials } from '../../../../lib/kube/credentials/index.js';
import { ProblemCollector } from '../../../../lib/spec/problems.js';

const CONFIG = `clusters:
  target: {secretsManager: {secretId: ferry/target}}
storageLocations:
  default: {bucket: b}
`;
const KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]\nusers: [{name: u, user: {token: secret-token-from-vault}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n';

/** A runtime whose log lines are recorded, whose clock ticks 5 ms a reading, and whose secret reads are counted. */
function recordingRuntime(secret: string | Error = KUBECONFIG) {
  const lines: Record<string, unknown>[] = [];
  const reads: string[] = [];
  let t = Date.parse('2024-01-02T03:04:05Z');
  const runtime = createRuntime({ FERRY_CONFIG_YAML: CONFIG }, {
    clock: () => new Date((t += 5)),
    write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
    credentials: new ClusterCredentials({
      readSecret: async (id) => {
        reads.push(id);
        if (secret instanceof Error) throw secret;
        return { text: secret };
      },
      onSecret: (v) => runtime.redactor.add(v),
    }),
  });
  return { runtime, lines, reads };
}

interface Request { name: string; target: string }

/** A parser in the house style: every problem at once, each with its field path. */
function parseRequest(event: Record<string, unknown>): Request {
  const p = new ProblemCollector('restore request');
  if (typeof event.name !== 'string') p.add('name', `expected a restore name, got ${JSON.stringify(event.name ?? null)}`);
  if (typeof event.target !== 'string') p.add('target', 'expected a cluster name');
  p.throwIfAny();
  return { name: event.name as string, target: event.target as string };
}

const context = { awsRequestId: 'req-1' };

describe('ferryHandler', () => {
  it('hands the parsed event and the runtime to the core, after loading the credentials of the clusters it needs', async () => {
    const { runtime, reads } = recordingRuntime();
    const seen: unknown[] = [];
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async (req, rt) => { seen.push(req, rt === runtime, [...reads]); return { restored: req.name }; });
    expect(await handler({ name: 'r1', target: 'target', extra: 1 }, context as never)).toEqual({ restored: 'r1' });
    expect(seen).toEqual([{ name: 'r1', target: 'target' }, true, ['ferry/target']]);
  });

  it.each([
    ['a payload missing two fields', {}, ['name: expected a restore name, got null', 'target: expected a cluster name']],
    ['a JSON string instead of an object', '{"name":"r1"}', ['expected a JSON object, got a string (was the payload JSON-encoded twice?)']],
    ['null', null, ['expected a JSON object, got null']],
    ['an array', [{ name: 'r1' }], ['expected a JSON object, got an array']],
  ])('answers %s with an EventValidationError naming every problem, without running the core', async (_case, event, messages) => {
    const { runtime, reads } = recordingRuntime();
    let ran = false;
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async () => { ran = true; });
    const err = await handler(event as never, context as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventValidationError);
    expect((err as Error).message.startsWith('invalid restore request:')).toBe(true);
    for (const m of messages) expect((err as Error).message).toContain(m);
    expect(ran).toBe(false);
    expect(reads).toEqual([]);
  });

  it('logs the invocation, its event summary and its duration under the request id', async () => {
    const { runtime, lines } = recordingRuntime();
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, runtime }, async () => 'ok');
    await handler({ name: 'r1', target: 'target' }, context as never);
    expect(lines.map((l) => [l.msg, l.function, l.requestId])).toEqual([['invoked', 'restore', 'req-1'], ['done', 'restore', 'req-1']]);
    expect(lines[0]!.event).toEqual({ type: 'payload', fields: ['name', 'target'] });
    expect(lines[1]!.durationMs).toBeGreaterThan(0);
  });

  it('logs a failure with its cause and rethrows it, with every credential masked in both', async () => {
    const { runtime, lines } = recordingRuntime();
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async () => { throw new Error('apply failed with token secret-token-from-vault', { cause: new Error('Bearer secret-token-from-vault rejected') }); });
    const err = await handler({ name: 'r1', target: 'target' }, context as never).catch((e: unknown) => e);
    expect((err as Error).message).toBe('apply failed with token [redacted]');
    const failed = lines.find((l) => l.level === 'error')!;
    expect(failed.msg).toBe('failed: Error: apply failed with token [redacted]');
    expect(JSON.stringify(lines)).not.toContain('secret-token-from-vault');
    expect(JSON.stringify(failed.error)).toContain('rejected');
  });

  it('masks credentials in what the core returns', async () => {
    const { runtime } = recordingRuntime();
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async () => ({ note: 'used secret-token-from-vault', counts: { created: 2 } }));
    expect(await handler({ name: 'r1', target: 'target' }, context as never)).toEqual({ note: 'used [redacted]', counts: { created: 2 } });
  });

  it('keeps the errors of a namespace named vault-secret in the response and the log, masking only the registered token', async () => {
    const { runtime, lines } = recordingRuntime();
    const errors = { namespaces: { 'vault-secret': ['pods/vault-0: admission webhook denied the request'], 'db-password': ['secrets/x: forbidden'] } };
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async (_req, rt) => {
        rt.log.info('restored', { errors, spec: { automountServiceAccountToken: false } });
        return { phase: 'PartiallyFailed', errors, note: 'token secret-token-from-vault' };
      });
    expect(await handler({ name: 'r1', target: 'target' }, context as never)).toEqual({ phase: 'PartiallyFailed', errors, note: 'token [redacted]' });
    const logged = lines.find((l) => l.msg === 'restored')!;
    expect(logged.errors).toEqual(errors);
    expect(logged.spec).toEqual({ automountServiceAccountToken: false });
  });

  it('refuses a cluster whose usedBy leaves the function out, before its secret is read', async () => {
    const runtime = createRuntime({ FERRY_CONFIG_YAML: `clusters:\n  idc: {secretsManager: {secretId: ferry/idc}, usedBy: [backup]}\nstorageLocations:\n  default: {bucket: b}\n` }, {
      write: () => undefined, credentials: new ClusterCredentials({ readSecret: async () => { throw new Error('must not be read'); } }),
    });
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime }, async () => 'ran');
    await expect(handler({ name: 'r1', target: 'idc' }, context as never)).rejects.toThrow('cluster "idc" is not for the restore function: ferry.yaml says usedBy: [backup]');
  });

  it('fails before the core when a cluster\'s secret cannot be read, naming the cluster and the secret', async () => {
    const { runtime } = recordingRuntime(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    let ran = false;
    const handler = ferryHandler({ name: 'restore', what: 'restore request', parse: parseRequest, clusters: (r) => [r.target], runtime },
      async () => { ran = true; });
    await expect(handler({ name: 'r1', target: 'target' }, context as never)).rejects.toThrow('cluster target: cannot read secret ferry/target: AccessDeniedException');
    expect(ran).toBe(false);
  });
});

describe('summarizeEvent', () => {
  it.each([
    ['an S3 notification by its record count and keys', { Records: [{ s3: { object: { key: 'backups/a/x' } } }, { s3: { object: { key: 'backups/b/y' } } }] },
      { type: 'records', records: 2, keys: ['backups/a/x', 'backups/b/y'] }],
    ['a schedule by its detail type and rule', { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'resources': ['arn:aws:events:::rule/r'] },
      { type: 'schedule', detailType: 'Scheduled Event', resources: ['arn:aws:events:::rule/r'] }],
    ['a payload by its field names only', { spec: { password: 'x' }, name: 'n' }, { type: 'payload', fields: ['name', 'spec'] }],
    ['a non-object by its type', 42, { type: 'number' }],
  ])('describes %s', (_case, event, summary) => {
    expect(summarizeEvent(event)).toEqual(summary);
  });
});
