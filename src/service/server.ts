/**
 * The service endpoints on `health.listen` (off by default):
 *
 * | route                          | answers                                                   |
 * |--------------------------------|-----------------------------------------------------------|
 * | GET  /healthz                  | 200 while the process runs (liveness)                     |
 * | GET  /readyz                   | 200 ready / 503 not, with the checks as JSON (readiness)  |
 * | GET  /metrics                  | Prometheus text format, `dbtune_agent_*` series            |
 * | GET  /proposals                | held proposals (approval mode), newest first   [token]     |
 * | POST /proposals/<id>/approve   | approve a pending proposal                     [token]     |
 * | POST /proposals/<id>/reject    | reject it; body `{"reason": "…"}` optional     [token]     |
 *
 * [token]: `Authorization: Bearer <approval.token>`, compared in constant time; without a
 * configured token (apply_mode: auto) the approval routes answer 404. Bodies are capped at 16 KiB.
 */
import { once } from 'node:events';
import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { heldView, type ApprovalQueue } from '../agent/approval.js';
import type { Logger } from '../log.js';
import { parseListen } from './listen.js';
import type { AgentMetrics } from './metrics.js';
import type { ReadinessReport } from './readiness.js';

export interface ServiceDeps {
  listen: string;
  metrics: AgentMetrics;
  readiness: () => ReadinessReport;
  /** Approval mode: the queue and the token (read per request, so a reload can change it). */
  approval: () => { queue: ApprovalQueue; token: string } | undefined;
  log: Logger;
}

export interface Service {
  /** `host:port` actually bound (port 0 → the chosen one). */
  readonly address: string;
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function authorised(req: http.IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  return given !== '' && timingSafeEqual(digest(given), digest(token));
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function reasonFrom(body: string): string {
  if (body.trim() === '') return '';
  try {
    const parsed = JSON.parse(body) as { reason?: unknown };
    return typeof parsed.reason === 'string' ? parsed.reason.slice(0, 500) : '';
  } catch {
    return '';
  }
}

async function handle(d: ServiceDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://agent');
  const method = req.method ?? 'GET';
  if (url.pathname === '/healthz' && method === 'GET') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok\n');
    return;
  }
  if (url.pathname === '/readyz' && method === 'GET') {
    const r = d.readiness();
    return json(res, r.ready ? 200 : 503, r);
  }
  if (url.pathname === '/metrics' && method === 'GET') {
    const text = await d.metrics.registry.metrics();
    res.writeHead(200, { 'Content-Type': d.metrics.registry.contentType });
    res.end(text);
    return;
  }
  const route = /^\/proposals(?:\/([0-9a-f]{1,32})\/(approve|reject))?$/.exec(url.pathname);
  if (!route) return json(res, 404, { error: 'not found' });
  // Read the (small, capped) body before answering, so a refusal never leaves it unread on a
  // kept-alive connection.
  const body = await readBody(req);
  const approval = d.approval();
  if (!approval) return json(res, 404, { error: 'approval mode is off (apply_mode: auto)' });
  if (!authorised(req, approval.token)) return json(res, 401, { error: 'missing or wrong bearer token' });
  const [, id, verb] = route;
  if (!id) {
    if (method !== 'GET') return json(res, 405, { error: 'use GET' });
    return json(res, 200, { proposals: approval.queue.list().map(heldView) });
  }
  if (method !== 'POST') return json(res, 405, { error: 'use POST' });
  const decision =
    verb === 'approve' ? approval.queue.approve(id) : approval.queue.reject(id, reasonFrom(body));
  if (!decision.ok) return json(res, decision.status, { error: decision.message });
  d.log.warn(
    { id, knobs: decision.entry.changes.map((c) => c.text), via: 'approval API' },
    verb === 'approve' ? 'proposal approved; applying at the next config tick' : 'proposal rejected',
  );
  return json(res, 200, heldView(decision.entry));
}

export async function startService(d: ServiceDeps): Promise<Service> {
  const { host, port } = parseListen(d.listen);
  d.metrics.enableProcessMetrics();
  const server = http.createServer((req, res) => {
    handle(d, req, res).catch((err: unknown) => {
      d.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'service request failed');
      if (!res.headersSent) json(res, 400, { error: 'bad request' });
      else res.destroy();
    });
  });
  // Probes and scrapes are short; a stuck client must not hold a socket for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  // Longer than a client's idle reuse (Prometheus, undici's 4 s), so the server is not the side
  // that closes a connection a client is about to reuse.
  server.keepAliveTimeout = 30_000;
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw new Error(
        `health.listen: cannot listen on ${d.listen}: ${(err as Error).message} (env: DBT_HEALTH_LISTEN)`,
      );
    }),
  ]);
  const a = server.address() as AddressInfo;
  const address = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
  d.log.info({ address }, 'service endpoints listening (/healthz, /readyz, /metrics)');
  return {
    address,
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
