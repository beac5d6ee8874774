/**
 * Apply faults through the built agent (allow_restart, a restart script, 10× faster schedule) on
 * one shared cluster: a restart script that hangs, one that fails, a PostgreSQL that cannot start
 * on the new values, SIGTERM in the middle of an apply, and a restart knob without allow_restart.
 * After each: PostgreSQL runs on a consistent configuration, postgresql.auto.conf is the complete
 * old or the complete new state (never a mix), failures reach the platform as `config_apply_error`
 * (or `restart_not_allowed`), and no secret is printed.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentProcess } from '../harness/agent-process.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { createAgentRole } from './lib/agent-role.js';
import { expectAlive, expectCleanStop, expectNoSecrets, launchAgent, logsWith } from './lib/agent-run.js';
import { autoConfSettings, expectOldOrNew, readAutoConf } from './lib/auto-conf.js';
import { note, secs } from './lib/observed.js';
import { until } from './lib/wait.js';

/** A restart batch: one postmaster knob and two reload knobs, so a half-applied state is visible. */
const PROPOSED = { shared_buffers: '8192', work_mem: '8192', random_page_cost: '1.9' };
/** 1 TB of shared memory: the host (vm.overcommit_memory=0, far less RAM) refuses the mapping. */
const UNSTARTABLE = { ...PROPOSED, shared_buffers: '134217728' };

let cluster: PgCluster;
let url: string;
let scripts: string;
let original: string;
let fake: FakePlatform | undefined;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  cluster = await startPostgres();
  url = await createAgentRole(cluster);
  scripts = mkdtempSync(path.join(os.tmpdir(), 'dbtune-faults-restart-'));
  chmodSync(scripts, 0o755);
  original = readAutoConf(cluster.dataDir);
});

afterEach(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  agent = undefined;
  fake = undefined;
  // Each scenario starts from the original configuration on a running server.
  if (!cluster.isRunning()) {
    writeFileSync(path.join(cluster.dataDir, 'postgresql.auto.conf'), original);
    await cluster.start();
  }
  await cluster.sql('ALTER SYSTEM RESET ALL');
  await cluster.sql('SELECT pg_reload_conf()');
  await new Promise((r) => setTimeout(r, 300));
  const pending = await cluster.sql('SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart');
  if (Number(pending[0]?.n) > 0) await cluster.restart();
});

afterAll(async () => {
  await cluster?.destroy();
  if (scripts) rmSync(scripts, { recursive: true, force: true });
});

