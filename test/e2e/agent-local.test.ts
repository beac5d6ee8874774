/**
 * End-to-end: the built CLI with --local against a real PostgreSQL and the fake platform.
 * Covers the agent core's acceptance: wire traffic over 30 s, shutdown, secrets, and the faults
 * the runner must ride out (platform down, one endpoint failing, database down).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatform, type RecordedRequest } from '../harness/fake-platform.js';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const PASSWORD = 'e2e-Secret-pw-7781';
let pg: PgCluster;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql(`CREATE ROLE agent LOGIN SUPERUSER PASSWORD '${PASSWORD}'`);
  // Password auth for TCP so the URL's password is really used (and must never be printed).
  const hba = `${pg.dataDir}/pg_hba.conf`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    hba,
    'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
  );
  await pg.sql('SELECT pg_reload_conf()');
});
afterAll(async () => {
  await pg?.destroy();
});
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

function agentUrl(): string {
  return `postgres://agent:${PASSWORD}@127.0.0.1:${pg.port}/postgres`;
}

function env(fake: FakePlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: agentUrl(),
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    ...extra,
  };
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first recorded request matching `pred`, waiting up to `ms`. */
async function waitForRequest(fake: FakePlatform, pred: (r: RecordedRequest) => boolean, ms: number) {
  const all = await fake.waitFor((rs) => rs.some(pred), ms);
  return all.find(pred)!;
}

async function agentSessions(): Promise<number> {
  const rows = await pg.sql(
    "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'",
  );
  return Number(rows[0]!.n);
}

describe('agent --local against the fake platform', () => {
  it('speaks the platform API for 30 s, then exits 0 on SIGTERM leaving no session behind', async () => {
    const fake = await FakePlatform.start();
    try {
      const started = Date.now();
      agent = startAgent(['--local'], env(fake));
      await sleep(31_000);
      expect(await agentSessions()).toBeGreaterThan(0);
      const { code, ms } = await agent.stop();
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
      expect(await agentSessions()).toBe(0);

      // Heartbeats: the startup check's, then every 15 s; four fields.
      const beats = fake.requests('heartbeat');
      expect(beats.length).toBeGreaterThanOrEqual(2);
      expect(Object.keys(beats[0]!.body as object).sort()).toEqual([
        'agent_identifier',
        'agent_start_time',
        'agent_version',
        'allow_restart',
      ]);
      // Metrics every ~5 s from the start.
      const metrics = fake.requests('metrics').map((r) => r.at - started);
      expect(metrics.length).toBeGreaterThanOrEqual(5);
      for (const g of gaps(metrics)) {
        expect(g).toBeGreaterThan(3_000);
        expect(g).toBeLessThan(7_500);
      }
      // One system-info PUT (60 s interval); its hash is checked by the fake with a Go-compatible encoder.
      const sys = fake.requests('system-info');
      expect(sys).toHaveLength(1);
      expect(sys[0]!.method).toBe('PUT');
      expect((sys[0]!.body as { hash: string }).hash).toMatch(/^[0-9a-f]{64}$/);
      // Active config: gzip POSTs with a hash; recommendations polled.
      const cfg = fake.requests('configurations').filter((r) => r.method === 'POST');
      expect(cfg.length).toBeGreaterThanOrEqual(5);
      for (const r of cfg) expect(r.headers['content-encoding']).toBe('gzip');
      expect(fake.requests('recommendation').length).toBeGreaterThanOrEqual(5);
      for (const r of fake.requests('recommendation')) expect(r.query.status).toBe('recommended');
      // Catalog collectors posted gzip payloads.
      expect(fake.requests('catalog').length).toBeGreaterThan(20);
      // Key and uuid on every request, every payload shape valid.
      expect(fake.violations).toEqual([]);
      for (const r of fake.requests()) {
        expect(r.headers['dbtune-api-key']).toBe(fake.apiKey);
        expect(r.query.uuid).toBe(fake.databaseId);
      }
      // No secret in the agent's output.
      const output = agent.stdout() + agent.stderr();
      expect(output).not.toContain(fake.apiKey);
      expect(output).not.toContain(PASSWORD);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('rides out the platform being down for 20 s and catches up within one interval', async () => {
    const fake = await FakePlatform.start();
    try {
      agent = startAgent(['--local'], env(fake));
      await waitForRequest(fake, (r) => r.endpoint === 'metrics', 20_000);
      await fake.down();
      const downAt = Date.now();
      await sleep(20_000);
      expect(agent.child.exitCode).toBeNull();
      await fake.up();
      const upAt = Date.now();
      const m = await waitForRequest(fake, (r) => r.endpoint === 'metrics' && r.at > upAt, 12_000);
      expect(m.at - upAt).toBeLessThan(10_000); // one 5 s interval plus one retry back-off
      await waitForRequest(fake, (r) => r.endpoint === 'configurations' && r.at > upAt, 12_000);
      expect(downAt).toBeLessThan(upAt);
      expect(agent.stdout() + agent.stderr()).not.toContain(fake.apiKey);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('keeps heartbeats on time while the metrics endpoint fails', async () => {
    const fake = await FakePlatform.start();
    try {
      fake.reply('metrics', { status: 500, body: 'boom' });
      // 5× faster schedule: heartbeat every 3 s, metrics every 1 s (each retrying its 500s).
      agent = startAgent(['--local'], env(fake, { DBTUNE_AGENT_INTERVAL_SCALE: '0.2' }));
      await waitForRequest(fake, (r) => r.endpoint === 'metrics', 15_000);
      const from = Date.now();
      await sleep(13_000);
      const beats = fake
        .requests('heartbeat')
        .filter((r) => r.at >= from)
        .map((r) => r.at);
      expect(beats.length).toBeGreaterThanOrEqual(3);
      for (const g of gaps(beats)) expect(g).toBeLessThan(4_500);
      // One warning for the failing task, not one per tick.
      const warnings = agent.logs().filter((l) => l.task === 'metrics' && l.msg === 'task failed');
      expect(warnings.length).toBe(1);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('closes the health gate quietly while PostgreSQL is down and resumes after it returns', async () => {
    const fake = await FakePlatform.start();
    try {
      agent = startAgent(['--local'], env(fake));
      await waitForRequest(fake, (r) => r.endpoint === 'metrics', 20_000);
      await pg.stop('fast');
      await sleep(20_000);
      expect(agent.child.exitCode).toBeNull();
      // Heartbeats are not gated.
      const beatsWhileDown = fake.requests('heartbeat').filter((r) => r.at > Date.now() - 20_000);
      expect(beatsWhileDown.length).toBeGreaterThanOrEqual(1);
      await pg.start();
      const back = Date.now();
      await agent.waitForLog((l) => l.msg === 'database reachable again; resuming collection', 30_000);
      expect(Date.now() - back).toBeLessThan(30_000);
      await waitForRequest(fake, (r) => r.endpoint === 'configurations' && r.at > back, 15_000);
      await waitForRequest(fake, (r) => r.endpoint === 'catalog' && r.at > back, 15_000);
      // One closure line, not one per tick.
      const closures = agent.logs().filter((l) => l.msg === 'database unreachable; pausing collection');
      expect(closures).toHaveLength(1);
    } finally {
      if (!pg.isRunning()) await pg.start();
      await fake.close();
    }
  }, 90_000);
});
