/**
 * Two ways to read pg_stat_statements (bench/pg-stat-statements.ts measures both):
 *
 * - `full`: every row with every column and the query text, every tick.
 * - `two-phase`: first the keys with `calls` from `pg_stat_statements(false)` (no query-text file
 *   read), then counters only for keys whose call count moved (execution counters and times only
 *   ever move together with `calls`), joined on the key arrays. Query texts are read once per new
 *   key (an entry's text never changes while the entry lives), and that read also applies the
 *   text filter; filtered keys are remembered and not asked for again until their call count goes
 *   backwards (entry evicted or reset). Unchanged keys reuse the rows read earlier, so the result
 *   equals a full read. Datadog adopted the same idea (integrations-core#17187). When more than
 *   half of the keys are new or moved (first tick, after a reset, a burst of new statements), the
 *   cache is refilled from scratch, by key in pages of REFILL_PAGE, so the agent never holds the
 *   driver rows of the whole view at once.
 */
import type { Db } from '../../src/pg/pool.js';
import { aggregate, mergeGroup, type Aggregated } from './aggregate.js';
import type { PgssQueries } from './query.js';
import { fromDriverRow, rowKey, toInt8, type PgssRow } from './row.js';

export type ReadStrategy = 'full' | 'two-phase';

/**
 * A reader returns the tick's rows already merged by key (aggregate.ts). The two-phase reader
 * keeps each key's merged row between ticks and hands back the same object while the key's call
 * count stands still, so a tick costs work only for the keys that moved: at 50,000 entries,
 * re-merging and re-copying every row each tick was most of the collector's time
 * (docs/PERFORMANCE.md, collection).
 */
export interface PgssReader {
  read(db: Db): Promise<Aggregated>;
}

/** `refillPage`: keys per round trip when the two-phase cache is refilled (tests use small pages). */
export function createReader(strategy: ReadStrategy, q: PgssQueries, refillPage = REFILL_PAGE): PgssReader {
  if (!(Number.isInteger(refillPage) && refillPage > 0)) {
    throw new Error(`pg_stat_statements: refill page must be a positive integer, got ${refillPage}`);
  }
  return strategy === 'full' ? fullReader(q) : twoPhaseReader(q, refillPage);
}

function fullReader(q: PgssQueries): PgssReader {
  return {
    async read(db) {
      const { rows } = await db.query(q.full);
      return aggregate(rows.map(fromDriverRow));
    },
  };
}

interface Seen {
  queryid: string;
  userid: number;
  dbid: number;
  /**
   * The key's call count as decimal text (the sum when the key has a top-level and a nested
   * entry). Compared as text each tick; parsed only for the keys whose text changed.
   */
  calls: string;
  /** The key's cache entry during a read (set by the read, replaced when the key is re-read). */
  cached?: Cached | undefined;
}

interface Cached {
  /** Call count (decimal text) of the rows `merged` was built from. */
  calls: string;
  /** Filtered out by the text filter (agent or utility statement). */
  excluded: boolean;
  query: string | null;
  query_len: number | null;
  /** The key's rows merged (aggregate.ts), with its query text; null until counters are read. */
  merged: PgssRow | null;
}

function keyArrays(keys: readonly string[], seen: ReadonlyMap<string, Seen>): [string[], number[], number[]] {
  const ids: string[] = [];
  const users: number[] = [];
  const dbs: number[] = [];
  for (const key of keys) {
    const s = seen.get(key);
    if (!s) continue;
    ids.push(s.queryid);
    users.push(s.userid);
    dbs.push(s.dbid);
  }
  return [ids, users, dbs];
}

/** Decimal text of an int8 as the driver hands it over (text, or a number/bigint in tests). */
function callsText(v: unknown): string {
  const n = toInt8(v);
  return n === null ? '0' : String(n);
}

const addCalls = (a: string, b: string): string => String(BigInt(a) + BigInt(b));

async function readKeys(db: Db, q: PgssQueries): Promise<Map<string, Seen>> {
  const { rows } = await db.query(q.keys);
  const seen = new Map<string, Seen>();
  for (const r of rows) {
    if (typeof r.queryid !== 'string') continue; // cannot be asked for by key; pg_stat_statements sets it
    const userid = Number(r.userid);
    const dbid = Number(r.dbid);
    const key = `${r.queryid}_${userid}_${dbid}`;
    const calls = typeof r.calls === 'string' ? r.calls : callsText(r.calls);
    const s = seen.get(key);
    if (s) s.calls = addCalls(s.calls, calls);
    else seen.set(key, { queryid: r.queryid, userid, dbid, calls });
  }
  return seen;
}

