/**
 * The patroni adapter against the Patroni REST simulation in front of two real PostgreSQL clusters
 * with streaming replication (one pair for the whole file): reload and restart batches through
 * `PATCH /config` reaching both members, restarts through `POST /restart` (replicas first), managed
 * and unchanged parameters skipped, restart refusal, standby refusal, and a real failover
 * (pg_promote) detected, blocking applies while the cluster stabilises, then applies resuming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPatroniAdapter } from '../../adapters/patroni/index.js';
import type { Adapter } from '../../adapters/types.js';
import { loadConfig } from '../../src/config/index.js';
import { AgentError, ConfigError, FailoverDetectedError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { PatroniSim } from '../harness/patroni-sim/index.js';
import { startReplicatedPair, waitStreaming, type ReplicatedPair } from '../harness/patroni-sim/pair.js';
import { DEFAULT_MAJOR, pgMajors, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const AUTH = { username: 'patroni', password: 'rest-api-s3cret' };

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

async function setting(cluster: PgCluster, name: string): Promise<string> {
  const rows = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]?.setting);
}

/** ALTER SYSTEM on one member, then a reload there. */
async function alterSystem(cluster: PgCluster, statement: string): Promise<void> {
  await cluster.sql(statement);
  await cluster.sql('SELECT pg_reload_conf()');
}

async function rejection(p: Promise<unknown>): Promise<AgentError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgentError);
  return err as AgentError;
}

