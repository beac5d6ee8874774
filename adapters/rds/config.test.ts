import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { rdsSettings } from './config.js';

function config(env: Record<string, string>) {
  return loadConfig({
    env: {
      DBT_POSTGRESQL_CONNECTION_URL: 'postgres://u@127.0.0.1:5432/db',
      DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
      DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
      ...env,
    },
    searchPaths: [],
    collectors: [],
  }).config;
}

describe('rdsSettings', () => {
  it('reads region, identifier and static keys, with the plain AWS_REGION as a fallback', () => {
    const s = rdsSettings(
      config({
        AWS_REGION: 'eu-north-1',
        DBT_RDS_DATABASE_IDENTIFIER: 'db1',
        DBT_AWS_ACCESS_KEY_ID: 'AKID',
        DBT_AWS_SECRET_ACCESS_KEY: 'secret',
      }),
      'rds',
    );
    expect(s).toEqual({
      variant: 'rds',
      section: 'rds',
      region: 'eu-north-1',
      instanceId: 'db1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    });
  });

  it('leaves credentials to the default chain when no keys are set', () => {
    const s = rdsSettings(
      config({ DBT_AWS_REGION: 'us-east-1', DBT_RDS_DATABASE_IDENTIFIER: 'a' }),
      'aurora',
    );
    expect(s.section).toBe('rds-aurora');
    expect(s.credentials).toBeUndefined();
  });

  it('reports every missing key at once, naming its env var', () => {
    let err: unknown;
    try {
      rdsSettings(config({ DBT_AWS_ACCESS_KEY_ID: 'AKID' }), 'aurora');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'rds-aurora.AWS_REGION (env: DBT_AWS_REGION): required for --aurora',
      'rds-aurora.RDS_DATABASE_IDENTIFIER (env: DBT_RDS_DATABASE_IDENTIFIER): required for --aurora',
      'rds-aurora.AWS_SECRET_ACCESS_KEY (env: DBT_AWS_SECRET_ACCESS_KEY): required when AWS_ACCESS_KEY_ID is set (give both, or neither to use the default credential chain)',
    ]);
  });

  it('warns about and ignores the deprecated parameter-group key (the group comes from the instance)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rds-config-'));
    try {
      const file = path.join(dir, 'dbtune.yaml');
      writeFileSync(
        file,
        [
          'postgresql: { connection_url: "postgres://u@127.0.0.1:5432/db" }',
          'dbtune: { api_key: 3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11, database_id: 6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f }',
          'rds-aurora: { AWS_REGION: us-west-2, RDS_DATABASE_IDENTIFIER: writer-1, RDS_PARAMETER_GROUP_NAME: old-group }',
        ].join('\n'),
      );
      const { config, warnings } = loadConfig({ path: file, env: {}, collectors: [] });
      expect(warnings.join('\n')).toContain('RDS_PARAMETER_GROUP_NAME');
      expect(rdsSettings(config, 'aurora')).toMatchObject({ region: 'us-west-2', instanceId: 'writer-1' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
