/**
 * One HTTP(S) exchange on node:http / node:https: method, headers, an optional buffered body, a
 * per-attempt timeout, redirects followed as Go's net/http client follows them
 * (https://pkg.go.dev/net/http#Client: at most 10; 301/302/303 turn a POST into a GET without body,
 * 307/308 repeat the request as it was), the whole response body buffered.
 *
 * The agent used got for this; it loaded ~50 modules and node's http2/tls/dns stacks into a process
 * whose whole job is a few small requests a second, and cost ~8 MiB of resident memory
 * (docs/PERFORMANCE.md "Collection cost", memory notes). Retries, backoff and deadlines stay in
 * http.ts.
 */
import http from 'node:http';
import https from 'node:https';
import type { ProxyAgents } from '../net/proxy.js';

export const MAX_REDIRECTS = 10;

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  /** Proxy tunnel agents for the target (src/net/proxy.ts); undefined: a direct connection. */
  agent?: ProxyAgents | undefined;
}

export interface ExchangeResult {
  status: number;
  body: Buffer;
  retryAfter: string | undefined;
}

/** An error with a stable code, as node's own network errors carry (ECONNREFUSED, …). */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function once(x: Exchange): Promise<ExchangeResult & { location?: string | undefined }> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(x.url);
    } catch {
      reject(new ExchangeError(`invalid URL`, 'ERR_INVALID_URL'));
      return;
    }
    const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!mod) {
      reject(new ExchangeError(`unsupported protocol ${url.protocol}`, 'ERR_UNSUPPORTED_PROTOCOL'));
      return;
    }
    const headers = { ...x.headers, ...(x.body ? { 'Content-Length': String(x.body.length) } : {}) };
    let req: http.ClientRequest;
    try {
      const agent = x.agent ? (url.protocol === 'https:' ? x.agent.https : x.agent.http) : undefined;
      req = mod.request(
        url,
        { method: x.method, headers, signal: x.signal, ...(agent ? { agent } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks),
              retryAfter: res.headers['retry-after'],
              location: res.headers.location,
            }),
          );
        },
      );
    } catch (err) {
      // Invalid header names or values throw synchronously (ERR_INVALID_HTTP_TOKEN, ERR_INVALID_CHAR).
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    const timer = setTimeout(
      () => req.destroy(new ExchangeError(`timeout of ${x.timeoutMs} ms awaiting the response`, 'ETIMEDOUT')),
      x.timeoutMs,
    );
    req.on('error', reject);
    req.on('close', () => clearTimeout(timer));
    req.end(x.body);
  });
}

export async function exchange(x: Exchange): Promise<ExchangeResult> {
  let current = x;
  for (let hops = 0; ; hops++) {
    const r = await once(current);
    const redirect = [301, 302, 303, 307, 308].includes(r.status) && r.location !== undefined;
    if (!redirect) return { status: r.status, body: r.body, retryAfter: r.retryAfter };
    if (hops >= MAX_REDIRECTS) {
      throw new ExchangeError(`stopped after ${MAX_REDIRECTS} redirects`, 'ERR_TOO_MANY_REDIRECTS');
    }
    const keep = r.status === 307 || r.status === 308 || current.method === 'GET';
    current = {
      ...current,
      url: new URL(r.location!, current.url).toString(),
      method: keep ? current.method : 'GET',
      body: keep ? current.body : undefined,
    };
  }
}
