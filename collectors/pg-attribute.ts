// https://www.postgresql.org/docs/current/catalog-pg-attribute.html
import { defineRowsCollector, USER_SCHEMAS, type RowOf } from './define.js';

const columns = {
  attrelid: 'oid',
  attname: 'text',
  atttypid: 'oid',
  attlen: 'int',
  attnum: 'int',
  attstorage: 'text',
  /** PG14+. The Go agent declares the field but never selects it (always null); selected here. */
  attcompression: 'text',
  attnotnull: 'bool',
  /** NULL on PG17+ when the column uses the default statistics target. */
  attstattarget: 'int',
  attalign: 'text',
  atttypmod: 'int',
} as const;
export type PgAttributeRow = RowOf<typeof columns>;

/** Columns of user tables and indexes (not dropped, no system columns). */
export const pgAttribute = defineRowsCollector({
  name: 'pg_attribute',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-attribute.html',
  intervalSeconds: 300,
  cost: { weight: 'moderate', changeMarker: ['pg_attribute', 'pg_class', 'pg_namespace'] },
  bootstrap: true,
  skipUnchanged: true,
  columns,
  sql: (pgMajor) => `
    SELECT a.attrelid, a.attname, a.atttypid, a.attlen, a.attnum, a.attstorage::text AS attstorage,
           ${pgMajor >= 14 ? `nullif(a.attcompression::text, '') AS attcompression,` : ''}
           a.attnotnull, a.attstattarget, a.attalign::text AS attalign, a.atttypmod
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname ${USER_SCHEMAS} AND c.relkind IN ('r', 'i') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`,
});
