/**
 * Embedded sessions a DBA can trust (issue 18): bound to their database, explicit settings that
 * contradict a saved session refused, `embedded reset`, SIGTERM mid-session restores the baseline,
 * `demo` refuses the agent's flags. Two real clusters; the built CLI as a child process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/program.js';
import type { Config } from '../../src/config/index.js';
import { startEmbeddedForAgent } from '../../src/embedded/attach.js';
import { listSessions } from '../../src/embedded/sessions.js';
import { CLI, startAgent } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { silentLogger } from '../integration/embedded-platform-agent.js';

let a: PgCluster;
let b: PgCluster;
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'embedded-session-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  [a, b] = await Promise.all([startPostgres(), startPostgres()]);
});

afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string>): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const configFor = (c: PgCluster) =>
  ({
    startup_timeout: 30,
    tuning: { dry_run: false },
    postgresql: { allow_restart: false, connection_url: c.url },
  }) as unknown as Config;

async function open(c: PgCluster, env: Record<string, string>) {
  const io: Io = { out: () => undefined, err: () => undefined, env, cwd: os.tmpdir() };
  const connected = await startEmbeddedForAgent(configFor(c), silentLogger(), io);
  const saved = listSessions(env.DBT_EMBEDDED_STATE_DIR ?? '');
  await connected.forwarder.stop();
  await connected.close();
  return saved;
}

describe('embedded sessions are bound to their database', () => {
  it('a session on server A is not resumed on server B; A resumes its own', async () => {
    const env = { DBT_EMBEDDED_STATE_DIR: tempDir() };
    const [onA] = await open(a, env);
    const afterB = await open(b, env);
    expect(afterB).toHaveLength(2);
    const onB = afterB.find((s) => s.state.target?.port === b.port);
    expect(onB?.state.apiKey).not.toBe(onA?.state.apiKey);
    expect(onB?.dir).not.toBe(onA?.dir);
    const [sysA] = await a.sql('SELECT system_identifier::text AS id FROM pg_control_system()');
    expect(onA?.state.target).toEqual({
      systemIdentifier: sysA?.id,
      database: 'postgres',
      host: '127.0.0.1',
      port: a.port,
    });
    expect(onB?.state.target?.systemIdentifier).not.toBe(onA?.state.target?.systemIdentifier);
    const again = await open(a, env);
    expect(again.find((s) => s.state.target?.port === a.port)?.state.apiKey).toBe(onA?.state.apiKey);
  });

  it('explicit settings that differ from the saved session exit 2 naming both; embedded reset starts fresh', async () => {
    const stateDir = tempDir();
    const [first] = await open(a, { DBT_EMBEDDED_STATE_DIR: stateDir, DBT_EMBEDDED_ITERATIONS: '5' });
    const env = {
      DBT_EMBEDDED_STATE_DIR: stateDir,
      DBT_POSTGRESQL_CONNECTION_URL: a.url,
      DBT_EMBEDDED_ITERATIONS: '7',
    };
    const refused = cli(['--local', '--platform', 'embedded'], env);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('DBT_EMBEDDED_ITERATIONS=7 but the saved session has iterations=5');
    expect(refused.err).toContain("run 'dbtune-agent embedded reset' to start a new session");

    const status = cli(['embedded', 'status'], { DBT_EMBEDDED_STATE_DIR: stateDir });
    expect(status.code).toBe(0);
    expect(status.out).toContain(`database postgres at 127.0.0.1:${a.port}`);
    expect(status.out).toContain('phase: waiting-for-agent, 0 of 5 iterations');

    const reset = cli(['embedded', 'reset'], { DBT_EMBEDDED_STATE_DIR: stateDir });
    expect(reset.code).toBe(0);
    expect(reset.out).toContain('removed the session for database postgres');
    expect(listSessions(stateDir)).toEqual([]);
    const [fresh] = await open(a, { DBT_EMBEDDED_STATE_DIR: stateDir, DBT_EMBEDDED_ITERATIONS: '7' });
    expect(fresh?.state.settings.iterations).toBe(7);
    expect(fresh?.state.apiKey).not.toBe(first?.state.apiKey);
    expect(fresh?.state.phase).toBe('waiting-for-agent');
  });

  it('check never creates a session', () => {
    const stateDir = tempDir();
    const r = cli(['check', '--local', '--platform', 'embedded'], {
      DBT_EMBEDDED_STATE_DIR: stateDir,
      DBT_POSTGRESQL_CONNECTION_URL: a.url,
    });
    expect(r.code).toBe(0);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('demo refuses the agent flags it does not take (exit 2)', () => {
    for (const flags of [['--local'], ['--docker', '--dry-run']]) {
      const r = cli(['demo', '--quick', ...flags], {});
      expect(r.code).toBe(2);
      expect(r.err).toContain(`demo: ${flags.join(', ')}`);
    }
  });
});

/** A little load, so every window measures throughput and the session moves on. */
function lightLoad(c: PgCluster): { stop(): Promise<void> } {
  const pool = new pg.Pool({ connectionString: c.url, max: 2 });
  let loading = true;
  const load = (async () => {
    while (loading) await pool.query('SELECT count(*) FROM pg_class').catch(() => undefined);
  })();
  return {
    async stop() {
      loading = false;
      await load;
      await pool.end();
    },
  };
}

