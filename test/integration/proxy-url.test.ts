// A kubeconfig whose cluster sits behind an HTTP proxy (`proxy-url`, as data-centre clusters often do): Ferry's
// transport goes through the proxy with HTTP CONNECT, on the real API server, and never around it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError } from '../../lib/kube/errors.js';
import { DEFAULT_LIMITS } from '../../lib/kube/http.js';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import { freePort } from '../support/ports.js';
import { kubeconfigPath } from '../support/stack.js';

/** A minimal HTTP CONNECT proxy: it records every tunnel asked for and pipes bytes both ways. */
function connectProxy(): { server: http.Server; tunnels: string[] } {
  const tunnels: string[] = [];
  const server = http.createServer((_req, res) => { res.writeHead(405).end('this proxy only tunnels (CONNECT)'); });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return { server, tunnels };
}

/** The stack's source kubeconfig with `proxy-url` added to its cluster, written to `dir`. */
function proxiedKubeconfig(dir: string, proxyUrl: string): string {
  const text = readFileSync(kubeconfigPath('source'), 'utf8').replace(/(\n {4}server: .*\n)/, `$1    proxy-url: ${proxyUrl}\n`);
  if (!text.includes('proxy-url')) throw new Error('could not add proxy-url to the kubeconfig');
  const file = join(dir, 'proxied.kubeconfig');
  writeFileSync(file, text);
  return file;
}

describe('a cluster reached through its kubeconfig\'s proxy-url', () => {
  const { server, tunnels } = connectProxy();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-proxy-'));
  let proxyPort = 0;
  beforeAll(async () => { await new Promise<void>((r) => server.listen(0, '127.0.0.1', r)); proxyPort = (server.address() as net.AddressInfo).port; });
  afterAll(async () => { await new Promise((r) => server.close(r)); rmSync(dir, { recursive: true, force: true }); });

  it('discovers and lists through the proxy: every connection is a CONNECT tunnel to the API server', async () => {
    const kc = loadKubeConfig(proxiedKubeconfig(dir, `http://127.0.0.1:${proxyPort}`));
    expect(kc.getCurrentCluster()?.proxyUrl).toBe(`http://127.0.0.1:${proxyPort}`);
    const cluster = new KubeCluster(kc);
    try {
      const discovery = await cluster.discover();
      const namespaces = discovery.resources.find((r) => r.group === '' && r.resource === 'namespaces')!;
      const page = await cluster.listPage(namespaces, { limit: 5 });
      expect(page.items).toHaveLength(5);
      expect(await cluster.read('v1', 'Namespace', 'default')).toMatchObject({ metadata: { name: 'default' } });
    } finally {
      cluster.close();
    }
    const apiServer = new URL(kc.getCurrentCluster()!.server);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([`${apiServer.hostname}:${apiServer.port}`]));
  });

  it('fails with a ClusterError when the proxy does not answer, instead of going around it', async () => {
    const closed = await freePort();
    const kc = loadKubeConfig(proxiedKubeconfig(dir, `http://127.0.0.1:${closed}`));
    const cluster = new KubeCluster(kc, { ...DEFAULT_LIMITS, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      const err = await cluster.discover().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterError);
      expect((err as ClusterError).status).toBe(0);
      expect((err as Error).message).toMatch(/ECONNREFUSED/);
    } finally {
      cluster.close();
    }
  });
});
