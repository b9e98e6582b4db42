// `ferry` when a peer stops answering: a frozen bucket (versitygw stopped with SIGSTOP) fails within a bounded time
// naming the endpoint, and a cluster that does not answer is named, with its URL, while Ferry waits for it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferry, startFerry } from '../support/ferry-cli.js';
import { kubeconfigPath, stackDir, stackEnv } from '../support/stack.js';

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, sockets };
}

describe('ferry and peers that stop answering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-cli-peers-'));
  let silent: Awaited<ReturnType<typeof silentServer>>;

  beforeAll(async () => { silent = await silentServer(); });
  afterAll(() => {
    for (const s of silent.sockets) s.destroy();
    silent.server.close();
  });

  it('fails `backups list` and `backup` against a frozen bucket within a bounded time, naming the bucket and its endpoint (exit 3)', async () => {
    const pid = Number(readFileSync(join(stackDir(), 'versitygw.pid'), 'utf8').trim());
    const endpoint = stackEnv().FERRY_S3_ENDPOINT!;
    const spec = join(dir, 'backup.yaml');
    writeFileSync(spec, 'apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: cli-peers-frozen}\nspec: {includedNamespaces: [default], includedResources: [configmaps]}\n');
    process.kill(pid, 'SIGSTOP');
    try {
      for (const args of [['backups', 'list'], ['backup', '-f', spec]]) {
        const run = await ferry(args, { env: { FERRY_S3_TIMEOUT: '2' } });
        expect(run.code, `${args.join(' ')}: ${run.err}`).toBe(3);
        expect(run.err).toContain(`waiting for bucket ferry-local at ${endpoint} (listing `);
        expect(run.err).toMatch(new RegExp(`bucket ferry-local at ${endpoint} did not answer \\(no connection within 2 s, or silent for 2 s\\)\\n$`));
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect((await ferry(['backups', 'list'])).code).toBe(0);
  });

  it('names a bucket that does not exist, and its endpoint (exit 3)', async () => {
    const run = await ferry(['backups', 'list'], { env: { FERRY_S3_BUCKET: 'no-such-bucket-here' } });
    expect(run.code).toBe(3);
    expect(run.err).toBe(`ferry backups: object store list plugins/ferry/catalog/backups/ failed: bucket no-such-bucket-here at ${stackEnv().FERRY_S3_ENDPOINT} does not exist\n`);
  });

  it('says which cluster it is connecting to, and where, while the cluster does not answer', async () => {
    const kubeconfig = join(dir, 'silent.kubeconfig');
    writeFileSync(kubeconfig, readFileSync(kubeconfigPath('source'), 'utf8').replace(/server: \S+/, `server: https://127.0.0.1:${silent.port}`));
    const config = join(dir, 'ferry.yaml');
    writeFileSync(config, readFileSync(join(stackDir(), 'ferry.yaml'), 'utf8').replace(/clusters:\n/, `clusters:\n  silent: {kubeconfig: ${kubeconfig}}\n`));
    const spec = join(dir, 'silent.yaml');
    writeFileSync(spec, 'apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: cli-peers-silent}\nspec: {includedNamespaces: [default]}\n');
    const child = startFerry(['backup', '-f', spec, '--cluster', 'silent', '--config', config]);
    const line = `connecting to cluster silent at https://127.0.0.1:${silent.port}\n`;
    let err = '';
    await new Promise<void>((seen) => child.stderr!.on('data', (c: Buffer) => { err += c.toString(); if (err.includes(line)) seen(); }));
    child.kill('SIGTERM');
    await child.result;
    expect(err).toContain(line);
  });
});
