/**
 * The ALTER SYSTEM settings backend (local and Docker): values go to postgresql.auto.conf with
 * quoted `ALTER SYSTEM` statements on one dedicated session, go live with `pg_reload_conf()` or the
 * adapter's restart, and are restored from the state read before the apply — byte for byte from a
 * copy of the file when the server is down. ALTER SYSTEM cannot run in a transaction block and only
 * takes effect at the next reload or restart:
 * https://www.postgresql.org/docs/current/sql-altersystem.html
 */
import {
  alterSystemSet,
  createApplyEngine,
  forbiddenCharacter,
  type Activation,
  type ApplyEngine,
  type ApplyPlan,
  type EngineTiming,
  type PlannedChange,
  type RestoreContext,
  type SettingsBackend,
} from '../../src/apply/index.js';
import { ConfigApplyError, errorMessage } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';
import { restoreAutoConf } from './alter-system-restore.js';
import type { AutoConfFile, RestartFn } from './alter-system-types.js';
import { AutoConfStateReader } from './auto-conf-state.js';
import { privilegeGaps } from './privileges.js';

export interface AlterSystemOptions {
  db: Db;
  log: Logger;
  /** Required for plans that need a restart. */
  restart?: RestartFn;
  /** Upper bound for one restart call (the engine's readiness timeout). */
  restartTimeoutMs: number;
  /** File-level restore of postgresql.auto.conf when PostgreSQL is down (local adapter only). */
  autoConfFile?: AutoConfFile;
}

/** What restore needs: the auto.conf value per knob (null: not set), and the file's bytes for a restart. */
export interface AlterSystemSnapshot {
  previous: Map<string, string | null>;
  /** Every auto.conf entry in file order (null when pg_file_settings is not readable). */
  entries: [string, string][] | null;
  fileText: string | undefined;
}

