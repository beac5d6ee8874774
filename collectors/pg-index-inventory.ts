// https://www.postgresql.org/docs/current/catalog-pg-index.html
import { defineRowsCollector, USER_SCHEMAS, type RowOf } from './define.js';

const columns = {
  schemaname: 'text',
  tablename: 'text',
  indexname: 'text',
  indexrelid: 'oid',
  indrelid: 'oid',
  indnatts: 'int',
  indnkeyatts: 'int',
  indisunique: 'bool',
  /** PG15+, null before. */
  indnullsnotdistinct: 'bool',
  indisprimary: 'bool',
  indisexclusion: 'bool',
  indexdef: 'text',
  is_partial: 'bool',
  indpred_sql: 'text',
  indkey: 'int[]',
  indoption: 'int[]',
  indclass: 'oid[]',
  indcollation: 'oid[]',
  indexprs_sql: 'text',
} as const;
export type PgIndexInventoryRow = RowOf<typeof columns>;

/** The definitional (DDL-only) fields of every user index; hourly, sent only when changed. */
export const pgIndexInventory = defineRowsCollector({
  name: 'pg_index_inventory',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-index.html',
  intervalSeconds: 3600,
  cost: {
    weight: 'heavy',
    changeMarker: [
      'pg_attribute',
      'pg_class',
      'pg_collation',
      'pg_index',
      'pg_namespace',
      'pg_opclass',
      'pg_tablespace',
    ],
  },
  bootstrap: true,
  skipUnchanged: true,
  configurable: false,
  columns,
  sql: (pgMajor) => `
    SELECT n.nspname AS schemaname, t.relname AS tablename, c.relname AS indexname, i.indexrelid, i.indrelid,
           i.indnatts, i.indnkeyatts, i.indisunique,
           ${pgMajor >= 15 ? 'i.indnullsnotdistinct,' : ''}
           i.indisprimary, i.indisexclusion, pg_get_indexdef(i.indexrelid) AS indexdef,
           i.indpred IS NOT NULL AS is_partial, pg_get_expr(i.indpred, i.indrelid) AS indpred_sql,
           i.indkey::int2[] AS indkey, i.indoption::int2[] AS indoption, i.indclass::oid[] AS indclass,
           i.indcollation::oid[] AS indcollation, pg_get_expr(i.indexprs, i.indrelid) AS indexprs_sql
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname ${USER_SCHEMAS}
    ORDER BY n.nspname, t.relname, c.relname`,
});
