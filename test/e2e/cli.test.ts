/**
 * The built CLI's surface: --version, --help, `config`, exit codes, and secrets in output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../adapters/index.js';
import { CLI } from '../harness/agent-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const API_KEY = '0b9e4f5c-8d7a-4c1b-9e2f-3a4b5c6d7e8f';
const DB_ID = '7c6b5a49-3827-4165-9544-332211009988';
const PASSWORD = 'cli-pw-Zq81-secret';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('dbtune-agent CLI', () => {
  it('--version prints the version and node version', () => {
    const r = cli(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^dbtune-agent \d+\.\d+\.\d+\S* \(node v\d+\.\d+\.\d+\)$/);
  });

  it('--help lists every adapter flag', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    for (const a of ADAPTERS) expect(r.out).toContain(a.flag);
    expect(r.out).toContain('config');
  });

  it('two adapter flags exit 2', () => {
    const r = cli(['--local', '--rds', 'config']);
    expect(r.code).toBe(2);
  });

  it('an unknown option exits 2', () => {
    const r = cli(['--no-such-flag']);
    expect(r.code).toBe(2);
  });

  it('config reports every problem with its env name and exits 2', () => {
    const bad = file(
      'bad.yaml',
      'dbtune:\n  server_url: not a url\n  api_key: ' +
        API_KEY +
        '\n  database_id: ' +
        DB_ID +
        '\npostgresql:\n  connection_url: postgres://u:' +
        PASSWORD +
        '@127.0.0.1:5432/db\nguardrail_settings:\n  memory_threshold: 150\n',
    );
    const r = cli(['config', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('guardrail_settings.memory_threshold');
    expect(r.err).toContain('(env: DBT_MEMORY_THRESHOLD)');
    expect(r.err).toContain('dbtune.server_url');
    expect(r.err).toContain('(env: DBT_DBTUNE_SERVER_URL)');
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out + r.err).not.toContain(API_KEY);
  });

  it('env overrides the file; config shows values with their sources and no secret', () => {
    const good = file(
      'good.yaml',
      'dbtune:\n  api_key: ' +
        API_KEY +
        '\n  database_id: ' +
        DB_ID +
        '\npostgresql:\n  connection_url: postgres://u:' +
        PASSWORD +
        '@127.0.0.1:5432/db\nguardrail_settings:\n  memory_threshold: 80\n',
    );
    const r = cli(['config', '--config', good], { DBT_MEMORY_THRESHOLD: '77' });
    expect(r.code).toBe(0);
    const view = JSON.parse(r.out) as {
      config: { guardrail_settings: { memory_threshold: number }; dbtune: { api_key: string } };
      sources: Record<string, string>;
    };
    expect(view.config.guardrail_settings.memory_threshold).toBe(77);
    expect(view.sources['guardrail_settings.memory_threshold']).toBe('env');
    expect(view.sources['dbtune.database_id']).toBe('file');
    expect(view.sources['dbtune.server_url']).toBe('default');
    expect(view.config.dbtune.api_key).toBe('[REDACTED]');
    expect(r.out + r.err).not.toContain(PASSWORD);
    expect(r.out + r.err).not.toContain(API_KEY);
  });

  it('a secret given as <ENV>_FILE is loaded and never printed', () => {
    const keyFile = file('key.txt', `${API_KEY}\n`);
    const r = cli(['config'], {
      DBT_DBTUNE_API_KEY_FILE: keyFile,
      DBT_DBTUNE_DATABASE_ID: DB_ID,
      DBT_POSTGRESQL_CONNECTION_URL: `postgres://u:${PASSWORD}@127.0.0.1:5432/db`,
    });
    expect(r.code).toBe(0);
    expect(r.out + r.err).not.toContain(API_KEY);
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  describe('run, check and config refuse the same start-up problems with the same message (exit 2)', () => {
    const base = {
      DBT_DBTUNE_SERVER_URL: 'embedded',
      DBT_POSTGRESQL_CONNECTION_URL: `postgres://u:${PASSWORD}@127.0.0.1:1/db`,
    };
    it.each([
      [
        'restarts allowed without a restart method',
        ['--local'],
        { DBT_POSTGRESQL_ALLOW_RESTART: 'true' },
        'postgresql.allow_restart: true needs postgresql.restart_script_path or postgresql.service_name',
      ],
      [
        'a restart script that does not exist',
        ['--local'],
        { DBT_POSTGRESQL_RESTART_SCRIPT_PATH: '/nonexistent/restart.sh' },
        'postgresql.restart_script_path: restart script /nonexistent/restart.sh does not exist (env: DBT_POSTGRESQL_RESTART_SCRIPT_PATH)',
      ],
      [
        'a required adapter key missing',
        ['--docker'],
        {},
        'docker.container_name (env: DBT_DOCKER_CONTAINER_NAME): required for --docker',
      ],
      [
        'no Kubernetes API to talk to',
        ['--cnpg'],
        {
          DBT_CNPG_NAMESPACE: 'db',
          DBT_CNPG_CLUSTER_NAME: 'pg',
          DBT_CNPG_KUBECONFIG_PATH: '/nonexistent/kubeconfig',
        },
        'cnpg.kubeconfig_path (env: DBT_CNPG_KUBECONFIG_PATH): no kubeconfig at /nonexistent/kubeconfig, and not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT and a service-account token in /var/run/secrets/kubernetes.io/serviceaccount)',
      ],
      [
        'a required AWS key missing',
        ['--aurora'],
        { DBT_RDS_DATABASE_IDENTIFIER: 'writer-1' },
        'rds-aurora.AWS_REGION (env: DBT_AWS_REGION): required for --aurora',
      ],
      [
        'a connection string that is not PostgreSQL',
        ['--local'],
        { DBT_POSTGRESQL_CONNECTION_URL: 'mysql://root:hunter2@h/db' },
        'postgresql.connection_url: must be a postgres:// or postgresql:// URL, not mysql:// (env: DBT_POSTGRESQL_CONNECTION_URL)',
      ],
    ])('%s', (_label, flags, env, message) => {
      const outputs = [[], ['check'], ['config']].map((cmd) => cli([...flags, ...cmd], { ...base, ...env }));
      for (const r of outputs) {
        expect(r.code).toBe(2);
        expect(r.err).toContain(message);
        expect(r.out + r.err).not.toContain(PASSWORD);
        expect(r.err).not.toContain('hunter2');
      }
      expect(new Set(outputs.map((r) => r.err)).size).toBe(1);
    });
  });

  it('an unreachable database fails the startup check with exit 1 and a hint', () => {
    const r = cli(['--local'], {
      DBT_DBTUNE_API_KEY: API_KEY,
      DBT_DBTUNE_DATABASE_ID: DB_ID,
      DBT_DBTUNE_SERVER_URL: 'http://127.0.0.1:9',
      DBT_POSTGRESQL_CONNECTION_URL: `postgres://u:${PASSWORD}@127.0.0.1:1/db`,
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain('DBT_POSTGRESQL_CONNECTION_URL');
    expect(r.out + r.err).not.toContain(PASSWORD);
  });
});
