// https://www.postgresql.org/docs/current/catalog-pg-type.html
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  oid: 'oid',
  typname: 'text',
  typnamespace: 'oid',
  typlen: 'int',
  typbyval: 'bool',
  typalign: 'text',
  typstorage: 'text',
  typcategory: 'text',
  typtype: 'text',
  typbasetype: 'oid',
  typelem: 'oid',
  typrelid: 'oid',
} as const;
export type PgTypeRow = RowOf<typeof columns>;

/** Defined types: built-in ones (oid < 10000) and those of user schemas (pg_toast excluded). */
export const pgType = defineRowsCollector({
  name: 'pg_type',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-type.html',
  intervalSeconds: 300,
  cost: { weight: 'moderate', changeMarker: ['pg_namespace', 'pg_type'] },
  skipUnchanged: true,
  columns,
  sql: `
    SELECT t.oid, t.typname, t.typnamespace, t.typlen, t.typbyval, t.typalign::text AS typalign,
           t.typstorage::text AS typstorage, t.typcategory::text AS typcategory, t.typtype::text AS typtype,
           t.typbasetype, t.typelem, t.typrelid
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typisdefined
      AND (t.oid < 10000 OR n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast'))
    ORDER BY n.nspname, t.typname`,
});