describe(`patroni adapter (REST simulation, two replicating PostgreSQL ${major} clusters)`, () => {
  let pair: ReplicatedPair;
  let sim: PatroniSim;
  const dbs: Db[] = [];
  const adapters: Adapter[] = [];
  let now = 1_000_000;
  const clock = () => now;
  let onA: Adapter;
  let onB: Adapter;
  const signal = () => AbortSignal.timeout(20_000);

  async function adapterOn(
    member: 'pg-a' | 'pg-b',
    env: Record<string, string> = {},
    settleTimeoutMs = 15_000,
  ): Promise<Adapter> {
    const cluster = sim.cluster(member);
    const { config } = loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: cluster.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_PATRONI_NODE_NAME: member,
        DBT_PATRONI_API_URL: sim.apiUrl(member),
        DBT_PATRONI_API_USERNAME: AUTH.username,
        DBT_PATRONI_API_PASSWORD: AUTH.password,
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '30',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    const db = createDb({ connectionUrl: cluster.url });
    dbs.push(db);
    const adapter = await createPatroniAdapter(
      { config, db, pgVersion: await serverVersion(db), log: silentLogger(), env: {} },
      { now: clock, pollIntervalMs: 100, settleTimeoutMs },
    );
    adapters.push(adapter);
    return adapter;
  }

  const patches = () => sim.requests.filter((r) => r.method === 'PATCH' && r.path === '/config');
  const restarts = () => sim.requests.filter((r) => r.method === 'POST' && r.path === '/restart');

  beforeAll(async () => {
    pair = await startReplicatedPair({ major });
    sim = await PatroniSim.start({
      members: [
        { name: 'pg-a', cluster: pair.leader },
        { name: 'pg-b', cluster: pair.replica },
      ],
      auth: AUTH,
    });
    onA = await adapterOn('pg-a');
    onB = await adapterOn('pg-b');
  }, 60_000);

  afterAll(async () => {
    for (const a of adapters) await a.close?.();
    for (const db of dbs) await db.end();
    await sim?.close();
    await pair?.destroy();
  });

  it('applies a reload batch through PATCH /config to both members', async () => {
    sim.requests.length = 0;
    const result = await onA.settings.apply(proposal({ work_mem: 16384, random_page_cost: 1.5 }, 'reload'), {
      signal: signal(),
    });
    expect(result.action).toBe('reload');
    expect(patches()).toHaveLength(1);
    expect(patches()[0]?.body).toEqual({
      postgresql: { parameters: { work_mem: '16384kB', random_page_cost: '1.5' } },
    });
    expect(restarts()).toHaveLength(0);
    for (const c of [pair.leader, pair.replica]) {
      expect(await setting(c, 'work_mem')).toBe('16384');
      expect(await setting(c, 'random_page_cost')).toBe('1.5');
    }
    expect(sim.parameters()).toMatchObject({ work_mem: '16384kB', random_page_cost: '1.5' });
  });

  it('skips unchanged parameters: nothing to do, or only the changed ones are written', async () => {
    sim.requests.length = 0;
    const same = await onA.settings.apply(proposal({ work_mem: 16384 }), { signal: signal() });
    expect(same.action).toBe('none');
    expect(patches()).toHaveLength(0);

    const mixed = await onA.settings.apply(proposal({ work_mem: 16384, maintenance_work_mem: 131072 }), {
      signal: signal(),
    });
    expect(mixed.action).toBe('reload');
    expect(mixed.plan.unchanged).toEqual(['work_mem']);
    expect(patches().map((p) => p.body)).toEqual([
      { postgresql: { parameters: { maintenance_work_mem: '131072kB' } } },
    ]);
    expect(await setting(pair.replica, 'maintenance_work_mem')).toBe('131072');
  });

  it('skips Patroni-managed parameters and leaves them out of the active config', async () => {
    sim.requests.length = 0;
    const result = await onA.settings.apply(proposal({ max_connections: 250, work_mem: 32768 }), {
      signal: signal(),
    });
    expect(result.action).toBe('reload');
    expect(result.plan.changes.map((c) => c.name)).toEqual(['work_mem']);
    expect(patches().map((p) => p.body)).toEqual([{ postgresql: { parameters: { work_mem: '32768kB' } } }]);
    for (const c of [pair.leader, pair.replica]) expect(await setting(c, 'max_connections')).toBe('100');

    const names = (await onA.activeConfig(signal())).map((r) => r.name);
    expect(names).toContain('work_mem');
    for (const managed of [
      'max_connections',
      'primary_conninfo',
      'wal_level',
      'hot_standby',
      'cluster_name',
    ]) {
      expect(names).not.toContain(managed);
    }
  });

  it('refuses a restart batch when restarts are not allowed, changing nothing', async () => {
    const strict = await adapterOn('pg-a', { DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    sim.requests.length = 0;
    const err = await rejection(
      strict.settings.apply(proposal({ shared_buffers: 32768 }), { signal: signal() }),
    );
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect(patches()).toHaveLength(0);
    expect(await setting(pair.leader, 'shared_buffers')).toBe('16384');
  });

  it('refuses a knob that ALTER SYSTEM set on this node (it would shadow Patroni)', async () => {
    await alterSystem(pair.leader, 'ALTER SYSTEM SET effective_io_concurrency = 8');
    try {
      sim.requests.length = 0;
      const err = await rejection(
        onA.settings.apply(proposal({ effective_io_concurrency: 64 }), { signal: signal() }),
      );
      expect(err.code).toBe('config_apply_error');
      expect(err.message).toContain(
        'patroni: effective_io_concurrency is set in postgresql.auto.conf on pg-a (ALTER SYSTEM), which overrides Patroni',
      );
      expect(patches()).toHaveLength(0);
    } finally {
      await alterSystem(pair.leader, 'ALTER SYSTEM RESET effective_io_concurrency');
    }
  });

  it('rolls back through /config when a member does not show the values', async () => {
    const quick = await adapterOn('pg-a', { DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '5' }, 2_000);
    // The replica's own ALTER SYSTEM value wins over Patroni's file there.
    await alterSystem(pair.replica, "ALTER SYSTEM SET work_mem = '1MB'");
    try {
      const before = sim.parameters().work_mem;
      const live = await setting(pair.leader, 'work_mem');
      const err = await rejection(quick.settings.apply(proposal({ work_mem: 20480 }), { signal: signal() }));
      expect(err.code).toBe('config_apply_error');
      expect(err.message).toMatch(/member pg-b: work_mem is 1024 \(expected 20480\)/);
      expect(err.message).toMatch(/rolled back to the previous settings$/);
      expect(sim.parameters().work_mem).toBe(before);
      expect(await setting(pair.leader, 'work_mem')).toBe(live);
    } finally {
      await alterSystem(pair.replica, 'ALTER SYSTEM RESET work_mem');
    }
  });

  it('names a member the cluster does not know, and REST API auth failures without the password', async () => {
    const unknown = await adapterOn('pg-a', { DBT_PATRONI_NODE_NAME: 'pg-x' }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConfigError);
    expect((unknown as Error).message).toMatch(
      /^patroni\.node_name \(env: DBT_PATRONI_NODE_NAME\): no member named "pg-x" in the cluster at http:\/\/127\.0\.0\.1:\d+ \(members: pg-a, pg-b\)$/,
    );

    const wrong = await adapterOn('pg-a', { DBT_PATRONI_API_PASSWORD: 'not-the-password' });
    sim.requests.length = 0;
    const err = await rejection(wrong.settings.apply(proposal({ work_mem: 10240 }), { signal: signal() }));
    expect(err.message).toBe(
      'apply: write: patroni: PATCH /config: HTTP 401: no auth header received; rolled back to the previous settings',
    );
    expect(patches()).toHaveLength(1); // the refused write; nothing to put back
    expect(err.message).not.toContain('not-the-password');
    expect(await setting(pair.replica, 'work_mem')).not.toBe('10240');
  });

  it('check: no privilege gap as superuser; an unreachable member is named', async () => {
    const backend = onA.settings.backend;
    await expect(backend.privileges!(['work_mem'], signal())).resolves.toEqual([]);
    await pair.replica.stop();
    try {
      const gaps = await backend.privileges!(['work_mem'], signal());
      expect(gaps).toHaveLength(1);
      expect(gaps[0]?.what).toMatch(
        /^read pg_settings on member pg-b at 127\.0\.0\.1:\d+ with the credentials/,
      );
    } finally {
      await pair.replica.start();
      await waitStreaming(pair.replica);
    }
  });

  it('restarts replicas first, then the leader, verifies every member; our restart is no failover', async () => {
    sim.requests.length = 0;
    sim.leaderlessDuringRestart = true; // the leader vanishes from /cluster while it restarts
    let sawLeaderless = false;
    const checkErrors: unknown[] = [];
    let applying = true;
    const watcher = (async () => {
      while (applying) {
        const res = await fetch(`${sim.apiUrl('pg-b')}/cluster`);
        const body = (await res.json()) as { members: { role: string }[] };
        if (!body.members.some((m) => m.role === 'leader')) sawLeaderless = true;
        await onA.checkFailover!(signal()).catch((e: unknown) => checkErrors.push(e));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const result = await onA.settings.apply(
        proposal({ shared_buffers: 32768, work_mem: 8192 }, 'restart'),
        {
          signal: signal(),
        },
      );
      expect(result.action).toBe('restart');
    } finally {
      applying = false;
      await watcher;
      sim.leaderlessDuringRestart = false;
    }
    expect(restarts().map((r) => r.member)).toEqual(['pg-b', 'pg-a']);
    for (const c of [pair.leader, pair.replica]) {
      expect(await setting(c, 'shared_buffers')).toBe('32768');
      expect(await setting(c, 'work_mem')).toBe('8192');
      const pending = await c.sql('SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart');
      expect(pending[0]?.n).toBe(0);
    }
    expect(sawLeaderless).toBe(true);
    expect(checkErrors).toEqual([]);
    await expect(onA.checkFailover!(signal())).resolves.toBeUndefined();
    await waitStreaming(pair.replica);
  });

  it('a failed leader restart is rolled back on every member, the replica restarted again', async () => {
    const before = await setting(pair.leader, 'shared_buffers');
    sim.failNextRestart('pg-a');
    sim.requests.length = 0;
    const err = await rejection(
      onA.settings.apply(proposal({ shared_buffers: 24576 }), { signal: signal() }),
    );
    expect(err.message).toMatch(
      /^apply: restart: patroni: POST \/restart \(member pg-a\): HTTP 503: restart failed; rolled back to the previous settings$/,
    );
    // pg-b restarted with the new value, pg-a refused; the rollback restarted pg-b back.
    expect(restarts().map((r) => r.member)).toEqual(['pg-b', 'pg-a', 'pg-b']);
    expect(sim.parameters().shared_buffers).toBe('262144kB');
    for (const c of [pair.leader, pair.replica]) expect(await setting(c, 'shared_buffers')).toBe(before);
    await waitStreaming(pair.replica);
  });

  it('refuses to apply on a standby (standby_node_detected), changing nothing', async () => {
    sim.requests.length = 0;
    const err = await rejection(onB.settings.apply(proposal({ work_mem: 4096 }), { signal: signal() }));
    expect(err.code).toBe('standby_node_detected');
    expect(err.message).toMatch(/node pg-b is a standby .*leader \(pg-a\)/);
    expect(patches()).toHaveLength(0);
  });

  it('detects a real failover, blocks applies while the cluster stabilises, then resumes', async () => {
    now += 20_000; // well past our last restart's window
    await sim.failover(); // pg-b promoted, pg-a follows it
    expect(sim.leader()).toBe('pg-b');

    const first = await rejection(onB.checkFailover!(signal()));
    expect(first).toBeInstanceOf(FailoverDetectedError);
    expect((first as FailoverDetectedError).fresh).toBe(true);
    expect(first.message).toBe('patroni: failover detected: leader pg-a → pg-b');

    now += 10_000;
    const again = await rejection(onB.checkFailover!(signal()));
    expect((again as FailoverDetectedError).fresh).toBe(false);
    sim.requests.length = 0;
    const blocked = await rejection(onB.settings.apply(proposal({ work_mem: 12288 }), { signal: signal() }));
    expect(blocked.code).toBe('failover_detected');
    expect(patches()).toHaveLength(0);

    now += 21_000; // past the 30 s stabilisation; leader running and PostgreSQL answering
    await expect(onB.checkFailover!(signal())).resolves.toBeUndefined();
    const result = await onB.settings.apply(proposal({ work_mem: 12288 }), { signal: signal() });
    expect(result.action).toBe('reload');
    await waitStreaming(pair.leader);
    for (const c of [pair.replica, pair.leader]) expect(await setting(c, 'work_mem')).toBe('12288');

    // The agent on the old leader sees the same failover once, and is now on a standby.
    const seen = await rejection(onA.checkFailover!(signal()));
    expect((seen as FailoverDetectedError).fresh).toBe(true);
    now += 31_000;
    await onA.checkFailover!(signal());
    const standby = await rejection(onA.settings.apply(proposal({ work_mem: 4096 }), { signal: signal() }));
    expect(standby.code).toBe('standby_node_detected');
  });
});