describe('a session that ends', () => {
  it('logs the verdict and where the reports are, writes them, and exits 0', async () => {
    const stateDir = tempDir();
    const load = lightLoad(a);
    const agent = startAgent(['--local', '--platform', 'embedded'], {
      DBT_POSTGRESQL_CONNECTION_URL: a.url,
      DBT_EMBEDDED_STATE_DIR: stateDir,
      DBT_EMBEDDED_ITERATIONS: '3',
      DBT_EMBEDDED_ITERATION_SECONDS: '2',
      DBT_EMBEDDED_WARMUP_SECONDS: '0',
      DBTUNE_AGENT_INTERVAL_SCALE: '0.1',
    });
    try {
      expect(await agent.exited()).toBe(0);
      const progress = agent.logs().filter((l) => l.msg === 'embedded platform: iteration recorded');
      expect(progress).toHaveLength(3);
      expect(progress[2]).toMatchObject({ iteration: 2, of: 3, objective: 'tps', secondsLeft: 0 });
      expect(progress[0]).toMatchObject({ objective: 'tps', unit: 'transactions/s', secondsLeft: 4 });
      expect(progress[0]?.value).toBeGreaterThan(0);
      const finished = agent.logs().find((l) => l.msg === 'embedded platform: session finished');
      expect(finished?.kept).toMatch(/^(best|baseline)$/);
      const [json, html] = finished?.reports as string[];
      const report = JSON.parse(readFileSync(json ?? '', 'utf8')) as Record<string, unknown>;
      expect(report).toMatchObject({ objective: 'tps', workload: null });
      expect(report.iterations).toHaveLength(3);
      expect(readFileSync(html ?? '', 'utf8')).toContain('<svg');
      const status = cli(['embedded', 'status'], { DBT_EMBEDDED_STATE_DIR: stateDir });
      expect(status.out).toContain('phase: done, 3 of 3 iterations measured');
      expect(status.out).toContain(`reports: ${json}`);
      rmSync(json ?? '');
      const rewritten = cli(['embedded', 'report'], { DBT_EMBEDDED_STATE_DIR: stateDir });
      expect(rewritten.code).toBe(0);
      expect(rewritten.out).toContain(json);
      expect(JSON.parse(readFileSync(json ?? '', 'utf8'))).toMatchObject({ iterations: report.iterations });
    } finally {
      await load.stop();
      if (agent.child.exitCode === null) await agent.stop('SIGKILL');
    }
  });
});

describe('stopping mid-session', () => {
  it('a SIGHUP reload resumes the session without restoring; SIGTERM restores the baseline: postgresql.auto.conf holds only baseline values and exits 0 quickly', async () => {
    const stateDir = tempDir();
    const configFile = path.join(tempDir(), 'dbtune.yaml');
    writeFileSync(configFile, 'postgresql:\n  pool_max: 4\n');
    const autoConfPath = path.join(b.dataDir, 'postgresql.auto.conf');
    // Every server-wide setting a reload or restart can change, as the session found them.
    const serverSettings = async () =>
      Object.fromEntries(
        (
          await b.sql(
            "SELECT name, setting FROM pg_settings WHERE context IN ('sighup', 'superuser', 'user', 'postmaster') ORDER BY name",
          )
        ).map((r) => [String(r.name), String(r.setting)]),
      );
    const baseline = await serverSettings();
    const load = lightLoad(b);
    const agent = startAgent(['--local', '--platform', 'embedded', '--config', configFile], {
      DBT_POSTGRESQL_CONNECTION_URL: b.url,
      DBT_EMBEDDED_STATE_DIR: stateDir,
      DBT_EMBEDDED_ITERATIONS: '6',
      DBT_EMBEDDED_ITERATION_SECONDS: '2',
      DBT_EMBEDDED_WARMUP_SECONDS: '0',
      DBTUNE_AGENT_INTERVAL_SCALE: '0.1',
    });
    try {
      // Iteration 1 (PGTune-style) applied and verified: the server runs with the session's values.
      await agent.waitForLog((l) => l.msg === 'configuration applied', 90_000);
      expect(await serverSettings()).not.toEqual(baseline);
      expect(readFileSync(autoConfPath, 'utf8')).toMatch(/work_mem|random_page_cost/);
      // A reload restarts the agent session in-process: the tuning session resumes, nothing is restored.
      writeFileSync(configFile, 'postgresql:\n  pool_max: 5\n');
      agent.child.kill('SIGHUP');
      await agent.waitForLog((l) => l.msg === 'reload: agent session restarted', 30_000);
      const starts = agent.logs().filter((l) => String(l.msg).endsWith('tuning session'));
      expect(starts.map((l) => l.msg)).toEqual([
        'embedded platform: new tuning session',
        'embedded platform: resuming the tuning session',
      ]);
      expect(agent.logs().some((l) => String(l.msg).startsWith('embedded platform: stopped'))).toBe(false);
      expect(await serverSettings()).not.toEqual(baseline);
      const { code, ms } = await agent.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(15_000);
      const restored = agent
        .logs()
        .find((l) => String(l.msg).startsWith('embedded platform: stopped mid-session'));
      expect(restored?.source).toBe('baseline');
      // Every value auto.conf holds is the baseline's, and the server runs with the baseline.
      const fileRows = await b.sql(
        "SELECT name FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf' AND applied",
      );
      expect(fileRows.length).toBeGreaterThan(0);
      const live = await serverSettings();
      expect(live).toEqual(baseline);
      for (const r of fileRows) expect(live[String(r.name)], String(r.name)).toBe(baseline[String(r.name)]);
      const pending = await b.sql('SELECT name FROM pg_settings WHERE pending_restart');
      expect(pending).toEqual([]);
      const [session] = listSessions(stateDir);
      expect(session?.state.phase).toBe('applying');
    } finally {
      await load.stop();
      if (agent.child.exitCode === null) await agent.stop('SIGKILL');
    }
  });
});