function script(name: string, body: string): string {
  const file = path.join(scripts, name);
  writeFileSync(file, `#!/bin/sh\ncd /tmp\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** pg_ctl as the postgres OS user (the agent runs as root here); exit status passed through. */
const pgCtl = (action: string) =>
  `exec runuser -u postgres -- "${cluster.binDir}/pg_ctl" -D "${cluster.dataDir}" -l "${cluster.logFile}" -w -t 20 -m fast ${action}`;

function recommendation(settings: Record<string, string>) {
  return [
    {
      config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
      knobs_overrides: Object.keys(settings),
      knob_application: 'restart',
    },
  ];
}

async function live(): Promise<Record<string, string>> {
  const rows = await cluster.sql(
    `SELECT name, setting, pending_restart FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'random_page_cost')`,
  );
  expect(rows.every((r) => r.pending_restart === false)).toBe(true);
  return Object.fromEntries(rows.map((r) => [String(r.name), String(r.setting)]));
}

const DEFAULTS = { shared_buffers: '16384', work_mem: '4096', random_page_cost: '4' };

async function startWith(restartScript: string, extra: Record<string, string> = {}) {
  fake = await FakePlatform.start();
  agent = launchAgent(fake, url, {
    DBT_POSTGRESQL_ALLOW_RESTART: 'true',
    DBT_POSTGRESQL_RESTART_SCRIPT_PATH: restartScript,
    DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '6',
    ...extra,
  });
  await fake.waitFor((r) => r.some((x) => x.endpoint === 'configurations'), 30_000);
  return { f: fake, a: agent };
}

function applyErrors(f: FakePlatform): { type: string; message: string }[] {
  return f
    .requests('log-entries')
    .map((r) => r.body as { error_type: string; error_message: string })
    .filter((b) => b.error_type === 'config_apply_error' || b.error_type === 'restart_not_allowed')
    .map((b) => ({ type: b.error_type, message: b.error_message }));
}

describe('apply faults (built CLI, allow_restart with a restart script)', () => {
  it('restart script hangs: killed at the restart timeout, rolled back, PostgreSQL on the previous settings', async () => {
    const pid = cluster.postmasterPid();
    const { f, a } = await startWith(script('hang.sh', 'exec sleep 600'));
    const t0 = Date.now();
    f.setRecommendation(recommendation(PROPOSED));
    const err = await until('config_apply_error', () => applyErrors(f)[0], 60_000);
    note(`config_apply_error after ${secs(Date.now() - t0)}`);
    expect(Date.now() - t0).toBeLessThan(6_000 + 20_000); // the timeout plus rollback, not the script's 600 s
    expect(err.type).toBe('config_apply_error');
    expect(err.message).toMatch(/restart script .*hang\.sh failed \(timed out and was killed\)/);
    expect(err.message).toContain('rolled back to the previous settings');
    expect(expectOldOrNew(cluster.dataDir, original, PROPOSED)).toBe('old');
    expect(await live()).toEqual(DEFAULTS);
    expect(cluster.postmasterPid()).toBe(pid);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('restart script fails (exit 1): rolled back, its output in the error, no second attempt for the same proposal', async () => {
    const { f, a } = await startWith(script('fail.sh', 'echo "restart refused by site policy" >&2\nexit 1'));
    f.setRecommendation(recommendation(PROPOSED));
    const err = await until('config_apply_error', () => applyErrors(f)[0], 60_000);
    expect(err.message).toMatch(/failed \(exit code 1\): restart refused by site policy/);
    expect(err.message).toContain('rolled back to the previous settings');
    expect(expectOldOrNew(cluster.dataDir, original, PROPOSED)).toBe('old');
    expect(await live()).toEqual(DEFAULTS);
    // The same proposal is not retried (and re-reported) every 0.5 s.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(applyErrors(f)).toHaveLength(1);
    note('one config_apply_error; auto.conf old state');
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('PostgreSQL cannot start on the new values: auto.conf restored from the copy, restarted, error reported', async () => {
    const { f, a } = await startWith(script('restart.sh', pgCtl('restart')), {
      DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '40',
    });
    f.setRecommendation(recommendation(UNSTARTABLE));
    const err = await until('config_apply_error', () => applyErrors(f)[0], 120_000);
    expect(err.type).toBe('config_apply_error');
    expect(err.message).toContain('rolled back to the previous settings');
    expect(cluster.isRunning()).toBe(true);
    expect(readAutoConf(cluster.dataDir)).toBe(original);
    expect(await live()).toEqual(DEFAULTS);
    note('auto.conf byte-identical to the old file; server up on previous values');
    expect(
      logsWith(a, 'PostgreSQL is down; restored postgresql.auto.conf from the copy taken before the apply'),
    ).toHaveLength(1);
    // Collection goes on after the rollback.
    const after = Date.now();
    await until('metrics after the rollback', () => f.requests('metrics').some((r) => r.at > after), 20_000);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('SIGTERM during the restart: exits 0 within 10 s with auto.conf complete-old or complete-new, live values matching', async () => {
    const { f, a } = await startWith(script('slow.sh', `sleep 4\n${pgCtl('restart')}`), {
      DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '40',
    });
    f.setRecommendation(recommendation(PROPOSED));
    await a.waitForLog((l) => l.msg === 'restarting PostgreSQL to apply configuration', 30_000);
    // In the middle: ALTER SYSTEM done, the restart script running.
    expect(autoConfSettings(readAutoConf(cluster.dataDir)).get('shared_buffers')).toBe(
      PROPOSED.shared_buffers,
    );
    await expectCleanStop(a);
    expect(cluster.isRunning()).toBe(true);
    const state = expectOldOrNew(cluster.dataDir, original, PROPOSED);
    note(`auto.conf ${state} state`);
    expect(await live()).toEqual(state === 'old' ? DEFAULTS : PROPOSED);
    expectNoSecrets(a, f.apiKey);
  });

  it('a restart knob without allow_restart: refused as restart_not_allowed, nothing changed, no restart', async () => {
    const pid = cluster.postmasterPid();
    fake = await FakePlatform.start();
    agent = launchAgent(fake, url);
    const f = fake;
    const a = agent;
    await f.waitFor((r) => r.some((x) => x.endpoint === 'configurations'), 30_000);
    f.setRecommendation(recommendation(PROPOSED));
    const err = await until('restart_not_allowed', () => applyErrors(f)[0], 30_000);
    expect(err.type).toBe('restart_not_allowed');
    expect(err.message).toContain('shared_buffers');
    expect(readAutoConf(cluster.dataDir)).toBe(original);
    expect(await live()).toEqual(DEFAULTS);
    expect(cluster.postmasterPid()).toBe(pid);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });
});
