/**
 * An in-process fake DBtune platform on 127.0.0.1 (node:http), serving the API table of
 * `fake-platform-api.ts`. It records every request, validates every payload (and the API key and
 * `uuid` on every request) into `violations`, and can be programmed per endpoint: status, delay,
 * hang, body, Retry-After, and connection refusal (`down()`/`up()` on the same port).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { encodeJson } from '../../src/platform/json.js';
import { parseJsonLossless } from '../../src/platform/json-parse.js';
import { API_PREFIX, defaultStatus, findEndpoint, type EndpointSpec } from './fake-platform-api.js';

export interface RecordedRequest {
  method: string;
  /** Path after `/api/v1/agent/` (e.g. `heartbeat`, `pg_stat_statements`), or the raw path if outside it. */
  path: string;
  /** Endpoint name from the API table (`recommendation` for the GET), or `unknown`. */
  endpoint: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  rawBody: Buffer;
  /** Gunzipped and parsed losslessly (int64 beyond 2^53 as bigint); undefined without a body. */
  body: unknown;
  at: number;
}

export interface FakeReply {
  status?: number;
  /** Wait before answering. */
  delayMs?: number;
  /** Never answer (the connection stays open until the client gives up or the fake closes). */
  hang?: boolean;
  /** A string or Buffer is sent verbatim (e.g. malformed JSON); anything else is JSON-encoded. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sets the Retry-After header (seconds or an HTTP date). */
  retryAfter?: number | string;
}

export interface FakePlatformOptions {
  apiKey?: string;
  databaseId?: string;
  /** Answer 401 to a request without the right DBTUNE-API-KEY, as the real platform does. */
  enforceApiKey?: boolean;
}

interface Rule {
  target: string;
  reply: FakeReply;
  remaining: number;
}

export class FakePlatform {
  readonly apiKey: string;
  readonly databaseId: string;
  private readonly enforceApiKey: boolean;
  readonly violations: string[] = [];
  private readonly log: RecordedRequest[] = [];
  private rules: Rule[] = [];
  private recommendationQueue: unknown[] = [];
  private recommendation: unknown = [];
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private port = 0;

