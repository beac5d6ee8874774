/**
 * A Patroni REST API simulation in front of real harness PostgreSQL clusters, for the patroni
 * adapter's tests. Each member gets its own API server (as each Patroni daemon has one), serving:
 *   GET /cluster, GET /config, PATCH /config, POST /restart, GET /patroni
 * with the shapes of https://patroni.readthedocs.io/en/latest/rest_api.html (Patroni 3.x).
 *
 * The members' PostgreSQL clusters are real and replicate (see ./pair.ts):
 * - PATCH /config merges the body into the dynamic configuration (JSON merge patch, a null removes a
 *   key) and, like Patroni's HA loop, rewrites each member's parameter file and reloads it after
 *   `applyDelayMs`. Postmaster-context values then show `pending_restart` until a restart.
 * - POST /restart really restarts that member's PostgreSQL (`restart_pending: true` in the body
 *   restarts only when a restart is pending, as Patroni does).
 * - `failover()` stops the leader, promotes the replica with pg_promote() and brings the old leader
 *   back as a standby of the new one; the roles switch in /cluster.
 * Unsafe methods (PATCH, POST) need HTTP basic auth when `auth` is set, as with Patroni's
 * `restapi.authentication`; `tls` serves HTTPS (`restapi.certfile`/`keyfile`). Every request is logged.
 */
import { once } from 'node:events';
import { appendFileSync, chownSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeStandbyConfig } from '../../../src/embedded/cluster.js';
import type { PgCluster } from '../postgres.js';

/** The file each member's postgresql.conf includes; it holds the dynamic `postgresql.parameters`. */
export const PARAMETER_FILE = 'patroni.dynamic.conf';

export interface SimMemberSpec {
  name: string;
  cluster: PgCluster;
}

export interface PatroniSimOptions {
  /** The first member is the leader; the others must stream from it. */
  members: readonly SimMemberSpec[];
  scope?: string;
  /** Initial `postgresql.parameters` of the dynamic configuration. */
  parameters?: Record<string, string | number | boolean>;
  auth?: { username: string; password: string };
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Delay before members pick up a PATCH /config (Patroni: the next HA loop). Default 200 ms. */
  applyDelayMs?: number;
}

export interface SimRequest {
  member: string;
  method: string;
  path: string;
  body: unknown;
  at: number;
}

type Role = 'leader' | 'replica';
type State = 'running' | 'streaming' | 'stopped' | 'restarting' | 'starting';

interface Member {
  name: string;
  cluster: PgCluster;
  role: Role;
  state: State;
  server: http.Server;
  sockets: Set<Socket>;
  port: number;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: { [k: string]: Json } =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

function confLine(name: string, value: Json): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `${name} = '${text.replace(/'/g, "''")}'`;
}

export class PatroniSim {
  readonly requests: SimRequest[] = [];
  /** When true, /cluster shows no leader while the leader restarts (its DCS key expired). */
  leaderlessDuringRestart = false;
  private config: { [k: string]: Json };
  private readonly members: Member[] = [];
  private readonly applyDelayMs: number;
  private readonly failingRestarts = new Set<string>();
  private pending: Promise<void> = Promise.resolve();

  private constructor(private readonly opts: PatroniSimOptions) {
    this.applyDelayMs = opts.applyDelayMs ?? 200;
    this.config = {
      ttl: 30,
      loop_wait: 10,
      retry_timeout: 10,
      maximum_lag_on_failover: 1048576,
      postgresql: {
        use_pg_rewind: true,
        parameters: { max_connections: 100, max_wal_senders: 10, wal_level: 'replica', ...opts.parameters },
      },
    };
  }

