import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RowsCollectorDefinition } from './define.js';
import { SECTIONS } from './ddl.js';
import { BOOTSTRAP, COLLECTOR_ORDER, COLLECTORS, collectorsInOrder } from './index.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const NOT_COLLECTORS = new Set(['types.ts', 'define.ts', 'index.ts']);

/** Collector names implied by the folder: one kebab-case file or folder per endpoint. */
function namesFromFolder(): string[] {
  return readdirSync(dir)
    .filter((f) =>
      statSync(path.join(dir, f)).isDirectory()
        ? true
        : f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_COLLECTORS.has(f),
    )
    .map((f) => f.replace(/\.ts$/, '').replaceAll('-', '_'))
    .sort();
}

// docs/PROTOCOL.md §3.3: default interval (s), minimum major, skipUnchanged — for every collector.
const EXPECTED: Record<string, [interval: number, min: number | undefined, skip: boolean | undefined]> = {
  autovacuum_count: [5, undefined, false],
  database_connections: [5, undefined, false],
  system_db_size: [5, undefined, false],
  database_transactions: [5, undefined, undefined],
  server_uptime: [5, undefined, undefined],
  wait_events: [5, undefined, undefined],
  pg_stat_statements: [5, undefined, undefined],
  pg_locks: [30, undefined, false],
  pg_stat_progress_analyze: [30, 13, true],
  pg_stat_progress_create_index: [30, undefined, true],
  pg_stat_progress_vacuum: [30, undefined, true],
  pg_class: [60, undefined, undefined],
  pg_database: [60, undefined, false],
  pg_prepared_xacts: [60, undefined, true],
  pg_replication_slots: [60, undefined, true],
  pg_stat_activity: [60, undefined, false],
  pg_stat_archiver: [60, undefined, true],
  pg_stat_bgwriter: [60, undefined, false],
  pg_stat_checkpointer: [60, 17, false],
  pg_stat_database: [60, undefined, false],
  pg_stat_database_conflicts: [60, undefined, true],
  pg_stat_io: [60, 16, false],
  pg_stat_recovery_prefetch: [60, 15, false],
  pg_stat_replication: [60, undefined, false],
  pg_stat_replication_slots: [60, 14, false],
  pg_stat_slru: [60, 13, false],
  pg_stat_subscription: [60, undefined, false],
  pg_stat_subscription_stats: [60, 15, true],
  pg_stat_user_functions: [60, undefined, false],
  pg_stat_wal: [60, 14, false],
  pg_stat_wal_receiver: [60, undefined, false],
  pg_statio_user_tables: [60, undefined, false],
  pg_stats: [60, undefined, undefined],
  pg_stat_user_tables: [60, undefined, undefined],
  pg_stat_user_indexes: [60, undefined, undefined],
  pg_statio_user_indexes: [60, undefined, undefined],
  ddl: [300, undefined, undefined],
  pg_attribute: [300, undefined, true],
  pg_constraint: [300, undefined, true],
  pg_index: [300, undefined, false],
  pg_type: [300, undefined, true],
  pg_index_inventory: [3600, undefined, true],
};

describe('collector registry', () => {
  const defs = Object.entries(COLLECTORS);

  it('has 42 collectors keyed by their own unique names, equal to the folder listing', () => {
    expect(defs).toHaveLength(42);
    for (const [key, def] of defs) expect(def.name).toBe(key);
    expect(new Set(defs.map(([, d]) => d.name)).size).toBe(defs.length);
    expect(Object.keys(COLLECTORS).sort()).toEqual(namesFromFolder());
    expect(Object.keys(COLLECTORS)).toEqual([...Object.keys(COLLECTORS)].sort());
  });

  it('gives every collector a PostgreSQL docs link and a positive whole-second interval', () => {
    for (const [, def] of defs) {
      expect(def.docs, def.name).toMatch(/^https:\/\/www\.postgresql\.org\/docs\//);
      expect(Number.isInteger(def.intervalSeconds) && def.intervalSeconds > 0, def.name).toBe(true);
      expect(typeof def.create, def.name).toBe('function');
    }
  });

  it('matches the default intervals, version gates and de-duplication of docs/PROTOCOL.md §3.3', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(COLLECTORS).sort());
    for (const [name, [interval, min, skip]] of Object.entries(EXPECTED)) {
      const def = COLLECTORS[name]!;
      expect(def.intervalSeconds, name).toBe(interval);
      expect(def.minPgVersion, name).toBe(min);
      if (skip !== undefined) expect(def.skipUnchanged === true, name).toBe(skip);
    }
  });

  it('bootstraps exactly the §2.4 set, in start order', () => {
    expect([...BOOTSTRAP].sort()).toEqual(
      [
        'pg_attribute',
        'pg_class',
        'pg_index_inventory',
        'pg_stat_user_indexes',
        'pg_stat_user_tables',
        'pg_statio_user_indexes',
        'pg_stats',
      ].sort(),
    );
    expect(BOOTSTRAP).toEqual(COLLECTOR_ORDER.filter((n) => BOOTSTRAP.includes(n)));
  });

  it('orders all 42 collectors exactly once, ddl third and the typed six last', () => {
    expect(COLLECTOR_ORDER).toHaveLength(42);
    expect([...COLLECTOR_ORDER].sort()).toEqual(Object.keys(COLLECTORS).sort());
    expect(COLLECTOR_ORDER.slice(0, 4)).toEqual([
      'autovacuum_count',
      'database_connections',
      'ddl',
      'system_db_size',
    ]);
    expect(COLLECTOR_ORDER.slice(-6)).toEqual([
      'pg_stat_statements',
      'pg_class',
      'pg_stats',
      'pg_stat_user_tables',
      'pg_stat_user_indexes',
      'pg_statio_user_indexes',
    ]);
    expect(collectorsInOrder().map((d) => d.name)).toEqual(COLLECTOR_ORDER);
  });

  it('lets only ddl and pg_index_inventory escape configuration (§6.2)', () => {
    const fixed = defs.filter(([, d]) => d.configurable === false).map(([n]) => n);
    expect(fixed.sort()).toEqual(['ddl', 'pg_index_inventory']);
  });

  it('gives every collector a cost, and change markers only to de-duplicated collectors, covering every catalog they read', () => {
    // Views read through their base catalog (pg_roles is pg_authid).
    const base: Record<string, string> = { pg_roles: 'pg_authid' };
    for (const def of collectorsInOrder()) {
      expect(['light', 'moderate', 'heavy'], def.name).toContain(def.cost.weight);
      const marker = def.cost.changeMarker;
      if (!marker) continue;
      expect(def.skipUnchanged, def.name).toBe(true);
      const sql =
        def.name === 'ddl'
          ? SECTIONS.map((s) => s.sql).join('\n')
          : [13, 18].map((m) => (def as RowsCollectorDefinition).sqlFor(m)).join('\n');
      const read = new Set(
        [...sql.matchAll(/\b(?:FROM|JOIN)\s+(pg_[a-z_]+)/g)].map((m) => base[m[1]!] ?? m[1]!),
      );
      expect(read.size, def.name).toBeGreaterThan(0);
      for (const catalog of read) expect(marker, `${def.name} reads ${catalog}`).toContain(catalog);
    }
  });
});
