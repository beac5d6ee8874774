/**
 * Two ways to read pg_stat_statements (bench/pg-stat-statements.ts measures both):
 *
 * - `full`: every row with every column and the query text, every tick.
 * - `two-phase`: counters from `pg_stat_statements(false)` (no query-text file read) for the
 *   entries whose call count moved since the last tick (execution counters and times only ever
 *   move together with `calls`), rows read earlier for the others, and query texts once per new
 *   entry (an entry's text never changes while the entry lives); the text read also applies the
 *   text filter, and filtered keys are remembered. The result equals a full read. Datadog adopted
 *   the same idea (integrations-core#17187).
 *
 * Every call of `pg_stat_statements()` copies every entry of the server's hash table into a
 * result set, whatever the query then filters, so what a tick costs the server is mostly how many
 * times it calls the function (measured on PG 17 with 4,755 entries: a bare `count(*)` over it
 * takes as long as reading every entry's key and call count). A steady tick therefore calls it
 * once (extension 1.9+): it sends the keys and call counts it knows (binary array parameters,
 * src/pg/binary-array.ts) and gets back the counters of new entries and of entries whose count
 * moved (`changed` in query.ts). What that pass cannot see is an entry that left the view; that
 * happens by eviction or by a reset of every entry, both of which move pg_stat_statements_info
 * (`dealloc`, `stats_reset`), read each tick for a few microseconds, or by a reset of single
 * entries, which moves nothing: so a "resync" tick (the keys pass below, which sees every entry)
 * runs when the info marker moved and every RESYNC_TICKS ticks otherwise, bounding how long a
 * removed entry can stay in the payload.
 *
 * A resync tick (and every tick before extension 1.9, which has no pg_stat_statements_info)
 * reads the keys with `calls` first, then counters only for keys whose call count moved, joined
 * on the key arrays. When more than half of the keys are new or moved (first tick, after a reset,
 * a burst of new statements), the cache is refilled from scratch, by key in pages of REFILL_PAGE,
 * so the agent never holds the driver rows of the whole view at once.
 */
import type { Db } from '../../src/pg/pool.js';
import type { PgssQueries } from './query.js';
import { boolArrayParam, int8ArrayParam, oidArrayParam } from '../../src/pg/binary-array.js';
import { fromDriverRow, rowKey, toInt8, type PgssRow } from './row.js';

export type ReadStrategy = 'full' | 'two-phase';

export interface PgssReader {
  read(db: Db): Promise<PgssRow[]>;
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
      return rows.map(fromDriverRow);
    },
  };
}

/** One server row of a key (`toplevel` splits a key in two under track = all) and its call count. */
interface Part {
  toplevel: boolean | null;
  calls: bigint;
}

interface Seen {
  queryid: string;
  userid: number;
  dbid: number;
  calls: bigint;
  parts: Part[];
}

interface Cached {
  queryid: bigint;
  userid: number;
  dbid: number;
  calls: bigint;
  /** The key's server rows with their call counts when last read (what a steady tick sends). */
  parts: Part[];
  /** Filtered out by the text filter (agent or utility statement). */
  excluded: boolean;
  query: string | null;
  query_len: number | null;
  rows: PgssRow[];
}

type KeyRef = Pick<Seen, 'queryid' | 'userid' | 'dbid'>;

function keyArrays(
  keys: readonly string[],
  refs: ReadonlyMap<string, KeyRef>,
): [string[], number[], number[]] {
  const ids: string[] = [];
  const users: number[] = [];
  const dbs: number[] = [];
  for (const key of keys) {
    const s = refs.get(key);
    if (!s) continue;
    ids.push(s.queryid);
    users.push(s.userid);
    dbs.push(s.dbid);
  }
  return [ids, users, dbs];
}

