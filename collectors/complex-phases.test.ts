import { describe, expect, it } from 'vitest';
import { tpsRow } from './database-transactions.js';
import { topoOrder } from './ddl.js';
import {
  FULL_RESCAN_EVERY,
  initialPgClassState,
  pgClassAdvance,
  pgClassPlan,
  pgClassSql,
} from './pg-class.js';
import { parseTextArray, pgStatsAdvance, pgStatsPlan, type PgStatsState } from './pg-stats.js';
import { initialStatioState, statioStep, type PgStatioUserIndexesRow } from './pg-statio-user-indexes.js';
import { identityStale, IDENTITY_TTL_MS } from './server-uptime.js';
import { waitEventRows } from './wait-events.js';

describe('database_transactions tps', () => {
  it('first tick, later ticks, counter reset, zero omitted', () => {
    expect(tpsRow(null, { xactCommit: 100, at: 0 })).toEqual({ xact_commit: 100 });
    expect(tpsRow({ xactCommit: 100, at: 0 }, { xactCommit: 150, at: 5_000 })).toEqual({
      xact_commit: 150,
      tps: 10,
    });
    expect(tpsRow({ xactCommit: 150, at: 5_000 }, { xactCommit: 20, at: 10_000 })).toEqual({
      xact_commit: 20,
    });
    expect(tpsRow({ xactCommit: 20, at: 10_000 }, { xactCommit: 20, at: 15_000 })).toEqual({
      xact_commit: 20,
    });
    const big = 2n ** 60n;
    expect(tpsRow({ xactCommit: big, at: 0 }, { xactCommit: big + 4n, at: 2_000 })).toEqual({
      xact_commit: big + 4n,
      tps: 2,
    });
  });
});

describe('pg_class phases', () => {
  it('backfills page by page, switches to delta on an empty page, rescans fully every 30th delta tick', () => {
    let s = initialPgClassState();
    expect(pgClassPlan(s)).toEqual({ kind: 'page', offset: 0 });
    s = pgClassAdvance(s, pgClassPlan(s), 500, 'T0');
    expect(pgClassPlan(s)).toEqual({ kind: 'page', offset: 500 });
    s = pgClassAdvance(s, pgClassPlan(s), 120, 'T1');
    s = pgClassAdvance(s, pgClassPlan(s), 0, 'T2');
    // The delta baseline is the first backfill tick, so changes during backfill are not lost.
    expect(pgClassPlan(s)).toEqual({ kind: 'delta', since: 'T0' });
    const kinds: string[] = [];
    for (let i = 1; i <= 2 * FULL_RESCAN_EVERY; i++) {
      const step = pgClassPlan(s);
      kinds.push(step.kind);
      s = pgClassAdvance(s, step, 3, `D${i}`);
    }
    expect(kinds.filter((k) => k === 'full')).toHaveLength(2);
    expect(kinds[FULL_RESCAN_EVERY - 1]).toBe('full');
    expect(kinds[2 * FULL_RESCAN_EVERY - 1]).toBe('full');
    expect(pgClassPlan(s)).toEqual({ kind: 'delta', since: `D${2 * FULL_RESCAN_EVERY}` });
  });

  it('gates relallfrozen on PG18 and limits deltas to tables', () => {
    expect(pgClassSql(17, { kind: 'full' })).toContain('NULL::int4 AS relallfrozen');
    expect(pgClassSql(18, { kind: 'full' })).toContain('c.relallfrozen');
    expect(pgClassSql(18, { kind: 'delta', since: 'x' })).toContain("c.relkind = 'r'");
  });
});

