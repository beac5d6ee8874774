/**
 * A wire-level simulation of Azure Resource Manager for one Flexible Server, served over https (the
 * SDK's bearer policy refuses plain http) with the self-signed certificate in ./tls, which clients
 * trust through NODE_EXTRA_CA_CERTS, plus the managed-identity endpoint that issues its tokens.
 * Served to the real `@azure/arm-postgresql-flexible` client and DefaultAzureCredential:
 *   GET  …/flexibleServers/{server}                          Servers - Get
 *   GET  …/flexibleServers/{server}/configurations           Configurations - List By Server
 *   GET  …/flexibleServers/{server}/configurations/{name}    Configurations - Get
 *   PUT  …/flexibleServers/{server}/configurations/{name}    Configurations - Put (202 + Azure-AsyncOperation)
 *   POST …/flexibleServers/{server}/restart                  Servers - Restart (202, long-running)
 *   GET  …/locations/{loc}/azureAsyncOperation/{id}, …/operationResults/{id}
 *   GET  …/flexibleServers/{server}/providers/Microsoft.Insights/metrics   Azure Monitor Metrics - List
 *   GET  …/flexibleServers/{server}/providers/Microsoft.Authorization/permissions   Permissions - List For Resource
 * It acts on a real PostgreSQL: a put is ALTER SYSTEM + reload, a restart really restarts it.
 * Tokens are checked (issued by the identity simulation for Resource Manager, unexpired); RBAC
 * denials, error replies, unreadable bodies and hangs are programmable; every request is logged.
 * https://learn.microsoft.com/en-us/rest/api/postgresql/flexibleserver/
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { PgCluster } from '../postgres.js';
import { armErr, json, metricsBody, serverBody } from './bodies.js';
import { PutRefused, SimConfigurations } from './configurations.js';
import { IdentitySim } from './identity.js';

export const CA_CERT_PATH = fileURLToPath(new URL('./tls/cert.pem', import.meta.url));
const KEY_PATH = fileURLToPath(new URL('./tls/key.pem', import.meta.url));
export const ARM_RESOURCE = 'https://management.azure.com';
export const OSSRDBMS_RESOURCE = 'https://ossrdbms-aad.database.windows.net';

export type SimOperation =
  | 'servers.get'
  | 'configurations.list'
  | 'configurations.get'
  | 'configurations.put'
  | 'servers.restart'
  | 'operations.get'
  | 'metrics.list'
  | 'permissions.list';

const ACTIONS: Record<SimOperation, string> = {
  'servers.get': 'Microsoft.DBforPostgreSQL/flexibleServers/read',
  'configurations.list': 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/read',
  'configurations.get': 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/read',
  'configurations.put': 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/write',
  'servers.restart': 'Microsoft.DBforPostgreSQL/flexibleServers/restart/action',
  'operations.get': 'Microsoft.DBforPostgreSQL/locations/azureAsyncOperation/read',
  'metrics.list': 'Microsoft.Insights/metrics/read',
  // Listing one's own permissions needs none.
  'permissions.list': '',
};

export interface SimFailure {
  status?: number;
  code?: string;
  message?: string;
  /** Reply with this body verbatim (status default 200): an unreadable response. */
  raw?: string;
  hang?: boolean;
  /** Only for this configuration name. */
  name?: string;
}

export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  op: SimOperation | null;
  body: unknown;
}

export interface AzureSimOptions {
  cluster: PgCluster;
  subscriptionId: string;
  resourceGroup: string;
  serverName: string;
  sku?: string;
  location?: string;
}

interface AsyncOp {
  status: 'InProgress' | 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
}

export class AzureSim {
  readonly identity: IdentitySim;
  readonly configurations: SimConfigurations;
  sku: string;
  state = 'Ready';
  /** Azure Monitor averages for the newest complete minute; null = no data point. */
  readonly metrics: Record<'cpu_percent' | 'memory_percent', number | null> = {
    cpu_percent: 12.5,
    memory_percent: 40,
  };
  /** Restarts performed. */
  restarts = 0;
  /** The next restart operation ends Failed without restarting PostgreSQL. */
  failNextRestart = false;
  private readonly denied = new Set<string>();
  private readonly failures: { op: SimOperation; failure: SimFailure; remaining: number }[] = [];
  private readonly log: SimRequest[] = [];
  private readonly ops = new Map<string, AsyncOp>();
  private readonly sockets = new Set<Socket>();
  private readonly server: https.Server;
  private port = 0;
  private readonly location: string;

