// https://www.postgresql.org/docs/current/catalog-pg-class.html
/**
 * pg_class for user relations, in three phases (docs/PROTOCOL.md §3.7):
 * 1. backfill: tables, indexes and matviews ordered by (schema, name), one page of
 *    `backfill_batch_size` per tick until a page comes back empty;
 * 2. delta: tables vacuumed or analyzed since the previous poll (server clock, so agent clock skew
 *    cannot hide changes);
 * 3. every 30th delta tick, a full rescan of tables, indexes and matviews.
 * Nothing is sent when the result is empty.
 *
 * Deliberate difference: `relfrozenxid_age` / `relminmxid_age` are null when the xid is 0
 * (indexes, views), instead of age(0) = 2147483647, which looks like imminent wraparound.
 */
import { z } from 'zod';
import { goTimeJson } from '../src/pg/types.js';
import { projectRow, USER_SCHEMAS, type RowOf } from './define.js';
import type { CollectorDefinition, CollectorInstance } from './types.js';

const columns = {
  oid: 'oid',
  schemaname: 'text',
  relname: 'text',
  relkind: 'text',
  reltuples: 'float',
  relpages: 'int',
  relfrozenxid: 'xid',
  relfrozenxid_age: 'int',
  relminmxid: 'xid',
  relminmxid_age: 'int',
  reloptions: 'text',
  access_method: 'text',
  relallvisible: 'int',
  /** PG18+; omitted (omitempty) below. */
  relallfrozen: 'int',
  relpersistence: 'text',
  relispartition: 'bool',
  relhassubclass: 'bool',
  reltoastrelid: 'oid',
  reltablespace: 'oid',
} as const;
export type PgClassRow = Omit<RowOf<typeof columns>, 'reloptions' | 'relallfrozen'> & {
  reloptions: string[] | null;
  relallfrozen?: number;
};

export const pgClassOptions = z.object({
  /** Relations per backfill page; 0 = one page with everything. */
  backfill_batch_size: z.number().int().min(0).default(500),
});
export type PgClassOptions = z.infer<typeof pgClassOptions>;

export const FULL_RESCAN_EVERY = 30;

export type PgClassStep =
  { kind: 'page'; offset: number } | { kind: 'delta'; since: string } | { kind: 'full' };

export interface PgClassState {
  phase: 'backfill' | 'delta';
  offset: number;
  /** Server time (timestamptz text) of the previous poll. */
  lastPoll: string | null;
  deltaTicks: number;
}

export function initialPgClassState(): PgClassState {
  return { phase: 'backfill', offset: 0, lastPoll: null, deltaTicks: 0 };
}

/** What this tick reads. */
export function pgClassPlan(s: PgClassState): PgClassStep {
  if (s.phase === 'backfill' || s.lastPoll === null) return { kind: 'page', offset: s.offset };
  return (s.deltaTicks + 1) % FULL_RESCAN_EVERY === 0
    ? { kind: 'full' }
    : { kind: 'delta', since: s.lastPoll };
}

/** State after running `step` at server time `polledAt` and getting `rowCount` rows. */
export function pgClassAdvance(
  s: PgClassState,
  step: PgClassStep,
  rowCount: number,
  polledAt: string,
): PgClassState {
  if (step.kind === 'page') {
    // The first backfill tick fixes the delta baseline: changes during backfill are caught later.
    const lastPoll = s.lastPoll ?? polledAt;
    return rowCount === 0
      ? { phase: 'delta', offset: 0, lastPoll, deltaTicks: 0 }
      : { ...s, offset: s.offset + rowCount, lastPoll };
  }
  return { ...s, lastPoll: polledAt, deltaTicks: s.deltaTicks + 1 };
}

function selectSql(pgMajor: number, where: string, tail = ''): string {
  return `
    SELECT c.oid, n.nspname AS schemaname, c.relname, c.relkind, c.reltuples, c.relpages,
           c.relfrozenxid, CASE WHEN c.relfrozenxid::text <> '0' THEN age(c.relfrozenxid) END AS relfrozenxid_age,
           c.relminmxid, CASE WHEN c.relminmxid::text <> '0' THEN mxid_age(c.relminmxid) END AS relminmxid_age,
           c.reloptions, am.amname AS access_method, c.relallvisible,
           ${pgMajor >= 18 ? 'c.relallfrozen' : 'NULL::int4 AS relallfrozen'},
           c.relpersistence, c.relispartition, c.relhassubclass, c.reltoastrelid, c.reltablespace
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_am am ON am.oid = c.relam
    WHERE n.nspname ${USER_SCHEMAS} AND ${where}
    ORDER BY n.nspname, c.relname${tail}`;
}

export function pgClassSql(pgMajor: number, step: PgClassStep): string {
  switch (step.kind) {
    case 'page':
      return selectSql(pgMajor, "c.relkind IN ('r', 'i', 'm')", ' LIMIT $1::int OFFSET $2::int');
    case 'full':
      return selectSql(pgMajor, "c.relkind IN ('r', 'i', 'm')");
    case 'delta':
      return selectSql(
        pgMajor,
        // The four timestamps pg_stat_user_tables shows, read for each table directly: the view
        // joins pg_index and groups every table to add up index scans this filter never reads
        // (138 → 77 ms at 10,000 tables, 14 → 8 ms at 1,000; docs/PERFORMANCE.md, collection).
        `c.relkind = 'r' AND GREATEST(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid),
                                      pg_stat_get_last_vacuum_time(c.oid), pg_stat_get_last_autovacuum_time(c.oid))
           > $1::timestamptz - make_interval(secs => $2::float8 / 1000)`,
      );
  }
}

function toRow(r: Record<string, unknown>): PgClassRow {
  const row = projectRow(r, columns) as unknown as PgClassRow;
  if (row.relallfrozen === null || row.relallfrozen === undefined) delete row.relallfrozen;
  return row;
}

/**
 * Each delta poll looks this far behind the previous poll: statistics are not transactional and, on
 * PG 13–14, reach readers through the stats collector up to ~0.5 s late, so a table analyzed just
 * before a poll could otherwise be missed until the next full rescan. Re-sending it is harmless.
 */
export const STATS_LAG_MS = 2_000;

export function createPgClass(options: PgClassOptions, lagMs = STATS_LAG_MS): CollectorInstance {
  let state = initialPgClassState();
  const limit = options.backfill_batch_size > 0 ? options.backfill_batch_size : null;
  return {
    async collect(ctx) {
      const now = ctx.now();
      const step = pgClassPlan(state);
      const clock = await ctx.db.query<{ t: string }>('SELECT now()::text AS t');
      const polledAt = clock.rows[0]?.t;
      if (!polledAt) throw new Error('pg_class: no server time');
      const params =
        step.kind === 'page' ? [limit, step.offset] : step.kind === 'delta' ? [step.since, lagMs] : [];
      const { rows } = await ctx.db.query(pgClassSql(ctx.pgMajor, step), params);
      state = pgClassAdvance(state, step, rows.length, polledAt);
      if (rows.length === 0) return null;
      return { collected_at: goTimeJson(now), rows: rows.map(toRow) };
    },
  };
}

export const pgClass: CollectorDefinition<PgClassOptions> = {
  name: 'pg_class',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-class.html',
  intervalSeconds: 60,
  cost: { weight: 'moderate' },
  // In the bootstrap set of docs/PROTOCOL.md §2.4.
  bootstrap: true,
  configurable: true,
  optionsSchema: pgClassOptions,
  create: (options) => createPgClass(options),
};
