/**
 * A Docker Engine API simulation on a unix socket (node:http), for the docker adapter's tests. It
 * serves the paths dockerode uses, with or without a `/v1.xx` prefix:
 *   GET /_ping, GET /version, GET /info, GET /containers/{id}/json, GET /containers/{id}/stats,
 *   POST /containers/{id}/restart|stop|start
 * A container may be backed by a harness PostgreSQL cluster: restart, stop and start then really
 * restart, stop and start it (a restart of a stopped container starts it, as Docker does). Stats
 * values are set by the test; failures (status, hang, delay) are programmable per operation; every
 * request is logged. Shapes follow https://docs.docker.com/reference/api/engine/ (API 1.47).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { PgCluster } from './postgres.js';

export const SIM_API_VERSION = '1.47';
const GIB = 1024 ** 3;

export interface SimStats {
  /** Which memory_stats.stats keys to report: v1 (`total_inactive_file`, …) or v2 (`inactive_file`, …). */
  cgroup: 'v1' | 'v2';
  memoryUsage: number;
  /** memory_stats.limit as the engine reports it (the host's memory for an unlimited container). */
  memoryLimit: number;
  /** Reclaimable page cache (v1 `total_inactive_file`, v2 `inactive_file`); omitted when null. */
  inactiveFile: number | null;
  /** cpu_stats.cpu_usage.total_usage and system_cpu_usage (ns); precpu_* for precpu_stats. */
  cpuTotal: number;
  systemCpu: number;
  preCpuTotal: number;
  preSystemCpu: number;
  onlineCpus: number;
}

export interface SimContainerSpec {
  name: string;
  image?: string;
  /** Backing cluster: running state follows it, and restart/stop/start act on it. */
  cluster?: PgCluster;
  /** Without a cluster: whether the container runs (default true). */
  running?: boolean;
  hostConfig?: { NanoCpus?: number; CpuQuota?: number; CpuPeriod?: number; Memory?: number };
  stats?: Partial<SimStats>;
}

export type SimOperation = 'inspect' | 'stats' | 'restart' | 'stop' | 'start' | 'info';

export interface SimFailure {
  /** Reply with this status and `{"message": …}` instead of doing the operation. */
  status?: number;
  message?: string;
  /** Never answer (until the client gives up or the sim closes). */
  hang?: boolean;
  /** Wait this long, then carry on normally (or fail as programmed). */
  delayMs?: number;
}

export interface SimRequest {
  method: string;
  /** Path without the API-version prefix, e.g. `/containers/pg/restart`. */
  path: string;
  /** The version prefix as sent (`v1.47`), or null. */
  version: string | null;
  query: Record<string, string>;
  at: number;
}

interface SimContainer {
  id: string;
  spec: SimContainerSpec;
  stats: SimStats;
  running: boolean;
}

const DEFAULT_STATS: SimStats = {
  cgroup: 'v2',
  memoryUsage: 512 * 1024 * 1024,
  memoryLimit: 2 * GIB,
  inactiveFile: 128 * 1024 * 1024,
  cpuTotal: 2_000_000_000,
  systemCpu: 40_000_000_000,
  preCpuTotal: 1_000_000_000,
  preSystemCpu: 30_000_000_000,
  onlineCpus: 4,
};

function containerId(name: string): string {
  let hex = '';
  for (let i = 0; hex.length < 64; i++)
    hex += ((name.charCodeAt(i % name.length) * 2654435761 + i) >>> 0).toString(16);
  return hex.slice(0, 64);
}

export class DockerSim {
  readonly socketPath: string;
  /** Host memory reported by `/info` (MemTotal). */
  hostMemory = 16 * GIB;
  private readonly dir: string;
  private readonly containers = new Map<string, SimContainer>();
  private readonly failures = new Map<SimOperation, { failure: SimFailure; remaining: number }>();
  private readonly log: SimRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: http.Server;

  private constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-docker-sim-'));
    this.socketPath = path.join(this.dir, 'docker.sock');
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<DockerSim> {
    const sim = new DockerSim();
    sim.server.listen(sim.socketPath);
    await once(sim.server, 'listening');
    return sim;
  }

  /** `DOCKER_HOST` value pointing at this simulation. */
  get dockerHost(): string {
    return `unix://${this.socketPath}`;
  }

  addContainer(spec: SimContainerSpec): string {
    const id = containerId(spec.name);
    this.containers.set(id, {
      id,
      spec,
      stats: { ...DEFAULT_STATS, ...spec.stats },
      running: spec.running ?? true,
    });
    return id;
  }

  setStats(name: string, stats: Partial<SimStats>): void {
    const c = this.find(name);
    if (!c) throw new Error(`docker-sim: no container ${name}`);
    Object.assign(c.stats, stats);
  }

