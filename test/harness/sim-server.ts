/**
 * The plumbing the cloud API simulations share: an http server on a random loopback port, a request
 * log, JSON replies and programmable failures per operation (status + body, hang, garbage).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  at: number;
}

export interface SimFailure {
  /** Reply with this status and body instead of doing the operation. */
  status?: number;
  body?: unknown;
  /** Reply 200 with a body that is not JSON. */
  garbage?: boolean;
  /** Never answer (until the client gives up or the sim closes). */
  hang?: boolean;
}

export type Handler = (r: SimRequest, res: http.ServerResponse) => Promise<void> | void;

export function json(res: http.ServerResponse, status: number, body: unknown, headers = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

export class SimServer<Op extends string> {
  private readonly log: SimRequest[] = [];
  private readonly failures = new Map<Op, { failure: SimFailure; remaining: number }>();
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  constructor(handler: Handler) {
    this.server = http.createServer((req, res) => void this.handle(req, res, handler));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Program a failure for the next `times` calls of an operation. */
  fail(op: Op, failure: SimFailure, times = Number.POSITIVE_INFINITY): void {
    this.failures.set(op, { failure, remaining: times });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** Answer a programmed failure; true when the request was answered (or left hanging). */
  failed(op: Op, res: http.ServerResponse): boolean {
    const rule = this.failures.get(op);
    if (!rule || rule.remaining <= 0) return false;
    rule.remaining--;
    const { failure } = rule;
    if (failure.hang) return true;
    if (failure.garbage) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>502 Bad Gateway</html>');
      return true;
    }
    json(res, failure.status ?? 500, failure.body ?? { message: `sim: ${op} failed` });
    return true;
  }

  requests(method?: string, pathMatch?: string | RegExp): SimRequest[] {
    return this.log.filter(
      (r) =>
        (method === undefined || r.method === method) &&
        (pathMatch === undefined ||
          (typeof pathMatch === 'string' ? r.path === pathMatch : pathMatch.test(r.path))),
    );
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, handler: Handler) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const record: SimRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      at: Date.now(),
    };
    this.log.push(record);
    try {
      await handler(record, res);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { message: err instanceof Error ? err.message : String(err) });
    }
  }
}
