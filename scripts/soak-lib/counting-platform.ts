/**
 * A light fake platform for long soaks. The test harness's FakePlatform keeps every request body
 * (fine for a minute, hundreds of MB over a 30-minute soak at 10× speed), so this one only counts:
 * requests per endpoint, heartbeat times, requests with a wrong API key or uuid. Replies follow the
 * same API table (test/harness/fake-platform-api.ts), so the agent sees the statuses it expects.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_PREFIX, defaultStatus, findEndpoint } from '../../test/harness/fake-platform-api.js';
import { encodeJson } from '../../src/platform/json.js';

export class CountingPlatform {
  readonly apiKey = '9d3c2b1a-7e6f-4a5b-8c9d-0e1f2a3b4c5d';
  readonly databaseId = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5e';
  readonly counts = new Map<string, number>();
  readonly heartbeatTimes: number[] = [];
  badAuth = 0;
  private recommendation: unknown = [];
  private readonly server: http.Server;
  private port = 0;

  private constructor() {
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<CountingPlatform> {
    const p = new CountingPlatform();
    p.server.listen(0, '127.0.0.1');
    await once(p.server, 'listening');
    p.port = (p.server.address() as AddressInfo).port;
    return p;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setRecommendation(body: unknown): void {
    this.recommendation = body;
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for await (const _chunk of req) {
      // drain: only the count matters
    }
    const url = new URL(req.url ?? '/', this.url);
    if (req.headers['dbtune-api-key'] !== this.apiKey || url.searchParams.get('uuid') !== this.databaseId) {
      this.badAuth++;
    }
    const rel = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
    const spec = findEndpoint(req.method ?? 'GET', rel);
    const name = spec?.name === 'catalog' ? `catalog:${rel}` : (spec?.name ?? 'unknown');
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (name === 'heartbeat') this.heartbeatTimes.push(Date.now());
    if (!spec) {
      res.writeHead(404).end();
      return;
    }
    if (spec.name === 'recommendation') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(encodeJson(this.recommendation));
      return;
    }
    const status = defaultStatus(spec);
    res.writeHead(status).end();
  }
}