async function readKeys(db: Db, q: PgssQueries): Promise<Map<string, Seen>> {
  const { rows } = await db.query(q.keys);
  const seen = new Map<string, Seen>();
  for (const r of rows) {
    if (typeof r.queryid !== 'string') continue; // cannot be asked for by key; pg_stat_statements sets it
    const userid = Number(r.userid);
    const dbid = Number(r.dbid);
    const key = `${r.queryid}_${userid}_${dbid}`;
    const calls = BigInt(toInt8(r.calls) ?? 0);
    const part = { toplevel: typeof r.toplevel === 'boolean' ? r.toplevel : null, calls };
    const s = seen.get(key);
    if (s) {
      s.calls += calls;
      s.parts.push(part);
    } else seen.set(key, { queryid: r.queryid, userid, dbid, calls, parts: [part] });
  }
  return seen;
}

/**
 * Steady ticks between two resync ticks (the keys pass, which also notices entries removed one by
 * one with `pg_stat_statements_reset(userid, dbid, queryid)`): once a minute at the default 5 s.
 */
export const RESYNC_TICKS = 12;

function twoPhaseReader(q: PgssQueries, refillPage: number): PgssReader {
  const cache = new Map<string, Cached>();
  let marker: string | null = null;
  let steadyTicks = 0;
  /** A resync failed part way: the cache may lack keys or hold stale rows until one completes. */
  let incomplete = true;
  return {
    async read(db) {
      let info: string | null = null;
      if (q.info) {
        const { rows } = await db.query<{ marker: string | null }>(q.info);
        info = rows[0]?.marker ?? null;
      }
      const steady =
        q.changed !== null &&
        !incomplete &&
        info !== null &&
        info === marker &&
        steadyTicks < RESYNC_TICKS &&
        (await readChanged(db, q, q.changed, cache));
      marker = info;
      if (steady) steadyTicks++;
      else {
        incomplete = true;
        await resync(db, q, cache, refillPage);
        incomplete = false;
        steadyTicks = 0;
      }
      const out: PgssRow[] = [];
      for (const c of cache.values()) if (!c.excluded) out.push(...c.rows);
      return out;
    },
  };
}