  private constructor(
    private readonly o: AzureSimOptions,
    identity: IdentitySim,
  ) {
    this.identity = identity;
    this.sku = o.sku ?? 'Standard_D4ds_v5';
    this.location = o.location ?? 'westeurope';
    this.configurations = new SimConfigurations(o.cluster, this.serverId);
    this.server = https.createServer(
      { key: readFileSync(KEY_PATH), cert: readFileSync(CA_CERT_PATH) },
      (req, res) => void this.handle(req, res),
    );
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(o: AzureSimOptions): Promise<AzureSim> {
    const sim = new AzureSim(o, await IdentitySim.start());
    await sim.configurations.init();
    sim.server.listen(0, '127.0.0.1');
    await once(sim.server, 'listening');
    sim.port = (sim.server.address() as { port: number }).port;
    return sim;
  }

  get armEndpoint(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get serverId(): string {
    return (
      `/subscriptions/${this.o.subscriptionId}/resourceGroups/${this.o.resourceGroup}` +
      `/providers/Microsoft.DBforPostgreSQL/flexibleServers/${this.o.serverName}`
    );
  }

  /** Env for a client process: the identity endpoint and trust in the simulation's certificate. */
  env(): Record<string, string> {
    return { ...this.identity.env(), NODE_EXTRA_CA_CERTS: CA_CERT_PATH };
  }

  /** Deny an RBAC action (`Microsoft.DBforPostgreSQL/flexibleServers/configurations/write`, …). */
  deny(action: string): void {
    this.denied.add(action);
  }

  fail(op: SimOperation, failure: SimFailure, times = Number.POSITIVE_INFINITY): void {
    this.failures.push({ op, failure, remaining: times });
  }

  reset(): void {
    this.denied.clear();
    this.failures.length = 0;
    this.log.length = 0;
    this.configurations.clear();
    this.restarts = 0;
    this.failNextRestart = false;
    this.metrics.cpu_percent = 12.5;
    this.metrics.memory_percent = 40;
    this.identity.failStatus = null;
    this.state = 'Ready';
  }

  requests(op?: SimOperation, method?: string): SimRequest[] {
    return this.log.filter(
      (r) => (op === undefined || r.op === op) && (method === undefined || r.method === method),
    );
  }

  /** Names of the configurations put, in order. */
  puts(): string[] {
    return this.requests('configurations.put').map((r) => decodeURIComponent(r.path.split('/').at(-1) ?? ''));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.identity.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://arm');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return json(res, 400, armErr('InvalidRequestContent', 'The request content was invalid.'));
    }
    const record: SimRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      op: null,
      body,
    };
    this.log.push(record);
    try {
      await this.route(record, req, res);
    } catch (err) {
      if (!res.headersSent) json(res, 500, armErr('InternalServerError', String(err)));
    }
  }

