/**
 * Helpers that make a simple catalog collector a declaration: docs link, row columns, SQL.
 *
 * Missing columns. The Go agent scans `SELECT *` into a struct by column name, ignoring extra
 * columns and leaving absent ones null (docs/PROTOCOL.md §3.2), so a view that gains or loses columns
 * between majors never breaks collection. `defineRowsCollector` does the same on the client: each
 * row is projected onto the declared `columns` in declaration order (the Go struct's field order),
 * a column the server did not return becomes `null`, and undeclared columns are dropped. The SQL
 * therefore never names a column that may not exist (no version-switched column lists except
 * where a view holds something that must not leave the server, such as query text or conninfo).
 *
 * This was chosen over `to_jsonb(v)->>'col'` projections, which build a jsonb document per row on
 * the watched server (measured on PG17, mean execution time over 300 calls, pg_stat_statements:
 * pg_stat_io 0.08 ms with `SELECT *` vs 2.1 ms with to_jsonb; pg_type 4.4 ms vs 28.7 ms — the kind
 * of cost an agent must not impose on the server it watches) and turn every value into text, losing the types
 * the wire format needs (int8 vs float, xid as string, interval as µs).
 */
import { z } from 'zod';
import { goTimeJson } from '../src/pg/types.js';
import type { CatalogPayload } from '../src/platform/types.js';
import type { CollectContext, CollectorCost, CollectorDefinition, CollectorInstance } from './types.js';

/** JSON kind of a row field after src/pg/types.ts parsing (documents the wire type, checked by tests). */
export type ColumnKind =
  | 'int' // number, or bigint beyond 2^53
  | 'float'
  | 'text'
  | 'bool'
  | 'oid' // number
  | 'xid' // string
  | 'lsn' // string, e.g. "0/3000060"
  | 'inet' // string, host addresses without /32
  | 'time' // Go time JSON, UTC
  | 'interval' // integer microseconds
  | 'int[]'
  | 'oid[]';

interface KindValue {
  int: number | bigint;
  float: number;
  text: string;
  bool: boolean;
  oid: number;
  xid: string;
  lsn: string;
  inet: string;
  time: string;
  interval: number | bigint;
  'int[]': number[];
  'oid[]': number[];
}

export type Columns = Readonly<Record<string, ColumnKind>>;

/** The wire row of a column declaration: every field present, null when absent or NULL. */
export type RowOf<C extends Columns> = { [K in keyof C]: KindValue[C[K]] | null };

export interface RowsPayload<R> extends CatalogPayload {
  collected_at: string;
  rows: R[];
}

export interface RowsCollectorSpec<C extends Columns> {
  name: string;
  docs: string;
  intervalSeconds: number;
  minPgVersion?: number;
  bootstrap?: boolean;
  skipUnchanged?: boolean;
  /** What one call costs the server and how fresh the data must be. */
  cost: CollectorCost;
  /** Default true; false for collectors that are always on (§6.2). */
  configurable?: boolean;
  /** Row fields in wire order with their JSON kind. */
  columns: C;
  /** The statement, or one per server major. Must be cheap and read-only. */
  sql: string | ((pgMajor: number) => string);
  /** The catalog view read with `SELECT *`, when the SQL does (lets tests check column drift). */
  source?: string;
  /** Send nothing (null) instead of `rows: []` when the result is empty. */
  skipEmpty?: boolean;
}

export interface RowsCollectorDefinition<C extends Columns = Columns> extends CollectorDefinition<
  Record<string, never>
> {
  readonly columns: C;
  readonly source?: string;
  /** The SQL this collector runs on a given major (tests, docs). */
  sqlFor(pgMajor: number): string;
}

/** Project a result row onto the declared columns: declared order, absent → null, extras dropped. */
export function projectRow<C extends Columns>(row: Record<string, unknown>, columns: C): RowOf<C> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(columns)) out[name] = row[name] ?? null;
  return out as RowOf<C>;
}

/** A collector whose payload is `{collected_at, rows}` built from one statement. */
export function defineRowsCollector<C extends Columns>(
  spec: RowsCollectorSpec<C>,
): RowsCollectorDefinition<C> {
  const sqlFor = (pgMajor: number) => (typeof spec.sql === 'function' ? spec.sql(pgMajor) : spec.sql);
  const instance: CollectorInstance = {
    async collect(ctx: CollectContext): Promise<RowsPayload<RowOf<C>> | null> {
      // The runner does not schedule gated collectors; this keeps a direct call harmless too.
      if (spec.minPgVersion !== undefined && ctx.pgMajor < spec.minPgVersion) return null;
      ctx.signal.throwIfAborted();
      const collectedAt = goTimeJson(ctx.now());
      const result = await ctx.db.query(sqlFor(ctx.pgMajor));
      const rows = result.rows.map((r) => projectRow(r, spec.columns));
      if (rows.length === 0 && spec.skipEmpty) return null;
      return { collected_at: collectedAt, rows };
    },
  };
  return {
    name: spec.name,
    docs: spec.docs,
    intervalSeconds: spec.intervalSeconds,
    configurable: spec.configurable ?? true,
    cost: spec.cost,
    ...(spec.minPgVersion !== undefined ? { minPgVersion: spec.minPgVersion } : {}),
    ...(spec.bootstrap ? { bootstrap: true } : {}),
    ...(spec.skipUnchanged ? { skipUnchanged: true } : {}),
    ...(spec.source !== undefined ? { source: spec.source } : {}),
    columns: spec.columns,
    sqlFor,
    // Stateless: one shared instance is enough.
    create: () => instance,
  };
}

/** `nspname` filter for user schemas, as the Go agent uses it (docs/PROTOCOL.md §3.3). */
export const USER_SCHEMAS = `NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;

/** The typed extra of the top-N collectors (pg_stat_user_tables, pg_stat_user_indexes; docs/PROTOCOL.md §6.2). */
export const categoryLimitOptions = z.object({
  /** Rows per category; 0 = no limit. */
  category_limit: z.number().int().min(0).default(200),
});
export type CategoryLimitOptions = z.infer<typeof categoryLimitOptions>;

/**
 * A top-N-per-category collector (docs/PROTOCOL.md §3.3): the SQL takes the per-category limit as `$1`
 * (NULL = no limit) and returns the UNION of the categories' top rows.
 */
export function defineCategoryCollector(spec: {
  name: string;
  docs: string;
  /** The top-N read, `$1` = category limit. */
  sql: string;
  /** Every row in the same order, for `category_limit: 0` (no ranking to do). */
  allSql: string;
  columns: Columns;
  cost: CollectorCost;
}): CollectorDefinition<CategoryLimitOptions> {
  return {
    name: spec.name,
    docs: spec.docs,
    cost: spec.cost,
    intervalSeconds: 60,
    bootstrap: true,
    configurable: true,
    optionsSchema: categoryLimitOptions,
    create: (options) => ({
      async collect(ctx) {
        const now = ctx.now();
        const { rows } =
          options.category_limit > 0
            ? await ctx.db.query(spec.sql, [options.category_limit])
            : await ctx.db.query(spec.allSql);
        return { collected_at: goTimeJson(now), rows: rows.map((r) => projectRow(r, spec.columns)) };
      },
    }),
  };
}
