/**
 * End-to-end: the built CLI with --cloudsql and with --aiven, side by side, each against its API
 * simulation and a real PostgreSQL, reached only through the endpoint settings
 * (DBT_GCP_API_ENDPOINT, DBT_AIVEN_API_URL) and the standard credentials (Application Default
 * Credentials through GCE_METADATA_HOST; the Aiven token). The fake platform proposes knobs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AivenSim } from '../harness/aiven-sim/index.js';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { GcpSim } from '../harness/gcp-sim/index.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const GIB = 1024 ** 3;
const M = 'cloudsql.googleapis.com/database/';
// A HOME without gcloud credentials, so Application Default Credentials reach the metadata server.
const home = mkdtempSync(path.join(os.tmpdir(), 'dbtune-e2e-home-'));
const agents: AgentProcess[] = [];

let gcpPg: PgCluster;
let aivenPg: PgCluster;
let gcp: GcpSim;
let aiven: AivenSim;
let gcpPlatform: FakePlatform;
let aivenPlatform: FakePlatform;

beforeAll(async () => {
  [gcpPg, aivenPg, gcp, aiven, gcpPlatform, aivenPlatform] = await Promise.all([
    startPostgres(),
    startPostgres(),
    GcpSim.start(),
    AivenSim.start(),
    FakePlatform.start(),
    FakePlatform.start(),
  ]);
  gcp.addInstance({
    project: 'e2e-project',
    name: 'e2e-instance',
    databaseVersion: 'POSTGRES_17',
    cluster: gcpPg,
  });
  for (const [type, value, component] of [
    ['cpu/reserved_cores', 4],
    ['cpu/utilization', 0.2],
    ['memory/quota', 16 * GIB],
    ['memory/components', 30, 'Usage'],
    ['memory/components', 50, 'Cache'],
    ['memory/components', 20, 'Free'],
  ] as const) {
    gcp.setMetric(M + type, value, component);
  }
  aiven.addService({
    project: 'e2e-project',
    name: 'e2e-service',
    cluster: aivenPg,
    nodeMemoryMb: 2048,
    nodeCpuCount: 2,
    metrics: { cpu_usage: 22, mem_usage: 35, mem_available: 65 },
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  await Promise.all([gcpPlatform?.close(), aivenPlatform?.close(), gcp?.close(), aiven?.close()]);
  await Promise.all([gcpPg?.destroy(), aivenPg?.destroy()]);
  rmSync(home, { recursive: true, force: true });
});

function platformEnv(fake: FakePlatform, pg: PgCluster): Record<string, string> {
  return {
    HOME: home,
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    DBT_POSTGRESQL_ALLOW_RESTART: 'true',
    DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
  };
}

async function setting(pg: PgCluster, name: string): Promise<string> {
  const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]?.setting);
}

async function runCloudSql(): Promise<void> {
  gcpPlatform.setRecommendation([
    {
      config: [{ name: 'work_mem', setting: 49152, unit: 'kB', vartype: 'integer', context: 'user' }],
      knobs_overrides: ['work_mem'],
      knob_application: 'reload',
    },
  ]);
  const agent = startAgent(['--cloudsql'], {
    ...platformEnv(gcpPlatform, gcpPg),
    DBT_GCP_PROJECT_ID: 'e2e-project',
    DBT_GCP_DATABASE_NAME: 'e2e-instance',
    DBT_GCP_API_ENDPOINT: gcp.endpoint,
    GCE_METADATA_HOST: gcp.metadataHost,
  });
  agents.push(agent);
  const applied = await agent.waitForLog(
    (l) => l.msg === 'configuration applied' && l.action === 'reload',
    30_000,
  );
  expect(applied.knobs).toEqual(['work_mem=49152']);
  expect(await setting(gcpPg, 'work_mem')).toBe('49152');
  expect(gcp.instance('e2e-project', 'e2e-instance').flags).toEqual([{ name: 'work_mem', value: '49152' }]);
  await gcpPlatform.waitFor(
    (rs) =>
      rs.some(
        (r) =>
          r.endpoint === 'metrics' &&
          (r.body as { metrics: Record<string, unknown> }).metrics.node_cpu_usage !== undefined,
      ),
    15_000,
  );
  const info = gcpPlatform.requests('system-info').at(-1)?.body as {
    system_info: Record<string, { value: unknown }>;
  };
  expect(info.system_info.node_cpu_count?.value).toBe(4);
  expect(info.system_info.node_memory_total?.value).toBe(16 * GIB);
  gcp.setMetric(`${M}memory/components`, 97, 'Usage');
  const guard = await gcpPlatform.waitFor((rs) => rs.some((r) => r.endpoint === 'guardrails'), 15_000);
  expect(guard.find((r) => r.endpoint === 'guardrails')?.body).toMatchObject({
    level: 'critical',
    type: 'memory',
  });
  expect(
    gcp.requests('GET', '/computeMetadata/v1/instance/service-accounts/default/token').length,
  ).toBeGreaterThan(0);
  expect((await agent.stop()).code).toBe(0);
  expect(gcpPlatform.violations).toEqual([]);
}

async function runAiven(): Promise<void> {
  aivenPlatform.setRecommendation([
    {
      config: [
        {
          name: 'shared_buffers_percentage',
          setting: 25,
          unit: 'percentage',
          vartype: 'real',
          context: 'service',
        },
        { name: 'work_mem', setting: 32, unit: 'MB', vartype: 'integer', context: 'service' },
      ],
      knobs_overrides: ['shared_buffers_percentage', 'work_mem'],
      knob_application: 'restart',
    },
  ]);
  const pidBefore = aivenPg.postmasterPid();
  const agent = startAgent(['--aiven'], {
    ...platformEnv(aivenPlatform, aivenPg),
    DBT_AIVEN_API_TOKEN: aiven.token,
    DBT_AIVEN_PROJECT_NAME: 'e2e-project',
    DBT_AIVEN_SERVICE_NAME: 'e2e-service',
    DBT_AIVEN_API_URL: aiven.apiUrl,
    DBT_AIVEN_METRIC_RESOLUTION_SECONDS: '1',
  });
  agents.push(agent);
  const applied = await agent.waitForLog(
    (l) => l.msg === 'configuration applied' && l.action === 'restart',
    30_000,
  );
  expect(applied.knobs).toEqual(expect.arrayContaining([`shared_buffers=${(2048 * 1024 * 0.25) / 8}`]));
  expect(await setting(aivenPg, 'shared_buffers')).toBe(String((2048 * 1024 * 0.25) / 8));
  expect(await setting(aivenPg, 'work_mem')).toBe(String(32 * 1024));
  expect(aivenPg.postmasterPid()).not.toBe(pidBefore);
  expect(aiven.service('e2e-project', 'e2e-service').userConfig).toEqual({
    shared_buffers_percentage: 25,
    work_mem: 32,
  });
  const config = await aivenPlatform.waitFor(
    (rs) => rs.some((r) => r.endpoint === 'configurations' && r.method === 'POST'),
    15_000,
  );
  const posted = config.find((r) => r.endpoint === 'configurations' && r.method === 'POST')?.body as {
    config: { name: string }[];
  };
  expect(posted.config[0]?.name).toBe('shared_buffers_percentage');
  aiven.service('e2e-project', 'e2e-service').metrics = { mem_usage: 96, mem_available: 4 };
  const guard = await aivenPlatform.waitFor((rs) => rs.some((r) => r.endpoint === 'guardrails'), 15_000);
  expect(guard.find((r) => r.endpoint === 'guardrails')?.body).toMatchObject({
    level: 'critical',
    type: 'memory',
  });
  expect(agent.stdout() + agent.stderr()).not.toContain(aiven.token);
  expect((await agent.stop()).code).toBe(0);
  expect(aivenPlatform.violations).toEqual([]);
}

describe('agent --cloudsql and --aiven against their API simulations and the fake platform', () => {
  it('apply proposals, report metrics and system info, raise the memory guardrail, exit 0', async () => {
    await Promise.all([runCloudSql(), runAiven()]);
  }, 90_000);

  it('exit 2 with a clear message when credentials are missing', async () => {
    const gcpNoCreds = startAgent(['--cloudsql'], {
      ...platformEnv(gcpPlatform, gcpPg),
      DBT_GCP_PROJECT_ID: 'e2e-project',
      DBT_GCP_DATABASE_NAME: 'e2e-instance',
      DBT_GCP_API_ENDPOINT: gcp.endpoint,
      METADATA_SERVER_DETECTION: 'none',
    });
    const aivenNoToken = startAgent(['--aiven'], {
      ...platformEnv(aivenPlatform, aivenPg),
      DBT_AIVEN_PROJECT_NAME: 'e2e-project',
      DBT_AIVEN_SERVICE_NAME: 'e2e-service',
      DBT_AIVEN_API_URL: aiven.apiUrl,
    });
    agents.push(gcpNoCreds, aivenNoToken);
    expect(await gcpNoCreds.exited()).toBe(2);
    expect(await aivenNoToken.exited()).toBe(2);
    const gcpOut = gcpNoCreds.stdout() + gcpNoCreds.stderr();
    expect(gcpOut).toContain('no Google credentials');
    expect(gcpOut).not.toMatch(/\n\s+at /);
    const aivenOut = aivenNoToken.stdout() + aivenNoToken.stderr();
    expect(aivenOut).toContain('aiven.AIVEN_API_TOKEN (env: DBT_AIVEN_API_TOKEN): required for --aiven');
    expect(aivenOut).not.toMatch(/\n\s+at /);
  }, 30_000);
});