  private async route(r: SimRequest, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !this.identity.valid(auth, ARM_RESOURCE))
      return json(res, 401, armErr('InvalidAuthenticationToken', 'The access token is invalid or expired.'));
    if (!r.query['api-version'])
      return json(
        res,
        400,
        armErr(
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        ),
      );
    const base = `/subscriptions/${this.o.subscriptionId}`;
    const op =
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.DBforPostgreSQL\/locations\/[^/]+\/(azureAsyncOperation|operationResults)\/([^/]+)$/i.exec(
        r.path,
      );
    if (op) {
      r.op = 'operations.get';
      if (this.refused(r, res)) return;
      return this.operation(op[1] === 'operationResults', op[2] ?? '', res);
    }
    const rgPrefix = `${base}/resourceGroups/`;
    if (!r.path.startsWith(rgPrefix))
      return json(
        res,
        404,
        armErr('SubscriptionNotFound', `The subscription '${r.path.split('/')[2]}' could not be found.`),
      );
    const rest = r.path.slice(rgPrefix.length);
    const m = /^([^/]+)\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/([^/]+)(\/.*)?$/i.exec(rest);
    if (!m) return json(res, 404, armErr('NotFound', 'The requested resource was not found.'));
    const [, rg, server, sub = ''] = m;
    if (decodeURIComponent(rg ?? '') !== this.o.resourceGroup)
      return json(
        res,
        404,
        armErr(
          'ResourceGroupNotFound',
          `Resource group '${decodeURIComponent(rg ?? '')}' could not be found.`,
        ),
      );
    if (decodeURIComponent(server ?? '') !== this.o.serverName)
      return json(
        res,
        404,
        armErr(
          'ResourceNotFound',
          `The Resource 'Microsoft.DBforPostgreSQL/flexibleServers/${decodeURIComponent(server ?? '')}' under resource group '${this.o.resourceGroup}' was not found.`,
        ),
      );
    if (sub === '' && r.method === 'GET') {
      r.op = 'servers.get';
      if (this.refused(r, res)) return;
      return json(
        res,
        200,
        serverBody({
          serverId: this.serverId,
          name: this.o.serverName,
          location: this.location,
          sku: this.sku,
          major: this.o.cluster.major,
          state: this.state,
        }),
      );
    }
    if (sub === '/configurations' && r.method === 'GET') {
      r.op = 'configurations.list';
      if (this.refused(r, res)) return;
      return json(res, 200, { value: await this.configurations.list() });
    }
    const cm = /^\/configurations\/([^/]+)$/.exec(sub);
    if (cm && (r.method === 'GET' || r.method === 'PUT')) {
      const name = decodeURIComponent(cm[1] ?? '');
      r.op = r.method === 'GET' ? 'configurations.get' : 'configurations.put';
      if (this.refused(r, res, name)) return;
      if (r.method === 'PUT') return this.putConfiguration(name, r.body, res);
      const c = await this.configurations.get(name);
      return c
        ? json(res, 200, c)
        : json(res, 404, armErr('ConfigurationNotExists', `The configuration '${name}' does not exist.`));
    }
    if (sub === '/restart' && r.method === 'POST') {
      r.op = 'servers.restart';
      if (this.refused(r, res)) return;
      return this.restart(res);
    }
    if (sub === '/providers/Microsoft.Authorization/permissions' && r.method === 'GET') {
      r.op = 'permissions.list';
      if (this.refused(r, res)) return;
      // One role assignment: everything except the denied actions (like Contributor minus them).
      return json(res, 200, {
        value: [{ actions: ['*'], notActions: [...this.denied], dataActions: [], notDataActions: [] }],
        nextLink: null,
      });
    }
    if (sub === '/providers/Microsoft.Insights/metrics' && r.method === 'GET') {
      r.op = 'metrics.list';
      if (this.refused(r, res)) return;
      return json(
        res,
        200,
        metricsBody({ serverId: this.serverId, location: this.location, metrics: this.metrics }, r.query),
      );
    }
    return json(res, 404, armErr('NotFound', `No route for ${r.method} ${sub}`));
  }

  /** RBAC denial or a programmed failure; true when the request was answered (or left hanging). */
  private refused(r: SimRequest, res: http.ServerResponse, name?: string): boolean {
    const op = r.op!;
    const action = ACTIONS[op];
    if (this.denied.has(action)) {
      json(
        res,
        403,
        armErr(
          'AuthorizationFailed',
          `The client '00000000-0000-0000-0000-0000000000aa' with object id '00000000-0000-0000-0000-0000000000aa' does not have authorization to perform action '${action}' over scope '${this.serverId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
        ),
      );
      return true;
    }
    const rule = this.failures.find(
      (f) => f.op === op && f.remaining > 0 && (!f.failure.name || f.failure.name === name),
    );
    if (!rule) return false;
    rule.remaining--;
    const f = rule.failure;
    if (f.hang) return true;
    if (f.raw !== undefined) {
      res.writeHead(f.status ?? 200, { 'Content-Type': 'application/json' }).end(f.raw);
      return true;
    }
    json(
      res,
      f.status ?? 500,
      armErr(f.code ?? 'InternalServerError', f.message ?? `azure-sim: ${op} failed`),
    );
    return true;
  }

  private async putConfiguration(name: string, body: unknown, res: http.ServerResponse): Promise<void> {
    const props = (body as { properties?: { value?: unknown; source?: unknown } } | undefined)?.properties;
    if (typeof props?.value !== 'string' || (props.source !== undefined && props.source !== 'user-override'))
      return json(
        res,
        400,
        armErr(
          'InvalidRequestContent',
          'properties.value must be a string and properties.source "user-override".',
        ),
      );
    try {
      await this.configurations.put(name, props.value);
    } catch (err) {
      if (err instanceof PutRefused) return json(res, err.status, armErr(err.code, err.message));
      throw err;
    }
    this.accepted(res, this.newOperation('Succeeded'));
  }

  private restart(res: http.ServerResponse): void {
    const id = this.newOperation('InProgress');
    if (this.failNextRestart) {
      this.failNextRestart = false;
      this.ops.set(id, {
        status: 'Failed',
        error: {
          code: 'InternalServerError',
          message: 'An unexpected error occured while processing the request.',
        },
      });
      return this.accepted(res, id, 1);
    }
    this.state = 'Restarting';
    this.restarts++;
    void this.o.cluster
      .restart()
      .then(() => this.ops.set(id, { status: 'Succeeded' }))
      .catch((err: unknown) =>
        this.ops.set(id, { status: 'Failed', error: { code: 'InternalServerError', message: String(err) } }),
      )
      .finally(() => (this.state = 'Ready'));
    this.accepted(res, id, 1);
  }

  private newOperation(status: AsyncOp['status']): string {
    const id = randomUUID();
    this.ops.set(id, { status });
    return id;
  }

  private accepted(res: http.ServerResponse, id: string, retryAfter = 0): void {
    const ops = `${this.armEndpoint}/subscriptions/${this.o.subscriptionId}/providers/Microsoft.DBforPostgreSQL/locations/${this.location}`;
    res
      .writeHead(202, {
        'Azure-AsyncOperation': `${ops}/azureAsyncOperation/${id}?api-version=2025-08-01`,
        Location: `${ops}/operationResults/${id}?api-version=2025-08-01`,
        'Retry-After': String(retryAfter),
        'Content-Length': '0',
      })
      .end();
  }

  private operation(result: boolean, id: string, res: http.ServerResponse): void {
    const op = this.ops.get(id);
    if (!op) return json(res, 404, armErr('OperationNotFound', `Operation ${id} not found.`));
    if (result) return op.status === 'InProgress' ? this.accepted(res, id, 1) : json(res, 200, {});
    json(res, 200, {
      name: id,
      status: op.status,
      startTime: new Date().toISOString(),
      ...(op.error ? { error: op.error } : {}),
    });
  }
}
