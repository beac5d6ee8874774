/**
 * The active configuration, read in full only when it may have changed.
 *
 * The config task sends pg_settings every 5 s; the full read builds every one of the ~350 rows in
 * the server (`pg_show_all_settings()`), while what the server is running changes only when the
 * configuration files are re-read (a reload: `pg_conf_load_time()`) or the server restarts
 * (`pg_postmaster_start_time()`): https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-SESSION-TABLE.
 * Each read therefore asks for those two times first, on the same session, and reuses the last
 * rows when neither moved.
 *
 * `pg_conf_load_time()` is per session: a session alive at a reload reports when it re-read the
 * files itself, a few milliseconds apart from its neighbours. A reload is therefore detected as a
 * load time later than any seen so far (not merely different), so the pool's sessions do not
 * make the cache flip between their values.
 *
 * What the two times cannot see: `ALTER ROLE/DATABASE … SET` reaching new sessions, and changes
 * made through a managed service's API that restart nothing. `maxAgeMs` bounds the first, and
 * `invalidate()` is the hook for the second: `invalidateAfterApply()` calls it after every apply attempt,
 * successful or rolled back.
 */
import type { ApplyEngine } from '../apply/engine.js';
import type { ConfigRow } from '../platform/types.js';
import type { Db } from './pool.js';
import { readActiveConfig } from './settings.js';

/** Epoch microseconds as text (exact: no float rounding), compared as bigint. */
export const CONFIG_MARKER_SQL = `
  SELECT (extract(epoch FROM pg_conf_load_time()) * 1000000)::int8::text AS loaded_us,
         (extract(epoch FROM pg_postmaster_start_time()) * 1000000)::int8::text AS started_us`;

/** A full read at least this often, whatever the markers say. */
export const ACTIVE_CONFIG_MAX_AGE_MS = 10 * 60_000;

export class ActiveConfigCache {
  private rows: ConfigRow[] | undefined;
  private loadedUs = -1n;
  private startedUs = '';
  private readAtMs = 0;

  constructor(
    private readonly db: Db,
    private readonly opts: { nowMs?: () => number; maxAgeMs?: number } = {},
  ) {}

  /** pg_settings rows, from the last full read when the configuration cannot have changed since. */
  async read(): Promise<ConfigRow[]> {
    const nowMs = (this.opts.nowMs ?? Date.now)();
    const maxAge = this.opts.maxAgeMs ?? ACTIVE_CONFIG_MAX_AGE_MS;
    return this.db.withClient(async (session) => {
      const { rows } = await session.query<{ loaded_us: string; started_us: string }>(CONFIG_MARKER_SQL);
      const m = rows[0];
      if (!m) throw new Error('active config: no row from pg_conf_load_time()');
      const loaded = BigInt(m.loaded_us);
      const fresh =
        this.rows !== undefined &&
        m.started_us === this.startedUs &&
        loaded <= this.loadedUs &&
        nowMs - this.readAtMs < maxAge;
      if (fresh) return this.rows!;
      const config = await readActiveConfig(session);
      this.rows = config;
      if (m.started_us !== this.startedUs) this.loadedUs = loaded;
      else if (loaded > this.loadedUs) this.loadedUs = loaded;
      this.startedUs = m.started_us;
      this.readAtMs = nowMs;
      return config;
    });
  }

  /** The next read is a full one (call after applying a configuration, whatever the outcome). */
  invalidate(): void {
    this.rows = undefined;
  }
}

/** The apply engine with `cache` invalidated after every apply attempt, applied or rolled back. */
export function invalidateAfterApply(engine: ApplyEngine, cache: { invalidate(): void }): ApplyEngine {
  return {
    plan: (proposal, signal) => engine.plan(proposal, signal),
    apply: (proposal, opts) => engine.apply(proposal, opts).finally(() => cache.invalidate()),
    idle: () => engine.idle(),
    backend: engine.backend,
  };
}
