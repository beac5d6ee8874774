// https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG
/**
 * ddl: a pg_dump-like schema script of the user schemas (docs/PROTOCOL.md §3.10), sent as `{ddl, ddl_hash}`
 * (SHA-256 hex of the script).
 *
 * Order: extensions, schemas, types (enums, ranges, domains, composites), sequences, tables and
 * partitions (parents first), storage/statistics overrides, functions (after tables, #167: SQL
 * bodies may name tables), column defaults and sequence ownership (defaults may call those
 * functions), views and materialized views (dependencies first; they may call functions too),
 * constraints, foreign keys, indexes, triggers, row-level security. Within a section objects are
 * sorted by schema and name, so the same schema always gives the same script and hash. The
 * script starts with `SET check_function_bodies = false`, as pg_dump's does. Not covered:
 * aggregates, operators, casts, comments, ownership and grants.
 *
 * Objects owned by an extension or internally by another object (range constructors, array and
 * row types, identity sequences) are left to the statement that creates their owner.
 *
 * All catalog reads share one REPEATABLE READ READ ONLY transaction (one consistent snapshot)
 * and an internal 30 s deadline.
 */
import { sha256Hex } from '../src/platform/json.js';
import type { Db } from '../src/pg/pool.js';
import type { CollectorDefinition } from './types.js';

export const DDL_DEADLINE_MS = 30_000;

