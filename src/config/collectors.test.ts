import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { loadConfig, type CollectorInfo } from './index.js';

const pgss = z.object({
  diff_limit: z.number().int().min(0).max(500).default(500),
  include_queries: z.boolean().default(true),
  max_query_text_length: z.number().int().min(0).max(8192).default(8192),
});

const simple = (name: string, intervalSeconds = 60): CollectorInfo => ({
  name,
  intervalSeconds,
  configurable: true,
});

const REGISTRY: CollectorInfo[] = [
  simple('database_transactions', 5),
  simple('pg_index', 300),
  { name: 'pg_index_inventory', intervalSeconds: 3600, configurable: false },
  { name: 'ddl', intervalSeconds: 300, configurable: false },
  simple('pg_stat_database'),
  simple('pg_stat_database_conflicts'),
  simple('pg_stat_replication'),
  simple('pg_stat_replication_slots'),
  simple('pg_stat_subscription'),
  simple('pg_stat_subscription_stats'),
  simple('pg_stat_wal'),
  simple('pg_stat_wal_receiver'),
  { name: 'pg_stat_statements', intervalSeconds: 5, configurable: true, optionsSchema: pgss },
  {
    name: 'pg_stats',
    intervalSeconds: 60,
    optionsSchema: z.object({
      backfill_batch_size: z.number().int().min(0).default(200),
      include_table_data: z.boolean().default(false),
    }),
  },
];

