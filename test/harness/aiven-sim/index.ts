/**
 * An Aiven REST API v1 simulation (https://api.aiven.io/doc/) for the aiven adapter: service get,
 * service update (`user_config`, with `pg` for PostgreSQL parameters) and service metrics, with the
 * `Authorization: aivenv1 <token>` header. A service is backed by a harness PostgreSQL cluster:
 * `work_mem` (MB) and `pg.*` keys are written with ALTER SYSTEM and reloaded; a change of
 * `shared_buffers_percentage` sets shared_buffers to that share of the node's memory and restarts
 * the cluster while the service state is REBUILDING. A key set to null is removed (RESET).
 */
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgCluster } from '../postgres.js';
import { json, SimServer, type SimFailure, type SimRequest } from '../sim-server.js';

export type AivenOperation = 'service.get' | 'service.update' | 'service.metrics';

const PG_KEYS = new Set([
  'bgwriter_delay',
  'bgwriter_lru_maxpages',
  'max_parallel_workers',
  'max_parallel_workers_per_gather',
]);

export interface SimService {
  project: string;
  name: string;
  cluster: PgCluster;
  nodeMemoryMb: number;
  nodeCpuCount: number;
  userConfig: Record<string, unknown>;
  state: 'RUNNING' | 'REBUILDING';
  /** Metric name → value of the master column. */
  metrics: Record<string, number>;
}

export function aivenError(status: number, message: string) {
  return { errors: [{ message, status }], message };
}

function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export class AivenSim {
  readonly token = 'aiven-sim-token-3c1d0b7e';
  private readonly http: SimServer<AivenOperation>;
  private port = 0;
  private readonly services = new Map<string, SimService>();
  private failAfterApply: number | null = null;
  private pending: Promise<void> = Promise.resolve();

  private constructor() {
    this.http = new SimServer<AivenOperation>((r, res) => this.route(r, res));
  }

  static async start(): Promise<AivenSim> {
    const sim = new AivenSim();
    sim.port = await sim.http.listen();
    return sim;
  }

  /** Value for `aiven.api_url` / DBT_AIVEN_API_URL. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  addService(spec: Omit<SimService, 'state' | 'userConfig' | 'metrics'> & Partial<SimService>): void {
    this.services.set(`${spec.project}/${spec.name}`, {
      state: 'RUNNING',
      userConfig: {},
      metrics: {},
      ...spec,
    });
  }

  service(project: string, name: string): SimService {
    const s = this.services.get(`${project}/${name}`);
    if (!s) throw new Error(`aiven-sim: no service ${project}/${name}`);
    return s;
  }

  /** The next update is applied (reload or restart included) and then answered with `status`. */
  failAfterApplying(status: number): void {
    this.failAfterApply = status;
  }

  fail(op: AivenOperation, failure: SimFailure, times?: number): void {
    this.http.fail(op, failure, times);
  }

  reset(): void {
    this.http.clearFailures();
    this.failAfterApply = null;
  }

  requests(method?: string, pathMatch?: string | RegExp): SimRequest[] {
    return this.http.requests(method, pathMatch);
  }

  clearRequests(): void {
    this.http.clearRequests();
  }

  /** Resolves once no restart or reload started by an update is still running. */
  idle(): Promise<void> {
    return this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    await this.http.close();
  }

  private route(r: SimRequest, res: http.ServerResponse): void | Promise<void> {
    if (r.headers.authorization !== `aivenv1 ${this.token}`) {
      return json(res, 403, aivenError(403, 'Invalid token'));
    }
    const m = /^\/v1\/project\/([^/]+)\/service\/([^/]+)(\/metrics)?$/.exec(r.path);
    const svc = m ? this.services.get(`${m[1]}/${m[2]}`) : undefined;
    if (m && m[3] && r.method === 'POST') {
      if (this.http.failed('service.metrics', res)) return;
      if (!svc) return json(res, 404, aivenError(404, 'Service not found'));
      return json(res, 200, { metrics: metricsBody(svc, (r.body as { period?: string })?.period ?? 'hour') });
    }
    if (m && !m[3] && r.method === 'GET') {
      if (this.http.failed('service.get', res)) return;
      if (!svc) return json(res, 404, aivenError(404, 'Service not found'));
      return json(res, 200, { service: serviceBody(svc) });
    }
    if (m && !m[3] && r.method === 'PUT') {
      if (this.http.failed('service.update', res)) return;
      if (!svc) return json(res, 404, aivenError(404, 'Service not found'));
      return this.update(svc, r.body, res);
    }
    json(res, 404, aivenError(404, `No route for ${r.method} ${r.path}`));
  }

  private async update(svc: SimService, body: unknown, res: http.ServerResponse): Promise<void> {
    const uc = (body as { user_config?: unknown })?.user_config;
    if (uc === null || typeof uc !== 'object' || Array.isArray(uc)) {
      return json(res, 400, aivenError(400, 'user_config must be an object'));
    }
    const patch = uc as Record<string, unknown>;
    const problem = validate(patch);
    if (problem) return json(res, 400, aivenError(400, `Invalid user_config: ${problem}`));
    const statements: string[] = [];
    let restart = false;
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'pg') {
        const pg = { ...((svc.userConfig.pg as Record<string, unknown>) ?? {}) };
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (pg[k] === v) continue;
          statements.push(
            v === null ? `ALTER SYSTEM RESET ${k}` : `ALTER SYSTEM SET ${k} = ${quote(JSON.stringify(v))}`,
          );
          if (v === null) delete pg[k];
          else pg[k] = v;
        }
        svc.userConfig.pg = pg;
        continue;
      }
      if (svc.userConfig[key] === value) continue;
      if (key === 'work_mem') {
        statements.push(
          value === null ? 'ALTER SYSTEM RESET work_mem' : `ALTER SYSTEM SET work_mem = '${Number(value)}MB'`,
        );
      } else {
        const pages = Math.round(((Number(value) / 100) * svc.nodeMemoryMb * 1024 * 1024) / 8192);
        statements.push(
          value === null ? 'ALTER SYSTEM RESET shared_buffers' : `ALTER SYSTEM SET shared_buffers = ${pages}`,
        );
        restart = true;
      }
      if (value === null) delete svc.userConfig[key];
      else svc.userConfig[key] = value;
    }
    const apply = async () => {
      for (const s of statements) await svc.cluster.sql(s);
      if (restart) {
        await sleep(300); // the service reports REBUILDING for a while before it goes down
        await svc.cluster.restart();
      } else {
        await svc.cluster.sql('SELECT pg_reload_conf()');
      }
    };
    if (restart) svc.state = 'REBUILDING';
    const failStatus = this.failAfterApply;
    this.failAfterApply = null;
    const run = apply().finally(() => {
      svc.state = 'RUNNING';
    });
    this.pending = this.pending.then(() => run.catch(() => undefined));
    if (failStatus !== null) {
      await run.catch(() => undefined);
      return json(res, failStatus, aivenError(failStatus, 'Gateway timeout'));
    }
    // A reload is applied before the reply; a restart runs on after it, as on Aiven.
    if (!restart) await run;
    json(res, 200, { service: serviceBody(svc) });
  }
}

