/**
 * Execute a validated plan: ALTER SYSTEM on one dedicated session, then pg_reload_conf() or the
 * injected restart, then wait for readiness and read the values back. Any failure rolls back.
 *
 * ALTER SYSTEM writes postgresql.auto.conf and cannot run inside a transaction block; it only takes
 * effect at the next reload (sighup/user contexts) or restart (postmaster context):
 * https://www.postgresql.org/docs/current/sql-altersystem.html
 */
import { ConfigApplyError, errorMessage } from '../errors.js';
import type { Db } from '../pg/pool.js';
import { restartAndWait, stepMessage, type ExecuteContext } from './context.js';
import { rollback } from './rollback.js';
import { alterSystemSet } from './sql.js';
import type { ApplyPlan, PlannedChange } from './types.js';
import { readBack } from './wait.js';

function abortedError(what: string): Error {
  return new Error(`apply: aborted (shutdown) ${what}`);
}

/** Apply `plan` (which has changes). Returns the action taken; throws ConfigApplyError after rollback. */
export async function executePlan(
  db: Db,
  plan: ApplyPlan,
  ctx: ExecuteContext,
): Promise<'reload' | 'restart'> {
  // The exact previous file, kept for the one case SQL cannot repair: a server that is down.
  let autoConfText: string | undefined;
  if (plan.restartRequired && ctx.autoConfFile) {
    try {
      autoConfText = await ctx.autoConfFile.read();
    } catch (err) {
      ctx.log.warn(
        { err: errorMessage(err), file: ctx.autoConfFile.location },
        'cannot read postgresql.auto.conf; file-level rollback unavailable',
      );
    }
  }
  // Knobs for which ALTER SYSTEM was sent (even if its reply was lost): rollback restores them all.
  const attempted: PlannedChange[] = [];
  let step = 'alter system';
  try {
    await db.withClient(async (session) => {
      for (const change of plan.changes) {
        if (ctx.signal?.aborted) throw abortedError('during ALTER SYSTEM');
        attempted.push(change);
        await session.query(alterSystemSet(change.name, change.proposed));
      }
      if (ctx.signal?.aborted) throw abortedError('before reload');
      step = 'reload';
      if (!plan.restartRequired) await session.query('SELECT pg_reload_conf()');
    });
    if (plan.restartRequired) {
      ctx.log.info(
        { knobs: plan.changes.map((c) => c.name) },
        'restarting PostgreSQL to apply configuration',
      );
      step = 'restart';
      await restartAndWait(db, ctx, 'restart');
    }
    step = 'verify';
    await readBack(
      db,
      plan.changes.map((c) => ({ name: c.name, vartype: c.vartype, value: c.proposed })),
      { timeoutMs: ctx.verifyTimeoutMs, intervalMs: ctx.pollIntervalMs, step: 'verify' },
    );
    return plan.restartRequired ? 'restart' : 'reload';
  } catch (err) {
    if (attempted.length === 0) {
      throw new ConfigApplyError(`${stepMessage(step, err)} (nothing was changed)`, { cause: err });
    }
    throw await rollback(db, attempted, ctx, stepMessage(step, err), err, autoConfText);
  }
}
