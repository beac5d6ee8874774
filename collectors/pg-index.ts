// https://www.postgresql.org/docs/current/catalog-pg-index.html
import { defineRowsCollector, USER_SCHEMAS, type RowOf } from './define.js';

const columns = {
  schemaname: 'text',
  indexname: 'text',
  reltuples: 'float',
  relpages: 'int',
  indisvalid: 'bool',
  indisready: 'bool',
  indislive: 'bool',
  indimmediate: 'bool',
  indisclustered: 'bool',
  indisreplident: 'bool',
  indcheckxmin: 'bool',
} as const;
export type PgIndexRow = RowOf<typeof columns>;

/**
 * The fast-moving fields of every user index (size estimates, lifecycle flags). Always a full
 * snapshot, never de-duplicated (Go #155); the definitional fields travel in pg_index_inventory.
 */
export const pgIndex = defineRowsCollector({
  name: 'pg_index',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-index.html',
  intervalSeconds: 300,
  cost: { weight: 'moderate' },
  skipEmpty: true,
  columns,
  sql: `
    SELECT n.nspname AS schemaname, c.relname AS indexname, c.reltuples::float8 AS reltuples, c.relpages,
           i.indisvalid, i.indisready, i.indislive, i.indimmediate, i.indisclustered, i.indisreplident,
           i.indcheckxmin
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname ${USER_SCHEMAS}
    ORDER BY n.nspname, c.relname`,
});