  static async start(opts: PatroniSimOptions): Promise<PatroniSim> {
    const sim = new PatroniSim(opts);
    for (const [i, spec] of opts.members.entries()) {
      const sockets = new Set<Socket>();
      const server = opts.tls
        ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert })
        : http.createServer();
      const member: Member = {
        name: spec.name,
        cluster: spec.cluster,
        role: i === 0 ? 'leader' : 'replica',
        state: i === 0 ? 'running' : 'streaming',
        server,
        sockets,
        port: 0,
      };
      server.on('request', (req, res) => void sim.handle(member, req, res));
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      member.port = (server.address() as AddressInfo).port;
      sim.members.push(member);
      sim.includeParameterFile(member);
    }
    await Promise.all(sim.members.map((m) => sim.writeParameters(m)));
    return sim;
  }

  /** Base URL of a member's REST API (what `patroni_api_url` points at). */
  apiUrl(member: string): string {
    const m = this.member(member);
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${m.port}`;
  }

  leader(): string | undefined {
    return this.members.find((m) => m.role === 'leader')?.name;
  }

  cluster(member: string): PgCluster {
    return this.member(member).cluster;
  }

  /** The dynamic configuration's `postgresql.parameters`. */
  parameters(): Record<string, Json> {
    const pg = this.config.postgresql as { parameters?: Record<string, Json> };
    return { ...pg.parameters };
  }

  /** The next POST /restart on `member` answers 503 without restarting (Patroni: "restart failed"). */
  failNextRestart(member: string): void {
    this.failingRestarts.add(this.member(member).name);
  }

  /** Resolves when every member has picked up the last PATCH /config. */
  settled(): Promise<void> {
    return this.pending;
  }

  /**
   * A real failover: the leader stops, the replica is promoted (pg_promote), the old leader comes
   * back as a standby of the new one (it stopped cleanly, so it can follow the new timeline).
   */
  async failover(): Promise<void> {
    const old = this.members.find((m) => m.role === 'leader');
    const next = this.members.find((m) => m.role === 'replica');
    if (!old || !next) throw new Error('patroni-sim: failover needs a leader and a replica');
    old.state = 'stopped';
    old.role = 'replica';
    await old.cluster.stop('fast');
    await next.cluster.sql('SELECT pg_promote(true, 60)');
    next.role = 'leader';
    next.state = 'running';
    writeStandbyConfig(old.cluster.dataDir, next.cluster.port, ownerOf(old.cluster));
    old.state = 'starting';
    await old.cluster.start();
    old.state = 'streaming';
  }

  async close(): Promise<void> {
    await this.pending.catch(() => undefined);
    await Promise.all(
      this.members.map(async (m) => {
        for (const s of m.sockets) s.destroy();
        await new Promise<void>((resolve) => m.server.close(() => resolve()));
      }),
    );
  }

  private member(name: string): Member {
    const m = this.members.find((x) => x.name === name);
    if (!m) throw new Error(`patroni-sim: no member ${name}`);
    return m;
  }

  private includeParameterFile(m: Member): void {
    const conf = path.join(m.cluster.dataDir, 'postgresql.conf');
    const line = `include_if_exists = '${PARAMETER_FILE}'`;
    if (!readFileSync(conf, 'utf8').includes(line)) appendFileSync(conf, `\n${line}\n`);
  }

  /** What Patroni's HA loop does with the dynamic configuration: rewrite the parameters, reload. */
  private async writeParameters(m: Member): Promise<void> {
    const file = path.join(m.cluster.dataDir, PARAMETER_FILE);
    const lines = Object.entries(this.parameters()).map(([k, v]) => confLine(k, v));
    writeFileSync(file, `# written by patroni-sim\n${lines.join('\n')}\n`);
    const owner = ownerOf(m.cluster);
    if (owner) chownSync(file, owner.uid, owner.gid);
    if (m.cluster.isRunning()) await m.cluster.sql('SELECT pg_reload_conf()').catch(() => undefined);
  }

  private async pendingRestart(m: Member): Promise<boolean> {
    if (!m.cluster.isRunning()) return false;
    try {
      const rows = await m.cluster.sql(
        'SELECT coalesce(bool_or(pending_restart), false) AS p FROM pg_settings',
      );
      return rows[0]?.p === true;
    } catch {
      return false;
    }
  }

  private async memberBody(m: Member): Promise<Record<string, unknown>> {
    const body: Record<string, unknown> = {
      name: m.name,
      role: m.role,
      state: m.state,
      api_url: `${this.apiUrl(m.name)}/patroni`,
      host: '127.0.0.1',
      port: m.cluster.port,
    };
    if (m.role === 'replica') body.lag = 0;
    if (await this.pendingRestart(m)) body.pending_restart = true;
    return body;
  }

  private authorized(req: http.IncomingMessage): boolean {
    const auth = this.opts.auth;
    if (!auth) return true;
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }

  private async handle(m: Member, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Json;
    try {
      body = raw ? (JSON.parse(raw) as Json) : null;
    } catch {
      return text(res, 400, 'invalid JSON');
    }
    const url = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    this.requests.push({ member: m.name, method, path: url.pathname, body, at: Date.now() });
    try {
      if (method !== 'GET' && !this.authorized(req)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="Patroni"');
        return text(res, 401, 'no auth header received');
      }
      const route = `${method} ${url.pathname}`;
      if (route === 'GET /cluster') {
        const members = await Promise.all(
          this.members.map(async (x) => {
            const b = await this.memberBody(x);
            if (this.leaderlessDuringRestart && x.role === 'leader' && x.state === 'restarting') {
              b.role = 'replica';
            }
            return b;
          }),
        );
        return json(res, 200, { members, scope: this.opts.scope ?? 'sim' });
      }
      if (route === 'GET /config') return json(res, 200, this.config);
      if (route === 'PATCH /config') {
        if (body === null || typeof body !== 'object' || Array.isArray(body))
          return text(res, 400, 'bad body');
        this.config = mergePatch(this.config, body) as { [k: string]: Json };
        const delay = this.applyDelayMs;
        this.pending = this.pending.then(async () => {
          await sleep(delay);
          await Promise.all(this.members.map((x) => this.writeParameters(x)));
        });
        return json(res, 200, this.config);
      }
      if (route === 'POST /restart') return await this.restart(m, body, res);
      if (route === 'GET /patroni') {
        return json(res, 200, {
          state: m.state,
          role: m.role === 'leader' ? 'primary' : 'replica',
          pending_restart: await this.pendingRestart(m),
          patroni: { version: '3.3.2', scope: this.opts.scope ?? 'sim', name: m.name },
        });
      }
      return text(res, 404, 'not found');
    } catch (err) {
      if (!res.headersSent) text(res, 500, err instanceof Error ? err.message : String(err));
    }
  }

  private async restart(m: Member, body: Json, res: http.ServerResponse): Promise<void> {
    if (m.state === 'restarting') return text(res, 503, 'restart already in progress');
    if (this.failingRestarts.delete(m.name)) return text(res, 503, 'restart failed');
    const onlyPending =
      body !== null && typeof body === 'object' && !Array.isArray(body) && body.restart_pending === true;
    if (onlyPending && !(await this.pendingRestart(m))) {
      return text(res, 503, 'restart conditions are not satisfied');
    }
    const after = m.state;
    m.state = 'restarting';
    try {
      await m.cluster.restart();
      m.state = after;
    } catch (err) {
      m.state = 'stopped';
      return text(res, 503, `restart failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    return text(res, 200, 'restarted successfully');
  }
}

function ownerOf(cluster: PgCluster): { uid: number; gid: number } | undefined {
  const { uid, gid } = cluster.runAs;
  return uid !== undefined && gid !== undefined ? { uid, gid } : undefined;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function text(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain' });
  res.end(body);
}
