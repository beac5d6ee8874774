/**
 * Restore for the ALTER SYSTEM backend: put postgresql.auto.conf back as it was for every knob of
 * the failed apply and make the previous values live again (reload, or restart for
 * postmaster-context knobs that went live). The engine then waits for PostgreSQL and reads every
 * previous value back.
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
 * Restarts during a restore are bounded (at most two); the shutdown signal is not honoured here: a
 * restore always runs to its end, within the engine's deadline.
 */
import type { PlannedChange, RestoreContext } from '../../src/apply/index.js';
import { alterSystemReset, alterSystemSet, readSettingRows, sameValue } from '../../src/apply/index.js';
import { errorMessage } from '../../src/errors.js';
import type { Db } from '../../src/pg/pool.js';
import type { AlterSystemSnapshot } from './alter-system.js';
import type { AutoConfFile } from './alter-system-types.js';
import type { AutoConfStateReader } from './auto-conf-state.js';

export interface RestoreDeps {
  db: Db;
  state: AutoConfStateReader;
  autoConfFile?: AutoConfFile;
  canRestart: boolean;
  runRestart(step: string, signal: AbortSignal): Promise<void>;
}

/** What postgresql.auto.conf must hold again, for a human when SQL cannot do it. */
export function manualRestoreHint(previous: ReadonlyMap<string, string | null>): string {
  return [...previous]
    .map(([name, value]) => (value === null ? `remove ${name}` : `${name} = '${value}'`))
    .join(', ');
}

export async function restoreAutoConf(
  deps: RestoreDeps,
  snapshot: AlterSystemSnapshot,
  attempted: readonly PlannedChange[],
  ctx: RestoreContext,
): Promise<void> {
  const { db } = deps;
  let restartsLeft = 2;
  let restoredByFile = false;
  const restartAndWait = async () => {
    restartsLeft--;
    await deps.runRestart('rollback', ctx.signal);
    await ctx.waitUp('rollback');
  };

  if (!(await ctx.isUp())) {
    if (snapshot.fileText !== undefined && deps.autoConfFile) {
      await deps.autoConfFile.write(snapshot.fileText);
      restoredByFile = true;
      ctx.log.warn(
        { file: deps.autoConfFile.location },
        'PostgreSQL is down; restored postgresql.auto.conf from the copy taken before the apply',
      );
    }
    try {
      await restartAndWait();
    } catch (err) {
      const state = restoredByFile
        ? `postgresql.auto.conf was restored from the copy taken before the apply (${deps.autoConfFile?.location ?? ''})`
        : `postgresql.auto.conf still holds the new values; restore it by hand (${manualRestoreHint(snapshot.previous)})`;
      throw new Error(`${errorMessage(err)}; PostgreSQL is down: ${state}, then start PostgreSQL`, {
        cause: err,
      });
    }
  }

  if (!restoredByFile) {
    const statements = await restoreStatements(db, snapshot, ctx);
    await db.withClient(async (session) => {
      for (const sql of statements) await session.query(sql);
    });
  }
  await checkAutoConf(deps.state, snapshot.previous);
  await db.query('SELECT pg_reload_conf()');

  // Postmaster-context knobs change only at a restart, so one look tells whether a new value went live.
  const live = await readSettingRows(
    db,
    attempted.map((c) => c.name),
  );
  const wentLive = attempted.filter((c) => {
    const row = live.find((r) => r.name === c.name);
    return c.context === 'postmaster' && row !== undefined && !sameValue(c.vartype, row.setting, c.current);
  });
  if (wentLive.length) {
    const names = wentLive.map((c) => c.name);
    if (restartsLeft <= 0 || !deps.canRestart) {
      throw new Error(
        `[${names.join(', ')}] still run with the new values; postgresql.auto.conf is restored, a restart will apply it`,
      );
    }
    ctx.log.warn({ knobs: names }, 'restarting PostgreSQL to bring back the previous values');
    await restartAndWait();
  }
}

/**
 * The ALTER SYSTEM statements that put postgresql.auto.conf back. ALTER SYSTEM SET moves the entry
 * to the end of the file, so to get the same bytes back every entry from the first one the apply
 * touched onwards is set again, in the original order (untouched ones to the value they have); new
 * entries are reset. When that tail holds a parameter this role may not set, or the order is not
 * known (no pg_file_settings), only the touched entries are restored: same values, other order.
 */
async function restoreStatements(
  db: Db,
  snapshot: AlterSystemSnapshot,
  ctx: RestoreContext,
): Promise<string[]> {
  const resets = [...snapshot.previous].filter(([, v]) => v === null).map(([n]) => alterSystemReset(n));
  const valuesOnly = [...snapshot.previous]
    .filter((e): e is [string, string] => e[1] !== null)
    .map(([n, v]) => alterSystemSet(n, v));
  const entries = snapshot.entries;
  if (!entries) return [...resets, ...valuesOnly];
  const first = entries.findIndex(([name]) => snapshot.previous.has(name));
  if (first < 0) return resets;
  const tail = entries.slice(first);
  const untouched = tail.map(([n]) => n).filter((n) => !snapshot.previous.has(n));
  if (untouched.length) {
    const { rows } = await db.query<{ n: string; ok: boolean }>(
      `SELECT n, CASE WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN true
                      WHEN current_setting('server_version_num')::int < 150000 THEN false
                      ELSE has_parameter_privilege(n, 'ALTER SYSTEM') END AS ok
         FROM unnest($1::text[]) AS n`,
      [untouched],
    );
    const denied = rows.filter((r) => !r.ok).map((r) => r.n);
    if (denied.length) {
      ctx.log.debug(
        { denied },
        'restore: entries after the touched ones cannot be rewritten; file order may differ',
      );
      return [...resets, ...valuesOnly];
    }
  }
  return [...resets, ...tail.map(([n, v]) => alterSystemSet(n, v))];
}

async function checkAutoConf(
  state: AutoConfStateReader,
  previous: ReadonlyMap<string, string | null>,
): Promise<void> {
  const names = [...previous.keys()];
  const now = await state.read(names);
  // The pg_settings.sourcefile fallback shows live values, not the file: the engine's read-back checks.
  if (now.source === 'sourcefile') return;
  const wrong = names.filter((n) => (now.values.get(n) ?? null) !== (previous.get(n) ?? null));
  if (wrong.length) {
    const what = wrong.map(
      (n) => `${n} is ${now.values.get(n) ?? 'not set'} (expected ${previous.get(n) ?? 'not set'})`,
    );
    throw new Error(`postgresql.auto.conf not restored: ${what.join(', ')}`);
  }
}
