/**
 * Rollback: put postgresql.auto.conf back as it was for every knob the failed apply touched, make
 * the previous values live again (reload, or restart for postmaster-context knobs that went live),
 * verify, and report the original failure as a ConfigApplyError.
 *
 * The server-down case. ALTER SYSTEM needs a running server, and the new values may be exactly why
 * it is down (e.g. a shared_buffers the host cannot allocate). So:
 * 1. With file access (`autoConfFile`, local adapter only), the exact previous bytes of
 *    postgresql.auto.conf, read before the apply, are written back first; then the restart function
 *    is called once more and the server starts on its previous settings.
 * 2. Without file access, the restart function is called once more (its contract: it starts a
 *    stopped server). If PostgreSQL comes back (on the new values), the previous values are restored
 *    with ALTER SYSTEM and it is restarted again. If it does not come back, nothing more can be done
 *    from SQL: the error says the server is down and lists the postgresql.auto.conf entries to restore
 *    by hand.
 * Restarts during rollback are bounded (at most two), and the shutdown signal is ignored: a rollback
 * always runs to its end.
 */
import { ConfigApplyError, errorMessage } from '../errors.js';
import type { Db } from '../pg/pool.js';
import { restartAndWait, type ExecuteContext } from './context.js';
import { alterSystemReset, alterSystemSet } from './sql.js';
import type { PlannedChange, SettingRow } from './types.js';
import { readAutoConfState, SETTINGS_SQL } from './validate.js';
import { readBack, waitReady } from './wait.js';
import { sameValue } from './value.js';

/**
 * Roll back `attempted` and return the error to throw (never throws itself). `failure` is the
 * original failure's message, naming its step.
 */
export async function rollback(
  db: Db,
  attempted: readonly PlannedChange[],
  ctx: ExecuteContext,
  failure: string,
  cause: unknown,
  autoConfText: string | undefined,
): Promise<ConfigApplyError> {
  const knobs = attempted.map((c) => c.name);
  ctx.log.warn({ err: failure, knobs }, 'apply failed; rolling back');
  try {
    await restorePrevious(db, attempted, ctx, autoConfText);
    ctx.log.warn({ knobs }, 'rollback complete; previous settings are live');
    return new ConfigApplyError(`${failure}; rolled back to the previous settings`, { cause });
  } catch (err) {
    const message = `apply: rollback: ${errorMessage(err).replace(/^apply: rollback: /, '')} (after: ${failure})`;
    ctx.log.error({ err: message, knobs }, 'rollback failed');
    return new ConfigApplyError(message, { cause });
  }
}

/** What postgresql.auto.conf must hold again, for a human when SQL cannot do it. */
export function manualRestoreHint(attempted: readonly PlannedChange[]): string {
  return attempted
    .map((c) => (c.previousAutoConf === null ? `remove ${c.name}` : `${c.name} = '${c.previousAutoConf}'`))
    .join(', ');
}

async function restorePrevious(
  db: Db,
  attempted: readonly PlannedChange[],
  ctx: ExecuteContext,
  autoConfText: string | undefined,
): Promise<void> {
  let restartsLeft = 2;
  let restoredByFile = false;
  const poll = { connectionUrl: ctx.connectionUrl, intervalMs: ctx.pollIntervalMs };

  if (!(await waitReady(db, { ...poll, timeoutMs: Math.min(ctx.readyTimeoutMs, 2_000) }))) {
    if (autoConfText !== undefined && ctx.autoConfFile) {
      await ctx.autoConfFile.write(autoConfText);
      restoredByFile = true;
      ctx.log.warn(
        { file: ctx.autoConfFile.location },
        'PostgreSQL is down; restored postgresql.auto.conf from the copy taken before the apply',
      );
    }
    restartsLeft--;
    try {
      await restartAndWait(db, ctx, 'rollback');
    } catch (err) {
      const state = restoredByFile
        ? `postgresql.auto.conf was restored from the copy taken before the apply (${ctx.autoConfFile?.location ?? ''})`
        : `postgresql.auto.conf still holds the new values; restore it by hand (${manualRestoreHint(attempted)})`;
      throw new Error(`${errorMessage(err)}; PostgreSQL is down: ${state}, then start PostgreSQL`, {
        cause: err,
      });
    }
  }

  if (!restoredByFile) {
    await db.withClient(async (session) => {
      for (const c of attempted) {
        await session.query(
          c.previousAutoConf === null ? alterSystemReset(c.name) : alterSystemSet(c.name, c.previousAutoConf),
        );
      }
    });
  }
  await checkAutoConf(db, attempted);
  await db.query('SELECT pg_reload_conf()');

  // Postmaster-context knobs change only at a restart, so one look tells whether a new value went live.
  const live = await db.query<Record<string, unknown> & SettingRow>(SETTINGS_SQL, [
    attempted.map((c) => c.name),
  ]);
  const wentLive = attempted.filter((c) => {
    const row = live.rows.find((r) => r.name === c.name);
    return c.context === 'postmaster' && row !== undefined && !sameValue(c.vartype, row.setting, c.current);
  });
  if (wentLive.length) {
    if (restartsLeft <= 0 || !ctx.restart) {
      throw new Error(
        `[${wentLive.map((c) => c.name).join(', ')}] still run with the new values; postgresql.auto.conf is restored, a restart will apply it`,
      );
    }
    ctx.log.warn(
      { knobs: wentLive.map((c) => c.name) },
      'restarting PostgreSQL to bring back the previous values',
    );
    await restartAndWait(db, ctx, 'rollback');
  }
  await readBack(
    db,
    attempted.map((c) => ({ name: c.name, vartype: c.vartype, value: c.current })),
    { timeoutMs: ctx.verifyTimeoutMs, intervalMs: ctx.pollIntervalMs, step: 'rollback' },
  );
}

async function checkAutoConf(db: Db, attempted: readonly PlannedChange[]): Promise<void> {
  const state = await readAutoConfState(
    db,
    attempted.map((c) => c.name),
  );
  const wrong = attempted.filter((c) => (state.get(c.name) ?? null) !== c.previousAutoConf);
  if (wrong.length) {
    const what = wrong.map(
      (c) => `${c.name} is ${state.get(c.name) ?? 'not set'} (expected ${c.previousAutoConf ?? 'not set'})`,
    );
    throw new Error(`postgresql.auto.conf not restored: ${what.join(', ')}`);
  }
}
