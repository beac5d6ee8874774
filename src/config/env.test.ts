import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigError } from '../errors.js';
import { ENV_SPECS } from './env-names.js';
import { ENV_NAMES, envNameOf, loadConfig } from './index.js';
import { LEAVES } from './schema-walk.js';

const BASE_ENV = {
  DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://agent@localhost:5432/postgres',
  DBT_DBTUNE_SERVER_URL: 'embedded',
};

const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(env: NodeJS.ProcessEnv, yaml?: string) {
  let file: string | undefined;
  if (yaml !== undefined) {
    file = path.join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
  }
  return loadConfig({ path: file, searchPaths: [], collectors: [], env: { ...BASE_ENV, ...env } });
}

describe('env names', () => {
  it('cover exactly the schema keys', () => {
    expect(Object.keys(ENV_SPECS).sort()).toEqual([...LEAVES.keys()].sort());
  });

  it('use the Go agent names', () => {
    expect(ENV_NAMES['guardrail_settings.memory_threshold']).toBe('DBT_MEMORY_THRESHOLD');
    expect(ENV_NAMES['docker.container_name']).toBe('DBT_DOCKER_CONTAINER_NAME');
    expect(ENV_NAMES['rds-aurora.AWS_REGION']).toBe('DBT_AWS_REGION');
    expect(ENV_NAMES['cloudsql.database_name']).toBe('DBT_GCP_DATABASE_NAME');
    expect(ENV_NAMES['tuning.dry_run']).toBe('DBT_DRY_RUN');
    expect(envNameOf('collectors.pg_stat_statements.diff_limit')).toBe(
      'DBT_COLLECTOR_PG_STAT_STATEMENTS_DIFF_LIMIT',
    );
  });
});

describe('env overlay', () => {
  it.each([
    ['DBT_GCP_DATABSE_NAME', 'DBT_GCP_DATABASE_NAME', 'cloudsql.database_name'],
    ['DBT_CONTAINER_NAME', 'DBT_DOCKER_CONTAINER_NAME', 'docker.container_name'],
    [
      'DBT_GUARDRAIL_SETTINGS_MEMORY_THRESHOLD',
      'DBT_MEMORY_THRESHOLD',
      'guardrail_settings.memory_threshold',
    ],
  ])('accepts the alias %s with a warning naming %s', (alias, primary, key) => {
    const r = load({ [alias]: '42' });
    const [section, name] = key.split('.') as [string, string];
    const value = (r.config as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
    expect(String(value)).toBe('42');
    expect(r.sources[key]).toBe('env');
    expect(r.warnings).toEqual([
      expect.stringMatching(new RegExp(`^${alias} is a deprecated alias.*use ${primary}$`)),
    ]);
  });

  it('prefers the correct name over an alias, and says so', () => {
    const r = load({ DBT_DOCKER_CONTAINER_NAME: 'right', DBT_CONTAINER_NAME: 'wrong' });
    expect(r.config.docker.container_name).toBe('right');
    expect(r.warnings[0]).toMatch(/DBT_CONTAINER_NAME .* ignored because DBT_DOCKER_CONTAINER_NAME is set/);
  });

  it('falls back to plain AWS_* vars, DBT_ first, for rds and rds-aurora', () => {
    const r = load({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIAPLAIN',
      DBT_AWS_ACCESS_KEY_ID: 'AKIADBT',
    });
    expect(r.config.rds['AWS_REGION']).toBe('us-east-1');
    expect(r.config['rds-aurora']['AWS_REGION']).toBe('us-east-1');
    expect(r.config.rds['AWS_ACCESS_KEY_ID']).toBe('AKIADBT');
    expect(r.sources['rds.AWS_REGION']).toBe('env');
  });

  it('overrides file values key by key, even through a fallback name', () => {
    const r = load(
      { AWS_REGION: 'us-east-1' },
      'rds:\n  AWS_REGION: eu-west-1\n  RDS_DATABASE_IDENTIFIER: db1\n',
    );
    expect(r.config.rds['AWS_REGION']).toBe('us-east-1');
    expect(r.config.rds['RDS_DATABASE_IDENTIFIER']).toBe('db1');
    expect(r.sources['rds.RDS_DATABASE_IDENTIFIER']).toBe('file');
  });

  it('warns about and ignores the RDS parameter group name (env and YAML)', () => {
    const r = load(
      { DBT_RDS_PARAMETER_GROUP_NAME: 'pg' },
      'rds:\n  RDS_PARAMETER_GROUP_NAME: pg\nrds-aurora:\n  RDS_PARAMETER_GROUP_NAME: pg\n',
    );
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.every((w) => /RDS_PARAMETER_GROUP_NAME is deprecated and ignored/.test(w))).toBe(true);
    expect(JSON.stringify(r.config)).not.toContain('PARAMETER_GROUP');
  });

  it('reads cloudsql env names written as YAML keys, with a warning', () => {
    const r = load({}, 'cloudsql:\n  DBT_GCP_PROJECT_ID: proj\n');
    expect(r.config.cloudsql.project_id).toBe('proj');
    expect(r.warnings[0]).toMatch(/cloudsql\.DBT_GCP_PROJECT_ID .* cloudsql\.project_id/);
  });

  it('makes the env vars that are ineffective in the Go agent work', () => {
    const r = load({
      DBT_AIVEN_METRIC_RESOLUTION_SECONDS: '60',
      DBT_AIVEN_DATABASE_NAME: 'defaultdb',
      DBT_PATRONI_NODE_HOST: '10.0.0.7',
      DBT_PATRONI_NODE_PORT: '8009',
    });
    expect(r.config.aiven).toMatchObject({ metric_resolution_seconds: 60, database_name: 'defaultdb' });
    expect(r.config.patroni).toMatchObject({ node_host: '10.0.0.7', node_port: 8009 });
    expect(r.warnings).toEqual([]);
  });

  it('reads the cloud API endpoint overrides and refuses a value that is not an http(s) URL', () => {
    const r = load({
      DBT_GCP_API_ENDPOINT: 'https://sqladmin.internal:8443',
      DBT_AIVEN_API_URL: 'http://127.0.0.1:9',
    });
    expect(r.config.cloudsql.api_endpoint).toBe('https://sqladmin.internal:8443');
    expect(r.config.aiven.api_url).toBe('http://127.0.0.1:9');
    expect(() => load({ DBT_GCP_API_ENDPOINT: 'sqladmin.internal' })).toThrow(
      /cloudsql\.api_endpoint: must be an http\(s\) URL \(env: DBT_GCP_API_ENDPOINT\)/,
    );
  });

  it('validates adapter values from env with the env name in the message', () => {
    try {
      load({ DBT_PATRONI_NODE_PORT: '70000', DBT_PATRONI_API_URL: '10.0.0.5:8008' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).problems).toEqual([
        expect.stringMatching(
          /^patroni\.patroni_api_url: must be an http\(s\) URL \(env: DBT_PATRONI_API_URL\)$/,
        ),
        expect.stringMatching(/^patroni\.node_port: .*65535 \(env: DBT_PATRONI_NODE_PORT\)$/),
      ]);
    }
  });
});
