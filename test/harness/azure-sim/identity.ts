/**
 * A managed-identity endpoint as App Service and Azure Functions expose it (`IDENTITY_ENDPOINT` +
 * `IDENTITY_HEADER`), which DefaultAzureCredential's ManagedIdentityCredential uses:
 *   GET <IDENTITY_ENDPOINT>?api-version=2019-08-01&resource=<audience>, header X-IDENTITY-HEADER
 *   → {"access_token","expires_on" (epoch seconds),"resource","token_type":"Bearer"}
 * https://learn.microsoft.com/en-us/azure/app-service/overview-managed-identity#rest-endpoint-reference
 * Tokens are opaque strings remembered per audience with their expiry, so the ARM simulation can
 * check them; `onToken` lets the owner act on a new token (the Entra database login sets it as the
 * role's password on the real PostgreSQL).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';

export interface IssuedToken {
  resource: string;
  token: string;
  expiresOn: number;
}

export class IdentitySim {
  readonly header = `sim-${randomBytes(8).toString('hex')}`;
  /** Lifetime of new tokens per audience (seconds); default one hour. */
  readonly ttlSeconds = new Map<string, number>();
  readonly issued: IssuedToken[] = [];
  /** Issue this token string for an audience every time (with a fresh expiry), e.g. a role's password. */
  readonly fixedTokens = new Map<string, string>();
  /** Answer token requests with this HTTP status (e.g. 400: "no identity assigned"). */
  failStatus: number | null = null;
  onToken?: (t: IssuedToken) => Promise<void>;
  private readonly sockets = new Set<Socket>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private port = 0;

  static async start(): Promise<IdentitySim> {
    const sim = new IdentitySim();
    sim.server.on('connection', (s: Socket) => {
      sim.sockets.add(s);
      s.on('close', () => sim.sockets.delete(s));
    });
    sim.server.listen(0, '127.0.0.1');
    await once(sim.server, 'listening');
    sim.port = (sim.server.address() as { port: number }).port;
    return sim;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}/msi/token`;
  }

  /** Env vars that make DefaultAzureCredential use this endpoint. */
  env(): Record<string, string> {
    return { IDENTITY_ENDPOINT: this.endpoint, IDENTITY_HEADER: this.header };
  }

  tokensFor(resource: string): IssuedToken[] {
    return this.issued.filter((t) => t.resource === resource.replace(/\/$/, ''));
  }

  /** Whether `token` was issued for `resource` and has not expired. */
  valid(token: string, resource: string): boolean {
    const t = this.issued.find((i) => i.token === token);
    return !!t && t.resource === resource.replace(/\/$/, '') && t.expiresOn * 1000 > Date.now();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://identity');
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname !== '/msi/token' || req.method !== 'GET') return reply(404, { error: 'not_found' });
    if (req.headers['x-identity-header'] !== this.header)
      return reply(401, {
        error: 'invalid_request',
        error_description: 'X-IDENTITY-HEADER is missing or wrong',
      });
    const resource = (url.searchParams.get('resource') ?? '').replace(/\/$/, '');
    if (!resource) return reply(400, { error: 'invalid_request', error_description: 'resource is required' });
    if (this.failStatus !== null)
      return reply(this.failStatus, {
        error: 'invalid_request',
        error_description: 'Identity not found (simulated)',
      });
    const ttl = this.ttlSeconds.get(resource) ?? 3600;
    const issued: IssuedToken = {
      resource,
      token: this.fixedTokens.get(resource) ?? `sim-token-${randomBytes(12).toString('hex')}`,
      expiresOn: Math.floor(Date.now() / 1000) + ttl,
    };
    try {
      await this.onToken?.(issued);
    } catch (err) {
      return reply(500, { error: 'server_error', error_description: String(err) });
    }
    this.issued.push(issued);
    reply(200, {
      access_token: issued.token,
      expires_on: String(issued.expiresOn),
      resource,
      token_type: 'Bearer',
    });
  }
}
