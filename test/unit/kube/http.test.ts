import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, MalformedAnswer, NotFound } from '../../../lib/kube/errors.js';
import { AUTH_OPTIONS_TTL_MS, DEFAULT_LIMITS, KubeHttp } from '../../../lib/kube/http.js';

/** A local HTTP server that answers each path as the table says: what a proxy or a login page in front of an API server sends. */
const answers: Record<string, { status: number; type: string; body: string }> = {
  '/api/v1/persistentvolumes/pv-1': { status: 200, type: 'text/html', body: '<html><body>Please sign in</body></html>' },
  '/api/v1/persistentvolumes/pv-2': { status: 200, type: 'application/json', body: '{"kind":"PersistentVolume","metadata":{"name":"pv-2"}}' },
  '/api/v1/persistentvolumes/pv-3': { status: 404, type: 'application/json', body: '{"kind":"Status","reason":"NotFound","message":"persistentvolumes \\"pv-3\\" not found"}' },
  '/api/v1/persistentvolumes/pv-4': { status: 200, type: 'application/json', body: '{"kind":"PersistentVolume","metad' },
};

let server: http.Server;
let client: KubeHttp;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const a = answers[req.url ?? ''] ?? { status: 500, type: 'text/plain', body: 'unexpected' };
    res.writeHead(a.status, { 'Content-Type': a.type }).end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
  });
  client = new KubeHttp(kc, { ...DEFAULT_LIMITS, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
});

afterAll(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

describe('KubeHttp.json', () => {
  it('answers a 200 with an HTML body with MalformedAnswer, a ClusterError naming the request, the type and how the body starts', async () => {
    const err = await client.json({ method: 'GET', path: '/api/v1/persistentvolumes/pv-1' }, 'read PersistentVolume pv-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedAnswer);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as MalformedAnswer).status).toBe(200);
    expect((err as Error).message).toBe('read PersistentVolume pv-1: the server answered 200 with a body that is not JSON '
      + '(Content-Type text/html, 40 bytes, starting "<html><body>Please sign in</body></html>")');
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('answers a cut-off JSON body with MalformedAnswer too', async () => {
    await expect(client.json({ method: 'GET', path: '/api/v1/persistentvolumes/pv-4' }, 'read PersistentVolume pv-4')).rejects.toThrow(MalformedAnswer);
  });

  it('parses a JSON body', async () => {
    expect(await client.json({ method: 'GET', path: '/api/v1/persistentvolumes/pv-2' }, 'read')).toEqual({ kind: 'PersistentVolume', metadata: { name: 'pv-2' } });
  });

  it('keeps a 404 a NotFound', async () => {
    await expect(client.json({ method: 'GET', path: '/api/v1/persistentvolumes/pv-3' }, 'read')).rejects.toThrow(NotFound);
  });
});

describe('KubeHttp auth options', () => {
  /** A server that answers {} and records each request's Authorization header. */
  async function recordingServer(): Promise<{ server: http.Server; url: string; seen: string[] }> {
    const seen: string[] = [];
    const s = http.createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return { server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen };
  }

  it('applies the kubeconfig once per AUTH_OPTIONS_TTL_MS, so a token renewed meanwhile is sent from the next period on', async () => {
    const { server: s, url, seen } = await recordingServer();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u', token: 'first' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
    });
    let applied = 0;
    const apply = kc.applyToHTTPSOptions.bind(kc);
    kc.applyToHTTPSOptions = async (opts) => { applied++; await apply(opts); };
    let now = 1_000;
    const c = new KubeHttp(kc, { ...DEFAULT_LIMITS, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }, () => now);
    const get = () => c.json({ method: 'GET', path: '/api/v1/namespaces' }, 'list');
    try {
      await Promise.all([get(), get(), get()]);
      now += AUTH_OPTIONS_TTL_MS - 1;
      (kc.getCurrentUser() as { token?: string }).token = 'second';
      await get();
      now += 1;
      await get();
      expect(applied).toBe(2);
      expect(seen).toEqual(['Bearer first', 'Bearer first', 'Bearer first', 'Bearer first', 'Bearer second']);
    } finally {
      c.close();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it('does not keep a failed application: the next request applies the kubeconfig again', async () => {
    const { server: s, url, seen } = await recordingServer();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u', token: 't' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c',
    });
    const apply = kc.applyToHTTPSOptions.bind(kc);
    let fail = true;
    kc.applyToHTTPSOptions = async (opts) => { if (fail) throw new Error('exec plugin failed'); await apply(opts); };
    const c = new KubeHttp(kc, { ...DEFAULT_LIMITS, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }, () => 0);
    try {
      await expect(c.json({ method: 'GET', path: '/api/v1/namespaces' }, 'list')).rejects.toThrow('exec plugin failed');
      fail = false;
      await c.json({ method: 'GET', path: '/api/v1/namespaces' }, 'list');
      expect(seen).toEqual(['Bearer t']);
    } finally {
      c.close();
      await new Promise((resolve) => s.close(resolve));
    }
  });
});