function validate(patch: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'pg') {
      if (value === null || typeof value !== 'object') return 'pg must be an object';
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (!PG_KEYS.has(k)) return `pg.${k} is not a supported parameter`;
        if (v !== null && !Number.isInteger(v)) return `pg.${k} must be an integer`;
      }
    } else if (key === 'work_mem') {
      if (value !== null && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 1024))
        return 'work_mem must be an integer between 1 and 1024';
    } else if (key === 'shared_buffers_percentage') {
      if (value !== null && !(typeof value === 'number' && value >= 20 && value <= 60))
        return 'shared_buffers_percentage must be between 20 and 60';
    } else {
      return `${key} is not a supported key`;
    }
  }
  return null;
}

function serviceBody(s: SimService): Record<string, unknown> {
  return {
    service_name: s.name,
    service_type: 'pg',
    state: s.state,
    plan: 'business-4',
    cloud_name: 'google-europe-west1',
    node_count: 2,
    node_cpu_count: s.nodeCpuCount,
    node_memory_mb: s.nodeMemoryMb,
    disk_space_mb: 81920,
    user_config: structuredClone(s.userConfig),
    service_uri_params: { host: 'pg-sim.aivencloud.com', port: '12691', user: 'avnadmin' },
  };
}

function metricsBody(s: SimService, period: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const now = Math.floor(Date.now() / 1000);
  for (const [name, value] of Object.entries(s.metrics)) {
    out[name] = {
      data: {
        cols: [
          { label: 'time', type: 'date' },
          { label: `${s.name}-1 (standby)`, type: 'number' },
          { label: `${s.name}-2 (master)`, type: 'number' },
        ],
        rows: [
          [new Date((now - 60) * 1000).toISOString(), value / 2, value * 0.9],
          [new Date(now * 1000).toISOString(), value / 2, value],
        ],
      },
      max_timestamp: now,
      total_series: 2,
      hints: { title: `${name} (${period})` },
    };
  }
  return out;
}
