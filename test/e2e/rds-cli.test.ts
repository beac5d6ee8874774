/**
 * End-to-end: the built CLI with --rds and with --aurora, running at the same time for 60 s against
 * one AWS simulation (reached only through the SDK's standard AWS_ENDPOINT_URL and
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) with a real PostgreSQL behind each instance, each agent
 * with its own fake platform proposing knobs. Startup errors exit 2 (configuration) or 1 (denied).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startAgent, type AgentProcess } from '../harness/agent-process.js';
import { AwsSim } from '../harness/aws-sim/index.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

const GIB = 1024 ** 3;
const RUN_MS = 60_000;
const INSTANCE_LEVEL = new Set(['shared_buffers', 'work_mem', 'random_page_cost']);

let pgRds: PgCluster;
let pgAurora: PgCluster;
let sim: AwsSim;
let rdsPlatform: FakePlatform;
let auroraPlatform: FakePlatform;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  [pgRds, pgAurora, sim, rdsPlatform, auroraPlatform] = await Promise.all([
    startPostgres(),
    startPostgres(),
    AwsSim.start(),
    FakePlatform.start(),
    FakePlatform.start(),
  ]);
  sim.rds.timing.applyDelayMs = 300;
  sim.rds.timing.rebootDelayMs = 500;
  await sim.addParameterGroup({ name: 'e2e-rds', from: pgRds });
  sim.addInstance({
    id: 'e2e-rds',
    parameterGroup: 'e2e-rds',
    pg: pgRds,
    piEnabled: true,
    instanceClass: 'db.m6g.xlarge',
  });
  await sim.addParameterGroup({ name: 'e2e-aurora-cluster', kind: 'cluster', from: pgAurora });
  await sim.addParameterGroup({
    name: 'e2e-aurora-instance',
    from: pgAurora,
    only: (n) => INSTANCE_LEVEL.has(n),
  });
  sim.addCluster({ id: 'e2e-aurora', parameterGroup: 'e2e-aurora-cluster' });
  sim.addInstance({
    id: 'e2e-aurora-1',
    clusterId: 'e2e-aurora',
    parameterGroup: 'e2e-aurora-instance',
    pg: pgAurora,
    instanceClass: 'db.r6g.large',
  });
  sim.setMetrics('e2e-rds', { FreeableMemory: 10 * GIB, CPUUtilization: 42, ReadIOPS: 300, WriteIOPS: 100 });
  sim.setActiveMemoryKb('e2e-rds', 6 * 1024 * 1024);
  sim.setMetrics('e2e-aurora-1', {
    FreeableMemory: 12 * GIB,
    CPUUtilization: 7.5,
    ReadIOPS: 20,
    WriteIOPS: null,
  });
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop('SIGKILL')));
  await Promise.all([rdsPlatform?.close(), auroraPlatform?.close()]);
  await sim?.close();
  await Promise.all([pgRds?.destroy(), pgAurora?.destroy()]);
});

function agentEnv(pg: PgCluster, fake: FakePlatform, instance: string, extra: Record<string, string> = {}) {
  return {
    ...sim.env('eu-central-1'),
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    DBT_RDS_DATABASE_IDENTIFIER: instance,
    // Heartbeat every 6 s, metrics and config every 2 s.
    DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
    ...extra,
  };
}

async function setting(pg: PgCluster, name: string): Promise<string> {
  const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]?.setting);
}

function metricsOf(fake: FakePlatform): Record<string, unknown>[] {
  return fake.requests('metrics').map((r) => (r.body as { metrics: Record<string, unknown> }).metrics);
}

function systemInfoOf(fake: FakePlatform): Record<string, unknown> {
  const body = fake.requests('system-info').at(-1)?.body as {
    system_info: Record<string, { value: unknown }>;
  };
  return Object.fromEntries(Object.entries(body.system_info).map(([k, v]) => [k, v.value]));
}

/** Run the CLI to its exit (startup failures). */
function runToExit(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('agent --rds and --aurora against the AWS simulation', () => {
  it('apply the platform proposals, report metrics, system info and guardrails for 60 s, exit 0', async () => {
    const sharedBuffers = (await setting(pgRds, 'shared_buffers')) === '32768' ? 24576 : 32768;
    rdsPlatform.setRecommendation([
      {
        config: [
          {
            name: 'shared_buffers',
            setting: sharedBuffers,
            unit: '8kB',
            vartype: 'integer',
            context: 'postmaster',
          },
          { name: 'work_mem', setting: 12288, unit: 'kB', vartype: 'integer', context: 'user' },
        ],
        knobs_overrides: ['shared_buffers', 'work_mem'],
        knob_application: 'restart',
      },
    ]);
    auroraPlatform.setRecommendation([
      {
        config: [
          { name: 'work_mem', setting: 20480, unit: 'kB', vartype: 'integer', context: 'user' },
          {
            name: 'max_parallel_workers_per_gather',
            setting: 3,
            unit: null,
            vartype: 'integer',
            context: 'user',
          },
        ],
        knobs_overrides: ['work_mem', 'max_parallel_workers_per_gather'],
        knob_application: 'reload',
      },
    ]);
    const started = Date.now();
    const rdsPid = pgRds.postmasterPid();
    const rds = startAgent(
      ['--rds'],
      agentEnv(pgRds, rdsPlatform, 'e2e-rds', { DBT_POSTGRESQL_ALLOW_RESTART: 'true' }),
    );
    const aurora = startAgent(['--aurora'], agentEnv(pgAurora, auroraPlatform, 'e2e-aurora-1'));
    agents.push(rds, aurora);

    const [rdsApplied, auroraApplied] = await Promise.all([
      rds.waitForLog((l) => l.msg === 'configuration applied', 45_000),
      aurora.waitForLog((l) => l.msg === 'configuration applied', 45_000),
    ]);
    expect(rdsApplied).toMatchObject({ action: 'restart' });
    expect(auroraApplied).toMatchObject({ action: 'reload' });
    expect(await setting(pgRds, 'shared_buffers')).toBe(String(sharedBuffers));
    expect(await setting(pgRds, 'work_mem')).toBe('12288');
    expect(pgRds.postmasterPid()).not.toBe(rdsPid);
    expect(await setting(pgAurora, 'work_mem')).toBe('20480');
    expect(await setting(pgAurora, 'max_parallel_workers_per_gather')).toBe('3');
    const modifications = () =>
      sim.requests().filter((r) => /^(Modify|Reset)DB|^RebootDBInstance$/.test(r.action)).length;
    const afterApply = modifications();
    expect(sim.requests('RebootDBInstance')).toHaveLength(1);
    expect(sim.requests('ModifyDBClusterParameterGroup')).toHaveLength(1);

    // Memory pressure on both: Performance Insights (rds) and FreeableMemory (aurora, no PI).
    sim.setActiveMemoryKb('e2e-rds', 15.5 * 1024 * 1024);
    sim.setMetrics('e2e-aurora-1', { FreeableMemory: 0.4 * GIB });
    const [rdsGuard, auroraGuard] = await Promise.all([
      rdsPlatform.waitFor((rs) => rs.some((r) => r.endpoint === 'guardrails'), 20_000),
      auroraPlatform.waitFor((rs) => rs.some((r) => r.endpoint === 'guardrails'), 20_000),
    ]);
    expect(rdsGuard.find((r) => r.endpoint === 'guardrails')?.body).toMatchObject({
      level: 'critical',
      type: 'memory',
    });
    expect(auroraGuard.find((r) => r.endpoint === 'guardrails')?.body).toMatchObject({
      level: 'critical',
      type: 'freeable_memory',
    });

    // Keep both running for the rest of the minute: the proposals keep coming, nothing is re-applied.
    await new Promise((r) => setTimeout(r, Math.max(0, RUN_MS - (Date.now() - started))));
    expect(modifications()).toBe(afterApply);

    const rdsMetrics = metricsOf(rdsPlatform).filter((m) => m.node_cpu_usage !== undefined);
    expect(rdsMetrics.at(-1)).toMatchObject({
      node_cpu_usage: 42,
      node_memory_freeable: 10 * GIB,
      node_disk_iops_read: 300,
      node_disk_iops_write: 100,
      node_disk_iops_total: 400,
      node_memory_used: 15.5 * GIB,
    });
    const auroraMetrics = metricsOf(auroraPlatform).filter((m) => m.node_cpu_usage !== undefined);
    expect(auroraMetrics.at(-1)).toMatchObject({ node_cpu_usage: 7.5, node_disk_iops_read: 20 });
    expect(auroraMetrics.at(-1)).not.toHaveProperty('node_disk_iops_write');
    expect(auroraMetrics.at(-1)).not.toHaveProperty('node_memory_used');
    // One GetMetricData per hardware tick for rds (its guardrail reads Performance Insights).
    const rdsMetricCalls = sim
      .requests('GetMetricData')
      .filter((r) => JSON.stringify(r.params).includes('"e2e-rds"')).length;
    expect(rdsMetricCalls).toBeGreaterThan(10);
    expect(rdsMetricCalls).toBeLessThanOrEqual(metricsOf(rdsPlatform).length + 2);

    expect(systemInfoOf(rdsPlatform)).toMatchObject({
      node_cpu_count: 4,
      node_memory_total: 16 * GIB,
      aws_rds_parameter_group: 'e2e-rds',
      system_info_platform: 'aws-rds',
    });
    expect(systemInfoOf(auroraPlatform)).toMatchObject({
      node_cpu_count: 2,
      aws_rds_parameter_group: 'e2e-aurora-instance',
      aws_rds_cluster_parameter_group: 'e2e-aurora-cluster',
      system_info_platform: 'aws-aurora',
    });
    // Only the standard SDK settings reached the simulation: its keys and the region from AWS_REGION.
    expect(new Set(sim.requests().map((r) => `${r.accessKeyId}/${r.region}`))).toEqual(
      new Set([`${sim.accessKeyId}/eu-central-1`]),
    );

    const [rdsExit, auroraExit] = await Promise.all([rds.stop(), aurora.stop()]);
    expect(rdsExit.code).toBe(0);
    expect(auroraExit.code).toBe(0);
    for (const [agent, fake] of [
      [rds, rdsPlatform],
      [aurora, auroraPlatform],
    ] as const) {
      expect(fake.violations).toEqual([]);
      expect(agent.stdout() + agent.stderr()).not.toContain(sim.secretAccessKey);
    }
  }, 120_000);

  it('exits 2 naming the key for an unknown instance, and 1 naming the IAM action when denied', async () => {
    const env = agentEnv(pgRds, rdsPlatform, 'no-such-db', { DBT_DISABLE_CHECKS: 'true' });
    const unknown = await runToExit(['--rds'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'rds.RDS_DATABASE_IDENTIFIER (env: DBT_RDS_DATABASE_IDENTIFIER): no DB instance "no-such-db" in region eu-central-1',
    );
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    sim.deny('DescribeDBInstances');
    const denied = await runToExit(['--aurora'], { ...env, DBT_RDS_DATABASE_IDENTIFIER: 'e2e-aurora-1' });
    sim.clearFaults();
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain("access denied: the agent's IAM identity needs rds:DescribeDBInstances");
    expect(denied.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
