/**
 * Configuration faults, through the built CLI: a broken configuration must stop the agent before it
 * touches anything — exit 2, each problem named with its key and env var, no secret echoed, and
 * neither the platform nor the database contacted.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatform } from '../harness/fake-platform.js';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { AGENT_PASSWORD } from './lib/agent-role.js';
import { note } from './lib/observed.js';

const API_KEY = 'c0ffee00-1111-4222-8333-444455556666';
const DATABASE_ID = 'c0ffee00-aaaa-4bbb-8ccc-ddddeeeeffff';

let fake: FakePlatform;
let dbListener: net.Server;
let dbConnections = 0;
let dir: string;
let agent: AgentProcess | undefined;

const dbUrl = () =>
  `postgres://dbtune_agent:${AGENT_PASSWORD}@127.0.0.1:${(dbListener.address() as net.AddressInfo).port}/postgres`;

function validEnv(): Record<string, string> {
  return {
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: API_KEY,
    DBT_DBTUNE_DATABASE_ID: DATABASE_ID,
    DBT_POSTGRESQL_CONNECTION_URL: dbUrl(),
  };
}

function yamlFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Run the CLI to its exit and apply the checks every configuration fault shares. */
async function runBroken(args: string[], env: Record<string, string>, secrets: string[] = []) {
  const before = { requests: fake.requests().length, db: dbConnections };
  agent = startAgent(['--local', ...args], env);
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000));
  const code = await Promise.race([agent.exited(), timeout]);
  expect(code).toBe(2);
  const stderr = agent.stderr();
  const output = agent.stdout() + stderr;
  for (const s of [API_KEY, AGENT_PASSWORD, ...secrets]) expect(output).not.toContain(s);
  expect(fake.requests().length - before.requests).toBe(0);
  expect(dbConnections - before.db).toBe(0);
  expect(stderr).toContain('invalid configuration');
  note(
    `exit ${code}; ${stderr.trim().split('\n').length - 1} problem(s) listed; 0 requests, 0 DB connections`,
  );
  return stderr;
}

beforeAll(async () => {
  fake = await FakePlatform.start({ apiKey: API_KEY, databaseId: DATABASE_ID });
  dbListener = net.createServer((s) => {
    dbConnections++;
    s.destroy();
  });
  dbListener.listen(0, '127.0.0.1');
  await once(dbListener, 'listening');
  dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-faults-config-'));
});

afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

afterAll(async () => {
  await fake?.close();
  dbListener?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('configuration faults (built CLI)', () => {
  it('malformed YAML: exit 2, file and line named, nothing contacted', async () => {
    const file = yamlFile(
      'malformed.yaml',
      `dbtune:\n  server_url: [unclosed\n  api_key: ${API_KEY}\npostgresql:\n  connection_url: ${dbUrl()}\n`,
    );
    const stderr = await runBroken(['--config', file], {});
    expect(stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: invalid YAML`));
  });

  it('unknown keys: exit 2, each named with a did-you-mean, nothing contacted', async () => {
    const file = yamlFile(
      'unknown.yaml',
      [
        'dbtune:',
        `  serverurl: ${fake.url}`,
        `  api_key: ${API_KEY}`,
        `  database_id: ${DATABASE_ID}`,
        'postgresql:',
        `  connection_url: ${dbUrl()}`,
        '  alow_restart: true',
        'telemetry: on',
        '',
      ].join('\n'),
    );
    const stderr = await runBroken(['--config', file], {});
    expect(stderr).toContain('dbtune.serverurl: unknown key (did you mean "server_url"?)');
    expect(stderr).toContain('postgresql.alow_restart: unknown key (did you mean "allow_restart"?)');
    expect(stderr).toContain('telemetry: unknown key');
  });

  it('invalid values: exit 2, every problem reported at once with its env var', async () => {
    const stderr = await runBroken([], {
      ...validEnv(),
      DBT_POSTGRESQL_POOL_MAX: 'lots',
      DBT_MEMORY_THRESHOLD: '150',
      DBT_POSTGRESQL_ALLOW_RESTART: 'maybe',
    });
    expect(stderr).toMatch(/postgresql\.pool_max: .*\(env: DBT_POSTGRESQL_POOL_MAX\)/);
    expect(stderr).toMatch(/guardrail_settings\.memory_threshold: .*\(env: DBT_MEMORY_THRESHOLD\)/);
    expect(stderr).toMatch(/postgresql\.allow_restart: .*\(env: DBT_POSTGRESQL_ALLOW_RESTART\)/);
  });

  it('an API key that is not a UUID: exit 2, refused without echoing the value', async () => {
    const badKey = 'Not-A-Uuid-Secret-Key-4471';
    const stderr = await runBroken([], { ...validEnv(), DBT_DBTUNE_API_KEY: badKey }, [badKey]);
    expect(stderr).toContain('dbtune.api_key: must be a UUID (env: DBT_DBTUNE_API_KEY)');
  });

  it('unreadable secret file (DBT_DBTUNE_API_KEY_FILE=/nonexistent): exit 2, the env var named', async () => {
    const env = validEnv();
    delete env.DBT_DBTUNE_API_KEY;
    const stderr = await runBroken([], { ...env, DBT_DBTUNE_API_KEY_FILE: '/nonexistent' });
    expect(stderr).toMatch(
      /dbtune\.api_key: .*cannot read \/nonexistent \(ENOENT\).*\(env: DBT_DBTUNE_API_KEY_FILE\)/,
    );
  });

  it('unreadable connection-URL secret file (a directory): exit 2, no password or path content echoed', async () => {
    const env = validEnv();
    delete env.DBT_POSTGRESQL_CONNECTION_URL;
    const stderr = await runBroken([], { ...env, DBT_POSTGRESQL_CONNECTION_URL_FILE: dir });
    expect(stderr).toMatch(
      /postgresql\.connection_url: .*cannot read .*\(EISDIR\).*\(env: DBT_POSTGRESQL_CONNECTION_URL_FILE\)/,
    );
  });

  it('missing required settings: exit 2, each required key named with its env var', async () => {
    const stderr = await runBroken([], { DBT_DBTUNE_SERVER_URL: fake.url });
    expect(stderr).toContain('postgresql.connection_url: required (env: DBT_POSTGRESQL_CONNECTION_URL)');
    expect(stderr).toMatch(/dbtune\.database_id: required .*\(env: DBT_DBTUNE_DATABASE_ID\)/);
  });
});
