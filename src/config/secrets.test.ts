import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { scrub } from '../log.js';
import { loadConfig, redactedView } from './index.js';
import { redactUrl, urlPassword } from './secrets.js';

const API_KEY = '0b7c9e2a-5d41-4f3e-8a6b-2c1d0e9f8a7b';
const DB_ID = '5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170';
const PG_PASSWORD = 'pg-Pa55word-xyz';
const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRET';
const AWS_KEY_ID = 'AKIAIOSFODNN7SECRET';
const AIVEN_TOKEN = 'aiven-token-9f8e7d6c';
const ALL_SECRETS = [API_KEY, PG_PASSWORD, AWS_SECRET, AWS_KEY_ID, AIVEN_TOKEN];

const dir = mkdtempSync(path.join(tmpdir(), 'dbtune-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

function load(env: NodeJS.ProcessEnv, yaml?: string) {
  const file =
    yaml === undefined ? undefined : secretFile(`c${Math.random().toString(36).slice(2)}.yaml`, yaml);
  return loadConfig({ path: file, searchPaths: [], collectors: [], env });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const SECRET_ENV = {
  DBT_POSTGRESQL_CONNECTION_URL: `postgresql://agent:${PG_PASSWORD}@db.internal:5432/app?sslmode=require`,
  DBT_DBTUNE_API_KEY: API_KEY,
  DBT_DBTUNE_DATABASE_ID: DB_ID,
  DBT_AWS_ACCESS_KEY_ID: AWS_KEY_ID,
  DBT_AWS_SECRET_ACCESS_KEY: AWS_SECRET,
  DBT_AIVEN_API_TOKEN: AIVEN_TOKEN,
};

describe('<ENV>_FILE secrets', () => {
  it('loads values from files, trimming the trailing newline', () => {
    const r = load({
      ...SECRET_ENV,
      DBT_DBTUNE_API_KEY: undefined,
      DBT_DBTUNE_API_KEY_FILE: secretFile('api-key', `${API_KEY}\n`),
      DBT_AWS_SECRET_ACCESS_KEY: undefined,
      DBT_AWS_SECRET_ACCESS_KEY_FILE: secretFile('aws', `${AWS_SECRET}\r\n`),
    });
    expect(r.config.dbtune.api_key).toBe(API_KEY);
    expect(r.config['rds-aurora']['AWS_SECRET_ACCESS_KEY']).toBe(AWS_SECRET);
    expect(r.sources['dbtune.api_key']).toBe('env');
  });

  it('reports an unreadable file naming the variable and the path, never the content', () => {
    const missing = path.join(dir, 'missing-token');
    const unreadableDir = secretFile('a-dir-not-a-file', '');
    rmSync(unreadableDir);
    const err = configError(() =>
      load({
        ...SECRET_ENV,
        DBT_AIVEN_API_TOKEN: undefined,
        DBT_AIVEN_API_TOKEN_FILE: missing,
        DBT_AWS_SECRET_ACCESS_KEY: undefined,
        DBT_AWS_SECRET_ACCESS_KEY_FILE: dir,
      }),
    );
    expect(err.problems).toContain(
      `aiven.AIVEN_API_TOKEN: DBT_AIVEN_API_TOKEN_FILE: cannot read ${missing} (ENOENT) (env: DBT_AIVEN_API_TOKEN_FILE)`,
    );
    // rds and rds-aurora share the variable: reported once.
    expect(err.problems.filter((p) => p.includes('DBT_AWS_SECRET_ACCESS_KEY_FILE'))).toEqual([
      `rds.AWS_SECRET_ACCESS_KEY: DBT_AWS_SECRET_ACCESS_KEY_FILE: cannot read ${dir} (EISDIR) (env: DBT_AWS_SECRET_ACCESS_KEY_FILE)`,
    ]);
  });

  it('refuses both NAME and NAME_FILE', () => {
    const err = configError(() =>
      load({ ...SECRET_ENV, DBT_DBTUNE_API_KEY_FILE: secretFile('k2', API_KEY) }),
    );
    expect(err.problems).toEqual([
      'dbtune.api_key: set only one of DBT_DBTUNE_API_KEY and DBT_DBTUNE_API_KEY_FILE (env: DBT_DBTUNE_API_KEY)',
    ]);
  });

  it('reports a permission-denied secret file (root reads it, then the value is validated)', () => {
    const file = secretFile('private', 'x');
    chmodSync(file, 0o000);
    const r = () => load({ ...SECRET_ENV, DBT_DBTUNE_API_KEY: undefined, DBT_DBTUNE_API_KEY_FILE: file });
    // root can read anything; otherwise it is a problem naming the variable
    if (process.getuid?.() === 0) expect(() => r()).toThrow(/must be a UUID/);
    else expect(configError(r).problems[0]).toMatch(/DBT_DBTUNE_API_KEY_FILE: cannot read .* \(EACCES\)/);
  });
});

describe('redaction', () => {
  it('hides every secret in redactedView and keeps the rest of URLs', () => {
    const view = redactedView(load(SECRET_ENV));
    const json = JSON.stringify(view);
    for (const s of ALL_SECRETS) expect(json).not.toContain(s);
    const config = view.config as {
      dbtune: Record<string, string>;
      postgresql: Record<string, string>;
      rds: Record<string, string>;
      aiven: Record<string, string>;
    };
    expect(config.postgresql.connection_url).toBe(
      'postgresql://agent:[REDACTED]@db.internal:5432/app?sslmode=require',
    );
    expect(config.dbtune.api_key).toBe('[REDACTED]');
    expect(config.dbtune.database_id).toBe(DB_ID);
    expect(config.rds.AWS_SECRET_ACCESS_KEY).toBe('[REDACTED]');
    expect(config.aiven.AIVEN_API_TOKEN).toBe('[REDACTED]');
    expect(view.sources['dbtune.api_key']).toBe('env');
  });

  it('shows DBT_MEMORY_THRESHOLD=77 with source env', () => {
    const view = redactedView(load({ ...SECRET_ENV, DBT_MEMORY_THRESHOLD: '77' }));
    expect((view.config.guardrail_settings as Record<string, unknown>).memory_threshold).toBe(77);
    expect(view.sources['guardrail_settings.memory_threshold']).toBe('env');
    expect(view.file).toBeNull();
  });

  it('keeps secrets out of ConfigError text, even for invalid secret values', () => {
    const badKey = 'not-a-uuid-but-secret-42';
    const yaml = [
      'dbtune:',
      `  api_key: ${badKey}`,
      'rds:',
      '  AWS_SECRET_ACCESS_KEY: [1, 2]',
      `  AWS_ACCESS_KEY_ID: { nested: ${AWS_KEY_ID} }`,
      'postgresql:',
      `  connection_url: postgresql://u:${PG_PASSWORD}@h/db`,
      '  pool_max: many',
      'aiven:',
      `  AIVEN_API_TOKEN: ${AIVEN_TOKEN}`,
      `  ${AIVEN_TOKEN}x: 1`,
    ].join('\n');
    const err = configError(() => load({}, yaml));
    expect(err.problems.length).toBeGreaterThanOrEqual(5);
    const text = `${err.message}\n${JSON.stringify(err.problems)}`;
    for (const s of [badKey, PG_PASSWORD, AWS_KEY_ID]) expect(text).not.toContain(s);
    expect(err.problems).toContain('dbtune.api_key: must be a UUID (env: DBT_DBTUNE_API_KEY)');
    expect(err.problems).toContain(
      'rds.AWS_SECRET_ACCESS_KEY: expected a string (env: DBT_AWS_SECRET_ACCESS_KEY)',
    );
  });

  it('registers secrets with the log scrubber', () => {
    load({ ...SECRET_ENV, DBT_AIVEN_API_TOKEN: 'registered-token-123' });
    expect(scrub('token registered-token-123 and pw pg-Pa55word-xyz')).toBe(
      'token [REDACTED] and pw [REDACTED]',
    );
  });

  it.each([
    ['postgresql://u:p%40ss@h:5432/db', 'p%40ss', 'postgresql://u:[REDACTED]@h:5432/db'],
    ['postgres://u:pw@h1:5432,h2:5432/db', 'pw', 'postgres://u:[REDACTED]@h1:5432,h2:5432/db'],
    ['host=h user=u password=s3cr3t dbname=d', 's3cr3t', 'host=h user=u password=[REDACTED] dbname=d'],
    ["host=h password='a b\\'c' dbname=d", "a b'c", 'host=h password=[REDACTED] dbname=d'],
    ['postgresql://u@h/db', undefined, 'postgresql://u@h/db'],
  ])('finds and redacts the password in %s', (url, password, redacted) => {
    expect(urlPassword(url)).toBe(password);
    expect(redactUrl(url)).toBe(redacted);
  });
});
