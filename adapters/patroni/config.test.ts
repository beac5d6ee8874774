import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { patroniSettings } from './config.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'patroni-config-'));
const pem = path.join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function settings(env: Record<string, string>) {
  const { config } = loadConfig({
    env: { DBT_POSTGRESQL_CONNECTION_URL: 'postgres://u@h/db', DBT_DBTUNE_SERVER_URL: 'embedded', ...env },
    searchPaths: [],
    collectors: [],
  });
  return patroniSettings(config);
}

function problems(env: Record<string, string>): readonly string[] {
  try {
    settings(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('patroniSettings', () => {
  it('reads the URL (no trailing slash), node name, basic auth and TLS files', () => {
    const s = settings({
      DBT_PATRONI_API_URL: 'https://10.0.1.5:8008/',
      DBT_PATRONI_NODE_NAME: 'pg-1',
      DBT_PATRONI_API_USERNAME: 'dbtune',
      DBT_PATRONI_API_PASSWORD: 'pw',
      DBT_PATRONI_CA_FILE: pem,
    });
    expect(s).toMatchObject({
      apiUrl: 'https://10.0.1.5:8008',
      nodeName: 'pg-1',
      auth: { username: 'dbtune', password: 'pw' },
    });
    expect(s.tls.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(s.tls.cert).toBeUndefined();
  });

  it('reports every problem at once, naming the key and its env var', () => {
    expect(
      problems({ DBT_PATRONI_API_USERNAME: 'dbtune', DBT_PATRONI_CERT_FILE: path.join(dir, 'missing.pem') }),
    ).toEqual([
      'patroni.patroni_api_url (env: DBT_PATRONI_API_URL): required for --patroni',
      'patroni.node_name (env: DBT_PATRONI_NODE_NAME): required for --patroni',
      'patroni.api_password (env: DBT_PATRONI_API_PASSWORD): required with patroni.api_username',
      expect.stringMatching(
        /^patroni\.cert_file \(env: DBT_PATRONI_CERT_FILE\): cannot read .*missing\.pem: ENOENT/,
      ),
      'patroni.key_file (env: DBT_PATRONI_KEY_FILE): required with patroni.cert_file',
    ]);
  });

  it('TLS settings need an https URL', () => {
    expect(
      problems({
        DBT_PATRONI_API_URL: 'http://10.0.1.5:8008',
        DBT_PATRONI_NODE_NAME: 'pg-1',
        DBT_PATRONI_CA_FILE: pem,
      }),
    ).toEqual([
      'patroni.patroni_api_url (env: DBT_PATRONI_API_URL): must be an https:// URL when ca_file or cert_file is set',
    ]);
  });
});
