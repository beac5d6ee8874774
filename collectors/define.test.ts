import { describe, expect, it } from 'vitest';
import type { Db } from '../src/pg/pool.js';
import type { Logger } from '../src/log.js';
import { defineRowsCollector, projectRow } from './define.js';
import type { CollectContext } from './types.js';

function fakeContext(rows: Record<string, unknown>[], pgMajor = 17) {
  const queries: string[] = [];
  const db = {
    query: (sql: string) => {
      queries.push(sql);
      return Promise.resolve({ rows });
    },
  } as unknown as Db;
  const ctx: CollectContext = {
    db,
    pgMajor,
    log: {} as Logger,
    signal: new AbortController().signal,
    now: () => new Date('2025-01-02T03:04:05.670Z'),
  };
  return { ctx, queries };
}

const columns = { a: 'int', b: 'text', c: 'time' } as const;

describe('projectRow', () => {
  it('keeps declared columns in declared order, fills absent ones with null, drops the rest', () => {
    const row = projectRow({ c: '2025-01-01T00:00:00Z', extra: 1, a: 5 }, columns);
    expect(row).toEqual({ a: 5, b: null, c: '2025-01-01T00:00:00Z' });
    expect(Object.keys(row)).toEqual(['a', 'b', 'c']);
  });
});

describe('defineRowsCollector', () => {
  const def = defineRowsCollector({
    name: 'demo',
    docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html',
    intervalSeconds: 60,
    cost: { weight: 'light' },
    minPgVersion: 14,
    columns,
    sql: (major) => (major >= 16 ? 'SELECT new' : 'SELECT old'),
  });

  it('wraps rows in the catalog envelope with collected_at as Go UTC time', async () => {
    const { ctx, queries } = fakeContext([{ a: 1, b: 'x' }], 15);
    const payload = await def.create({}).collect(ctx);
    expect(payload).toEqual({ collected_at: '2025-01-02T03:04:05.67Z', rows: [{ a: 1, b: 'x', c: null }] });
    expect(queries).toEqual(['SELECT old']);
    expect(JSON.stringify(payload)).toBe(
      '{"collected_at":"2025-01-02T03:04:05.67Z","rows":[{"a":1,"b":"x","c":null}]}',
    );
  });

  it('sends rows: [] for an empty result, or null with skipEmpty', async () => {
    expect(await def.create({}).collect(fakeContext([]).ctx)).toMatchObject({ rows: [] });
    const quiet = defineRowsCollector({
      name: 'q',
      docs: 'https://www.postgresql.org/docs/',
      intervalSeconds: 1,
      cost: { weight: 'light' },
      columns,
      sql: 'SELECT 1',
      skipEmpty: true,
    });
    expect(await quiet.create({}).collect(fakeContext([]).ctx)).toBeNull();
  });

  it('does not query below minPgVersion', async () => {
    const { ctx, queries } = fakeContext([{ a: 1 }], 13);
    expect(await def.create({}).collect(ctx)).toBeNull();
    expect(queries).toEqual([]);
  });

  it('refuses to start after the deadline passed', async () => {
    const { ctx, queries } = fakeContext([{ a: 1 }]);
    const ac = new AbortController();
    ac.abort(new Error('deadline'));
    await expect(def.create({}).collect({ ...ctx, signal: ac.signal })).rejects.toThrow('deadline');
    expect(queries).toEqual([]);
  });

  it('exposes its contract fields', () => {
    expect(def).toMatchObject({ name: 'demo', intervalSeconds: 60, minPgVersion: 14, configurable: true });
    expect(def.bootstrap).toBeUndefined();
    expect(def.skipUnchanged).toBeUndefined();
    expect(def.sqlFor(16)).toBe('SELECT new');
  });
});
