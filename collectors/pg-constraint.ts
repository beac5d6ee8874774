// https://www.postgresql.org/docs/current/catalog-pg-constraint.html
import { defineRowsCollector, USER_SCHEMAS, type RowOf } from './define.js';

const columns = {
  oid: 'oid',
  conname: 'text',
  contype: 'text',
  conrelid: 'oid',
  conindid: 'oid',
  confrelid: 'oid',
  conkey: 'int[]',
  confkey: 'int[]',
  condeferrable: 'bool',
  condeferred: 'bool',
  convalidated: 'bool',
} as const;
export type PgConstraintRow = RowOf<typeof columns>;

/** Primary key, unique, foreign key and exclusion constraints of user tables. */
export const pgConstraint = defineRowsCollector({
  name: 'pg_constraint',
  docs: 'https://www.postgresql.org/docs/current/catalog-pg-constraint.html',
  intervalSeconds: 300,
  cost: { weight: 'moderate', changeMarker: ['pg_class', 'pg_constraint', 'pg_namespace'] },
  skipUnchanged: true,
  columns,
  sql: `
    SELECT c.oid, c.conname, c.contype::text AS contype, c.conrelid, c.conindid, c.confrelid,
           c.conkey, c.confkey, c.condeferrable, c.condeferred, c.convalidated
    FROM pg_constraint c
    JOIN pg_class r ON r.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = r.relnamespace
    WHERE n.nspname ${USER_SCHEMAS} AND c.contype IN ('p', 'u', 'f', 'x')
    ORDER BY n.nspname, r.relname, c.conname`,
});