const BASE_ENV = { DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://h/db', DBT_DBTUNE_SERVER_URL: 'embedded' };
const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-collectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(env: NodeJS.ProcessEnv = {}, yaml?: string) {
  let file: string | undefined;
  if (yaml !== undefined) {
    file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
  }
  return loadConfig({ path: file, searchPaths: [], collectors: REGISTRY, env: { ...BASE_ENV, ...env } });
}

function problems(env: NodeJS.ProcessEnv = {}, yaml?: string): readonly string[] {
  try {
    load(env, yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('collectors: resolved shape', () => {
  it('has an entry for every registry collector with defaults', () => {
    const { config, sources } = load();
    expect(Object.keys(config.collectors).sort()).toEqual(REGISTRY.map((c) => c.name).sort());
    expect(config.collectors['pg_stat_statements']).toEqual({
      enabled: true,
      interval_seconds: 5,
      options: { diff_limit: 500, include_queries: true, max_query_text_length: 8192 },
    });
    expect(config.collectors['pg_stat_wal']).toEqual({ enabled: true, interval_seconds: 60, options: {} });
    expect(sources['collectors.pg_stat_statements.diff_limit']).toBe('default');
  });

  it('accepts the registry as a map keyed by name too', () => {
    const byName = Object.fromEntries(REGISTRY.map((c) => [c.name, c]));
    const r = loadConfig({ searchPaths: [], collectors: byName, env: BASE_ENV });
    expect(r.config.collectors).toEqual(load().config.collectors);
  });

  it('reads YAML in bool/int/float-without-fraction/string forms', () => {
    const { config, sources } = load(
      {},
      [
        'collectors:',
        '  pg_stat_statements:',
        '    enabled: "false"',
        '    interval_seconds: 10.0',
        '    diff_limit: "20"',
        '    include_queries: 0',
        '  PG_STATS:',
        '    include_table_data: yes',
      ].join('\n'),
    );
    expect(config.collectors['pg_stat_statements']).toEqual({
      enabled: false,
      interval_seconds: 10,
      options: { diff_limit: 20, include_queries: false, max_query_text_length: 8192 },
    });
    expect(config.collectors['pg_stats']?.options).toEqual({
      backfill_batch_size: 200,
      include_table_data: true,
    });
    expect(sources['collectors.pg_stat_statements.diff_limit']).toBe('file');
  });

  it('lets env override YAML per field', () => {
    const { config, sources } = load(
      { DBT_COLLECTOR_PG_STAT_STATEMENTS_DIFF_LIMIT: '100' },
      'collectors:\n  pg_stat_statements:\n    diff_limit: 20\n    max_query_text_length: 100\n',
    );
    expect(config.collectors['pg_stat_statements']?.options).toMatchObject({
      diff_limit: 100,
      max_query_text_length: 100,
    });
    expect(sources['collectors.pg_stat_statements.diff_limit']).toBe('env');
    expect(sources['collectors.pg_stat_statements.max_query_text_length']).toBe('file');
  });
});

describe('collectors: intervals', () => {
  it('treats 0 as the default and accepts slower intervals', () => {
    const { config } = load({
      DBT_COLLECTOR_PG_STAT_WAL_INTERVAL_SECONDS: '0',
      DBT_COLLECTOR_PG_INDEX_INTERVAL_SECONDS: '600',
    });
    expect(config.collectors['pg_stat_wal']?.interval_seconds).toBe(60);
    expect(config.collectors['pg_index']?.interval_seconds).toBe(600);
  });

  it('refuses an interval below the default', () => {
    expect(problems({}, 'collectors:\n  pg_stat_database:\n    interval_seconds: 30\n')).toEqual([
      'collectors.pg_stat_database.interval_seconds: 30 s is below the default of 60 s: the interval can only slow collection down (env: DBT_COLLECTOR_PG_STAT_DATABASE_INTERVAL_SECONDS)',
    ]);
    expect(problems({ DBT_COLLECTOR_PG_STAT_WAL_INTERVAL_SECONDS: '-1' })).toEqual([
      'collectors.pg_stat_wal.interval_seconds: must be 0 (the default) or more (env: DBT_COLLECTOR_PG_STAT_WAL_INTERVAL_SECONDS)',
    ]);
  });
});

describe('collectors: env overlay ambiguity (longest name wins)', () => {
  it.each([
    ['DBT_COLLECTOR_DATABASE_TRANSACTIONS_ENABLED', 'database_transactions'],
    ['DBT_COLLECTOR_PG_STAT_DATABASE_ENABLED', 'pg_stat_database'],
    ['DBT_COLLECTOR_PG_STAT_DATABASE_CONFLICTS_ENABLED', 'pg_stat_database_conflicts'],
    ['DBT_COLLECTOR_PG_STAT_REPLICATION_ENABLED', 'pg_stat_replication'],
    ['DBT_COLLECTOR_PG_STAT_REPLICATION_SLOTS_ENABLED', 'pg_stat_replication_slots'],
    ['DBT_COLLECTOR_PG_STAT_SUBSCRIPTION_ENABLED', 'pg_stat_subscription'],
    ['DBT_COLLECTOR_PG_STAT_SUBSCRIPTION_STATS_ENABLED', 'pg_stat_subscription_stats'],
    ['DBT_COLLECTOR_PG_STAT_WAL_ENABLED', 'pg_stat_wal'],
    ['DBT_COLLECTOR_PG_STAT_WAL_RECEIVER_ENABLED', 'pg_stat_wal_receiver'],
  ])('%s disables only %s', (name, collector) => {
    const { config, sources } = load({ [name]: 'false' });
    const disabled = Object.entries(config.collectors)
      .filter(([, c]) => !c.enabled)
      .map(([n]) => n);
    expect(disabled).toEqual([collector]);
    expect(sources[`collectors.${collector}.enabled`]).toBe('env');
  });

  it('maps database_transactions_per_second to the legacy name, not database_transactions', () => {
    const r = load({ DBT_COLLECTOR_DATABASE_TRANSACTIONS_PER_SECOND_ENABLED: 'false' });
    expect(r.config.collectors['database_transactions']?.enabled).toBe(true);
    expect(r.warnings).toEqual([
      expect.stringMatching(/collectors\.database_transactions_per_second\).*legacy/),
    ]);
  });

  it('matches DBT_COLLECTOR_PG_INDEX_INVENTORY_* to pg_index (unknown field), as Go does', () => {
    expect(problems({ DBT_COLLECTOR_PG_INDEX_INVENTORY_ENABLED: 'false' })).toEqual([
      'collectors.pg_index.inventory_enabled: unknown field (env: DBT_COLLECTOR_PG_INDEX_INVENTORY_ENABLED)',
    ]);
  });
});

describe('collectors: unknown names and fields', () => {
  it('rejects unknown collectors and fields in YAML, with a did-you-mean', () => {
    const p = problems(
      {},
      'collectors:\n  pg_stat_databse:\n    enabled: false\n  pg_stats:\n    backfill_batch: 3\n  ddl:\n    enabled: false\n',
    );
    expect(p).toEqual([
      'collectors.pg_stat_databse: unknown collector (did you mean "pg_stat_database"?)',
      'collectors.pg_stats.backfill_batch: unknown field (did you mean "backfill_batch_size"?)',
      'collectors.ddl: cannot be configured (always on)',
    ]);
  });

  it('rejects unknown DBT_COLLECTOR_* vars unless DBT_COLLECTOR_STRICT_ENV=false', () => {
    const env = { DBT_COLLECTOR_NOPE_ENABLED: 'true', DBT_COLLECTOR_PG_STATS_COLOUR: 'red' };
    expect(problems(env)).toEqual([
      'collectors: DBT_COLLECTOR_NOPE_ENABLED names no known collector (env: DBT_COLLECTOR_NOPE_ENABLED)',
      'collectors.pg_stats.colour: unknown field (env: DBT_COLLECTOR_PG_STATS_COLOUR)',
    ]);
    const r = load({ ...env, DBT_COLLECTOR_STRICT_ENV: 'false' });
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/DBT_COLLECTOR_NOPE_ENABLED.*ignored$/);
    expect(problems({ DBT_COLLECTOR_STRICT_ENV: 'sometimes' })).toEqual([
      'collectors: expected a boolean (true/false, 1/0, yes/no) (env: DBT_COLLECTOR_STRICT_ENV)',
    ]);
  });

  it('accepts the legacy no-op names with a warning', () => {
    const r = load({}, 'collectors:\n  hardware:\n    enabled: false\n  pg_bgwriter: {}\n');
    expect(r.warnings).toEqual([
      'collectors.hardware is a legacy collector name: accepted, but it has no effect',
      'collectors.pg_bgwriter is a legacy collector name: accepted, but it has no effect',
    ]);
    expect(r.config.collectors['hardware']).toBeUndefined();
  });

  it('validates typed extras with the collector schema and bad value forms', () => {
    expect(
      problems({
        DBT_COLLECTOR_PG_STAT_STATEMENTS_DIFF_LIMIT: '501',
        DBT_COLLECTOR_PG_STATS_INCLUDE_TABLE_DATA: 'perhaps',
      }),
    ).toEqual([
      // registry order
      expect.stringMatching(
        /^collectors\.pg_stat_statements\.diff_limit: .*500 \(env: DBT_COLLECTOR_PG_STAT_STATEMENTS_DIFF_LIMIT\)$/,
      ),
      'collectors.pg_stats.include_table_data: expected a boolean (true/false, 1/0, yes/no), got "perhaps" (env: DBT_COLLECTOR_PG_STATS_INCLUDE_TABLE_DATA)',
    ]);
  });

  it('rejects a collector entry that is not a mapping', () => {
    expect(problems({}, 'collectors:\n  pg_stats: true\n')).toEqual([
      'collectors.pg_stats: must be a mapping (enabled, interval_seconds, …)',
    ]);
  });
});

describe('collectors: legacy query-text precedence', () => {
  const options = (env: NodeJS.ProcessEnv, yaml: string) => {
    const r = load(env, yaml);
    return {
      include: r.config.collectors['pg_stat_statements']?.options['include_queries'],
      length: r.config.collectors['pg_stat_statements']?.options['max_query_text_length'],
      source: r.sources['collectors.pg_stat_statements.include_queries'],
    };
  };
  const postgres = 'postgres:\n  include_queries: false\n  maximum_query_text_length: 100\n';
  const postgresql = 'postgresql:\n  include_queries: true\n  maximum_query_text_length: 200\n';
  const collector =
    'collectors:\n  pg_stat_statements:\n    include_queries: false\n    max_query_text_length: 400\n';

  it('postgres: YAML applies when nothing else is set', () => {
    expect(options({}, postgres)).toEqual({ include: false, length: 100, source: 'file' });
  });

  it('postgresql: YAML beats postgres: YAML', () => {
    expect(options({}, postgres + postgresql)).toEqual({ include: true, length: 200, source: 'file' });
  });

  it('DBT_POSTGRESQL_* env beats postgresql: YAML', () => {
    const env = { DBT_POSTGRESQL_INCLUDE_QUERIES: 'false', DBT_POSTGRESQL_MAXIMUM_QUERY_TEXT_LENGTH: '300' };
    expect(options(env, postgres + postgresql)).toEqual({ include: false, length: 300, source: 'env' });
  });

  it('the collector key (YAML or env) beats everything', () => {
    const env = { DBT_POSTGRESQL_INCLUDE_QUERIES: 'true', DBT_POSTGRESQL_MAXIMUM_QUERY_TEXT_LENGTH: '300' };
    expect(options(env, postgres + postgresql + collector)).toEqual({
      include: false,
      length: 400,
      source: 'file',
    });
    expect(
      options({ ...env, DBT_COLLECTOR_PG_STAT_STATEMENTS_INCLUDE_QUERIES: 'false' }, postgres + postgresql),
    ).toEqual({ include: false, length: 300, source: 'env' });
  });
});
