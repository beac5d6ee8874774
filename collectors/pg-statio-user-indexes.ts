// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STATIO-ALL-INDEXES-VIEW
/**
 * pg_statio_user_indexes, paged by indexrelid (docs/PROTOCOL.md §3.9). Backfill sends every row page by page;
 * the first empty page switches to delta mode, which walks the pages again, one per tick, and
 * sends only indexes whose (idx_blks_read, idx_blks_hit) changed since last seen. An empty page
 * restarts the walk, so one tick per cycle sends nothing.
 *
 * A page starts after the last indexrelid of the previous one (keyset paging) instead of at an
 * OFFSET: the server no longer builds and sorts every row before the page to skip them (a page
 * deep into 30,000 indexes went from 166 to 50 ms, docs/PERFORMANCE.md collection), and an index
 * created or dropped mid-walk no longer shifts the rows after it into the next page or out of the walk.
 */
import { z } from 'zod';
import { goTimeJson } from '../src/pg/types.js';
import { projectRow, type RowOf } from './define.js';
import type { CollectorDefinition } from './types.js';

const columns = {
  relid: 'oid',
  indexrelid: 'oid',
  schemaname: 'text',
  relname: 'text',
  indexrelname: 'text',
  idx_blks_read: 'int',
  idx_blks_hit: 'int',
} as const;
export type PgStatioUserIndexesRow = RowOf<typeof columns>;

export const pgStatioUserIndexesOptions = z.object({
  /** Indexes per page; 0 = one page with everything. */
  backfill_batch_size: z.number().int().min(0).default(2000),
});
export type PgStatioUserIndexesOptions = z.infer<typeof pgStatioUserIndexesOptions>;

export interface StatioState {
  mode: 'backfill' | 'delta';
  /** The page starts after this indexrelid (0: the walk starts over). */
  after: number;
  /** indexrelid → "read/hit" last sent. */
  seen: Map<number, string>;
}

export function initialStatioState(): StatioState {
  return { mode: 'backfill', after: 0, seen: new Map() };
}

/** Rows to send for one page and the state for the next tick (mutates `state.seen`). */
export function statioStep(
  state: StatioState,
  page: readonly PgStatioUserIndexesRow[],
): { emit: PgStatioUserIndexesRow[]; next: StatioState } {
  if (page.length === 0) return { emit: [], next: { mode: 'delta', after: 0, seen: state.seen } };
  const emit: PgStatioUserIndexesRow[] = [];
  let last = state.after;
  for (const r of page) {
    const id = Number(r.indexrelid);
    last = Math.max(last, id);
    const sig = `${String(r.idx_blks_read)}/${String(r.idx_blks_hit)}`;
    if (state.mode === 'backfill' || state.seen.get(id) !== sig) emit.push(r);
    state.seen.set(id, sig);
  }
  return { emit, next: { ...state, after: last } };
}

const SQL =
  'SELECT * FROM pg_statio_user_indexes WHERE indexrelid > $2::oid ORDER BY indexrelid LIMIT $1::int';

export const pgStatioUserIndexes: CollectorDefinition<PgStatioUserIndexesOptions> = {
  name: 'pg_statio_user_indexes',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STATIO-ALL-INDEXES-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'moderate' },
  bootstrap: true,
  configurable: true,
  optionsSchema: pgStatioUserIndexesOptions,
  create(options) {
    let state = initialStatioState();
    const limit = options.backfill_batch_size > 0 ? options.backfill_batch_size : null;
    return {
      async collect(ctx) {
        const now = ctx.now();
        const { rows } = await ctx.db.query(SQL, [limit, state.after]);
        const step = statioStep(
          state,
          rows.map((r) => projectRow(r, columns)),
        );
        state = step.next;
        if (step.emit.length === 0) return null;
        return { collected_at: goTimeJson(now), rows: step.emit };
      },
    };
  },
};