  /** Program a failure for the next `times` calls of an operation (any container). */
  fail(op: SimOperation, failure: SimFailure, times = Number.POSITIVE_INFINITY): void {
    this.failures.set(op, { failure, remaining: times });
  }

  clearFailures(): void {
    this.failures.clear();
  }

  /** Requests seen, optionally filtered by method and path (exact, or a RegExp). */
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
    rmSync(this.dir, { recursive: true, force: true });
  }

  private find(ref: string): SimContainer | undefined {
    const name = ref.replace(/^\//, '');
    for (const c of this.containers.values()) {
      if (c.spec.name === name || c.id === ref || (ref.length >= 12 && c.id.startsWith(ref))) return c;
    }
    return undefined;
  }

  private isRunning(c: SimContainer): boolean {
    return c.spec.cluster ? c.spec.cluster.isRunning() : c.running;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    const m = /^\/(v\d+\.\d+)(\/.*)$/.exec(url.pathname);
    const record: SimRequest = {
      method: req.method ?? 'GET',
      path: m?.[2] ?? url.pathname,
      version: m?.[1] ?? null,
      query: Object.fromEntries(url.searchParams),
      at: Date.now(),
    };
    this.log.push(record);
    req.resume();
    try {
      await this.route(record, res);
    } catch (err) {
      if (!res.headersSent) json(res, 500, { message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async route(r: SimRequest, res: http.ServerResponse): Promise<void> {
    const headers = { 'Api-Version': SIM_API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux' };
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (r.method === 'GET' && r.path === '/_ping')
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('OK');
    if (r.method === 'GET' && r.path === '/version') return json(res, 200, versionBody());
    if (r.method === 'GET' && r.path === '/info') {
      if (await this.failed('info', res)) return;
      return json(res, 200, {
        ID: 'SIM',
        NCPU: 8,
        MemTotal: this.hostMemory,
        OSType: 'linux',
        ServerVersion: '27.3.1',
      });
    }
    const cm = /^\/containers\/([^/]+)\/(json|stats|restart|stop|start)$/.exec(r.path);
    if (!cm) return json(res, 404, { message: `page not found` });
    const ref = decodeURIComponent(cm[1] ?? '');
    const action = cm[2] as 'json' | 'stats' | 'restart' | 'stop' | 'start';
    const wantMethod = action === 'json' || action === 'stats' ? 'GET' : 'POST';
    if (r.method !== wantMethod) return json(res, 405, { message: `method ${r.method} not allowed` });
    const c = this.find(ref);
    if (!c) return json(res, 404, { message: `No such container: ${ref}` });
    const op: SimOperation = action === 'json' ? 'inspect' : action;
    if (await this.failed(op, res)) return;
    const cluster = c.spec.cluster;
    switch (action) {
      case 'json':
        return json(res, 200, this.inspectBody(c));
      case 'stats':
        if (r.query.stream !== '0' && r.query.stream !== 'false')
          return json(res, 400, { message: 'docker-sim: only stream=false is simulated' });
        return json(
          res,
          200,
          this.statsBody(c, r.query['one-shot'] === 'true' || r.query['one-shot'] === '1'),
        );
      case 'restart':
        if (cluster) await cluster.restart();
        c.running = true;
        return void res.writeHead(204).end();
      case 'stop':
        if (!this.isRunning(c)) return void res.writeHead(304).end();
        if (cluster) await cluster.stop('fast');
        c.running = false;
        return void res.writeHead(204).end();
      case 'start':
        if (this.isRunning(c)) return void res.writeHead(304).end();
        if (cluster) await cluster.start();
        c.running = true;
        return void res.writeHead(204).end();
    }
  }

  /** Apply a programmed failure; true when the request was answered (or left hanging). */
  private async failed(op: SimOperation, res: http.ServerResponse): Promise<boolean> {
    const rule = this.failures.get(op);
    if (!rule || rule.remaining <= 0) return false;
    rule.remaining--;
    const { failure } = rule;
    if (failure.hang) return true;
    if (failure.delayMs) await new Promise((r) => setTimeout(r, failure.delayMs));
    if (failure.status === undefined) return false;
    json(res, failure.status, { message: failure.message ?? `docker-sim: ${op} failed` });
    return true;
  }

  private inspectBody(c: SimContainer): Record<string, unknown> {
    const running = this.isRunning(c);
    const pid = c.spec.cluster?.postmasterPid() ?? (running ? 4242 : 0);
    return {
      Id: c.id,
      Created: '2025-01-01T00:00:00.000000000Z',
      Path: 'docker-entrypoint.sh',
      Args: ['postgres'],
      State: {
        Status: running ? 'running' : 'exited',
        Running: running,
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: running ? pid : 0,
        ExitCode: running ? 0 : 0,
        Error: '',
        StartedAt: '2025-01-01T00:00:01.000000000Z',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
      Image: `sha256:${containerId(c.spec.image ?? 'postgres:17')}`,
      Name: `/${c.spec.name}`,
      RestartCount: 0,
      Driver: 'overlay2',
      Platform: 'linux',
      HostConfig: {
        NetworkMode: 'bridge',
        RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
        Memory: c.spec.hostConfig?.Memory ?? 0,
        NanoCpus: c.spec.hostConfig?.NanoCpus ?? 0,
        CpuQuota: c.spec.hostConfig?.CpuQuota ?? 0,
        CpuPeriod: c.spec.hostConfig?.CpuPeriod ?? 0,
        CpuShares: 0,
        CpusetCpus: '',
        ShmSize: 67_108_864,
      },
      Config: {
        Hostname: c.id.slice(0, 12),
        User: '',
        Env: ['PGDATA=/var/lib/postgresql/data'],
        Cmd: ['postgres'],
        Image: c.spec.image ?? 'postgres:17',
        Entrypoint: ['docker-entrypoint.sh'],
        StopSignal: 'SIGINT',
      },
    };
  }

  private statsBody(c: SimContainer, oneShot: boolean): Record<string, unknown> {
    const s = c.stats;
    const running = this.isRunning(c);
    const perCpu = (total: number) =>
      s.cgroup === 'v1'
        ? Array.from({ length: s.onlineCpus }, (_, i) => Math.floor(total / s.onlineCpus) + i)
        : undefined;
    const cpu = (total: number, system: number) => ({
      cpu_usage: {
        total_usage: total,
        ...(perCpu(total) ? { percpu_usage: perCpu(total) } : {}),
        usage_in_kernelmode: Math.floor(total * 0.3),
        usage_in_usermode: Math.floor(total * 0.7),
      },
      system_cpu_usage: system,
      online_cpus: s.onlineCpus,
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    });
    // A one-shot sample (and a first sample) has an empty precpu_stats.
    const emptyCpu = {
      cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
      throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    };
    return {
      read: new Date().toISOString(),
      preread: oneShot ? '0001-01-01T00:00:00Z' : new Date(Date.now() - 1000).toISOString(),
      id: c.id,
      name: `/${c.spec.name}`,
      pids_stats: { current: running ? 12 : 0, limit: 4_194_304 },
      blkio_stats: { io_service_bytes_recursive: [] },
      num_procs: 0,
      storage_stats: {},
      cpu_stats: running ? cpu(s.cpuTotal, s.systemCpu) : emptyCpu,
      precpu_stats: oneShot || !running ? emptyCpu : cpu(s.preCpuTotal, s.preSystemCpu),
      memory_stats: running ? this.memoryStats(s) : {},
      networks: {
        eth0: {
          rx_bytes: 5338,
          rx_packets: 36,
          rx_errors: 0,
          rx_dropped: 0,
          tx_bytes: 648,
          tx_packets: 8,
          tx_errors: 0,
          tx_dropped: 0,
        },
      },
    };
  }

  private memoryStats(s: SimStats): Record<string, unknown> {
    const cache = s.inactiveFile ?? 0;
    if (s.cgroup === 'v1') {
      const stats: Record<string, number> = {
        cache: cache + 4096,
        rss: Math.max(0, s.memoryUsage - cache),
        total_cache: cache + 4096,
        total_rss: Math.max(0, s.memoryUsage - cache),
        total_active_file: 4096,
        hierarchical_memory_limit: s.memoryLimit,
      };
      if (s.inactiveFile !== null) stats.total_inactive_file = s.inactiveFile;
      return { usage: s.memoryUsage, max_usage: s.memoryUsage, failcnt: 0, limit: s.memoryLimit, stats };
    }
    const stats: Record<string, number> = {
      anon: Math.max(0, s.memoryUsage - cache),
      file: cache + 4096,
      active_file: 4096,
      inactive_anon: 0,
      kernel_stack: 245_760,
      slab: 1_048_576,
      pgfault: 12_515,
      pgmajfault: 3,
    };
    if (s.inactiveFile !== null) stats.inactive_file = s.inactiveFile;
    return { usage: s.memoryUsage, limit: s.memoryLimit, stats };
  }
}

function versionBody(): Record<string, unknown> {
  return {
    Platform: { Name: 'Docker Engine - Community (simulated)' },
    Version: '27.3.1',
    ApiVersion: SIM_API_VERSION,
    MinAPIVersion: '1.24',
    Os: 'linux',
    Arch: 'amd64',
    KernelVersion: os.release(),
    GoVersion: 'go1.22.7',
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
