import { describe, expect, it } from 'vitest';
import { encodeJson } from '../../src/platform/json.js';
import { aggregate, mergeGroup } from './aggregate.js';
import { baselineOf, rankAndDiff } from './deltas.js';
import { buildPayload, wireRow } from './payload.js';
import { buildQueries, columnList, parseExtVersion, UTILITY_PATTERN } from './query.js';
import { fromDriverRow, type PgssRow } from './row.js';

/** A driver row as the pool returns it (int8 as text, the rest typed). */
function row(over: Record<string, unknown>): PgssRow {
  return fromDriverRow({ queryid: '42', userid: 10, dbid: 5, query: 'SELECT 1', query_len: 8, ...over });
}

describe('aggregate', () => {
  // Group A ran {1, 3} ms: mean 2, population stddev 1. Group B ran {2, 4, 6} ms: mean 4,
  // stddev √(8/3). All five values {1, 3, 2, 4, 6}: mean 3.2, variance 14.8 / 5 = 2.96.
  const a = row({
    toplevel: true,
    calls: '2',
    total_exec_time: 4,
    min_exec_time: 1,
    max_exec_time: 3,
    mean_exec_time: 2,
    stddev_exec_time: 1,
    plans: '0',
    total_plan_time: 0,
    min_plan_time: 0,
    max_plan_time: 0,
    mean_plan_time: 0,
    stddev_plan_time: 0,
    rows: '2',
    wal_bytes: null,
    shared_blks_hit: '9007199254740991',
  });
  const b = row({
    toplevel: false,
    query: null,
    calls: '3',
    total_exec_time: 12,
    min_exec_time: 2,
    max_exec_time: 6,
    mean_exec_time: 4,
    stddev_exec_time: Math.sqrt(8 / 3),
    plans: '1',
    total_plan_time: 0.5,
    min_plan_time: 0.5,
    max_plan_time: 0.5,
    mean_plan_time: 0.5,
    stddev_plan_time: 0,
    rows: '3',
    wal_bytes: '100',
    shared_blks_hit: '2',
  });

  it('merges a key with pooled population stddev computed by hand', () => {
    const m = mergeGroup([a, b]);
    expect(m.counters.calls).toBe(5);
    expect(m.times.total_exec_time).toBe(16);
    expect(m.times.mean_exec_time).toBeCloseTo(3.2, 12);
    expect(m.times.stddev_exec_time).toBeCloseTo(Math.sqrt(2.96), 12);
    expect(m.times.min_exec_time).toBe(1);
    expect(m.times.max_exec_time).toBe(6);
    // Planning: only B planned (plans weight); A's zero extrema do not count.
    expect(m.counters.plans).toBe(1);
    expect(m.times.mean_plan_time).toBe(0.5);
    expect(m.times.min_plan_time).toBe(0.5);
    expect(m.times.stddev_plan_time).toBe(0);
    expect(m.counters.rows).toBe(5);
    expect(m.counters.wal_bytes).toBe(100); // null is absent, not 0
    expect(m.counters.local_blks_hit).toBeNull();
    expect(m.counters.shared_blks_hit).toBe(9007199254740993n); // exact beyond 2^53
    expect(m.toplevel).toBeNull();
    expect(m.query).toBe('SELECT 1');
  });

  it('keeps one row per key, in first-seen order, and passes rows without a key through', () => {
    const other = row({ queryid: '-9223372036854775808', calls: '1', total_exec_time: 1 });
    const nokey = row({ queryid: null, calls: '1', total_exec_time: 1 });
    const agg = aggregate([a, other, nokey, b]);
    expect([...agg.keyed.keys()]).toEqual(['42_10_5', '-9223372036854775808_10_5']);
    expect(agg.keyed.get('-9223372036854775808_10_5')!.queryid).toBe(-9223372036854775808n);
    expect(agg.unkeyed).toEqual([nokey]);
    // A single row is normalised too: mean = total / calls, toplevel null.
    const single = aggregate([
      row({ toplevel: true, calls: '4', total_exec_time: 2, mean_exec_time: 0.49, stddev_exec_time: 0.1 }),
    ]);
    const s = single.keyed.get('42_10_5')!;
    expect(s.times.mean_exec_time).toBe(0.5);
    expect(s.times.stddev_exec_time).toBeCloseTo(0.1, 12);
    expect(s.toplevel).toBeNull();
  });
});

describe('rankAndDiff', () => {
  const snap = (entries: [string, number, number][]) =>
    aggregate(
      entries.map(([q, calls, exec]) => row({ queryid: q, calls: String(calls), total_exec_time: exec })),
    );

  it('first tick: no deltas, count 0, average 0, rows kept in input order', () => {
    const r = rankAndDiff(
      null,
      snap([
        ['1', 5, 10],
        ['2', 1, 1],
      ]),
      500,
    );
    expect(r.deltas).toEqual([]);
    expect(r.deltaCount).toBe(0);
    expect(r.averageQueryRuntime).toBe(0);
    expect(r.rows.map((x) => x.queryid)).toEqual([1n, 2n]);
  });

  it('deltas, ranking by time per call, the cap, and the average over every delta', () => {
    const prev = baselineOf(
      snap([
        ['1', 10, 100],
        ['2', 10, 100],
        ['3', 10, 100],
        ['4', 10, 100],
      ]).keyed,
    );
    // 1: +2 calls +10 ms (5/call); 2: +1 call +20 ms (20/call); 3: unchanged; 4: calls up, time down
    // (reset-like, no delta); 5: new key counted from 0, +4 calls +4 ms (1/call).
    const cur = snap([
      ['1', 12, 110],
      ['2', 11, 120],
      ['3', 10, 100],
      ['4', 11, 50],
      ['5', 4, 4],
    ]);
    const r = rankAndDiff(prev, cur, 2);
    expect(r.rows.map((x) => x.queryid)).toEqual([2n, 1n]);
    expect(r.deltas).toEqual([
      { userid: 10, dbid: 5, queryid: 2n, calls: 1, total_exec_time: 20 },
      { userid: 10, dbid: 5, queryid: 1n, calls: 2, total_exec_time: 10 },
    ]);
    expect(r.deltaCount).toBe(3);
    expect(r.averageQueryRuntime).toBeCloseTo((10 + 20 + 4) / (2 + 1 + 4), 12);
    const all = rankAndDiff(prev, cur, 0);
    expect(all.rows.map((x) => x.queryid)).toEqual([2n, 1n, 5n, 3n, 4n]);
    expect(all.deltas).toHaveLength(3);
  });
});

