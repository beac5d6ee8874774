/**
 * Database faults against the built agent (10× faster schedule) and one shared cluster: the server
 * going away (clean stop, kill -9), no free connection slot, a read-only server, a standby, a
 * catalog lock held for 30 s, and a collector query killed by statement_timeout. The agent must stay
 * up, keep its heartbeats, never hold more than its pool cap of sessions, never wait on a lock
 * longer than its lock_timeout, never print a secret, and resume collecting once the fault ends.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../harness/agent-process.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { AGENT_PASSWORD, AGENT_ROLE, createAgentRole } from './lib/agent-role.js';
import { expectAlive, expectCleanStop, expectNoSecrets, launchAgent, logsWith } from './lib/agent-run.js';
import { expectOldOrNew, readAutoConf } from './lib/auto-conf.js';
import { note, secs } from './lib/observed.js';
import { observe } from './lib/sessions.js';
import { startStandby, type Standby } from './lib/standby.js';
import { sleep, until } from './lib/wait.js';

const MAX_CONNECTIONS = 30;
const POOL_CAP = 6; // two pools × pool_max 3 (src/cli/commands/run.ts)
const SERVER = { max_connections: MAX_CONNECTIONS, log_connections: 'on' };

let cluster: PgCluster;
let url: string;
let fake: FakePlatform | undefined;
let agent: AgentProcess | undefined;
let standby: Standby | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  cluster = await startPostgres({ settings: SERVER });
  url = await createAgentRole(cluster);
  // The harness passes max_connections on the command line; make postgresql.conf agree so that only
  // the scenario about a differing file value has one (see that scenario).
  setFileMaxConnections(MAX_CONNECTIONS);
  await cluster.sql('SELECT pg_reload_conf()');
});

/** Rewrite `max_connections = …` in postgresql.conf (the stock file has 100 on its own line). */
function setFileMaxConnections(n: number): void {
  const file = path.join(cluster.dataDir, 'postgresql.conf');
  const text = readFileSync(file, 'utf8').replace(/^#?max_connections = \d+/m, `max_connections = ${n}`);
  writeFileSync(file, text);
}

afterEach(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  for (const c of cleanups.splice(0)) await c();
  standby?.destroy();
  agent = undefined;
  fake = undefined;
  standby = undefined;
  if (!cluster.isRunning()) await cluster.start();
});

afterAll(async () => {
  await cluster?.destroy();
});

async function upAndRunning(connectionUrl = url, extra: Record<string, string> = {}) {
  fake = await FakePlatform.start();
  agent = launchAgent(fake, connectionUrl, extra);
  await fake.waitFor((r) => r.some((x) => x.endpoint === 'catalog'), 30_000);
  return { f: fake, a: agent };
}

const after = (f: FakePlatform, target: string, t: number) => f.requests(target).filter((r) => r.at > t);

async function expectCollectingAgain(f: FakePlatform, since: number, withinMs: number): Promise<void> {
  await until('a catalog POST after the fault', () => after(f, 'catalog', since).length > 0, withinMs);
  await until(
    'an active-config POST after the fault',
    () => after(f, 'POST configurations', since).length > 0,
    withinMs,
  );
  note(`collecting again +${secs((after(f, 'catalog', since)[0]?.at ?? since) - since)}`);
}

async function agentSessions(): Promise<number> {
  const rows = await cluster.sql(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'`,
  );
  return Number(rows[0]?.n);
}

/** Error reports (`log-entries`) the agent sent after `t`, as error_type → messages. */
function reportsAfter(f: FakePlatform, t: number): { type: string; message: string }[] {
  return after(f, 'log-entries', t).map((r) => {
    const b = r.body as { error_type: string; error_message: string };
    return { type: b.error_type, message: b.error_message };
  });
}

/** Heartbeat gaps after `t` (ms). */
function heartbeatGaps(f: FakePlatform, t: number): number[] {
  const at = after(f, 'heartbeat', t).map((r) => r.at);
  return at.slice(1).map((x, i) => x - at[i]!);
}

