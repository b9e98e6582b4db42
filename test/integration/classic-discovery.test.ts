// Discovery the classic way (/api, /apis, then one request per group version), as source clusters older than
// Kubernetes 1.30, or with aggregated discovery turned off, answer it. The real 1.35 API server is asked through a
// small reverse proxy that drops the aggregated discovery type from Accept, so it answers as an old server does;
// Ferry must find the same groups and resources as through aggregated discovery.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Discovery } from '../../lib/kube/cluster.js';
import { KubeCluster, loadKubeConfig } from '../../lib/kube/kube-cluster.js';
import { kubeconfigPath, stackDir } from '../support/stack.js';

const upstream = loadKubeConfig(kubeconfigPath('source'));
const server = new URL(upstream.getCurrentCluster()!.server);
const ca = readFileSync(`${stackDir()}/pki/ca.crt`);
/** Accept headers the API server received through the proxy, in order. */
const accepted: string[] = [];

/** Forwards every request to the API server over TLS, with the aggregated discovery type taken out of Accept. */
const proxy = http.createServer((req, res) => {
  const accept = String(req.headers.accept ?? '').split(',').filter((t) => !t.includes('as=APIGroupDiscoveryList')).join(',') || 'application/json';
  accepted.push(accept);
  const out = https.request({
    hostname: server.hostname, port: server.port, path: req.url, method: req.method, ca,
    headers: { ...req.headers, host: server.host, accept },
  }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on('error', (err) => res.writeHead(502).end(err.message));
  req.pipe(out);
});

let classic: KubeCluster;
let aggregated: KubeCluster;

beforeAll(async () => {
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'old', server: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'admin', token: upstream.getCurrentUser()!.token! }],
    contexts: [{ name: 'old', cluster: 'old', user: 'admin' }], currentContext: 'old',
  });
  classic = new KubeCluster(kc);
  aggregated = new KubeCluster(upstream);
});

afterAll(async () => {
  classic?.close();
  aggregated?.close();
  await new Promise((r) => proxy.close(r));
});

const resourcesOf = (d: Discovery) => d.resources.map((r) => `${r.group}/${r.version}/${r.resource} ${r.kind} ${r.namespaced ? 'namespaced' : 'cluster'} ${[...r.verbs].sort().join(',')}`).sort();
const groupsOf = (d: Discovery) => d.groups.map((g) => `${g.name} ${g.preferredVersion} ${[...g.versions].sort().join(',')}`).sort();

describe('classic discovery', () => {
  it('finds the same groups, preferred versions and resources as aggregated discovery, one request per group version', async () => {
    const [old, current] = await Promise.all([classic.discover(), aggregated.discover()]);
    // The server was asked the classic way: no aggregated Accept reached it, and each group version had its request.
    expect(accepted.some((a) => a.includes('APIGroupDiscoveryList'))).toBe(false);
    expect(classic.stats.requests).toBeGreaterThan(old.groups.length);
    expect(old.serverVersion).toBe(current.serverVersion);
    expect(groupsOf(old)).toEqual(groupsOf(current));
    expect(resourcesOf(old)).toEqual(resourcesOf(current));
    expect(old.resources.find((r) => r.group === 'apps' && r.resource === 'deployments')).toMatchObject({ kind: 'Deployment', namespaced: true });
  });
});