const SCHEMA = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;
// Owned by an extension, or internally by another object (a partitioned table's internal
// dependency on its own key columns does not count).
const notExt = (cls: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${cls}'::regclass AND d.objid = ${oid} AND d.deptype IN ('e', 'i') AND NOT (d.refclassid = '${cls}'::regclass AND d.refobjid = ${oid}))`;
const REL = `JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${SCHEMA} AND ${notExt('pg_class', 'c.oid')}`;
const SEQ_OPTS = `format('START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s', s.seqstart,
  s.seqincrement, s.seqmin, s.seqmax, s.seqcache, CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)`;
const COLL = `(SELECT format(' COLLATE %I.%I', cn.nspname, co.collname) FROM pg_collation co
  JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation)`;

/** Each query returns `stmt`, plus `id` and `deps` (oids) where the section is topologically sorted. */
export const SECTIONS: readonly { name: string; sql: string; topo?: boolean }[] = [
  {
    name: 'extensions',
    sql: `SELECT format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I;', e.extname, n.nspname) AS stmt
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY e.extname`,
  },
  {
    name: 'schemas',
    sql: `SELECT format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname) AS stmt FROM pg_namespace n
      WHERE ${SCHEMA} AND ${notExt('pg_namespace', 'n.oid')} ORDER BY n.nspname`,
  },
  {
    name: 'types',
    sql: `SELECT CASE t.typtype
        WHEN 'e' THEN format('CREATE TYPE %I.%I AS ENUM (%s);', n.nspname, t.typname, (SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid))
        WHEN 'r' THEN format('CREATE TYPE %I.%I AS RANGE (SUBTYPE = %s);', n.nspname, t.typname, (SELECT format_type(rngsubtype, NULL) FROM pg_range WHERE rngtypid = t.oid))
        WHEN 'd' THEN format('CREATE DOMAIN %I.%I AS %s%s%s%s%s;', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod),
          CASE WHEN t.typcollation <> 0 AND t.typcollation <> (SELECT typcollation FROM pg_type WHERE oid = t.typbasetype) THEN (SELECT format(' COLLATE %I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) ELSE '' END,
          coalesce(' DEFAULT ' || t.typdefault, ''), CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END,
          coalesce((SELECT string_agg(format(' CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)), '' ORDER BY conname) FROM pg_constraint WHERE contypid = t.oid AND contype = 'c'), ''))
        ELSE format('CREATE TYPE %I.%I AS (%s);', n.nspname, t.typname, (SELECT string_agg(format('%I %s', attname, format_type(atttypid, atttypmod)), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = t.typrelid AND attnum > 0 AND NOT attisdropped))
      END AS stmt
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${SCHEMA} AND ${notExt('pg_type', 't.oid')}
        AND (t.typtype IN ('e', 'r', 'd') OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
      ORDER BY array_position(ARRAY['e', 'r', 'd', 'c'], t.typtype::text), n.nspname, t.typname`,
  },
  {
    name: 'sequences',
    sql: `SELECT format('CREATE SEQUENCE %I.%I AS %s %s;', n.nspname, c.relname, format_type(s.seqtypid, NULL), ${SEQ_OPTS}) AS stmt
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid ${REL}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
      ORDER BY n.nspname, c.relname`,
  },
  {
    name: 'tables',
    topo: true,
    sql: `SELECT c.oid AS id, ARRAY(SELECT inhparent FROM pg_inherits WHERE inhrelid = c.oid ORDER BY inhseqno) AS deps,
        CASE WHEN c.relispartition THEN format('CREATE TABLE %I.%I PARTITION OF %s %s%s;', n.nspname, c.relname,
          (SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = c.oid), pg_get_expr(c.relpartbound, c.oid),
          CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END)
        ELSE format('CREATE %sTABLE %I.%I (%s)%s%s%s%s;', CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,
          coalesce((SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
            || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ${COLL} ELSE '' END
            || CASE a.attgenerated WHEN 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, ad.adrelid) || ') STORED'
                 WHEN 'v' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, ad.adrelid) || ') VIRTUAL' ELSE '' END
            || CASE WHEN a.attidentity IN ('a', 'd') THEN format(' GENERATED %s AS IDENTITY (SEQUENCE NAME %I.%I %s)',
                 CASE a.attidentity WHEN 'a' THEN 'ALWAYS' ELSE 'BY DEFAULT' END, sn.nspname, sc.relname, ${SEQ_OPTS}) ELSE '' END
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum)
            FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
            LEFT JOIN pg_depend dd ON dd.refclassid = 'pg_class'::regclass AND dd.refobjid = a.attrelid AND dd.refobjsubid = a.attnum AND dd.deptype = 'i'
            LEFT JOIN pg_class sc ON sc.oid = dd.objid LEFT JOIN pg_namespace sn ON sn.oid = sc.relnamespace
            LEFT JOIN pg_sequence s ON s.seqrelid = sc.oid
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attislocal), ''),
          coalesce((SELECT ' INHERITS (' || string_agg(inhparent::regclass::text, ', ' ORDER BY inhseqno) || ')' FROM pg_inherits WHERE inhrelid = c.oid), ''),
          CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) ELSE '' END,
          CASE WHEN c.relkind = 'r' AND am.amname <> 'heap' THEN ' USING ' || quote_ident(am.amname) ELSE '' END,
          coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', ''))
        END AS stmt, n.nspname, c.relname
      FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam ${REL} AND c.relkind IN ('r', 'p')`,
  },
  {
    name: 'column overrides',
    sql: `SELECT format('ALTER TABLE ONLY %I.%I ALTER COLUMN %I SET %s;', n.nspname, c.relname, a.attname, o.clause) AS stmt
      FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
      CROSS JOIN LATERAL (VALUES
        (1, CASE WHEN coalesce(a.attstattarget, -1) >= 0 THEN 'STATISTICS ' || a.attstattarget END),
        (2, CASE WHEN a.attstorage <> t.typstorage THEN 'STORAGE ' || CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END END)) o(k, clause)
      ${REL} AND c.relkind IN ('r', 'm') AND o.clause IS NOT NULL
      ORDER BY n.nspname, c.relname, a.attnum, o.k`,
  },
  {
    name: 'functions',
    sql: `SELECT pg_get_functiondef(p.oid) || ';' AS stmt FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${SCHEMA} AND ${notExt('pg_proc', 'p.oid')} AND p.prokind IN ('f', 'p')
      ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`,
  },
  {
    name: 'defaults',
    sql: `SELECT format('ALTER TABLE %I.%I ALTER COLUMN %I SET DEFAULT %s;', n.nspname, c.relname, a.attname, pg_get_expr(ad.adbin, ad.adrelid)) AS stmt
      FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid
      JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
      ${REL} AND c.relkind IN ('r', 'p') AND a.attgenerated = '' AND NOT a.attisdropped
      ORDER BY n.nspname, c.relname, a.attnum`,
  },
  {
    name: 'sequence ownership',
    sql: `SELECT format('ALTER SEQUENCE %I.%I OWNED BY %s.%I;', n.nspname, c.relname, d.refobjid::regclass::text, a.attname) AS stmt
      FROM pg_class c JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' AND d.refobjsubid > 0
      JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
      ${REL} AND c.relkind = 'S' ORDER BY n.nspname, c.relname`,
  },
  {
    name: 'views',
    topo: true,
    sql: `SELECT c.oid AS id, n.nspname, c.relname,
        ARRAY(SELECT DISTINCT d.refobjid FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
          WHERE r.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid) AS deps,
        CASE c.relkind WHEN 'v' THEN format('CREATE VIEW %I.%I%s AS%s', n.nspname, c.relname,
            coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', ''), E'\\n' || pg_get_viewdef(c.oid))
          ELSE format('CREATE MATERIALIZED VIEW %I.%I%s AS%s WITH NO DATA;', n.nspname, c.relname,
            coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', ''), E'\\n' || rtrim(pg_get_viewdef(c.oid), ';'))
        END AS stmt
      FROM pg_class c ${REL} AND c.relkind IN ('v', 'm')`,
  },
  {
    name: 'constraints',
    sql: `SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s;', n.nspname, c.relname, co.conname, pg_get_constraintdef(co.oid)) AS stmt
      FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid ${REL}
        AND co.contype IN ('p', 'u', 'x', 'c', 'f') AND co.conislocal AND co.conparentid = 0
      ORDER BY co.contype = 'f', n.nspname, c.relname, co.conname`,
  },
  {
    name: 'indexes',
    sql: `SELECT replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') || ';' AS stmt
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid ${REL}
        AND NOT ic.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))
      ORDER BY n.nspname, c.relname, ic.relname`,
  },
  {
    name: 'triggers',
    sql: `SELECT pg_get_triggerdef(tg.oid) || ';' AS stmt FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid ${REL}
        AND NOT tg.tgisinternal AND tg.tgparentid = 0
      ORDER BY n.nspname, c.relname, tg.tgname`,
  },
  {
    name: 'row level security',
    sql: `SELECT stmt FROM (
        SELECT n.nspname, c.relname, 0 AS k, '' AS polname, format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY;', n.nspname, c.relname) AS stmt
          FROM pg_class c ${REL} AND c.relrowsecurity
        UNION ALL
        SELECT n.nspname, c.relname, 1, '', format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY;', n.nspname, c.relname)
          FROM pg_class c ${REL} AND c.relforcerowsecurity
        UNION ALL
        SELECT n.nspname, c.relname, 2, p.polname, format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s;', p.polname, n.nspname, c.relname,
            CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
            CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
            CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT string_agg(quote_ident(rolname), ', ' ORDER BY rolname) FROM pg_roles WHERE oid = ANY (p.polroles)) END,
            coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', ''),
            coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''))
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid ${REL}) x
      ORDER BY nspname, relname, k, polname`,
  },
];

interface TopoItem {
  id: number;
  deps: number[];
  key: string;
  stmt: string;
}

/** Dependencies first; among ready items, by key. Cycles (not expected) fall back to key order. */
export function topoOrder(items: readonly TopoItem[]): TopoItem[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const sorted = [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const done = new Set<number>();
  const out: TopoItem[] = [];
  while (out.length < sorted.length) {
    const next =
      sorted.find((i) => !done.has(i.id) && i.deps.every((d) => done.has(d) || !byId.has(d))) ??
      sorted.find((i) => !done.has(i.id));
    if (!next) break;
    done.add(next.id);
    out.push(next);
  }
  return out;
}

/** Read the schema and build the script. */
export async function buildDdl(db: Db, signal?: AbortSignal, deadlineMs = DDL_DEADLINE_MS): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  return db.withClient(async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      // Every name outside pg_catalog comes out schema-qualified, whatever the role's search_path.
      await c.query('SET LOCAL search_path = pg_catalog');
      const parts: string[] = ['SET check_function_bodies = false;'];
      for (const section of SECTIONS) {
        signal?.throwIfAborted();
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`ddl: deadline of ${deadlineMs} ms passed before ${section.name}`);
        await c.query(`SET LOCAL statement_timeout = ${Math.ceil(left)}`);
        const { rows } = await c.query<{
          stmt: string;
          id?: number;
          deps?: number[];
          nspname?: string;
          relname?: string;
        }>(section.sql);
        const ordered = section.topo
          ? topoOrder(
              rows.map((r) => ({
                id: Number(r.id),
                deps: (r.deps ?? []).map(Number),
                key: `${r.nspname}\u0000${r.relname}`,
                stmt: r.stmt,
              })),
            )
          : rows;
        for (const r of ordered) parts.push(r.stmt.trimEnd());
      }
      return parts.join('\n\n') + '\n';
    } finally {
      await c.query('ROLLBACK').catch(() => undefined); // a broken session is discarded by the pool
    }
  });
}

export const ddl: CollectorDefinition<Record<string, never>> = {
  name: 'ddl',
  docs: 'https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CATALOG',
  intervalSeconds: 300,
  cost: {
    weight: 'heavy',
    changeMarker: [
      'pg_am',
      'pg_attrdef',
      'pg_attribute',
      'pg_authid',
      'pg_class',
      'pg_collation',
      'pg_constraint',
      'pg_depend',
      'pg_enum',
      'pg_extension',
      'pg_index',
      'pg_inherits',
      'pg_namespace',
      'pg_opclass',
      'pg_policy',
      'pg_proc',
      'pg_range',
      'pg_rewrite',
      'pg_sequence',
      'pg_tablespace',
      'pg_trigger',
      'pg_type',
    ],
  },
  skipUnchanged: true,
  configurable: false,
  create: () => ({
    async collect(ctx) {
      const text = await buildDdl(ctx.db, ctx.signal);
      return { ddl: text, ddl_hash: sha256Hex(text) };
    },
  }),
};