/** The keys pass: every entry's key and call count, then what moved (see the file comment). */
async function resync(db: Db, q: PgssQueries, cache: Map<string, Cached>, refillPage: number): Promise<void> {
  const seen = await readKeys(db, q);
  for (const key of cache.keys()) if (!seen.has(key)) cache.delete(key);

  const fresh: string[] = [];
  const moved: string[] = [];
  for (const [key, s] of seen) {
    const c = cache.get(key);
    if (!c || s.calls < c.calls) fresh.push(key);
    else if (c.excluded) c.calls = s.calls;
    else if (c.calls !== s.calls) moved.push(key);
  }
  if ((fresh.length + moved.length) * 2 > seen.size) {
    await refill(db, q, seen, cache, refillPage);
  } else {
    await fetchByKeys(db, q, seen, cache, fresh, moved);
  }
  for (const [key, s] of seen) {
    const c = cache.get(key);
    if (c) c.parts = s.parts;
  }
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

const sumCalls = (rows: readonly PgssRow[]) =>
  rows.reduce((acc, r) => acc + BigInt(r.counters.calls ?? 0), 0n);

const partsOf = (rows: readonly PgssRow[]): Part[] =>
  rows.map((r) => ({ toplevel: r.toplevel, calls: BigInt(r.counters.calls ?? 0) }));

/** `held` with each row replaced by the `got` row of the same `toplevel`; new variants appended. */
function mergeRows(held: readonly PgssRow[], got: readonly PgssRow[]): PgssRow[] {
  const out = held.map((h) => got.find((g) => g.toplevel === h.toplevel) ?? h);
  for (const g of got) if (!held.some((h) => h.toplevel === g.toplevel)) out.push(g);
  return out;
}

/**
 * The steady tick: one pass over the view for the entries that are new or whose call count moved.
 * False (and nothing changed) when more than half of the known rows moved: the caller refills.
 */
async function readChanged(
  db: Db,
  q: PgssQueries,
  sql: string,
  cache: Map<string, Cached>,
): Promise<boolean> {
  const ids: bigint[] = [];
  const users: number[] = [];
  const dbs: number[] = [];
  const tops: (boolean | null)[] = [];
  const calls: (bigint | null)[] = [];
  for (const c of cache.values()) {
    for (const p of c.parts) {
      ids.push(c.queryid);
      users.push(c.userid);
      dbs.push(c.dbid);
      tops.push(p.toplevel);
      // A filtered statement (the agent's own, run every tick) need not come back when it runs.
      calls.push(c.excluded ? null : p.calls);
    }
  }
  const limit = Math.floor(ids.length / 2) + 1;
  const { rows } = await db.query(sql, [
    int8ArrayParam(ids),
    oidArrayParam(users),
    oidArrayParam(dbs),
    boolArrayParam(tops),
    int8ArrayParam(calls),
    limit,
  ]);
  if (rows.length >= limit) return false;

  const fresh = new Map<string, { ref: KeyRef; rows: PgssRow[] }>();
  for (const [key, got] of groupByKey(rows)) {
    const c = cache.get(key);
    if (!c) {
      const r = got[0]!;
      const ref = { queryid: String(r.queryid), userid: r.userid ?? 0, dbid: r.dbid ?? 0 };
      fresh.set(key, { ref, rows: got });
      continue;
    }
    const merged = mergeRows(c.rows, got);
    // A count that went down: the entry was removed and made again; its text is read again.
    const backwards = got.some((g) => {
      const before = c.parts.find((p) => p.toplevel === g.toplevel);
      return before !== undefined && BigInt(g.counters.calls ?? 0) < before.calls;
    });
    if (backwards) {
      fresh.set(key, {
        ref: { queryid: c.queryid.toString(), userid: c.userid, dbid: c.dbid },
        rows: merged,
      });
    } else if (c.excluded) {
      for (const g of got) {
        if (!c.parts.some((p) => p.toplevel === g.toplevel))
          c.parts.push({ toplevel: g.toplevel, calls: 0n });
      }
    } else {
      c.rows = merged.map((r) => (got.includes(r) ? { ...r, query: c.query, query_len: c.query_len } : r));
      c.parts = partsOf(c.rows);
      c.calls = sumCalls(c.rows);
    }
  }
  if (fresh.size > 0) {
    const refs = new Map([...fresh].map(([k, f]) => [k, f.ref]));
    const texts = await readTexts(db, q, [...fresh.keys()], refs);
    for (const [key, f] of fresh) {
      const t = texts.get(key);
      const held = f.rows.map((r) => ({ ...r, query: t?.query ?? null, query_len: t?.query_len ?? null }));
      cache.set(key, {
        queryid: BigInt(f.ref.queryid),
        userid: f.ref.userid,
        dbid: f.ref.dbid,
        calls: sumCalls(f.rows),
        parts: partsOf(f.rows),
        excluded: !t,
        query: t?.query ?? null,
        query_len: t?.query_len ?? null,
        rows: t ? held : [],
      });
    }
  }
  return true;
}

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

/** Query texts (text filter applied) of the given keys; a key missing from the result is filtered. */
async function readTexts(
  db: Db,
  q: PgssQueries,
  keys: readonly string[],
  refs: ReadonlyMap<string, KeyRef>,
): Promise<Map<string, { query: string | null; query_len: number | null }>> {
  const { rows } = await db.query(q.textsByKeys, keyArrays(keys, refs));
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
  return texts;
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
    const texts = await readTexts(db, q, fresh, seen);
    for (const key of fresh) {
      const t = texts.get(key);
      const s = seen.get(key);
      if (!s) continue;
      cache.set(key, {
        queryid: BigInt(s.queryid),
        userid: s.userid,
        dbid: s.dbid,
        calls: s.calls,
        parts: s.parts,
        excluded: !t,
        query: t?.query ?? null,
        query_len: t?.query_len ?? null,
        rows: [],
      });
      if (t) moved.push(key);
    }
  }
  if (moved.length > 0) {
    const { rows } = await db.query(q.countersByKeys, keyArrays(moved, seen));
    const fetched = groupByKey(rows);
    for (const key of moved) {
      const c = cache.get(key);
      if (!c) continue;
      c.rows = (fetched.get(key) ?? []).map((r) => ({ ...r, query: c.query, query_len: c.query_len }));
      c.calls = sumCalls(c.rows);
    }
  }
}
