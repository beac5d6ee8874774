/**
 * The agent API over HTTP (docs/PROTOCOL.md §1.1, §1.3): `/api/v1/agent/<path>?uuid=<database_id>` with the
 * `DBTUNE-API-KEY` header, gzip request bodies where the agent sends them, and exactly the success
 * codes the agent accepts. Bodies are parsed losslessly (int64 beyond 2^53 as bigint, docs/PROTOCOL.md §1.12).
 *
 * Refusals: a wrong or missing key → 401; a wrong or missing `uuid` → 404 (the database does not
 * exist for this key); unknown path → 404; known path, wrong method → 405; a body that is not
 * (gzip) JSON → 400. The key is never logged: only the fact that it did not match.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import type { Logger } from '../../log.js';
import { parseJsonLossless } from '../../platform/json-parse.js';

const gunzip = promisify(gunzipCallback);

export const API_PREFIX = '/api/v1/agent/';
/** Catalog collector names are endpoint paths (the client allows the same characters). */
const CATALOG_PATH = /^[A-Za-z0-9_]+$/;
/** pg_stat_statements with 500 rows of long query text stays far below these. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

export interface ApiHandlers {
  heartbeat(body: unknown): void;
  metrics(body: unknown): void;
  systemInfo(body: unknown): void;
  activeConfig(body: unknown): void;
  recommendation(): unknown[];
  guardrail(body: unknown): void;
  logEntry(body: unknown): void;
  catalog(name: string, body: unknown): void;
}

interface Route {
  method: 'GET' | 'POST' | 'PUT';
  status: number;
  run: (h: ApiHandlers, body: unknown) => unknown;
}

/** Success codes: the first one the agent accepts for each endpoint (docs/PROTOCOL.md §1.3). */
const ROUTES: Readonly<Record<string, readonly Route[]>> = {
  heartbeat: [{ method: 'POST', status: 204, run: (h, b) => h.heartbeat(b) }],
  metrics: [{ method: 'POST', status: 204, run: (h, b) => h.metrics(b) }],
  'system-info': [{ method: 'PUT', status: 204, run: (h, b) => h.systemInfo(b) }],
  configurations: [
    { method: 'POST', status: 204, run: (h, b) => h.activeConfig(b) },
    { method: 'GET', status: 200, run: (h) => h.recommendation() },
  ],
  guardrails: [{ method: 'POST', status: 204, run: (h, b) => h.guardrail(b) }],
  'log-entries': [{ method: 'POST', status: 204, run: (h, b) => h.logEntry(b) }],
  // The agent logs its warnings itself; in embedded mode they are the same process's lines.
  'raw-logs': [{ method: 'POST', status: 204, run: () => undefined }],
};

export interface HandlerOptions {
  readonly apiKey: string;
  readonly databaseId: string;
  readonly log: Logger;
  readonly handlers: ApiHandlers;
  /** Called after every handled request that may have changed the state. */
  readonly afterChange: () => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function createRequestHandler(
  opts: HandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const key = Buffer.from(opts.apiKey);
  const keyMatches = (header: string | string[] | undefined): boolean => {
    const got = Buffer.from(typeof header === 'string' ? header : '');
    return got.length === key.length && timingSafeEqual(got, key);
  };
  return (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const message = err instanceof Error ? err.message : String(err);
      if (status === 500)
        opts.log.error({ err: message, path: pathOf(req) }, 'embedded platform: request failed');
      else opts.log.debug({ status, err: message, path: pathOf(req) }, 'embedded platform: request refused');
      reply(res, status, { error: message });
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(API_PREFIX)) throw new HttpError(404, 'not found');
    if (!keyMatches(req.headers['dbtune-api-key'])) throw new HttpError(401, 'invalid API key');
    if (url.searchParams.get('uuid') !== opts.databaseId) throw new HttpError(404, 'unknown database');
    const path = url.pathname.slice(API_PREFIX.length);
    const method = req.method ?? 'GET';
    const candidates = ROUTES[path] ?? (CATALOG_PATH.test(path) ? catalogRoutes(path) : undefined);
    if (!candidates) throw new HttpError(404, 'not found');
    const route = candidates.find((r) => r.method === method);
    if (!route) throw new HttpError(405, 'method not allowed');
    if (method === 'GET' && url.searchParams.get('status') !== 'recommended') {
      throw new HttpError(400, 'status=recommended is required');
    }
    const body = method === 'GET' ? undefined : await readBody(req);
    const result = route.run(opts.handlers, body);
    opts.afterChange();
    reply(res, route.status, route.status === 204 ? undefined : result);
  }
}

function catalogRoutes(name: string): readonly Route[] {
  return [{ method: 'POST', status: 204, run: (h, b) => h.catalog(name, b) }];
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body too large');
    chunks.push(b);
  }
  let bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw new HttpError(400, 'empty body');
  if (String(req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
    try {
      bytes = await gunzip(bytes, { maxOutputLength: MAX_INFLATED_BYTES });
    } catch {
      throw new HttpError(400, 'Content-Encoding is gzip but the body is not a gzip stream');
    }
  }
  try {
    return parseJsonLossless(bytes.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `body is not JSON: ${(err as Error).message}`);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function pathOf(req: IncomingMessage): string {
  // Never the query string: it holds the database id, and a misconfigured client might put more there.
  return (req.url ?? '').split('?')[0] ?? '';
}