export function alterSystemBackend(opts: AlterSystemOptions): SettingsBackend<AlterSystemSnapshot> {
  const { db, log } = opts;
  const state = new AutoConfStateReader(db, log);

  async function runRestart(step: string, signal: AbortSignal): Promise<void> {
    if (!opts.restart) throw new Error(`apply: ${step}: no restart method is configured`);
    try {
      await opts.restart(AbortSignal.any([signal, AbortSignal.timeout(opts.restartTimeoutMs)]));
    } catch (err) {
      throw new Error(
        errorMessage(err).startsWith('apply: ') ? errorMessage(err) : `apply: ${step}: ${errorMessage(err)}`,
        {
          cause: err,
        },
      );
    }
  }

  return {
    id: 'alter-system',
    canRestart: opts.restart !== undefined,

    async check(plan: ApplyPlan): Promise<readonly string[]> {
      const names = plan.changes.map((c) => c.name);
      const gaps = await privilegeGaps(db, names);
      const knobGaps = gaps.filter((g) => g.what.startsWith('ALTER SYSTEM SET '));
      const problems = knobGaps.map(
        (g) => `${g.what.slice('ALTER SYSTEM SET '.length)}: permission denied (${g.grant})`,
      );
      const reload = gaps.find((g) => g.what === 'pg_reload_conf()');
      if (reload) problems.push(`pg_reload_conf(): permission denied (${reload.grant})`);
      if (problems.length) return problems;
      const current = await state.read(names);
      for (const [name, value] of current.values) {
        if (forbiddenCharacter(value))
          problems.push(
            `${name}: the current postgresql.auto.conf value could not be restored safely on rollback`,
          );
      }
      if (problems.length) return problems;
      // A reload or restart re-reads every configuration file: an error anywhere would keep the new
      // values from applying (reload) or the server from starting (restart). PostgreSQL notes
      // "setting could not be applied" on postmaster lines that wait for a restart; that is a
      // pending value, not a broken file (auto-conf-state.ts filters it).
      if (current.fileErrors?.length) {
        throw new ConfigApplyError(
          `apply: validate: configuration files have errors, refusing to reload or restart (${current.fileErrors.join('; ')})`,
        );
      }
      if (current.fileErrors === null && plan.restartRequired) {
        throw new ConfigApplyError(
          'apply: validate: a restart plan needs pg_file_settings (configuration-file errors would keep the server from starting, and they cannot be seen without it); fix: GRANT SELECT ON pg_catalog.pg_file_settings and EXECUTE ON FUNCTION pg_catalog.pg_show_all_file_settings() to the agent role',
        );
      }
      return [];
    },

    async snapshot(changes: readonly PlannedChange[], signal: AbortSignal): Promise<AlterSystemSnapshot> {
      const current = await state.read(changes.map((c) => c.name));
      const previous = new Map(changes.map((c) => [c.name, current.values.get(c.name) ?? null]));
      let fileText: string | undefined;
      const needsFile = changes.some((c) => c.context === 'postmaster');
      if (needsFile && opts.autoConfFile && !signal.aborted) {
        try {
          fileText = await opts.autoConfFile.read();
        } catch (err) {
          log.warn(
            { err: errorMessage(err), file: opts.autoConfFile.location },
            'cannot read postgresql.auto.conf; file-level rollback unavailable',
          );
        }
      }
      return { previous, entries: current.entries, fileText };
    },

    async write(changes: readonly PlannedChange[], signal: AbortSignal): Promise<void> {
      await db.withClient(async (session) => {
        for (const change of changes) {
          if (signal.aborted) throw new Error('apply: aborted (shutdown) during ALTER SYSTEM');
          try {
            await session.query(alterSystemSet(change.name, change.proposed));
          } catch (err) {
            throw new Error(`apply: alter system: ${errorMessage(err)}`, { cause: err });
          }
        }
      });
    },

    async activate(mode: Activation, _changes: readonly PlannedChange[], signal: AbortSignal): Promise<void> {
      if (mode === 'reload') await db.query('SELECT pg_reload_conf()');
      else await runRestart('restart', signal);
    },

    restore(
      snapshot: AlterSystemSnapshot,
      attempted: readonly PlannedChange[],
      ctx: RestoreContext,
    ): Promise<void> {
      return restoreAutoConf(
        { db, state, autoConfFile: opts.autoConfFile, canRestart: opts.restart !== undefined, runRestart },
        snapshot,
        attempted,
        ctx,
      );
    },

    privileges: (knobs) => privilegeGaps(db, knobs),
  };
}

/**
 * Options for an ALTER SYSTEM engine built outside an adapter (tests, benchmarks): the policy and
 * timing the engine honours, plus the backend's restart and file access.
 */
export interface AlterSystemEngineOptions extends Partial<EngineTiming> {
  allowRestart?: boolean;
  allowlistAdd?: readonly string[];
  allowlistRemove?: readonly string[];
  restart?: RestartFn;
  connectionUrl?: string;
  autoConfFile?: AutoConfFile;
  log?: Logger;
}

export function alterSystemEngine(db: Db, opts: AlterSystemEngineOptions = {}): ApplyEngine {
  const log = opts.log ?? silentLogger();
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  return createApplyEngine({
    db,
    log,
    backend: alterSystemBackend({
      db,
      log,
      restart: opts.restart,
      restartTimeoutMs: readyTimeoutMs,
      autoConfFile: opts.autoConfFile,
    }),
    config: {
      postgresql: {
        allow_restart: opts.allowRestart === true,
        connection_url: opts.connectionUrl,
        restart_timeout_seconds: readyTimeoutMs / 1000,
      },
      tuning: { allowlist_add: opts.allowlistAdd ?? [], allowlist_remove: opts.allowlistRemove ?? [] },
    },
    timing: {
      readyTimeoutMs,
      verifyTimeoutMs: opts.verifyTimeoutMs,
      pollIntervalMs: opts.pollIntervalMs,
      activateTimeoutMs: opts.activateTimeoutMs,
    },
  });
}