  private constructor(opts: FakePlatformOptions) {
    this.apiKey = opts.apiKey ?? '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11';
    this.databaseId = opts.databaseId ?? '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f';
    this.enforceApiKey = opts.enforceApiKey ?? false;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakePlatformOptions = {}): Promise<FakePlatform> {
    const fake = new FakePlatform(opts);
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** `http://127.0.0.1:<port>` — the agent's `server_url`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Program replies for a target: an endpoint name (`heartbeat`, `recommendation`, `catalog`), a path
   * (`configurations` matches both its GET and POST), `METHOD path`, or `*` for every request. `times` replies are used, then
   * the next rule or the default applies; without `times` the rule stays until `clearReplies`.
   */
  reply(target: string, reply: FakeReply, times = Number.POSITIVE_INFINITY): this {
    this.rules.push({ target, reply, remaining: times });
    return this;
  }

  clearReplies(target?: string): void {
    this.rules = target === undefined ? [] : this.rules.filter((r) => r.target !== target);
  }

  /** The standing answer to `GET configurations?status=recommended` (`null` → `[]`). */
  setRecommendation(body: unknown): void {
    this.recommendation = body ?? [];
  }

  /** One-shot answers, served before the standing one. */
  queueRecommendation(...bodies: unknown[]): void {
    this.recommendationQueue.push(...bodies);
  }

  requests(target?: string): RecordedRequest[] {
    return target === undefined ? [...this.log] : this.log.filter((r) => matches(r, target));
  }

  async waitFor(
    predicate: (requests: RecordedRequest[]) => boolean,
    timeoutMs = 5_000,
  ): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests())) {
      if (Date.now() > deadline) throw new Error(`fake platform: condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.requests();
  }

  /** Refuse connections: close the listener and every open connection, keep the port for `up()`. */
  async down(): Promise<void> {
    if (!this.server.listening) return;
    const closed = once(this.server, 'close');
    this.server.close();
    this.dropConnections();
    await closed;
  }

  /** Listen again on the same port. */
  async up(): Promise<void> {
    if (this.server.listening) return;
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async close(): Promise<void> {
    await this.down();
  }

  private dropConnections(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const inApi = url.pathname.startsWith(API_PREFIX);
    const path = inApi ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const spec = inApi ? findEndpoint(method, path) : undefined;
    const record: RecordedRequest = {
      method,
      path,
      endpoint: spec?.name ?? 'unknown',
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body: undefined,
      at: Date.now(),
    };
    const where = `${method} ${path}`;
    const problems = (list: string[]) => this.violations.push(...list.map((p) => `${where}: ${p}`));
    record.body = this.decodeBody(record, problems);
    this.log.push(record);
    problems(this.checkCommon(record, spec));
    if (this.enforceApiKey && req.headers['dbtune-api-key'] !== this.apiKey) {
      return this.send(res, { status: 401, body: { detail: 'Invalid API key' } });
    }
    if (!spec) return this.send(res, { status: inApi && findEndpoint('POST', path) ? 405 : 404 });
    problems(spec.validate(record.body, path));
    this.send(res, this.replyFor(record, spec));
  }

  private decodeBody(r: RecordedRequest, problems: (p: string[]) => void): unknown {
    if (r.rawBody.length === 0) return undefined;
    let bytes = r.rawBody;
    if (r.headers['content-encoding'] === 'gzip') {
      try {
        bytes = gunzipSync(r.rawBody);
      } catch {
        problems(['Content-Encoding is gzip but the body is not a gzip stream']);
        return undefined;
      }
    }
    try {
      return parseJsonLossless(bytes.toString('utf8'));
    } catch (err) {
      problems([`body is not JSON (${err instanceof Error ? err.message : String(err)})`]);
      return undefined;
    }
  }

  /** What every request must carry (§1.1), and the transport details of its endpoint (§1.3). */
  private checkCommon(r: RecordedRequest, spec: EndpointSpec | undefined): string[] {
    const p: string[] = [];
    if (r.headers['dbtune-api-key'] !== this.apiKey) p.push('DBTUNE-API-KEY header missing or wrong');
    if (r.query.uuid !== this.databaseId) p.push(`uuid query parameter ${JSON.stringify(r.query.uuid)}`);
    if (!spec) return [...p, 'no such endpoint'];
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (r.query[k] !== v) p.push(`query parameter ${k} must be ${v}`);
    }
    if (spec.method !== 'GET') {
      if (!String(r.headers['content-type']).startsWith('application/json'))
        p.push('Content-Type is not JSON');
      const gz = r.headers['content-encoding'] === 'gzip';
      if (gz !== spec.gzip) p.push(spec.gzip ? 'body must be gzip' : 'body must not be gzip');
    }
    return p;
  }

  private replyFor(r: RecordedRequest, spec: EndpointSpec): FakeReply {
    const rule = this.rules.find((x) => x.remaining > 0 && matches(r, x.target));
    if (rule) {
      rule.remaining--;
      // A programmed 2xx without a body on the GET still serves the recommendation queue.
      const status = rule.reply.status ?? 200;
      const servesQueue = spec.name === 'recommendation' && rule.reply.body === undefined && !rule.reply.hang;
      if (!servesQueue || status < 200 || status >= 300) return rule.reply;
      return { ...rule.reply, body: this.nextRecommendation() };
    }
    if (spec.name === 'recommendation') return { status: 200, body: this.nextRecommendation() };
    return { status: defaultStatus(spec) };
  }

  private nextRecommendation(): unknown {
    return this.recommendationQueue.length > 0 ? this.recommendationQueue.shift() : this.recommendation;
  }

  private send(res: http.ServerResponse, reply: FakeReply): void {
    if (reply.hang) return;
    const write = () => {
      const headers: Record<string, string> = { ...reply.headers };
      if (reply.retryAfter !== undefined) headers['Retry-After'] = String(reply.retryAfter);
      let body: Buffer | undefined;
      if (typeof reply.body === 'string' || Buffer.isBuffer(reply.body)) body = Buffer.from(reply.body);
      else if (reply.body !== undefined) body = Buffer.from(encodeJson(reply.body));
      if (body && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
      const status = reply.status ?? (body ? 200 : 204);
      res.writeHead(status, headers);
      res.end(status === 204 ? undefined : body);
    };
    if (!reply.delayMs) return write();
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!res.destroyed) write();
    }, reply.delayMs);
    this.timers.add(t);
  }
}

function matches(r: RecordedRequest, target: string): boolean {
  return target === '*' || target === r.endpoint || target === r.path || target === `${r.method} ${r.path}`;
}
