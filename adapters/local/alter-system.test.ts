/**
 * The engine with the ALTER SYSTEM backend against an in-memory PostgreSQL stand-in: validation refusals that need catalog
 * states a real test cluster rarely has, and rollback after read-back, SQL and abort failures.
 */
import { describe, expect, it } from 'vitest';
import { ConfigApplyError, RestartNotAllowedError } from '../../src/errors.js';
import type { Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import { formatPlan, type ApplyResult, type SettingRow } from '../../src/apply/index.js';
import { alterSystemEngine, type AlterSystemEngineOptions } from './alter-system.js';

type Opts = AlterSystemEngineOptions & { dryRun?: boolean; signal?: AbortSignal };
const applyProposal = (db: Db, p: Proposal, opts: Opts = {}): Promise<ApplyResult> =>
  alterSystemEngine(db, opts).apply(p, { dryRun: opts.dryRun, signal: opts.signal });

interface Knob {
  base: string;
  live: string;
  row: Omit<SettingRow, 'name' | 'setting' | 'pending_restart'>;
}

const intRow = (context: string, unit: string | null, min: string, max: string) => ({
  unit,
  vartype: 'integer',
  context,
  source: 'default',
  min_val: min,
  max_val: max,
  enumvals: null,
});

class FakePg {
  knobs = new Map<string, Knob>([
    ['work_mem', { base: '4096', live: '4096', row: intRow('user', 'kB', '64', '2147483647') }],
    ['max_wal_size', { base: '1024', live: '1024', row: intRow('sighup', 'MB', '2', '2147483647') }],
    [
      'shared_buffers',
      { base: '16384', live: '16384', row: intRow('postmaster', '8kB', '16', '1073741823') },
    ],
    [
      'huge_pages',
      {
        base: 'try',
        live: 'try',
        row: {
          ...intRow('postmaster', null, '', ''),
          vartype: 'enum',
          min_val: null,
          max_val: null,
          enumvals: ['off', 'on', 'try'],
        },
      },
    ],
    ['wal_block_size', { base: '8192', live: '8192', row: intRow('internal', null, '8192', '8192') }],
  ]);
  autoConf = new Map<string, string>();
  statements: string[] = [];
  fileErrors: string[] = [];
  fileSettingsDenied = false;
  /** pg_settings.sourcefile hidden (a role outside pg_read_all_settings). */
  sourcefileHidden = false;
  /** Knobs whose new value never takes effect (read-back mismatch). */
  sticky = new Set<string>();
  failOn: RegExp | undefined;
  onStatement: ((sql: string) => void) | undefined;

  private pending(name: string, k: Knob): boolean {
    return k.row.context === 'postmaster' && (this.autoConf.get(name) ?? k.base) !== k.live;
  }

  private rows(names?: string[]): SettingRow[] {
    return [...this.knobs]
      .filter(([n]) => !names || names.includes(n))
      .map(([name, k]) => ({ name, setting: k.live, pending_restart: this.pending(name, k), ...k.row }));
  }

  restart(): void {
    for (const [name, k] of this.knobs) k.live = this.autoConf.get(name) ?? k.base;
  }

  db(): Db {
    const query = (sql: string, values?: readonly unknown[]) => {
      this.statements.push(sql);
      this.onStatement?.(sql);
      if (this.failOn?.test(sql)) return Promise.reject(new Error('simulated SQL failure'));
      let rows: unknown[] = [];
      const set = /^ALTER SYSTEM SET "(\w+)" = '(.*)'$/.exec(sql);
      const reset = /^ALTER SYSTEM RESET "(\w+)"$/.exec(sql);
      if (sql.includes('rolsuper')) {
        rows = [
          {
            role: 'postgres',
            superuser: true,
            major: 17,
            reload: true,
            fileSettings: true,
            readAllSettings: true,
          },
        ];
      } else if (set?.[1] && set[2] !== undefined) this.autoConf.set(set[1], set[2]);
      else if (reset?.[1]) this.autoConf.delete(reset[1]);
      else if (sql.includes('pg_reload_conf')) {
        for (const [name, k] of this.knobs) {
          if (k.row.context !== 'postmaster' && !this.sticky.has(name))
            k.live = this.autoConf.get(name) ?? k.base;
        }
      } else if (sql.includes('FROM pg_file_settings')) {
        if (this.fileSettingsDenied)
          return Promise.reject(Object.assign(new Error('permission denied'), { code: '42501' }));
        rows = [
          ...[...this.autoConf].map(([name, setting]) => ({
            sourcefile: '/data/postgresql.auto.conf',
            sourceline: 3,
            name,
            setting,
            error: null,
          })),
          ...this.fileErrors.map((error) => ({
            sourcefile: '/data/postgresql.conf',
            sourceline: 7,
            name: null,
            setting: null,
            error,
          })),
        ];
      } else if (sql.includes('WHERE pending_restart')) {
        rows = this.rows()
          .filter((r) => r.pending_restart)
          .map((r) => ({ name: r.name }));
      } else if (sql.includes('pg_has_role')) {
        rows = this.rows(values?.[0] as string[]).map((r) => ({
          ...r,
          visible: !this.sourcefileHidden,
          sourcefile: this.autoConf.has(r.name) ? '/data/postgresql.auto.conf' : null,
        }));
      } else if (sql.includes('FROM pg_settings')) {
        rows = this.rows(values?.[0] as string[]);
      }
      return Promise.resolve({ rows } as never);
    };
    const db: Db = {
      query: query,
      withClient: (fn) => fn(db),
      ping: () => Promise.resolve(),
      totalCount: 1,
      end: () => Promise.resolve(),
    };
    return db;
  }
}

const proposal = (settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal => ({
  config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
  knobs_overrides: Object.keys(settings),
  knob_application,
});
const fast = { verifyTimeoutMs: 300, pollIntervalMs: 50, readyTimeoutMs: 500 };
const fail = (p: Promise<unknown>) =>
  p.then(
    () => Promise.reject(new Error('expected a failure')),
    (e: unknown) => e as Error,
  );

describe('apply pipeline (in-memory catalog)', () => {
  it('applies a reload batch with quoted ALTER SYSTEM and one reload', async () => {
    const pg = new FakePg();
    const result = await applyProposal(pg.db(), proposal({ work_mem: '8MB', max_wal_size: 2048 }), fast);
    expect(result.action).toBe('reload');
    expect(pg.statements.filter((s) => !s.startsWith('SELECT'))).toEqual([
      `ALTER SYSTEM SET "work_mem" = '8192'`,
      `ALTER SYSTEM SET "max_wal_size" = '2048'`,
    ]);
    expect(pg.statements.filter((s) => s === 'SELECT pg_reload_conf()')).toHaveLength(1);
  });

  it('a knob already at its target (after unit conversion) is unchanged: no statement at all', async () => {
    const pg = new FakePg();
    const result = await applyProposal(pg.db(), proposal({ work_mem: '4MB', shared_buffers: '128MB' }), fast);
    expect(result).toMatchObject({
      action: 'none',
      plan: { unchanged: ['work_mem', 'shared_buffers'], restartRequired: false },
    });
    expect(pg.statements.some((s) => s.startsWith('ALTER') || s === 'SELECT pg_reload_conf()')).toBe(false);
  });

  it('rolls back when a value does not show up in pg_settings', async () => {
    const pg = new FakePg();
    pg.autoConf.set('max_wal_size', '1024');
    pg.sticky.add('work_mem');
    const err = await fail(applyProposal(pg.db(), proposal({ work_mem: 8192, max_wal_size: 4096 }), fast));
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect(err.message).toMatch(
      /^apply: verify: read-back after 300 ms: work_mem is 4096 \(expected 8192\); rolled back to the previous settings$/,
    );
    expect([...pg.autoConf]).toEqual([['max_wal_size', '1024']]);
    expect(pg.statements).toContain(`ALTER SYSTEM RESET "work_mem"`);
    expect(pg.statements).toContain(`ALTER SYSTEM SET "max_wal_size" = '1024'`);
    expect(pg.knobs.get('max_wal_size')?.live).toBe('1024');
  });

  it('rolls back every attempted knob when ALTER SYSTEM fails midway', async () => {
    const pg = new FakePg();
    pg.failOn = /^ALTER SYSTEM SET "max_wal_size"/;
    const err = await fail(applyProposal(pg.db(), proposal({ work_mem: 8192, max_wal_size: 4096 }), fast));
    expect(err.message).toBe(
      'apply: alter system: simulated SQL failure; rolled back to the previous settings',
    );
    expect(pg.autoConf.size).toBe(0);
    expect(pg.statements).toContain(`ALTER SYSTEM RESET "max_wal_size"`);
    expect(pg.knobs.get('work_mem')?.live).toBe('4096');
  });

  it('reports a rollback that cannot complete', async () => {
    const pg = new FakePg();
    pg.sticky.add('work_mem');
    pg.failOn = /^ALTER SYSTEM RESET/;
    const err = await fail(applyProposal(pg.db(), proposal({ work_mem: 8192 }), fast));
    expect(err.message).toMatch(/^apply: rollback: simulated SQL failure \(after: apply: verify: read-back/);
  });

  it('a shutdown during ALTER SYSTEM rolls back; before any change it changes nothing', async () => {
    const pg = new FakePg();
    const ac = new AbortController();
    pg.onStatement = (sql) => {
      if (sql.startsWith('ALTER SYSTEM SET "work_mem"')) ac.abort();
    };
    const err = await fail(
      applyProposal(pg.db(), proposal({ work_mem: 8192, max_wal_size: 4096 }), {
        ...fast,
        signal: ac.signal,
      }),
    );
    expect(err.message).toContain('apply: aborted (shutdown) during ALTER SYSTEM; rolled back');
    expect(pg.autoConf.size).toBe(0);
    expect(pg.statements.some((s) => s.includes('"max_wal_size" ='))).toBe(false);

    const pg2 = new FakePg();
    const err2 = await fail(
      applyProposal(pg2.db(), proposal({ work_mem: 8192 }), { ...fast, signal: AbortSignal.abort() }),
    );
    expect(err2.message).toMatch(/aborted/);
    expect(pg2.statements.some((s) => s.startsWith('ALTER'))).toBe(false);
  });

  it('restart intent with reload-only knobs reloads and never restarts (the intent is a hint)', async () => {
    const pg = new FakePg();
    let calls = 0;
    const restart = () => {
      calls++;
      return Promise.resolve();
    };
    const result = await applyProposal(pg.db(), proposal({ work_mem: 8192 }, 'restart'), {
      ...fast,
      allowRestart: true,
      restart,
    });
    expect(result.action).toBe('reload');
    expect(calls).toBe(0);
  });

  it('restart: one call, then verified', async () => {
    const pg = new FakePg();
    let calls = 0;
    const restart = () => {
      calls++;
      pg.restart();
      return Promise.resolve();
    };
    const result = await applyProposal(pg.db(), proposal({ shared_buffers: '256MB' }, 'restart'), {
      ...fast,
      allowRestart: true,
      restart,
    });
    expect(result.action).toBe('restart');
    expect(calls).toBe(1);
    expect(pg.knobs.get('shared_buffers')?.live).toBe('32768');
    expect(pg.statements.some((s) => s === 'SELECT pg_reload_conf()')).toBe(false);
  });

  describe('validation refusals', () => {
    const refuse = async (setup: (pg: FakePg) => void, p: Proposal, opts = {}) => {
      const pg = new FakePg();
      setup(pg);
      const err = await fail(applyProposal(pg.db(), p, { ...fast, ...opts }));
      expect(pg.statements.some((s) => s.startsWith('ALTER') || s === 'SELECT pg_reload_conf()')).toBe(false);
      return err;
    };

    it('a value set on the command line', async () => {
      const err = await refuse(
        (pg) => (pg.knobs.get('work_mem')!.row.source = 'command line'),
        proposal({ work_mem: 8192 }),
      );
      expect(err.message).toBe(
        'apply: validate: work_mem is set by source "command line", which overrides the server configuration',
      );
    });
    it('a knob already pending a restart', async () => {
      const err = await refuse(
        (pg) => pg.autoConf.set('shared_buffers', '20000'),
        proposal({ shared_buffers: 32768 }),
        { allowRestart: true, restart: () => Promise.resolve() },
      );
      expect(err.message).toContain('shared_buffers already has a change pending a restart');
    });
    it('internal context', async () => {
      const err = await refuse(() => undefined, proposal({ wal_block_size: 8192 }), {
        allowlistAdd: ['wal_block_size'],
      });
      expect(err.message).toContain('wal_block_size has context internal');
    });
    it('huge_pages=on', async () => {
      const err = await refuse(() => undefined, proposal({ huge_pages: 'on' }), {
        allowRestart: true,
        restart: () => Promise.resolve(),
      });
      expect(err.message).toContain('huge_pages=on is refused');
    });
    it('configuration files with errors', async () => {
      const err = await refuse((pg) => pg.fileErrors.push('syntax error'), proposal({ work_mem: 8192 }));
      expect(err.message).toContain(
        'configuration files have errors, refusing to reload or restart (/data/postgresql.conf:7: syntax error)',
      );
    });
    it('pg_file_settings not readable: a restart plan, which needs it, names the grant', async () => {
      const err = await refuse((pg) => (pg.fileSettingsDenied = true), proposal({ shared_buffers: 32768 }), {
        allowRestart: true,
        restart: () => Promise.resolve(),
      });
      expect(err.message).toMatch(/^apply: validate: a restart plan needs pg_file_settings/);
      expect(err.message).toContain('GRANT SELECT ON pg_catalog.pg_file_settings');
    });
    it('neither pg_file_settings nor pg_settings.sourcefile readable names the grant', async () => {
      const err = await refuse(
        (pg) => {
          pg.fileSettingsDenied = true;
          pg.sourcefileHidden = true;
        },
        proposal({ work_mem: 8192 }),
      );
      expect(err.message).toMatch(/^apply: validate: cannot read the previous postgresql.auto.conf state/);
      expect(err.message).toContain('GRANT pg_monitor');
    });
    it('restart not allowed', async () => {
      const err = await refuse(() => undefined, proposal({ shared_buffers: 32768, work_mem: 8192 }), {
        restart: () => Promise.resolve(),
      });
      expect(err).toBeInstanceOf(RestartNotAllowedError);
      expect(err.message).toBe(
        'apply: validate: restart is not allowed (allow_restart is false), but 1 parameter(s) require restart: [shared_buffers]',
      );
      expect(formatPlan(err)).toContain('apply refused (restart_not_allowed)');
    });
    it('reload intent with a restart knob', async () => {
      const err = await refuse(() => undefined, proposal({ shared_buffers: 32768 }, 'reload'), {
        allowRestart: true,
        restart: () => Promise.resolve(),
      });
      expect(err).not.toBeInstanceOf(RestartNotAllowedError);
      expect(err).toBeInstanceOf(ConfigApplyError);
      expect(err.message).toContain(
        'knob_application=reload but 1 parameter(s) require restart: [shared_buffers]',
      );
    });
    it('no restart method', async () => {
      const err = await refuse(() => undefined, proposal({ shared_buffers: 32768 }), { allowRestart: true });
      expect(err.message).toContain('no restart method is configured');
    });
    it('other changes pending a restart', async () => {
      const err = await refuse(
        (pg) => pg.autoConf.set('huge_pages', 'off'),
        proposal({ shared_buffers: 32768 }),
        { allowRestart: true, restart: () => Promise.resolve() },
      );
      expect(err.message).toContain(
        'a restart would also apply changes pending outside this proposal: [huge_pages]',
      );
    });
  });
});

describe('formatPlan', () => {
  it('renders an empty plan and a generic error', () => {
    expect(formatPlan({ changes: [], unchanged: [], restartRequired: false, intent: undefined })).toBe(
      'apply plan: none — 0 change(s), 0 unchanged (platform intent: reload (omitted))\n  (no knobs proposed)',
    );
    expect(formatPlan(new Error('boom'))).toBe('apply refused (config_apply_error):\n  boom');
  });
  it('lists every problem of a refused batch', async () => {
    const pg = new FakePg();
    const err = await fail(applyProposal(pg.db(), proposal({ work_mem: -1, archive_command: 'x' })));
    expect(formatPlan(err)).toBe(
      [
        'apply refused (config_apply_error):',
        '  - work_mem=-1 is below min_val 64 (kB)',
        '  - archive_command is denylisted: runs a shell command (cannot be allowed)',
      ].join('\n'),
    );
  });
});