/** What the agent said about the apply: its log line, or the error it reported. */
function applyOutcome(a: AgentProcess, f: FakePlatform, from: number): string {
  const applied = logsWith(a, 'configuration applied')[0];
  if (applied) return `applied ${JSON.stringify(applied.knobs)}`;
  const err = reportsAfter(f, from).find((r) => r.type === 'config_apply_error');
  return err ? `config_apply_error: ${err.message}` : 'no outcome';
}

/** Wait until the agent logged the apply or reported it failed (after `from`). */
async function untilApplyOutcome(a: AgentProcess, f: FakePlatform, from: number): Promise<void> {
  await until(
    'the apply to finish or be reported',
    () =>
      logsWith(a, 'configuration applied').length > 0 ||
      reportsAfter(f, from).some((r) => r.type === 'config_apply_error'),
    30_000,
  );
}

function reloadRecommendation(value: number) {
  return [
    {
      config: [{ name: 'random_page_cost', setting: value, unit: null, vartype: 'real', context: 'user' }],
      knobs_overrides: ['random_page_cost'],
      knob_application: 'reload',
    },
  ];
}

describe('database faults (built CLI)', () => {
  it('stop/start: heartbeats go on, collection pauses once and resumes', async () => {
    const { f, a } = await upAndRunning();
    const stoppedAt = Date.now();
    await cluster.stop('fast');
    await sleep(6_000);
    expectAlive(a);
    expect(after(f, 'heartbeat', stoppedAt).length).toBeGreaterThanOrEqual(3);
    expect(logsWith(a, 'database unreachable; pausing collection')).toHaveLength(1);
    note(`${after(f, 'heartbeat', stoppedAt).length} heartbeats while down`);
    await cluster.start();
    const startedAt = Date.now();
    await a.waitForLog((l) => l.msg === 'database reachable again; resuming collection', 40_000);
    await expectCollectingAgain(f, startedAt, 20_000);
    expect(await agentSessions()).toBeLessThanOrEqual(POOL_CAP);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('kill -9 of the postmaster, then restart: no crash, resumes on the new server', async () => {
    const { f, a } = await upAndRunning();
    const pid = cluster.postmasterPid();
    cluster.kill9();
    const killedAt = Date.now();
    // Orphaned backends notice the postmaster's death and exit; then the server can start again.
    await until(
      'the cluster to start again after kill -9',
      async () => {
        try {
          await cluster.start();
          return true;
        } catch {
          return false;
        }
      },
      60_000,
    );
    expect(cluster.postmasterPid()).not.toBe(pid);
    expectAlive(a);
    await expectCollectingAgain(f, Date.now(), 45_000);
    expect(after(f, 'heartbeat', killedAt).length).toBeGreaterThanOrEqual(2);
    expect(await agentSessions()).toBeLessThanOrEqual(POOL_CAP);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('max_connections exhausted by other (superuser) sessions: the agent backs off, then recovers', async () => {
    const { f, a } = await upAndRunning();
    const fillers: pg.Client[] = [];
    cleanups.push(async () => {
      await Promise.all(fillers.map((c) => c.end().catch(() => undefined)));
    });
    // Take every slot (superusers may use the reserved ones too), then take the agent's away.
    const fill = async () => {
      for (;;) {
        const c = new pg.Client({ connectionString: cluster.url, application_name: 'filler' });
        c.on('error', () => undefined);
        try {
          await c.connect();
          fillers.push(c);
        } catch {
          return;
        }
      }
    };
    await fill();
    const killer = fillers.pop()!;
    // Take the agent's sessions while they sit idle in its pools (a session terminated mid-query
    // would hand the agent a 57P01, a connection-class error; here it must face a full server),
    // and take each freed slot before the agent can.
    const agentLeft = async () =>
      (
        await killer.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'`,
        )
      ).rows[0]!.n;
    for (let i = 0; i < 100 && (await agentLeft()) > 0; i++) {
      await killer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dbtune-agent' AND state = 'idle'`,
      );
      await fill();
      await sleep(50);
    }
    fillers.push(killer);
    const logBefore = readFileSync(cluster.logFile, 'utf8').length;
    const from = Date.now();
    await sleep(8_000);
    expectAlive(a);
    const agentNow = await killer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'`,
    );
    expect(agentNow.rows[0]!.n).toBe(0);
    expect(after(f, 'heartbeat', from).length).toBeGreaterThanOrEqual(3);
    // Rejected connection attempts while full: a monitoring agent must not hammer a saturated
    // server (peer survey §10.1). The health gate's pinger backs off 1, 2, 4 s…; allow 2 per second.
    const rejected = (
      readFileSync(cluster.logFile, 'utf8')
        .slice(logBefore)
        .match(/too many clients already/g) ?? []
    ).length;
    const errorReports = reportsAfter(f, from).filter((r) => r.type.endsWith('_error')).length;
    note(
      `${rejected} rejected agent connection attempts and ${errorReports} <collector>_error reports in 8 s`,
    );
    expect(rejected, `${rejected} rejected connection attempts in 8 s`).toBeLessThanOrEqual(16);
    await Promise.all(fillers.splice(0).map((c) => c.end().catch(() => undefined)));
    const freedAt = Date.now();
    await expectCollectingAgain(f, freedAt, 45_000);
    expect(await agentSessions()).toBeLessThanOrEqual(POOL_CAP);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('only two free connection slots when the agent starts: it works within them and does not hammer the full server', async () => {
    const fillers: pg.Client[] = [];
    cleanups.push(async () => {
      await Promise.all(fillers.map((c) => c.end().catch(() => undefined)));
    });
    for (;;) {
      const c = new pg.Client({ connectionString: cluster.url, application_name: 'filler' });
      c.on('error', () => undefined);
      try {
        await c.connect();
        fillers.push(c);
      } catch {
        break;
      }
    }
    await Promise.all(fillers.splice(0, 2).map((c) => c.end()));
    const logBefore = readFileSync(cluster.logFile, 'utf8').length;
    const f = (fake = await FakePlatform.start());
    const a = (agent = launchAgent(f, url));
    await f.waitFor((r) => r.some((x) => x.endpoint === 'metrics'), 30_000);
    const from = Date.now();
    await sleep(8_000);
    expectAlive(a);
    const rejected = (
      readFileSync(cluster.logFile, 'utf8')
        .slice(logBefore)
        .match(/too many clients already/g) ?? []
    ).length;
    const errorReports = reportsAfter(f, from).filter((r) => r.type.endsWith('_error')).length;
    note(
      `${rejected} rejected agent connection attempts, ${errorReports} <collector>_error reports, ${after(f, 'catalog', from).length} catalog POSTs in 8 s`,
    );
    // Same bound as above: no more than the health gate's back-off would make.
    expect(rejected, `${rejected} rejected connection attempts`).toBeLessThanOrEqual(16);
    expect(errorReports, `${errorReports} <collector>_error reports`).toBeLessThanOrEqual(16);
    await Promise.all(fillers.splice(0).map((c) => c.end().catch(() => undefined)));
    await expectCollectingAgain(f, Date.now(), 30_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('a postmaster setting whose file value differs from the running one (command-line -c, as Docker and Patroni start PostgreSQL, or a file edit awaiting a restart): a reload apply still goes through', async () => {
    // The stock postgresql.conf says max_connections = 100; the server runs with -c max_connections=30.
    // pg_file_settings then marks the file line "setting could not be applied": a pending difference,
    // not an error in the file.
    setFileMaxConnections(100);
    cleanups.push(async () => {
      setFileMaxConnections(MAX_CONNECTIONS);
      await cluster.sql('ALTER SYSTEM RESET random_page_cost');
      await cluster.sql('SELECT pg_reload_conf()');
    });
    const before = readAutoConf(cluster.dataDir);
    const { f, a } = await upAndRunning();
    const from = Date.now();
    f.setRecommendation(reloadRecommendation(1.6));
    await untilApplyOutcome(a, f, from);
    note(applyOutcome(a, f, from));
    expect(reportsAfter(f, from).filter((r) => r.type === 'config_apply_error')).toEqual([]);
    expect(expectOldOrNew(cluster.dataDir, before, { random_page_cost: '1.6' })).toBe('new');
    const [live] = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = 'random_page_cost'`);
    expect(live!.setting).toBe('1.6');
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('read-only server (default_transaction_read_only=on): collection works, a reload apply is all-or-nothing', async () => {
    await cluster.sql('ALTER SYSTEM SET default_transaction_read_only = on');
    await cluster.sql('SELECT pg_reload_conf()');
    cleanups.push(async () => {
      await cluster.sql('ALTER SYSTEM RESET default_transaction_read_only');
      await cluster.sql('ALTER SYSTEM RESET random_page_cost');
      await cluster.sql('SELECT pg_reload_conf()');
    });
    const before = readAutoConf(cluster.dataDir);
    const { f, a } = await upAndRunning();
    const from = Date.now();
    f.setRecommendation(reloadRecommendation(1.7));
    // ALTER SYSTEM is allowed in a read-only transaction (it writes no WAL and no table), so the
    // apply goes through; what must hold is that it is complete and verified, or reported and undone.
    await untilApplyOutcome(a, f, from);
    const state = expectOldOrNew(cluster.dataDir, before, { random_page_cost: '1.7' });
    note(`apply: auto.conf ${state} state; ${applyOutcome(a, f, from)}`);
    const [live] = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = 'random_page_cost'`);
    expect(live!.setting).toBe(state === 'new' ? '1.7' : '4');
    await expectCollectingAgain(f, Date.now(), 15_000);
    expect(
      reportsAfter(f, from).filter((r) => r.type.endsWith('_error') && r.type !== 'config_apply_error'),
    ).toEqual([]);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('standby (streaming replica): collection works in recovery, a reload apply is all-or-nothing', async () => {
    standby = await startStandby(cluster, SERVER);
    const sb = standby;
    await until(
      'the standby to stream from the primary',
      async () => {
        const c = new pg.Client({ connectionString: sb.url('postgres') });
        await c.connect();
        try {
          const r = await c.query<{ s: string }>('SELECT status AS s FROM pg_stat_wal_receiver');
          return r.rows[0]?.s === 'streaming';
        } finally {
          await c.end();
        }
      },
      30_000,
    );
    const before = readAutoConf(sb.dataDir);
    const { f, a } = await upAndRunning(sb.url(AGENT_ROLE, AGENT_PASSWORD));
    const from = Date.now();
    await until('the wal receiver collector', () => f.requests('pg_stat_wal_receiver').length > 0, 30_000);
    f.setRecommendation(reloadRecommendation(1.3));
    await untilApplyOutcome(a, f, from);
    note(
      `apply: auto.conf ${expectOldOrNew(sb.dataDir, before, { random_page_cost: '1.3' })} state; ${applyOutcome(a, f, from)}`,
    );
    await expectCollectingAgain(f, Date.now(), 15_000);
    // Recovery-only errors (e.g. functions that cannot run during recovery) are not collector errors.
    expect(
      reportsAfter(f, 0).filter((r) => r.type.endsWith('_error') && r.type !== 'config_apply_error'),
    ).toEqual([]);
    expect(logsWith(a, 'task panicked')).toEqual([]);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('ACCESS EXCLUSIVE lock on pg_class for 30 s: collectors fail fast on lock_timeout, no pile-up, recovery', async () => {
    await cluster.sql('CREATE TABLE IF NOT EXISTS orders (id int)');
    const { f, a } = await upAndRunning();
    const watch = await observe(cluster.url);
    const holder = new pg.Client({ connectionString: cluster.url, application_name: 'lock-holder' });
    holder.on('error', () => undefined);
    await holder.connect();
    cleanups.push(async () => {
      await holder.end().catch(() => undefined);
      await watch.close();
    });
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    await holder.query('LOCK TABLE pg_class IN ACCESS EXCLUSIVE MODE');
    const lockedAt = Date.now();
    let maxWaiters = 0;
    let maxSessions = 0;
    while (Date.now() - lockedAt < 30_000) {
      maxWaiters = Math.max(maxWaiters, await watch.lockWaiters());
      maxSessions = Math.max(maxSessions, await watch.agentSessions());
      expectAlive(a);
      await sleep(250);
    }
    // Every waiter is an agent session (or connection attempt) bounded by lock_timeout = 1 s.
    expect(maxWaiters).toBeLessThanOrEqual(POOL_CAP);
    expect(maxSessions).toBeLessThanOrEqual(POOL_CAP);
    // Responsive: heartbeats kept their 1.5 s rhythm.
    expect(Math.max(...heartbeatGaps(f, lockedAt))).toBeLessThan(4_000);
    const lockErrors = reportsAfter(f, lockedAt).filter((r) => /lock timeout/.test(r.message));
    note(
      `max ${maxWaiters} lock waiters, ${maxSessions} agent sessions, ${lockErrors.length} lock-timeout reports, longest heartbeat gap ${secs(Math.max(...heartbeatGaps(f, lockedAt)))}`,
    );
    expect(lockErrors.length).toBeGreaterThan(0);
    await holder.query('ROLLBACK');
    const releasedAt = Date.now();
    await expectCollectingAgain(f, releasedAt, 30_000);
    await until(
      'pg_class shipped again',
      () =>
        after(f, 'pg_stat_user_tables', releasedAt).length > 0 || after(f, 'pg_class', releasedAt).length > 0,
      40_000,
    );
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('a collector query killed by statement_timeout: contained, reported, the next tick works', async () => {
    // No lock_timeout, a 1.5 s statement_timeout, and a lock on pg_statistic (which the planner
    // reads) for 6 s: blocked collector queries run into the statement timeout instead.
    const { f, a } = await upAndRunning(url, {
      DBT_POSTGRESQL_LOCK_TIMEOUT_MS: '0',
      DBT_POSTGRESQL_STATEMENT_TIMEOUT_MS: '1500',
    });
    const holder = new pg.Client({ connectionString: cluster.url, application_name: 'lock-holder' });
    holder.on('error', () => undefined);
    await holder.connect();
    cleanups.push(() => holder.end().catch(() => undefined));
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE pg_statistic IN ACCESS EXCLUSIVE MODE');
    const lockedAt = Date.now();
    await until(
      'a collector killed by statement_timeout',
      () => reportsAfter(f, lockedAt).some((r) => /statement timeout/.test(r.message)),
      20_000,
    );
    await sleep(Math.max(0, 6_000 - (Date.now() - lockedAt)));
    expectAlive(a);
    expect(logsWith(a, 'task panicked')).toEqual([]);
    expect(Math.max(...heartbeatGaps(f, lockedAt))).toBeLessThan(4_000);
    const killed = reportsAfter(f, lockedAt).find((r) => /statement timeout/.test(r.message))!;
    const collector = killed.type.replace(/_error$/, '');
    note(`${killed.type}: statement timeout`);
    await holder.query('ROLLBACK');
    const releasedAt = Date.now();
    await until(
      `${collector} shipping again`,
      () =>
        after(f, collector, releasedAt).length > 0 ||
        logsWith(a, 'task recovered').some((l) => l.task === collector),
      40_000,
    );
    await expectCollectingAgain(f, releasedAt, 20_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });
});