describe('query builder', () => {
  const opts = { includeQueries: true, maxQueryTextLength: 100 };
  const cols = (v: string) => columnList(parseExtVersion(v)!, opts);

  it('parses extension versions', () => {
    expect(parseExtVersion('1.10')).toEqual({ major: 1, minor: 10 });
    expect(parseExtVersion('1.11beta')).toEqual({ major: 1, minor: 11 });
    expect(parseExtVersion('x')).toBeNull();
  });

  it('gates columns by extension version', () => {
    expect(cols('1.7')).toEqual(
      expect.arrayContaining([
        'total_time AS total_exec_time',
        'stddev_time AS stddev_exec_time',
        'NULL::float8 AS total_plan_time',
        'NULL::int8 AS plans',
        'NULL::int8 AS wal_bytes',
        'NULL::bool AS toplevel',
        'blk_read_time AS shared_blk_read_time',
      ]),
    );
    expect(cols('1.8')).toEqual(
      expect.arrayContaining([
        'total_exec_time',
        'plans',
        'wal_bytes',
        'NULL::bool AS toplevel',
        'NULL::int8 AS jit_functions',
        'NULL::float8 AS temp_blk_read_time',
        'NULL::float8 AS local_blk_read_time',
      ]),
    );
    expect(cols('1.9')).toContain('toplevel');
    expect(cols('1.10')).toEqual(
      expect.arrayContaining([
        'jit_functions',
        'jit_emission_time',
        'temp_blk_write_time',
        'blk_write_time AS shared_blk_write_time',
      ]),
    );
    for (const v of ['1.11', '1.12']) {
      expect(cols(v)).toEqual(
        expect.arrayContaining(['shared_blk_read_time', 'local_blk_read_time', 'local_blk_write_time']),
      );
      expect(cols(v).join()).not.toContain('blk_read_time AS');
    }
    expect(cols('1.11').slice(0, 5)).toEqual([
      'userid',
      'dbid',
      'queryid::text AS queryid',
      'LEFT(query, 100) AS query',
      'LENGTH(query) AS query_len',
    ]);
    expect(
      columnList(parseExtVersion('1.11')!, { includeQueries: false, maxQueryTextLength: 100 }),
    ).toContain('NULL::text AS query');
  });

  it('reads from public.pg_stat_statements and filters agent and utility statements', () => {
    const q = buildQueries(parseExtVersion('1.11')!, opts);
    expect(q.full).toContain('FROM public.pg_stat_statements WHERE');
    expect(q.full).toContain("strpos(query, '/*dbtune*/') = 0");
    expect(q.keys).toContain('public.pg_stat_statements(false)');
  });

  it('utility pattern', () => {
    const re = new RegExp(UTILITY_PATTERN, 'i');
    for (const s of [
      'BEGIN',
      'commit;',
      '  ROLLBACK ; ',
      'SELECT $1',
      'select version()',
      'SELECT version ( ) ;',
      'SHOW ',
      'SET ',
      'SELECT pg_',
    ]) {
      expect(re.test(s), s).toBe(true);
    }
    for (const s of [
      'SET work_mem = $1',
      'SHOW work_mem',
      'SELECT $1, $2',
      'SELECT pg_sleep($1)',
      'BEGIN ISOLATION LEVEL SERIALIZABLE',
      'SELECT * FROM t',
    ]) {
      expect(re.test(s), s).toBe(false);
    }
  });
});

describe('payload', () => {
  it('omits empty optional fields, keeps others as null, writes queryid as a JSON integer', () => {
    const r = row({
      queryid: '-4286213357432418707',
      query: null,
      query_len: null,
      calls: '3',
      total_exec_time: 1.5,
    });
    const w = wireRow(r);
    expect(w).not.toHaveProperty('query');
    expect(w).not.toHaveProperty('query_len');
    expect(w).not.toHaveProperty('local_blk_read_time');
    expect(w.plans).toBeNull();
    expect(w.toplevel).toBeNull();
    const p = buildPayload('2024-01-02T03:04:05Z', {
      rows: [r],
      deltas: [],
      deltaCount: 0,
      averageQueryRuntime: 0,
    });
    expect(p).not.toHaveProperty('deltas');
    expect(encodeJson(p)).toContain('"userid":10,"dbid":5,"queryid":-4286213357432418707,"plans":null');
    expect(Object.keys(p)).toEqual(['collected_at', 'rows', 'delta_count', 'average_query_runtime']);
  });
});
