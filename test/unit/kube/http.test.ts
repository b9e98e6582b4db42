import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, MalformedAnswer, NotFound } from '../../../lib/kube/errors.js';
import { DEFAULT_LIMITS, KubeHttp } from '../../../lib/kube/http.js';

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
