import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadConfig, sectionInFile, type LoadOptions } from './index.js';

const API_KEY = '3f2b6c1e-8d4a-4b7e-9c2d-1a2b3c4d5e6f';
const DB_ID = '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const BASE_ENV = {
  DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://agent@localhost:5432/postgres',
  DBT_DBTUNE_API_KEY: API_KEY,
  DBT_DBTUNE_DATABASE_ID: DB_ID,
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tmpDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-config-'));
  dirs.push(dir);
  return dir;
}

function yamlFile(content: string, name = 'dbtune.yaml'): string {
  const file = path.join(tmpDir(), name);
  writeFileSync(file, content);
  return file;
}

function load(opts: Partial<LoadOptions> = {}) {
  return loadConfig({ searchPaths: [], collectors: [], env: BASE_ENV, ...opts });
}

function problemsOf(opts: Partial<LoadOptions>): readonly string[] {
  try {
    load(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig: acceptance', () => {
  it('reports an out-of-range threshold and a bad server_url together, each with its env name', () => {
    const file = yamlFile('guardrail_settings:\n  memory_threshold: 150\ndbtune:\n  server_url: not a url\n');
    const problems = problemsOf({ path: file });
    expect(problems).toContainEqual(
      expect.stringMatching(/^guardrail_settings\.memory_threshold: .*100.* \(env: DBT_MEMORY_THRESHOLD\)$/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^dbtune\.server_url: must be an http\(s\) URL.* \(env: DBT_DBTUNE_SERVER_URL\)$/,
      ),
    );
  });

  it('lets DBT_MEMORY_THRESHOLD override the file and records the source', () => {
    const file = yamlFile('guardrail_settings:\n  memory_threshold: 80\n');
    const fromFile = load({ path: file });
    expect(fromFile.config.guardrail_settings.memory_threshold).toBe(80);
    expect(fromFile.sources['guardrail_settings.memory_threshold']).toBe('file');
    const r = load({ path: file, env: { ...BASE_ENV, DBT_MEMORY_THRESHOLD: '77' } });
    expect(r.config.guardrail_settings.memory_threshold).toBe(77);
    expect(r.sources['guardrail_settings.memory_threshold']).toBe('env');
    expect(r.file).toBe(file);
  });
});

describe('loadConfig: files', () => {
  it('uses the first existing search path, and none at all is fine', () => {
    const first = yamlFile('debug: true\n');
    const second = yamlFile('debug: false\n');
    const missing = path.join(tmpDir(), 'dbtune.yaml');
    const r = load({ searchPaths: [missing, first, second] });
    expect(r.file).toBe(first);
    expect(r.config.debug).toBe(true);
    const none = load({ searchPaths: [missing] });
    expect(none.file).toBeNull();
    expect(none.config.debug).toBe(false);
    expect(none.sources.debug).toBe('default');
  });

  it('searches /etc first and <cwd>/dbtune.yaml last by default', async () => {
    const { defaultSearchPaths } = await import('./file.js');
    expect(defaultSearchPaths('/srv/app', {}, 'linux')).toEqual([
      '/etc/dbtune.yaml',
      '/etc/dbtune/dbtune.yaml',
      '/srv/app/dbtune.yaml',
    ]);
  });

  it('fails naming the path when an explicit file is missing, and resolves it against cwd', () => {
    const dir = tmpDir();
    expect(problemsOf({ path: 'nope.yaml', cwd: dir })).toEqual([
      `${path.join(dir, 'nope.yaml')}: config file not found`,
    ]);
    writeFileSync(path.join(dir, 'x.yaml'), 'debug: yes\n');
    expect(load({ path: 'x.yaml', cwd: dir }).config.debug).toBe(true);
  });

  it('reports malformed YAML with file and line, without quoting the file', () => {
    const file = yamlFile('debug: true\ndbtune:\n  api_key: "s3cret-value\n  x: [\n');
    const problems = problemsOf({ path: file });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: invalid YAML: `));
    expect(problems.join('\n')).not.toContain('s3cret-value');
  });

  it('treats an empty or comment-only file as no settings', () => {
    expect(load({ path: yamlFile('') }).config.debug).toBe(false);
    expect(load({ path: yamlFile('# nothing\n') }).config.debug).toBe(false);
  });

  it('does not follow cosmiconfig $import', () => {
    const other = yamlFile('debug: true\n');
    const problems = problemsOf({ path: yamlFile(`$import: ${other}\n`) });
    expect(problems).toEqual(['$import: unknown key']);
  });
});

describe('loadConfig: keys and values', () => {
  it('rejects unknown keys at the top level and in sections, with a did-you-mean', () => {
    const problems = problemsOf({
      path: yamlFile('degub: true\ndbtune:\n  sever_url: https://x\nrds:\n  AWS_REGOIN: eu\n'),
    });
    expect(problems).toContain('degub: unknown key (did you mean "debug"?)');
    expect(problems).toContain('dbtune.sever_url: unknown key (did you mean "server_url"?)');
    expect(problems).toContain('rds.AWS_REGOIN: unknown key (did you mean "AWS_REGION"?)');
  });

  it('matches keys case-insensitively, as viper does', () => {
    const r = load({ path: yamlFile('Debug: true\nrds:\n  aws_region: eu-west-1\n') });
    expect(r.config.debug).toBe(true);
    expect(r.config.rds['AWS_REGION']).toBe('eu-west-1');
  });

  it('accepts the postgres: alias; postgresql: wins key by key', () => {
    const r = load({
      env: {},
      path: yamlFile(
        [
          'dbtune: { server_url: embedded }',
          'postgres:',
          '  connection_url: postgresql://old@h/db',
          '  service_name: pg-old',
          'postgresql:',
          '  connection_url: postgresql://new@h/db',
        ].join('\n'),
      ),
    });
    expect(r.config.postgresql.connection_url).toBe('postgresql://new@h/db');
    expect(r.config.postgresql.service_name).toBe('pg-old');
    expect(r.sources['postgresql.service_name']).toBe('file');
  });

  it.each([
    ['1', true],
    ['t', true],
    ['T', true],
    ['TRUE', true],
    ['true', true],
    ['True', true],
    ['yes', true],
    ['0', false],
    ['f', false],
    ['F', false],
    ['FALSE', false],
    ['false', false],
    ['False', false],
    ['no', false],
  ])('parses the boolean %s', (text, value) => {
    expect(
      load({ env: { ...BASE_ENV, DBT_POSTGRESQL_ALLOW_RESTART: text } }).config.postgresql.allow_restart,
    ).toBe(value);
  });

  it('rejects other boolean and non-whole integer forms', () => {
    const problems = problemsOf({
      env: { ...BASE_ENV, DBT_DEBUG: 'maybe', DBT_POSTGRESQL_POOL_MAX: '2.5' },
    });
    expect(problems).toContain(
      'debug: expected a boolean (true/false, 1/0, yes/no), got "maybe" (env: DBT_DEBUG)',
    );
    expect(problems).toContain(
      'postgresql.pool_max: expected a whole number, got "2.5" (env: DBT_POSTGRESQL_POOL_MAX)',
    );
    expect(load({ env: { ...BASE_ENV, DBT_POSTGRESQL_POOL_MAX: '5.0' } }).config.postgresql.pool_max).toBe(5);
  });

  it('treats empty env vars and YAML nulls as unset', () => {
    const r = load({
      path: yamlFile('postgresql:\n  service_name:\n'),
      env: { ...BASE_ENV, DBT_DEBUG: '' },
    });
    expect(r.sources.debug).toBe('default');
    expect(r.sources['postgresql.service_name']).toBe('default');
  });

  it.each([
    ['https://app.dbtune.com', true],
    ['http://localhost', true],
    ['http://10.0.0.5:8080', true],
    ['https://x.example/api', true],
    ['embedded', true],
    ['app.dbtune.com', false],
    [':8080', false],
    ['localhost:8080', false],
    ['ftp://x', false],
  ])('server_url %s valid=%s', (url, valid) => {
    const opts = { env: { ...BASE_ENV, DBT_DBTUNE_SERVER_URL: url } };
    if (valid) expect(load(opts).config.dbtune.server_url).toBe(url);
    else expect(problemsOf(opts).some((p) => p.startsWith('dbtune.server_url:'))).toBe(true);
  });

  it('requires UUID api_key and database_id unless the platform is embedded', () => {
    const problems = problemsOf({
      env: { DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://h/db', DBT_DBTUNE_DATABASE_ID: 'nope' },
    });
    expect(problems).toContain(
      'dbtune.api_key: required unless dbtune.server_url is "embedded" (env: DBT_DBTUNE_API_KEY)',
    );
    expect(problems).toContain('dbtune.database_id: must be a UUID (env: DBT_DBTUNE_DATABASE_ID)');
    const r = load({
      env: { DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://h/db', DBT_DBTUNE_SERVER_URL: 'embedded' },
    });
    expect(r.config.dbtune.api_key).toBe('');
  });

  it('requires connection_url', () => {
    expect(problemsOf({ env: { DBT_DBTUNE_SERVER_URL: 'embedded' } })).toEqual([
      'postgresql.connection_url: required (env: DBT_POSTGRESQL_CONNECTION_URL)',
    ]);
  });

  it('refuses a connection_url that is not a PostgreSQL connection string, naming key and env var', () => {
    const env = { DBT_DBTUNE_SERVER_URL: 'embedded' };
    expect(problemsOf({ env: { ...env, DBT_POSTGRESQL_CONNECTION_URL: 'not a url' } })).toEqual([
      'postgresql.connection_url: must be a postgres:// URL or a libpq key=value string (env: DBT_POSTGRESQL_CONNECTION_URL)',
    ]);
    expect(problemsOf({ env: { ...env, DBT_POSTGRESQL_CONNECTION_URL: 'mysql://root:pw@h/db' } })).toEqual([
      'postgresql.connection_url: must be a postgres:// or postgresql:// URL, not mysql:// (env: DBT_POSTGRESQL_CONNECTION_URL)',
    ]);
  });

  it('reads comma-separated allowlists and rejects a knob both added and removed', () => {
    const r = load({ env: { ...BASE_ENV, DBT_TUNING_ALLOWLIST_ADD: 'work_mem, jit', DBT_DRY_RUN: 'true' } });
    expect(r.config.tuning.allowlist_add).toEqual(['work_mem', 'jit']);
    expect(r.config.tuning.dry_run).toBe(true);
    const problems = problemsOf({
      env: { ...BASE_ENV, DBT_TUNING_ALLOWLIST_ADD: 'jit', DBT_TUNING_ALLOWLIST_REMOVE: 'jit,Bad-Name' },
    });
    expect(problems).toContain(
      'tuning.allowlist_remove.1: must be a PostgreSQL parameter name (env: DBT_TUNING_ALLOWLIST_REMOVE)',
    );
    expect(problems).toContain(
      'tuning.allowlist_remove: also in tuning.allowlist_add: jit (env: DBT_TUNING_ALLOWLIST_REMOVE)',
    );
  });

  it('has defaults for our additions', () => {
    const { postgresql } = load().config;
    expect(postgresql).toMatchObject({
      pool_max: 3,
      statement_timeout_ms: 10_000,
      lock_timeout_ms: 1_000,
      restart_timeout_seconds: 300,
    });
  });

  it('applies command-line overrides over env, with source flag', () => {
    const r = load({
      env: { DBT_POSTGRESQL_CONNECTION_URL: 'postgresql://h/db', DBT_DRY_RUN: 'false' },
      overrides: { 'dbtune.server_url': 'embedded', 'tuning.dry_run': true },
    });
    expect(r.config.tuning.dry_run).toBe(true);
    expect(r.sources['tuning.dry_run']).toBe('flag');
    expect(r.config.dbtune.server_url).toBe('embedded');
  });

  it('returns a deep-frozen config', () => {
    const r = load();
    expect(Object.isFrozen(r.config)).toBe(true);
    expect(Object.isFrozen(r.config.postgresql)).toBe(true);
    expect(Object.isFrozen(r.config.tuning.allowlist_add)).toBe(true);
  });

  it('tells which sections the file sets (for adapter detection)', () => {
    const r = load({
      path: yamlFile('docker:\n  container_name: pg\n'),
      env: { ...BASE_ENV, AWS_REGION: 'eu-west-1' },
    });
    expect(sectionInFile(r, 'docker')).toBe(true);
    expect(sectionInFile(r, 'rds')).toBe(false);
    expect(r.config.rds['AWS_REGION']).toBe('eu-west-1');
  });
});
