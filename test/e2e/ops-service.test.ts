/**
 * End-to-end (issue 16): the service endpoints (/healthz, /readyz, /metrics), SIGHUP reloads, JSON
 * logs during a dry run, and approval mode. The built CLI against one real PostgreSQL and the fake
 * platform; schedules run 5× faster (DBTUNE_AGENT_INTERVAL_SCALE=0.2: config every 1 s).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/embedded/cluster.js';
import { CLI, startAgent, type AgentProcess } from '../harness/agent-process.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

let pg: PgCluster;
let agent: AgentProcess | undefined;
let fake: FakePlatform | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-ops-'));
const TOKEN = 'approval-token-for-tests-0123456789';

beforeAll(async () => {
  pg = await startPostgres();
  await pg.sql('CREATE DATABASE other');
  await pg.sql('CREATE EXTENSION pg_stat_statements', 'other');
});
afterAll(async () => {
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
  await fake?.close();
  fake = undefined;
  if (pg.isRunning()) {
    await pg.sql('ALTER SYSTEM RESET ALL');
    await pg.sql('SELECT pg_reload_conf()');
  }
});

function env(f: FakePlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: f.url,
    DBT_DBTUNE_API_KEY: f.apiKey,
    DBT_DBTUNE_DATABASE_ID: f.databaseId,
    DBTUNE_AGENT_INTERVAL_SCALE: '0.2',
    ...extra,
  };
}

async function get(base: string, p: string): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${base}${p}`, { signal: AbortSignal.timeout(3_000) });
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
}

/** A sample's value in Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function setting(name: string): Promise<string> {
  const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]!.setting);
}

const row = (name: string, setting: number, unit: string | null, vartype: string) => ({
  name,
  setting,
  unit,
  vartype,
  context: 'user',
});
const proposal = (workMemKb: number) => [
  {
    config: [row('work_mem', workMemKb, 'kB', 'integer'), row('random_page_cost', 1.1, null, 'real')],
    knobs_overrides: ['work_mem', 'random_page_cost'],
    knob_application: 'reload',
  },
];

describe('service endpoints', () => {
  it('/healthz answers, /metrics series move, /readyz is unready while PostgreSQL is stopped', async () => {
    fake = await FakePlatform.start();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    agent = startAgent(['--local'], env(fake, { DBT_HEALTH_LISTEN: `127.0.0.1:${port}` }));
    await expect.poll(async () => (await get(base, '/healthz')).status, { timeout: 15_000 }).toBe(200);
    await expect.poll(async () => (await get(base, '/readyz')).status, { timeout: 15_000 }).toBe(200);

    const runs = 'dbtune_agent_task_duration_seconds_count{name="metrics"}';
    const first = (await get(base, '/metrics')).text;
    expect(first).toMatch(/^dbtune_agent_build_info\{version="[^"]+",node_version="v\d+/m);
    expect(sample(first, 'dbtune_agent_health_gate_open')).toBe(1);
    expect(sample(first, 'dbtune_agent_ready')).toBe(1);
    const before = sample(first, runs) ?? 0;
    const sentBefore = sample(
      first,
      'dbtune_agent_platform_last_success_timestamp_seconds{endpoint="metrics"}',
    );
    await expect
      .poll(async () => sample((await get(base, '/metrics')).text, runs) ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(before);
    const later = (await get(base, '/metrics')).text;
    expect(
      sample(later, 'dbtune_agent_platform_last_success_timestamp_seconds{endpoint="metrics"}'),
    ).toBeGreaterThan(sentBefore ?? 0);
    expect(later).toMatch(/^dbtune_agent_collector_duration_seconds_count\{collector="[a-z_]+"\} [1-9]/m);
    expect(later).toMatch(
      /^dbtune_agent_platform_requests_total\{endpoint="heartbeat",outcome="ok"\} [1-9]/m,
    );

    await pg.stop('fast');
    try {
      await expect.poll(async () => (await get(base, '/readyz')).status, { timeout: 15_000 }).toBe(503);
      const body = JSON.parse((await get(base, '/readyz')).text) as { checks: { database: string } };
      expect(body.checks.database).toBe('unreachable');
      expect(sample((await get(base, '/metrics')).text, 'dbtune_agent_health_gate_open')).toBe(0);
      expect((await get(base, '/healthz')).status).toBe(200);
    } finally {
      await pg.start();
    }
    await expect.poll(async () => (await get(base, '/readyz')).status, { timeout: 20_000 }).toBe(200);
    expect(agent.child.exitCode).toBeNull();
  }, 90_000);
});

describe('SIGHUP', () => {
  it('applies a changed valid configuration in-process; keeps the running one when the new one is invalid', async () => {
    fake = await FakePlatform.start();
    const file = path.join(dir, 'dbtune.yaml');
    const yaml = (connectionUrl: string, extra: string) =>
      `dbtune:\n  server_url: ${fake!.url}\n  api_key: ${fake!.apiKey}\n  database_id: ${fake!.databaseId}\n` +
      `postgresql:\n  connection_url: ${connectionUrl}\n${extra}`;
    writeFileSync(file, yaml(pg.url, '  allow_restart: false\n'));
    agent = startAgent(['--local', '--config', file], { DBTUNE_AGENT_INTERVAL_SCALE: '0.2' });
    await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics'), 20_000);
    const pid = agent.child.pid;

    // A valid change: another database and allow_restart. The session restarts on the new settings.
    writeFileSync(
      file,
      yaml(pg.urlFor('other'), '  allow_restart: true\n  restart_script_path: /bin/true\n'),
    );
    const hupAt = Date.now();
    agent.child.kill('SIGHUP');
    await agent.waitForLog(
      (l) => l.msg === 'reload: agent session restarted' && l.configuration === 'new',
      20_000,
    );
    // The new session's heartbeats carry the new allow_restart.
    await fake.waitFor(
      (rs) =>
        rs.some(
          (r) =>
            r.endpoint === 'heartbeat' &&
            r.at > hupAt &&
            (r.body as { allow_restart: boolean }).allow_restart,
        ),
      10_000,
    );
    await expect
      .poll(
        async () =>
          (await pg.sql("SELECT datname FROM pg_stat_activity WHERE application_name = 'dbtune-agent'")).map(
            (r) => String(r.datname),
          ),
        { timeout: 10_000 },
      )
      .toSatisfy((names: string[]) => names.length > 0 && names.every((n) => n === 'other'));
    expect(agent.child.pid).toBe(pid);
    const changed = agent
      .logs()
      .find((l) => l.msg === 'reload: configuration changed; restarting the agent session')!;
    expect(changed.changed).toEqual([
      'postgresql.allow_restart',
      'postgresql.connection_url',
      'postgresql.restart_script_path',
    ]);

    // An invalid file: logged with the key, nothing changes, the agent keeps working.
    writeFileSync(file, yaml(pg.url, '  pool_max: 0\n'));
    agent.child.kill('SIGHUP');
    const invalid = await agent.waitForLog(
      (l) => l.msg === 'reload: configuration invalid; keeping the running configuration',
      10_000,
    );
    expect(JSON.stringify(invalid.problems)).toContain('postgresql.pool_max');
    const after = Date.now();
    await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics' && r.at > after), 10_000);
    expect(agent.logs().filter((l) => l.msg === 'reload: agent session restarted')).toHaveLength(1);
    const sessions = await pg.sql(
      "SELECT datname FROM pg_stat_activity WHERE application_name = 'dbtune-agent'",
    );
    expect(sessions.map((r) => r.datname)).not.toContain('postgres');

    // Valid to the schema, but the adapter refuses it (allow_restart without a way to restart):
    // the running configuration is started again.
    writeFileSync(file, yaml(pg.urlFor('other'), '  allow_restart: true\n'));
    agent.child.kill('SIGHUP');
    const back = await agent.waitForLog(
      (l) => l.msg === 'reload: agent session restarted' && l.configuration === 'previous',
      20_000,
    );
    expect(back.adapter).toBe('local');
    const resumed = Date.now();
    await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics' && r.at > resumed), 10_000);
    expect(agent.child.exitCode).toBeNull();
    expect(agent.stdout() + agent.stderr()).not.toContain(fake.apiKey);
  }, 90_000);
});

describe('JSON logs', () => {
  it('every stdout line of a --log-format json dry run parses, the plan included', async () => {
    fake = await FakePlatform.start();
    fake.setRecommendation(proposal(16384));
    agent = startAgent(['--local', '--dry-run'], env(fake));
    const plan = await agent.waitForLog(
      (l) => l.msg === 'dry run: proposal validated, nothing changed',
      20_000,
    );
    await agent.stop();
    const lines = agent
      .stdout()
      .split('\n')
      .filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(plan.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'work_mem', proposed: '16384', text: 'work_mem=16MB (16384 kB)' }),
      ]),
    );
    expect(await setting('work_mem')).toBe('4096');
  }, 60_000);
});

describe('approval mode', () => {
  it('applies nothing until approved, then exactly the approved proposal; a rejection reaches the platform', async () => {
    fake = await FakePlatform.start();
    fake.setRecommendation(proposal(16384));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const e = env(fake, {
      DBT_APPLY_MODE: 'approve',
      DBT_APPROVAL_TOKEN: TOKEN,
      DBT_HEALTH_LISTEN: `127.0.0.1:${port}`,
    });
    agent = startAgent(['--local'], e);
    const awaiting = 'proposal awaiting approval (dbtune-agent approve <id>)';
    const held = await agent.waitForLog((l) => l.msg === awaiting, 20_000);
    const id1 = String(held.id);
    expect(held.knobs).toContain('work_mem=16MB (16384 kB)');
    // Three more config ticks: still not applied, and not offered again.
    const heldAt = Date.now();
    await fake.waitFor(
      (rs) => rs.filter((r) => r.endpoint === 'recommendation' && r.at > heldAt).length >= 3,
      10_000,
    );
    expect(await setting('work_mem')).toBe('4096');
    expect(agent.logs().filter((l) => l.msg === awaiting)).toHaveLength(1);
    expect(sample((await get(base, '/metrics')).text, 'dbtune_agent_pending_proposals')).toBe(1);

    const cli = (args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args], {
        env: { PATH: process.env.PATH ?? '', ...e },
        encoding: 'utf8',
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const pending = cli(['pending']);
    expect(pending.code, pending.err).toBe(0);
    expect(pending.out).toContain(`${id1}  pending`);
    expect(pending.out).toContain('work_mem=16MB (16384 kB)');

    // Approve; the platform moves on at the same moment. What was approved is what is applied.
    const approved = cli(['approve', id1]);
    expect(approved.code, approved.err).toBe(0);
    fake.setRecommendation(proposal(32768));
    const applied = await agent.waitForLog((l) => l.msg === 'configuration applied', 20_000);
    expect(applied.knobs).toContain('work_mem=16MB (16384 kB)');
    expect(await setting('work_mem')).toBe('16384');
    expect(cli(['approve', id1]).code).toBe(1); // decided already

    // The newer proposal is held; reject it over HTTP with the token.
    const second = await agent.waitForLog((l) => l.msg === awaiting && l.id !== id1, 20_000);
    const id2 = String(second.id);
    const post = (token: string) =>
      fetch(`${base}/proposals/${id2}/reject`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ reason: 'not during business hours' }),
      });
    expect((await post('wrong-token')).status).toBe(401);
    expect((await post(TOKEN)).status).toBe(200);
    const reports = await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'log-entries'), 10_000);
    const report = reports.find((r) => r.endpoint === 'log-entries')!.body as Record<string, string>;
    expect(report.error_type).toBe('config_apply_error');
    expect(report.error_message).toContain(
      `proposal ${id2} rejected by the operator: not during business hours`,
    );
    const rejectedAt = Date.now();
    await fake.waitFor(
      (rs) => rs.filter((r) => r.endpoint === 'recommendation' && r.at > rejectedAt).length >= 3,
      10_000,
    );
    expect(await setting('work_mem')).toBe('16384');
    expect(agent.logs().filter((l) => l.msg === awaiting)).toHaveLength(2);
    expect(agent.stdout() + agent.stderr()).not.toContain(TOKEN);
  }, 90_000);
});