describe('pg_stats phases', () => {
  it('bootstrap → delta without table data', () => {
    let s: PgStatsState = { phase: 'bootstrap', offset: 0, lastPoll: null };
    expect(pgStatsPlan(s)).toEqual({ kind: 'bootstrap' });
    s = pgStatsAdvance(s, pgStatsPlan(s), 0, 'T0', false);
    expect(pgStatsPlan(s)).toEqual({ kind: 'delta', since: 'T0' });
    s = pgStatsAdvance(s, pgStatsPlan(s), 0, 'T1', false);
    expect(pgStatsPlan(s)).toEqual({ kind: 'delta', since: 'T1' });
  });

  it('bootstrap → backfill pages → delta with table data', () => {
    let s: PgStatsState = { phase: 'bootstrap', offset: 0, lastPoll: null };
    s = pgStatsAdvance(s, pgStatsPlan(s), 0, 'T0', true);
    expect(pgStatsPlan(s)).toEqual({ kind: 'page', offset: 0 });
    s = pgStatsAdvance(s, pgStatsPlan(s), 200, 'T1', true);
    expect(pgStatsPlan(s)).toEqual({ kind: 'page', offset: 200 });
    s = pgStatsAdvance(s, pgStatsPlan(s), 0, 'T2', true);
    expect(pgStatsPlan(s)).toEqual({ kind: 'delta', since: 'T0' });
  });

  it('parses PostgreSQL array text', () => {
    expect(parseTextArray('{a,b,c}')).toEqual(['a', 'b', 'c']);
    expect(parseTextArray('{"x y","q\\"uote","back\\\\slash",NULL,"NULL"}')).toEqual([
      'x y',
      'q"uote',
      'back\\slash',
      null,
      'NULL',
    ]);
    expect(parseTextArray('{}')).toEqual([]);
    expect(parseTextArray('{1.5,-2}')).toEqual(['1.5', '-2']);
    expect(parseTextArray('not an array')).toBeNull();
    expect(parseTextArray('{{1,2},{3,4}}')).toBeNull();
  });
});

describe('pg_statio_user_indexes paging', () => {
  const r = (id: number, read: number, hit: number): PgStatioUserIndexesRow => ({
    relid: 1,
    indexrelid: id,
    schemaname: 's',
    relname: 't',
    indexrelname: `i${id}`,
    idx_blks_read: read,
    idx_blks_hit: hit,
  });

  it('backfill sends everything, delta sends changes, an empty page restarts the walk', () => {
    let s = initialStatioState();
    let step = statioStep(s, [r(1, 0, 0), r(2, 5, 5)]);
    expect(step.emit).toHaveLength(2);
    s = step.next;
    expect(s.after).toBe(2);
    step = statioStep(s, []);
    expect(step.emit).toEqual([]);
    s = step.next;
    expect(s).toMatchObject({ mode: 'delta', after: 0 });
    step = statioStep(s, [r(1, 0, 0), r(2, 5, 6)]);
    expect(step.emit.map((x) => x.indexrelid)).toEqual([2]);
    s = step.next;
    step = statioStep(s, [r(3, 1, 1)]); // a new index is a change
    expect(step.emit.map((x) => x.indexrelid)).toEqual([3]);
  });
});

describe('server_uptime identity cache', () => {
  it('re-reads after 10 minutes or a restart', () => {
    const cache = { identity: { system_identifier: '1', timeline_id: 1 }, startTime: 'A', readAt: 0 };
    expect(identityStale(null, 'A', 0)).toBe(true);
    expect(identityStale(cache, 'A', IDENTITY_TTL_MS - 1)).toBe(false);
    expect(identityStale(cache, 'A', IDENTITY_TTL_MS)).toBe(true);
    expect(identityStale(cache, 'B', 1)).toBe(true);
  });
});

describe('wait_events rows', () => {
  it('fixed types 0-filled plus TOTAL over every type', () => {
    const rows = waitEventRows(
      new Map([
        ['Lock', 2],
        ['IO', 1],
        ['InjectionPoint', 1],
      ]),
    );
    expect(rows.map((x) => x.wait_event_type)).toEqual([
      'Activity',
      'BufferPin',
      'Client',
      'Extension',
      'IO',
      'IPC',
      'Lock',
      'LWLock',
      'Timeout',
      'TOTAL',
    ]);
    expect(rows.find((x) => x.wait_event_type === 'Lock')!.current_count).toBe(2);
    expect(rows.find((x) => x.wait_event_type === 'Client')!.current_count).toBe(0);
    expect(rows.at(-1)!.current_count).toBe(4);
  });
});

describe('ddl ordering', () => {
  it('puts dependencies first, otherwise sorts by key', () => {
    const order = topoOrder([
      { id: 1, deps: [2], key: 'a_view', stmt: 'a' },
      { id: 2, deps: [9], key: 'b_view', stmt: 'b' }, // 9: a table, outside this section
      { id: 3, deps: [], key: 'c_view', stmt: 'c' },
      { id: 4, deps: [5], key: 'd', stmt: 'd' }, // cycle: falls back to key order
      { id: 5, deps: [4], key: 'e', stmt: 'e' },
    ]);
    expect(order.map((o) => o.stmt)).toEqual(['b', 'a', 'c', 'd', 'e']);
  });
});
