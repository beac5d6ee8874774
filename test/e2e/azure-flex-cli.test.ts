/**
 * End-to-end: the built CLI with --azure-flex, reaching the Azure simulation only through
 * `DBT_AZURE_FLEX_ARM_ENDPOINT` and the standard credential chain (managed identity through
 * IDENTITY_ENDPOINT/IDENTITY_HEADER; the simulation's certificate trusted with NODE_EXTRA_CA_CERTS),
 * logging in to the real PostgreSQL with an Entra token, applying a restart knob through
 * Configurations - Put and Servers - Restart. A second run without credentials fails clearly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { AzureSim, OSSRDBMS_RESOURCE } from '../harness/azure-sim/index.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const SUB = '7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a';
const ROLE = 'agent_mi';
const TOKEN = 'sim-entra-token-for-agent-mi';
const GIB = 1024 ** 3;

let pg: PgCluster;
let sim: AzureSim;
let fake: FakePlatform;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  [sim, fake] = await Promise.all([
    AzureSim.start({
      cluster: pg,
      subscriptionId: SUB,
      resourceGroup: 'rg-e2e',
      serverName: 'flex-e2e',
      sku: 'Standard_D2ds_v5',
    }),
    FakePlatform.start(),
  ]);
  // The agent's role logs in only with the token the managed identity hands out.
  await pg.sql(`CREATE ROLE ${ROLE} LOGIN SUPERUSER PASSWORD '${TOKEN}'`);
  const hba = path.join(pg.dataDir, 'pg_hba.conf');
  writeFileSync(hba, `host all ${ROLE} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
  await pg.sql('SELECT pg_reload_conf()');
  sim.identity.fixedTokens.set(OSSRDBMS_RESOURCE, TOKEN);
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  await sim?.close();
  await pg?.destroy();
});

function agentEnv(): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: `postgres://${ROLE}@127.0.0.1:${pg.port}/postgres`,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    DBT_AZURE_FLEX_SUBSCRIPTION_ID: SUB,
    DBT_AZURE_FLEX_RESOURCE_GROUP_NAME: 'rg-e2e',
    DBT_AZURE_FLEX_SERVER_NAME: 'flex-e2e',
    DBT_AZURE_FLEX_AUTH_METHOD: 'entra',
    DBT_AZURE_FLEX_ARM_ENDPOINT: sim.armEndpoint,
    DBT_POSTGRESQL_ALLOW_RESTART: 'true',
    DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
  };
}

async function setting(name: string): Promise<string> {
  return String((await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`))[0]?.setting);
}

describe('agent --azure-flex against the ARM simulation and the fake platform', () => {
  it('applies a restart knob through Resource Manager, reports Azure metrics, exits 0 on SIGTERM', async () => {
    const target = (await setting('shared_buffers')) === '32768' ? 24576 : 32768;
    fake.setRecommendation([
      {
        config: [
          { name: 'shared_buffers', setting: target, unit: '8kB', vartype: 'integer', context: 'postmaster' },
          { name: 'work_mem', setting: 16384, unit: 'kB', vartype: 'integer', context: 'user' },
        ],
        knobs_overrides: ['shared_buffers', 'work_mem'],
        knob_application: 'restart',
      },
    ]);
    sim.metrics.cpu_percent = 22.5;
    sim.metrics.memory_percent = 96;
    const pidBefore = pg.postmasterPid();
    agent = startAgent(['--azure-flex'], { ...agentEnv(), ...sim.env() });

    const applied = await agent.waitForLog(
      (l) => l.msg === 'configuration applied' && l.action === 'restart',
      40_000,
    );
    expect(applied.knobs).toEqual([`shared_buffers=${target}`, 'work_mem=16384']);
    expect(await setting('shared_buffers')).toBe(String(target));
    expect(await setting('work_mem')).toBe('16384');
    expect(pg.postmasterPid()).not.toBe(pidBefore);
    expect(sim.puts()).toEqual(['shared_buffers', 'work_mem']);
    expect(sim.requests('servers.restart')).toHaveLength(1);
    // Connected with the managed identity's database token, and called Resource Manager with its own.
    expect(sim.identity.tokensFor(OSSRDBMS_RESOURCE).length).toBeGreaterThan(0);
    expect(sim.identity.tokensFor('https://management.azure.com').length).toBeGreaterThan(0);

    const metrics = await fake.waitFor(
      (rs) =>
        rs.some(
          (r) =>
            r.endpoint === 'metrics' &&
            (r.body as { metrics: Record<string, unknown> }).metrics.node_cpu_usage !== undefined,
        ),
      10_000,
    );
    const last = metrics
      .filter((r) => r.endpoint === 'metrics')
      .map((r) => (r.body as { metrics: Record<string, unknown> }).metrics)
      .filter((m) => m.node_cpu_usage !== undefined)
      .at(-1);
    expect(last).toMatchObject({ node_cpu_usage: 22.5, node_memory_used_percentage: 96 });
    const guard = (await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'guardrails'), 10_000)).find(
      (r) => r.endpoint === 'guardrails',
    );
    expect(guard?.body).toMatchObject({ level: 'critical', type: 'memory' });
    const info = (await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'system-info'), 10_000)).find(
      (r) => r.endpoint === 'system-info',
    )?.body as { system_info: Record<string, { value: unknown }> };
    expect(info.system_info.node_cpu_count?.value).toBe(2);
    expect(info.system_info.node_memory_total?.value).toBe(8 * GIB);

    const { code } = await agent.stop();
    expect(code).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(agent.stdout() + agent.stderr()).not.toContain(TOKEN);
  }, 60_000);

  it('`check` logs in with the Entra token too and finds every RBAC action it needs', async () => {
    const run = startAgent(['--azure-flex', 'check'], { ...agentEnv(), ...sim.env() });
    expect(await run.exited()).toBe(0);
    expect(run.stdout()).toContain('startup checks passed');
    expect(run.stdout()).toContain('the azure-flex adapter started');
    expect(run.stdout()).toContain('privileges: the role may apply and roll back every allowlisted knob');
    expect(sim.requests('permissions.list')).toHaveLength(1);
  }, 30_000);

  it('without Azure credentials exits 1 with one clear line; without its keys exits 2', async () => {
    sim.reset();
    const run = startAgent(['--azure-flex'], {
      ...agentEnv(),
      DBT_AZURE_FLEX_AUTH_METHOD: 'password',
      DBT_POSTGRESQL_CONNECTION_URL: pg.url,
      NODE_EXTRA_CA_CERTS: sim.env().NODE_EXTRA_CA_CERTS!,
    });
    const code = await run.exited();
    expect(code).toBe(1);
    const out = run.stdout() + run.stderr();
    expect(out).toContain(
      'azure-flex: servers.get: no Azure credentials: DefaultAzureCredential found no usable identity',
    );
    expect(out).not.toMatch(/\n\s+at /);
    expect(sim.requests()).toEqual([]);

    // Missing keys are refused before anything connects, with exit 2 and every key named.
    const bad = startAgent(['--azure-flex'], {
      ...agentEnv(),
      DBT_AZURE_FLEX_SUBSCRIPTION_ID: '',
      DBT_AZURE_FLEX_SERVER_NAME: '',
    });
    expect(await bad.exited()).toBe(2);
    expect(bad.stderr()).toContain(
      'azure_flex.subscription_id (env: DBT_AZURE_FLEX_SUBSCRIPTION_ID): required for --azure-flex',
    );
    expect(bad.stderr()).toContain(
      'azure_flex.server_name (env: DBT_AZURE_FLEX_SERVER_NAME): required for --azure-flex',
    );
  }, 30_000);
});
