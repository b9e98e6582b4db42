import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { ClusterError, errorForStatus, MalformedAnswer, TooManyRequests } from './errors.js';
import { RateLimiter } from './rate-limiter.js';
import { DEFAULT_LIMITS, type HttpLimits } from './limits.js';
import { withRetry } from './retry.js';

export { DEFAULT_LIMITS, limitsWithRates, type HttpLimits } from './limits.js';

/**
 * How long the TLS and auth options of a kubeconfig are reused between requests. Tokens that expire are renewed
 * well before they do (an EKS token a minute before; client-go rereads a token file every minute), so reusing them
 * for seconds sends none that has expired.
 */
export const AUTH_OPTIONS_TTL_MS = 10_000;

/** One request to the API server. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header; `application/json` when absent. */
  accept?: string;
}

/** Counters of what a client sent and how often the server pushed back. */
export interface HttpStats {
  requests: number;
  retries: number;
  /** 429 answers (each was retried after Retry-After or the backoff). */
  throttled: number;
}

/**
 * The connection pool to one API server: connections kept alive, at most `maxSockets`, and through the kubeconfig's
 * `proxy-url` when it names one (HTTP CONNECT for http and https proxies, SOCKS for socks5), as client-node's own
 * agent would go.
 */
function agentFor(server: URL, proxyUrl: string | undefined, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets };
  const isHttps = server.protocol === 'https:';
  if (!proxyUrl) return isHttps ? new https.Agent(options) : new http.Agent(options);
  let proxy: URL;
  try {
    proxy = new URL(proxyUrl);
  } catch (err) {
    throw new ClusterError(`the kubeconfig's proxy-url is not a URL`, 0, undefined, { cause: err });
  }
  if (proxy.protocol.startsWith('socks')) return new SocksProxyAgent(proxy, options);
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new ClusterError(`the kubeconfig's proxy-url has scheme ${proxy.protocol.replace(/:$/, '')}: expected http, https or socks5`, 0);
  }
  return isHttps ? new HttpsProxyAgent({ ...options, proxy }) : new HttpProxyAgent({ ...options, proxy });
}

/** One answer of the API server. */
interface Answer {
  status: number;
  body: Buffer;
  retryAfter?: string;
  contentType?: string;
}

/** Raw HTTP to one API server, authenticated by a kubeconfig (token, client certificate, CA) from client-node. */
export class KubeHttp {
  /** The API server's URL, as the kubeconfig names it. */
  readonly server: URL;
  private readonly agent: http.Agent;
  private readonly limiter: RateLimiter;
  readonly stats: HttpStats = { requests: 0, retries: 0, throttled: 0 };

  /** The TLS and auth options of applyToHTTPSOptions, and until when (this.now) they are reused. */
  private auth?: { until: number; options: Promise<https.RequestOptions> };

  constructor(private readonly kc: KubeConfig, private readonly limits: HttpLimits = DEFAULT_LIMITS, private readonly now: () => number = Date.now) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new ClusterError('the kubeconfig has no current cluster', 0);
    this.server = new URL(cluster.server);
    this.agent = agentFor(this.server, cluster.proxyUrl, limits.maxSockets);
    this.limiter = new RateLimiter(limits.qps, limits.burst);
  }

  /**
   * Sends a request with rate limiting and retries; returns the parsed JSON body of a 2xx answer. A body that is not
   * JSON throws MalformedAnswer naming the request, the status, the Content-Type and how the body starts.
   */
  async json<T>(req: KubeRequest, what: string): Promise<T> {
    const res = await this.answer(req, what);
    const text = res.body.toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const start = text.slice(0, 120).replace(/\s+/g, ' ').trim();
      throw new MalformedAnswer(`${what}: the server answered ${res.status} with a body that is not JSON `
        + `(Content-Type ${res.contentType ?? 'none'}, ${res.body.length} bytes, starting "${start}")`, res.status, 'MalformedAnswer', { cause: err });
    }
  }

  /** Sends a request with rate limiting and retries; returns the undecoded body of a 2xx answer. */
  async bytes(req: KubeRequest, what: string): Promise<Buffer> {
    return (await this.answer(req, what)).body;
  }

  private async answer(req: KubeRequest, what: string): Promise<Answer> {
    return withRetry(async () => {
      await this.limiter.take();
      this.stats.requests++;
      const res = await this.send(req, what);
      if (res.status >= 300) throw errorForStatus(res.status, res.body.toString('utf8'), what, res.retryAfter);
      return res;
    }, this.limits.retry, undefined, (err) => {
      this.stats.retries++;
      if (err instanceof TooManyRequests) this.stats.throttled++;
    });
  }

  /**
   * What applyToHTTPSOptions adds to a request (CA, client certificate, token), reused for AUTH_OPTIONS_TTL_MS: it
   * reads the kubeconfig's certificate files and builds an Agent each time, about a tenth of a millisecond of CPU,
   * which a restore paid for every object.
   */
  private authOptions(): Promise<https.RequestOptions> {
    const now = this.now();
    if (this.auth && now < this.auth.until) return this.auth.options;
    const options: https.RequestOptions = { headers: {} };
    const applied = this.kc.applyToHTTPSOptions(options).then(() => {
      // NOTE: applyToHTTPSOptions puts a new Agent in the options every time; ours is set per request instead,
      // without which no connection is ever reused (a TLS handshake per request) and maxSockets limits nothing.
      delete options.agent;
      return options;
    });
    const auth = { until: now + AUTH_OPTIONS_TTL_MS, options: applied };
    this.auth = auth;
    // A failure is not kept: the next request tries again.
    applied.catch(() => { if (this.auth === auth) this.auth = undefined; });
    return applied;
  }

  /** Closes idle connections. */
  close(): void {
    this.agent.destroy();
  }

  private async send(req: KubeRequest, what: string): Promise<Answer> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + req.path, this.server);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const auth = await this.authOptions();
    const opts: https.RequestOptions = {
      ...auth, method: req.method, protocol: url.protocol, hostname: url.hostname, port: url.port,
      path: url.pathname + url.search, agent: this.agent, timeout: this.limits.timeoutMs,
      headers: { ...auth.headers, Accept: req.accept ?? 'application/json' },
    };
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    if (payload) {
      opts.headers = { ...opts.headers, 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': payload.length };
    }
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const r = lib.request(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, body: Buffer.concat(chunks),
          retryAfter: res.headers['retry-after'] as string | undefined, contentType: res.headers['content-type'],
        }));
        res.on('error', (err) => reject(new ClusterError(`${what}: ${err.message}`, 0, undefined, { cause: err })));
      });
      r.on('timeout', () => r.destroy(new Error(`no answer in ${this.limits.timeoutMs} ms`)));
      r.on('error', (err) => reject(new ClusterError(`${what}: ${err.message}`, 0, undefined, { cause: err })));
      r.end(payload);
    });
  }
}
