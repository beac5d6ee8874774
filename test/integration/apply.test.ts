/**
 * The apply pipeline against a real cluster: reload batches, idempotence, the restart policy, refused
 * batches that change nothing, restarts that fail or leave the server down, and dry runs.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chownSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigApplyError, RestartNotAllowedError } from '../../src/errors.js';
import { DEFAULT_ALLOWLIST, formatPlan, type ApplyResult } from '../../src/apply/index.js';
import { alterSystemEngine, type AlterSystemEngineOptions } from '../../adapters/local/alter-system.js';
import type { RestartFn } from '../../adapters/local/alter-system-types.js';
import { localAutoConfFile } from '../../adapters/local/auto-conf-file.js';
import { createLocalRestart } from '../../adapters/local/restart.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;

type Opts = AlterSystemEngineOptions & { dryRun?: boolean; signal?: AbortSignal };
/** One engine per call, over the ALTER SYSTEM backend, as the local adapter builds it. */
const applyProposal = (db: Db, p: Proposal, opts: Opts = {}): Promise<ApplyResult> =>
  alterSystemEngine(db, opts).apply(p, { dryRun: opts.dryRun, signal: opts.signal });
const planProposal = (db: Db, p: Proposal, opts: Opts = {}) => alterSystemEngine(db, opts).plan(p);

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`apply on PostgreSQL ${major}`, () => {
  let cluster: PgCluster;
  let db: Db;
  let scripts: string;
  let originalAutoConf: Buffer;
  const autoConfPath = () => path.join(cluster.dataDir, 'postgresql.auto.conf');
  const autoConf = () => readFileSync(autoConfPath());

  async function setting(name: string): Promise<{ setting: string; pending_restart: boolean }> {
    const rows = await cluster.sql(`SELECT setting, pending_restart FROM pg_settings WHERE name = '${name}'`);
    return rows[0] as { setting: string; pending_restart: boolean };
  }

  /** An executable script (root runs it; pg_ctl runs as the postgres OS user). */
  function script(name: string, body: string): string {
    const file = path.join(scripts, name);
    writeFileSync(file, `#!/bin/sh\ncd /tmp\n${body}\n`);
    chmodSync(file, 0o755);
    return file;
  }
  const pgCtl = (action: string) =>
    `runuser -u postgres -- "${cluster.binDir}/pg_ctl" -D "${cluster.dataDir}" -l "${cluster.logFile}" -w -t 30 -m fast ${action}`;

  /** Wrap a restart function to count calls. */
  function counted(fn: RestartFn): { fn: RestartFn; calls: () => number } {
    let n = 0;
    return {
      fn: (signal) => {
        n++;
        return fn(signal);
      },
      calls: () => n,
    };
  }

  beforeAll(async () => {
    cluster = await startPostgres({ major });
    db = createDb({ connectionUrl: cluster.url });
    scripts = mkdtempSync(path.join(os.tmpdir(), 'dbtune-apply-scripts-'));
    await cluster.sql('CREATE TABLE canary (id int); INSERT INTO canary VALUES (1)');
    originalAutoConf = autoConf();
  });

  afterEach(async () => {
    // Each test starts from a clean postgresql.auto.conf and a running server.
    if (!cluster.isRunning()) {
      writeFileSync(autoConfPath(), originalAutoConf);
      if (cluster.runAs.uid !== undefined)
        chownSync(autoConfPath(), cluster.runAs.uid, cluster.runAs.gid ?? 0);
      await cluster.start();
    }
    // Separate statements: ALTER SYSTEM cannot run in the implicit transaction of a multi-statement query.
    await cluster.sql('ALTER SYSTEM RESET ALL');
    await cluster.sql('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 300)); // let the reload reach the postmaster
    const pending = await cluster.sql('SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart');
    if (Number(pending[0]?.n) > 0) await cluster.restart();
  });

  afterAll(async () => {
    await db?.end();
    await cluster?.destroy();
    if (scripts) rmSync(scripts, { recursive: true, force: true });
  });

  it('applies a reload batch, then treats the same proposal as a no-op', async () => {
    const p = proposal({
      work_mem: 65536,
      random_page_cost: 1.1,
      effective_io_concurrency: 123,
      checkpoint_completion_target: 0.75,
    });
    const result = await applyProposal(db, p);
    expect(result.action).toBe('reload');
    expect(result.plan.changes.map((c) => c.name).sort()).toEqual(
      ['checkpoint_completion_target', 'effective_io_concurrency', 'random_page_cost', 'work_mem'].sort(),
    );
    expect((await setting('work_mem')).setting).toBe('65536');
    expect((await setting('random_page_cost')).setting).toBe('1.1');
    expect((await setting('effective_io_concurrency')).setting).toBe('123');
    expect((await setting('checkpoint_completion_target')).setting).toBe('0.75');

    const [before] = await cluster.sql('SELECT pg_conf_load_time()::text AS t');
    for (let i = 0; i < 6; i++) {
      const again = await applyProposal(db, p);
      expect(again.action).toBe('none');
      expect(again.plan.unchanged).toHaveLength(4);
    }
    const [after] = await cluster.sql('SELECT pg_conf_load_time()::text AS t');
    expect(after!.t).toBe(before!.t);
  });

  it('refuses a restart knob without allow_restart and leaves postgresql.auto.conf untouched', async () => {
    const before = autoConf();
    const restart = counted(() => Promise.reject(new Error('must not be called')));
    const err = await applyProposal(db, proposal({ shared_buffers: 32768 }, 'restart'), {
      allowRestart: false,
      restart: restart.fn,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect((err as RestartNotAllowedError).code).toBe('restart_not_allowed');
    expect((err as Error).message).toContain('shared_buffers');
    expect(autoConf().equals(before)).toBe(true);
    expect(restart.calls()).toBe(0);
  });

  it('restarts exactly once with allow_restart and a restart script', async () => {
    const restart = counted(
      createLocalRestart({ restartScriptPath: script('restart.sh', pgCtl('restart')) }),
    );
    const pidBefore = cluster.postmasterPid();
    const result = await applyProposal(db, proposal({ shared_buffers: 32768, work_mem: 8192 }, 'restart'), {
      allowRestart: true,
      restart: restart.fn,
      readyTimeoutMs: 30_000,
      connectionUrl: cluster.url,
    });
    expect(result.action).toBe('restart');
    expect(restart.calls()).toBe(1);
    expect(cluster.postmasterPid()).not.toBe(pidBefore);
    expect(await setting('shared_buffers')).toEqual({ setting: '32768', pending_restart: false });
    expect((await setting('work_mem')).setting).toBe('8192');
    // Applying it again is a no-op: no second restart.
    const again = await applyProposal(db, proposal({ shared_buffers: '256MB' }, 'restart'), {
      allowRestart: true,
      restart: restart.fn,
    });
    expect(again.action).toBe('none');
    expect(restart.calls()).toBe(1);
  });

  const badKnobs: Array<[string, Record<string, unknown>, string[], string]> = [
    ['out of range', { work_mem: 10 }, [], 'work_mem=10 is below min_val 64 (kB)'],
    ['unknown', { no_such_knob: 1 }, ['no_such_knob'], 'no_such_knob is not a parameter of this server'],
    [
      'wrong type',
      { effective_io_concurrency: 'lots' },
      [],
      'effective_io_concurrency=lots is not an integer',
    ],
    ['denylisted', { archive_command: 'rm -rf /' }, ['archive_command'], 'archive_command is denylisted'],
    [
      'injection',
      { work_mem: "'; DROP TABLE canary; --" },
      [],
      'work_mem value contains a quote, a semicolon',
    ],
    ['integer in exponent form', { max_wal_size: '1e3' }, [], 'max_wal_size=1e3 is not an integer'],
  ];

  it.each(badKnobs)(
    'refuses a batch with one bad knob (%s) and changes nothing',
    async (_label, bad, add, expected) => {
      const before = autoConf();
      const [loadBefore] = await cluster.sql('SELECT pg_conf_load_time()::text AS t');
      const err = await applyProposal(db, proposal({ random_page_cost: 1.7, ...bad }), {
        allowlistAdd: add,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigApplyError);
      expect((err as ConfigApplyError).code).toBe('config_apply_error');
      expect((err as Error).message).toContain('apply: validate: ');
      expect((err as Error).message).toContain(expected);
      expect(autoConf().equals(before)).toBe(true);
      expect((await setting('random_page_cost')).setting).toBe('4');
      expect(await cluster.sql('SELECT count(*)::int AS n FROM canary')).toEqual([{ n: 1 }]);
      const [loadAfter] = await cluster.sql('SELECT pg_conf_load_time()::text AS t');
      expect(loadAfter!.t).toBe(loadBefore!.t);
    },
  );

  it('names every bad knob of a batch', async () => {
    const err = await applyProposal(
      db,
      proposal({ work_mem: -1, archive_command: 'x', jit: 'maybe', shared_preload_libraries: 'evil' }),
    ).catch((e: unknown) => e);
    const msg = (err as Error).message;
    for (const name of [
      'work_mem=-1 is below min_val 64 (kB)',
      'archive_command',
      'jit=maybe is not a boolean',
      'shared_preload_libraries',
    ]) {
      expect(msg).toContain(name);
    }
    expect(formatPlan(err)).toContain('apply refused (config_apply_error)');
  });

  it('rolls back when the restart script fails (exit 1)', async () => {
    const before = autoConf();
    const restart = counted(
      createLocalRestart({ restartScriptPath: script('fail.sh', 'echo "cannot restart" >&2\nexit 1') }),
    );
    const pidBefore = cluster.postmasterPid();
    const err = await applyProposal(db, proposal({ shared_buffers: 24576 }, 'restart'), {
      allowRestart: true,
      restart: restart.fn,
      readyTimeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    const msg = (err as Error).message;
    expect(msg).toContain('apply: restart: restart script');
    expect(msg).toContain('failed (exit code 1): cannot restart');
    expect(msg).toContain('rolled back to the previous settings');
    expect(cluster.isRunning()).toBe(true);
    expect(cluster.postmasterPid()).toBe(pidBefore);
    expect(await setting('shared_buffers')).toEqual({ setting: '16384', pending_restart: false });
    expect(autoConf().equals(before)).toBe(true);
  });

  it('rolls back when PostgreSQL does not come back in time after a restart', async () => {
    // First call: stops the server and claims success. Later calls (rollback): a real restart,
    // which per the RestartFn contract also starts a stopped server.
    const marker = path.join(scripts, 'stopped-once');
    const body = `if [ ! -e "${marker}" ]; then touch "${marker}"; ${pgCtl('stop')}; exit 0; fi\n${pgCtl('restart')}`;
    const restart = counted(createLocalRestart({ restartScriptPath: script('stop-once.sh', body) }));
    const err = await applyProposal(db, proposal({ shared_buffers: 20480, work_mem: 12345 }, 'restart'), {
      allowRestart: true,
      restart: restart.fn,
      readyTimeoutMs: 3_000,
      pollIntervalMs: 250,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    const msg = (err as Error).message;
    expect(msg).toContain('apply: restart: PostgreSQL did not accept connections within 3000 ms');
    expect(msg).toContain('rolled back to the previous settings');
    // Up again (1), previous values restored with ALTER SYSTEM, restarted again (2) to make them live.
    expect(restart.calls()).toBe(3);
    expect(cluster.isRunning()).toBe(true);
    expect(await setting('shared_buffers')).toEqual({ setting: '16384', pending_restart: false });
    expect((await setting('work_mem')).setting).toBe('4096');
    expect(
      await cluster.sql("SELECT count(*)::int AS n FROM pg_file_settings WHERE sourcefile LIKE '%auto.conf'"),
    ).toEqual([{ n: 0 }]);
  });

  it('restores postgresql.auto.conf from disk when the new values keep the server from starting', async () => {
    const before = autoConf();
    const restart = counted(
      createLocalRestart({ restartScriptPath: script('restart2.sh', pgCtl('restart')) }),
    );
    // wal_level=minimal with max_wal_senders > 0: PostgreSQL refuses to start.
    const err = await applyProposal(db, proposal({ wal_level: 'minimal' }, 'restart'), {
      allowRestart: true,
      allowlistAdd: ['wal_level'],
      restart: restart.fn,
      readyTimeoutMs: 20_000,
      autoConfFile: localAutoConfFile(cluster.dataDir),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toContain('apply: restart: restart script');
    expect((err as Error).message).toContain('rolled back to the previous settings');
    expect(restart.calls()).toBe(2);
    expect(cluster.isRunning()).toBe(true);
    expect(await setting('wal_level')).toEqual({ setting: 'replica', pending_restart: false });
    expect(autoConf().equals(before)).toBe(true);
  });

  it('without file access, reports a server it cannot bring back and what to restore by hand', async () => {
    const restart = counted(
      createLocalRestart({ restartScriptPath: script('restart3.sh', pgCtl('restart')) }),
    );
    const err = await applyProposal(db, proposal({ wal_level: 'minimal' }, 'restart'), {
      allowRestart: true,
      allowlistAdd: ['wal_level'],
      restart: restart.fn,
      readyTimeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^apply: rollback: /);
    expect(msg).toContain('PostgreSQL is down');
    expect(msg).toContain('remove wal_level');
    expect(restart.calls()).toBe(2);
    expect(cluster.isRunning()).toBe(false); // afterEach restores the file and starts it
  });

  it('every default allowlist knob this server has passes validation at its current value', async () => {
    const rows = await cluster.sql(
      `SELECT name, setting FROM pg_settings WHERE name = ANY('{${[...DEFAULT_ALLOWLIST].join(',')}}'::text[])`,
    );
    expect(rows.length).toBeGreaterThan(40);
    const current = Object.fromEntries(rows.map((r) => [r.name as string, r.setting]));
    const plan = await planProposal(db, proposal(current), {
      allowRestart: true,
      restart: () => Promise.resolve(),
    });
    expect(plan.changes).toEqual([]);
    expect(plan.unchanged.sort()).toEqual(Object.keys(current).sort());
  });

  it('dry run validates and formats the plan without changing anything', async () => {
    const before = autoConf();
    const opts = { allowRestart: true, restart: () => Promise.reject(new Error('no')), dryRun: true };
    const p = proposal({ shared_buffers: 32768, work_mem: '64MB', random_page_cost: 4 }, 'restart');
    const result = await applyProposal(db, p, opts);
    expect(result.action).toBe('dry-run');
    expect(result.plan.restartRequired).toBe(true);
    expect(result.plan.unchanged).toEqual(['random_page_cost']);
    const text = formatPlan(result.plan);
    expect(text).toMatch(/shared_buffers\s+16384 8kB \(128MB\)\s+→\s+32768 8kB \(256MB\)\s+restart/);
    expect(text).toMatch(/work_mem\s+4096 kB \(4MB\)\s+→\s+65536 kB \(64MB\)\s+reload/);
    expect(text).toMatch(/random_page_cost\s+\(already at target\)\s+unchanged/);
    expect(autoConf().equals(before)).toBe(true);
    const plan = await planProposal(db, p, opts);
    expect(plan.changes.map((c) => c.name)).toEqual(['shared_buffers', 'work_mem']);
    expect(autoConf().equals(before)).toBe(true);
  });
});
