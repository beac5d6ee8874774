/**
 * Least privilege: the role that `dbtune-agent check --print-role-sql` prints (no superuser:
 * pg_monitor, GRANT ALTER SYSTEM ON PARAMETER for the allowlist, pg_reload_conf, pg_file_settings)
 * applies a reload batch and a restart batch and rolls a failed restart back, byte for byte; and
 * `check` with one grant missing exits 1 and prints the GRANT that closes the gap.
 * PostgreSQL 15 is the first version with parameter privileges; 17 is the default major.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alterSystemEngine } from '../../adapters/local/alter-system.js';
import { ConfigApplyError } from '../../src/errors.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import { CLI } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const ROLE = 'dbtune_agent';

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

function cli(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.each([15, 17])('least-privilege role on PostgreSQL %i', (major) => {
  let cluster: PgCluster;
  let db: Db;
  const roleUrl = () => cluster.url.replace('postgres://postgres@', `postgres://${ROLE}@`);
  const autoConf = () => readFileSync(path.join(cluster.dataDir, 'postgresql.auto.conf'));
  const setting = async (name: string) =>
    String((await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`))[0]?.setting);

  beforeAll(async () => {
    cluster = await startPostgres({ major });
    const printed = cli(['check', '--print-role-sql', '--local'], {
      DBT_DBTUNE_SERVER_URL: 'embedded',
      DBT_POSTGRESQL_CONNECTION_URL: cluster.url,
    });
    expect(printed.err).toBe('');
    expect(printed.code).toBe(0);
    expect(printed.out).toContain(`GRANT ALTER SYSTEM ON PARAMETER work_mem TO ${ROLE};`);
    expect(printed.out).not.toMatch(/^(?!--).*\bSUPERUSER\b/im);
    await cluster.sql(printed.out);
    db = createDb({ connectionUrl: roleUrl() });
  });

  afterAll(async () => {
    await db?.end();
    await cluster?.destroy();
  });

  it('the printed role is not a superuser and may not read superuser-only files', async () => {
    const { rows } = await db.query<{ su: boolean }>(
      'SELECT rolsuper AS su FROM pg_roles WHERE rolname = current_user',
    );
    expect(rows[0]?.su).toBe(false);
    await expect(db.query("SELECT pg_read_file('postgresql.auto.conf')")).rejects.toThrow(
      /permission denied/,
    );
  });

  it('applies a reload batch and a restart batch, then rolls a failed restart back byte for byte', async () => {
    const restart = () => cluster.restart();
    const engine = alterSystemEngine(db, { allowRestart: true, restart, connectionUrl: roleUrl() });

    const reload = await engine.apply(proposal({ work_mem: 16384, random_page_cost: 1.5 }, 'reload'));
    expect(reload.action).toBe('reload');
    expect(await setting('work_mem')).toBe('16384');
    expect(await setting('random_page_cost')).toBe('1.5');

    const restarted = await engine.apply(proposal({ shared_buffers: '256MB' }, 'restart'));
    expect(restarted.action).toBe('restart');
    expect(await setting('shared_buffers')).toBe('32768');

    const before = autoConf();
    let calls = 0;
    const failing = alterSystemEngine(db, {
      allowRestart: true,
      connectionUrl: roleUrl(),
      restart: async () => {
        calls++;
        if (calls === 1) throw new Error('restart refused by site policy');
        await cluster.restart();
      },
    });
    const err = await failing
      .apply(proposal({ shared_buffers: '192MB', work_mem: 8192 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toContain('restart refused by site policy');
    expect((err as Error).message).toContain('rolled back to the previous settings');
    expect(autoConf().toString('latin1')).toBe(before.toString('latin1'));
    expect(await setting('shared_buffers')).toBe('32768');
    expect(await setting('work_mem')).toBe('16384');
  });

  it('check with one grant missing exits 1 and prints the GRANT that fixes it', async () => {
    const env = { DBT_DBTUNE_SERVER_URL: 'embedded', DBT_POSTGRESQL_CONNECTION_URL: roleUrl() };
    const ok = cli(['check', '--local'], env);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('the role may apply and roll back every allowlisted knob');

    await cluster.sql(`REVOKE ALTER SYSTEM ON PARAMETER work_mem FROM ${ROLE}`);
    try {
      const r = cli(['check', '--local'], env);
      expect(r.code).toBe(1);
      expect(r.err).toContain('ALTER SYSTEM SET work_mem');
      expect(r.err).toContain(`fix: GRANT ALTER SYSTEM ON PARAMETER work_mem TO ${ROLE};`);
      // A proposal with that knob is refused whole before anything is written.
      const before = autoConf();
      const refused = await alterSystemEngine(db)
        .apply(proposal({ work_mem: 32768, random_page_cost: 1.2 }))
        .catch((e: unknown) => e);
      expect((refused as Error).message).toContain(
        `work_mem: permission denied (GRANT ALTER SYSTEM ON PARAMETER work_mem TO ${ROLE};)`,
      );
      expect(autoConf().equals(before)).toBe(true);
    } finally {
      await cluster.sql(`GRANT ALTER SYSTEM ON PARAMETER work_mem TO ${ROLE}`);
    }
  });
});
