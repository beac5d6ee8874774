/**
 * A Google Cloud simulation on one loopback port, for the cloudsql adapter: the GCE metadata server
 * (what Application Default Credentials fall back to when `GCE_METADATA_HOST` points here), the
 * Cloud SQL Admin API v1 (instances get/patch, operations get, flags list) and Cloud Monitoring v3
 * (timeSeries list), in the JSON the real client libraries receive in REST mode.
 *
 * An instance is backed by a harness PostgreSQL cluster: a patch of `settings.databaseFlags` runs as
 * an operation that writes every flag with ALTER SYSTEM (removed flags are RESET), then reloads, or
 * restarts the cluster when a changed flag requires a restart, and only then reports DONE.
 * References: https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/instances/patch,
 * https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1/operations,
 * https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list,
 * https://cloud.google.com/compute/docs/metadata/querying-metadata
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgCluster } from '../postgres.js';
import { json, SimServer, type SimFailure, type SimRequest } from '../sim-server.js';
import { flagJson, SIM_FLAGS } from './flags.js';

export type GcpOperation =
  'token' | 'instances.get' | 'instances.patch' | 'operations.get' | 'flags.list' | 'timeSeries.list';

export interface SimInstance {
  project: string;
  name: string;
  databaseVersion: string;
  cluster: PgCluster;
  flags: { name: string; value: string }[];
  userLabels?: Record<string, string>;
  settingsVersion: number;
}

interface SimOp {
  name: string;
  project: string;
  instance: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  error?: string;
}

export function googleError(code: number, message: string, reason: string, status: string) {
  return { error: { code, message, errors: [{ message, domain: 'global', reason }], status } };
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class GcpSim {
  readonly token = `ya29.sim-${randomUUID()}`;
  readonly serviceAccount = 'dbtune-agent@sim-project.iam.gserviceaccount.com';
  /** How long a patch operation stays RUNNING before it acts (makes polling visible). */
  operationDelayMs = 200;
  private readonly http: SimServer<GcpOperation>;
  private port = 0;
  private readonly instances = new Map<string, SimInstance>();
  private readonly operations = new Map<string, SimOp>();
  private readonly metrics = new Map<string, number>();
  private readonly failingMetrics = new Set<string>();
  private busy = 0;
  private failNextOp: string | null = null;

  private constructor() {
    this.http = new SimServer<GcpOperation>((r, res) => this.route(r, res));
  }

  static async start(): Promise<GcpSim> {
    const sim = new GcpSim();
    sim.port = await sim.http.listen();
    return sim;
  }

  /** Value for `cloudsql.api_endpoint` / DBT_GCP_API_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Value for GCE_METADATA_HOST. */
  get metadataHost(): string {
    return `127.0.0.1:${this.port}`;
  }

  addInstance(spec: Omit<SimInstance, 'flags' | 'settingsVersion'> & { flags?: SimInstance['flags'] }): void {
    this.instances.set(`${spec.project}/${spec.name}`, { flags: [], settingsVersion: 1, ...spec });
  }

  instance(project: string, name: string): SimInstance {
    const i = this.instances.get(`${project}/${name}`);
    if (!i) throw new Error(`gcp-sim: no instance ${project}/${name}`);
    return i;
  }

  /** Set a metric's newest value; `component` for memory/components (Usage, Cache, Free). */
  setMetric(type: string, value: number, component?: string): void {
    this.metrics.set(component ? `${type}#${component}` : type, value);
  }

  /** Make every ListTimeSeries call for this metric type fail with 500. */
  failMetric(type: string): void {
    this.failingMetrics.add(type);
  }

  /** The next `n` patches are refused with reason `operationInProgress` (HTTP 409). */
  busyFor(n: number): void {
    this.busy = n;
  }

  /** The next patch operation applies its flags and then ends in an error. */
  failNextOperation(message: string): void {
    this.failNextOp = message;
  }

  fail(op: GcpOperation, failure: SimFailure, times?: number): void {
    this.http.fail(op, failure, times);
  }

  /** 403 for an operation, as Google sends it for a missing IAM permission. */
  deny(op: GcpOperation, times?: number): void {
    const message =
      op === 'timeSeries.list'
        ? 'Permission monitoring.timeSeries.list denied (or the resource may not exist).'
        : 'The client is not authorized to make this request.';
    this.http.fail(
      op,
      { status: 403, body: googleError(403, message, 'notAuthorized', 'PERMISSION_DENIED') },
      times,
    );
  }

  reset(): void {
    this.http.clearFailures();
    this.failingMetrics.clear();
    this.busy = 0;
    this.failNextOp = null;
  }

  requests(method?: string, pathMatch?: string | RegExp): SimRequest[] {
    return this.http.requests(method, pathMatch);
  }

  clearRequests(): void {
    this.http.clearRequests();
  }

  /** Resolves when no patch operation is running. */
  async idle(): Promise<void> {
    while ([...this.operations.values()].some((o) => o.status !== 'DONE')) await sleep(20);
  }

  async close(): Promise<void> {
    await this.idle();
    await this.http.close();
  }

  private route(r: SimRequest, res: http.ServerResponse): void {
    if (r.path.startsWith('/computeMetadata/')) return this.metadata(r, res);
    if (r.headers.authorization !== `Bearer ${this.token}`) {
      const message = 'Request had invalid authentication credentials.';
      return json(res, 401, googleError(401, message, 'authError', 'UNAUTHENTICATED'));
    }
    let m = /^\/v1\/projects\/([^/]+)\/instances\/([^/]+)$/.exec(r.path);
    if (m && r.method === 'GET') {
      if (this.http.failed('instances.get', res)) return;
      const inst = this.instances.get(`${m[1]}/${m[2]}`);
      if (!inst) return notFound(res);
      return json(res, 200, instanceJson(inst));
    }
    if (m && r.method === 'PATCH') {
      if (this.http.failed('instances.patch', res)) return;
      const inst = this.instances.get(`${m[1]}/${m[2]}`);
      if (!inst) return notFound(res);
      return this.patch(inst, r.body, res);
    }
    m = /^\/v1\/projects\/([^/]+)\/operations\/([^/]+)$/.exec(r.path);
    if (m && r.method === 'GET') {
      if (this.http.failed('operations.get', res)) return;
      const op = this.operations.get(m[2] ?? '');
      if (!op || op.project !== m[1]) {
        return json(
          res,
          404,
          googleError(404, 'The operation does not exist.', 'operationDoesNotExist', 'NOT_FOUND'),
        );
      }
      return json(res, 200, operationJson(op));
    }
    if (r.path === '/v1/flags' && r.method === 'GET') {
      if (this.http.failed('flags.list', res)) return;
      const version = r.query.databaseVersion ?? 'POSTGRES_17';
      return json(res, 200, { kind: 'sql#flagsList', items: SIM_FLAGS.map((f) => flagJson(f, version)) });
    }
    m = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(r.path);
    if (m && r.method === 'GET') {
      if (this.http.failed('timeSeries.list', res)) return;
      return this.timeSeries(m[1] ?? '', r.query, res);
    }
    json(res, 404, googleError(404, `No route for ${r.method} ${r.path}`, 'notFound', 'NOT_FOUND'));
  }

  private metadata(r: SimRequest, res: http.ServerResponse): void {
    const headers = { 'Metadata-Flavor': 'Google' };
    if (r.headers['metadata-flavor'] !== 'Google')
      return json(res, 403, { error: 'Missing Metadata-Flavor' });
    if (r.path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (this.http.failed('token', res)) return;
      return json(res, 200, { access_token: this.token, expires_in: 3599, token_type: 'Bearer' }, headers);
    }
    const text: Record<string, string> = {
      '/computeMetadata/v1/instance': '',
      '/computeMetadata/v1/instance/': 'id\nservice-accounts/\nzone\n',
      '/computeMetadata/v1/project/project-id': 'sim-project',
      '/computeMetadata/v1/instance/service-accounts/default/email': this.serviceAccount,
    };
    const body = text[r.path];
    if (body === undefined) return void res.writeHead(404, headers).end('not found');
    res.writeHead(200, { ...headers, 'Content-Type': 'application/text' }).end(body);
  }

  private patch(inst: SimInstance, body: unknown, res: http.ServerResponse): void {
    // Cloud SQL runs one operation per instance at a time; `busyFor` adds refusals on top.
    const running = [...this.operations.values()].some(
      (o) => o.status !== 'DONE' && o.project === inst.project && o.instance === inst.name,
    );
    if (running || this.busy > 0) {
      if (!running) this.busy--;
      const message = 'Operation failed because another operation was already in progress.';
      return json(res, 409, googleError(409, message, 'operationInProgress', 'ABORTED'));
    }
    const settings = (body as { settings?: { databaseFlags?: unknown; userLabels?: unknown } })?.settings;
    const flags = settings?.databaseFlags;
    // A map field in a patch replaces the whole map (an empty map clears every label).
    if (settings?.userLabels !== undefined)
      inst.userLabels = { ...(settings.userLabels as Record<string, string>) };
    if (!Array.isArray(flags)) {
      return json(
        res,
        400,
        googleError(400, 'Invalid request: settings.databaseFlags missing.', 'invalid', 'INVALID_ARGUMENT'),
      );
    }
    const next: { name: string; value: string }[] = [];
    for (const f of flags as { name?: unknown; value?: unknown }[]) {
      const def = SIM_FLAGS.find((d) => d.name === f.name);
      const value = typeof f.value === 'string' ? f.value : '';
      if (!def) {
        const message = `Invalid flag name: ${String(f.name)}.`;
        return json(res, 400, googleError(400, message, 'invalidFlagName', 'INVALID_ARGUMENT'));
      }
      const n = Number(value);
      if ((def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max) || value === '') {
        const message = `Invalid flag value for ${def.name}: ${value}.`;
        return json(res, 400, googleError(400, message, 'invalidFlagValue', 'INVALID_ARGUMENT'));
      }
      next.push({ name: def.name, value });
    }
    const op: SimOp = { name: randomUUID(), project: inst.project, instance: inst.name, status: 'PENDING' };
    this.operations.set(op.name, op);
    const failure = this.failNextOp;
    this.failNextOp = null;
    void this.runPatch(inst, next, op, failure);
    json(res, 200, operationJson(op));
  }

  private async runPatch(inst: SimInstance, next: SimInstance['flags'], op: SimOp, failure: string | null) {
    try {
      op.status = 'RUNNING';
      await sleep(this.operationDelayMs);
      const before = new Map(inst.flags.map((f) => [f.name, f.value]));
      const after = new Map(next.map((f) => [f.name, f.value]));
      const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
        (n) => before.get(n) !== after.get(n),
      );
      for (const name of changed) {
        const v = after.get(name);
        await inst.cluster.sql(
          v === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = ${quote(v)}`,
        );
      }
      inst.flags = next;
      inst.settingsVersion++;
      const restart = changed.some((n) => SIM_FLAGS.find((d) => d.name === n)?.requiresRestart);
      if (restart) await inst.cluster.restart();
      else await inst.cluster.sql('SELECT pg_reload_conf()');
      if (failure) op.error = failure;
    } catch (err) {
      op.error = err instanceof Error ? err.message : String(err);
    } finally {
      op.status = 'DONE';
    }
  }

  private timeSeries(project: string, q: Record<string, string>, res: http.ServerResponse): void {
    const filter = q.filter ?? '';
    const type = /metric\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1] ?? '';
    const component = /metric\.labels\.component\s*=\s*"([^"]+)"/.exec(filter)?.[1];
    const dbId = /resource\.labels\.database_id\s*=\s*"([^"]+)"/.exec(filter)?.[1] ?? '';
    if (!q['interval.endTime']) {
      return json(
        res,
        400,
        googleError(400, 'Field interval.endTime had an invalid value.', 'badRequest', 'INVALID_ARGUMENT'),
      );
    }
    if (this.failingMetrics.has(type)) {
      return json(res, 500, googleError(500, 'Internal error encountered.', 'backendError', 'INTERNAL'));
    }
    const [p, i] = dbId.split(':');
    const value = this.metrics.get(component ? `${type}#${component}` : type);
    if (value === undefined || p !== project || !this.instances.has(`${p}/${i}`)) return json(res, 200, {});
    const isInt = /_count$|\/quota$/.test(type);
    const end = q['interval.endTime'];
    json(res, 200, {
      timeSeries: [
        {
          metric: { type, labels: component ? { component } : {} },
          resource: {
            type: 'cloudsql_database',
            labels: { project_id: p, database_id: dbId, region: 'europe-west1' },
          },
          metricKind: type.endsWith('_count') ? 'DELTA' : 'GAUGE',
          valueType: isInt ? 'INT64' : 'DOUBLE',
          points: [
            {
              interval: { startTime: end, endTime: end },
              value: isInt ? { int64Value: String(Math.round(value)) } : { doubleValue: value },
            },
          ],
        },
      ],
      unit: '',
    });
  }
}

function notFound(res: http.ServerResponse): void {
  json(
    res,
    404,
    googleError(404, 'The Cloud SQL instance does not exist.', 'instanceDoesNotExist', 'NOT_FOUND'),
  );
}

function instanceJson(i: SimInstance): Record<string, unknown> {
  return {
    kind: 'sql#instance',
    name: i.name,
    project: i.project,
    connectionName: `${i.project}:europe-west1:${i.name}`,
    databaseVersion: i.databaseVersion,
    state: 'RUNNABLE',
    region: 'europe-west1',
    backendType: 'SECOND_GEN',
    instanceType: 'CLOUD_SQL_INSTANCE',
    settings: {
      kind: 'sql#settings',
      tier: 'db-custom-2-8192',
      settingsVersion: String(i.settingsVersion),
      availabilityType: 'ZONAL',
      databaseFlags: i.flags.map((f) => ({ ...f })),
      userLabels: { ...i.userLabels },
    },
  };
}

function operationJson(op: SimOp): Record<string, unknown> {
  return {
    kind: 'sql#operation',
    name: op.name,
    status: op.status,
    operationType: 'UPDATE',
    targetId: op.instance,
    targetProject: op.project,
    insertTime: new Date().toISOString(),
    ...(op.error
      ? {
          error: {
            kind: 'sql#operationErrors',
            errors: [{ kind: 'sql#operationError', code: 'INTERNAL_ERROR', message: op.error }],
          },
        }
      : {}),
    selfLink: `https://sqladmin.googleapis.com/v1/projects/${op.project}/operations/${op.name}`,
  };
}