function twoPhaseReader(q: PgssQueries, refillPage: number): PgssReader {
  const cache = new Map<string, Cached>();
  return {
    async read(db) {
      const seen = await readKeys(db, q);
      const fresh: string[] = [];
      const moved: string[] = [];
      let known = 0;
      for (const [key, s] of seen) {
        const c = cache.get(key);
        s.cached = c;
        if (!c) {
          fresh.push(key);
          continue;
        }
        known += 1;
        if (c.calls === s.calls) continue;
        if (BigInt(s.calls) < BigInt(c.calls)) fresh.push(key);
        else if (c.excluded) c.calls = s.calls;
        else moved.push(key);
      }
      // Entries evicted or reset since the last tick.
      if (known < cache.size) for (const key of cache.keys()) if (!seen.has(key)) cache.delete(key);
      if ((fresh.length + moved.length) * 2 > seen.size) {
        await refill(db, q, seen, cache, refillPage);
      } else {
        await fetchByKeys(db, q, seen, cache, fresh, moved);
      }
      const keyed = new Map<string, PgssRow>();
      for (const [key, s] of seen) {
        const merged = s.cached?.merged;
        if (merged) keyed.set(key, merged);
      }
      return { keyed, unkeyed: [] };
    },
  };
}

function groupByKey(raws: readonly Record<string, unknown>[]): Map<string, PgssRow[]> {
  const out = new Map<string, PgssRow[]>();
  for (const raw of raws) {
    const row = fromDriverRow(raw);
    const key = rowKey(row);
    if (key === null) continue;
    const list = out.get(key);
    if (list) list.push(row);
    else out.set(key, [row]);
  }
  return out;
}

const sumCalls = (rows: readonly PgssRow[]): string =>
  String(rows.reduce((acc, r) => acc + BigInt(r.counters.calls ?? 0), 0n));

/**
 * Keys per round trip when the whole cache is (re)filled. One full read of 5,000 entries held
 * every driver row at once: a 17 MiB jump of the agent's heap at its first tick, its largest single
 * allocation (measured with the agent's heap statistics at 1,000 tables / 5,000 statements, PG 17).
 * By-key pages bound that, for a few more short queries on the first tick and after a reset
 * (20 at 5,000 entries). Pages of 1,000 and of 250 keys gave the same agent peak RSS at 1,000
 * tables / 5,000 statements (97 MiB, docs/PERFORMANCE.md collection); 250 keeps one page's
 * driver rows under 1 MiB.
 */
export const REFILL_PAGE = 250;

/** Refill the whole cache, a page of keys at a time; keys that fail the text filter are remembered. */
async function refill(
  db: Db,
  q: PgssQueries,
  seen: ReadonlyMap<string, Seen>,
  cache: Map<string, Cached>,
  page: number,
): Promise<void> {
  cache.clear();
  const keys = [...seen.keys()];
  for (let i = 0; i < keys.length; i += page) {
    await fetchByKeys(db, q, seen, cache, keys.slice(i, i + page), []);
  }
}

async function fetchByKeys(
  db: Db,
  q: PgssQueries,
  seen: ReadonlyMap<string, Seen>,
  cache: Map<string, Cached>,
  fresh: readonly string[],
  movedKeys: readonly string[],
): Promise<void> {
  const moved = [...movedKeys];
  if (fresh.length > 0) {
    const { rows } = await db.query(q.textsByKeys, keyArrays(fresh, seen));
    const texts = new Map<string, { query: string | null; query_len: number | null }>();
    for (const r of rows) {
      const key = `${String(r.queryid)}_${Number(r.userid)}_${Number(r.dbid)}`;
      if (!texts.has(key)) {
        const len = toInt8(r.query_len);
        texts.set(key, {
          query: typeof r.query === 'string' ? r.query : null,
          query_len: typeof len === 'number' ? len : null,
        });
      }
    }
    for (const key of fresh) {
      const t = texts.get(key);
      const s = seen.get(key);
      const entry: Cached = {
        calls: s?.calls ?? '0',
        excluded: !t,
        query: t?.query ?? null,
        query_len: t?.query_len ?? null,
        merged: null,
      };
      cache.set(key, entry);
      if (s) s.cached = entry;
      if (t) moved.push(key);
    }
  }
  if (moved.length > 0) {
    const { rows } = await db.query(q.countersByKeys, keyArrays(moved, seen));
    const fetched = groupByKey(rows);
    for (const key of moved) {
      const c = cache.get(key);
      if (!c) continue;
      const rows = (fetched.get(key) ?? []).map((r) => ({ ...r, query: c.query, query_len: c.query_len }));
      c.merged = rows.length > 0 ? mergeGroup(rows) : null;
      c.calls = sumCalls(rows);
    }
  }
}
