/**
 * End-to-end: the built CLI with --docker, talking to the Docker Engine API simulation through
 * DOCKER_HOST=unix://<socket>, with a real PostgreSQL behind the simulated container and the fake
 * platform proposing a knob that needs a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { DockerSim } from '../harness/docker-sim.js';
import { FakePlatform, type RecordedRequest } from '../harness/fake-platform.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { knobText } from '../../src/agent/knob-text.js';

const NAME = 'pg-e2e';
const GIB = 1024 ** 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: PgCluster;
let sim: DockerSim;
let fake: FakePlatform;
let agent: AgentProcess | undefined;

beforeAll(async () => {
  [pg, sim, fake] = await Promise.all([startPostgres(), DockerSim.start(), FakePlatform.start()]);
  sim.addContainer({
    name: NAME,
    image: 'postgres:17.5',
    cluster: pg,
    hostConfig: { CpuQuota: 200_000, CpuPeriod: 100_000 },
    stats: { memoryLimit: 4 * GIB, memoryUsage: GIB, inactiveFile: 256 * 1024 * 1024 },
  });
});

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  await sim?.close();
  await pg?.destroy();
});

/** The first recorded request matching `match`, waiting up to `timeoutMs` for it. */
async function waitForRequest(
  match: (r: RecordedRequest) => boolean,
  timeoutMs: number,
): Promise<RecordedRequest> {
  const seen = await fake.waitFor((rs) => rs.some(match), timeoutMs);
  return seen.find(match)!;
}

async function sharedBuffers(): Promise<string> {
  const rows = await pg.sql("SELECT setting FROM pg_settings WHERE name = 'shared_buffers'");
  return String(rows[0]?.setting);
}

describe('agent --docker against the Engine API simulation and the fake platform', () => {
  it('applies a restart knob with one container restart, keeps reporting, and exits 0 on SIGTERM', async () => {
    const target = (await sharedBuffers()) === '32768' ? 24576 : 32768;
    fake.setRecommendation([
      {
        config: [
          { name: 'shared_buffers', setting: target, unit: '8kB', vartype: 'integer', context: 'postmaster' },
        ],
        knobs_overrides: ['shared_buffers'],
        knob_application: 'restart',
      },
    ]);
    const pidBefore = pg.postmasterPid();
    agent = startAgent(['--docker'], {
      DBT_POSTGRESQL_CONNECTION_URL: pg.url,
      DBT_DBTUNE_SERVER_URL: fake.url,
      DBT_DBTUNE_API_KEY: fake.apiKey,
      DBT_DBTUNE_DATABASE_ID: fake.databaseId,
      DBT_DOCKER_CONTAINER_NAME: NAME,
      DBT_POSTGRESQL_ALLOW_RESTART: 'true',
      DOCKER_HOST: sim.dockerHost,
      // Heartbeat every 6 s, metrics and config every 2 s.
      DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
    });

    const applied = await agent.waitForLog(
      (l) => l.msg === 'configuration applied' && l.action === 'restart',
      40_000,
    );
    expect(applied.knobs).toEqual([knobText('shared_buffers', String(target), '8kB')]);
    expect(await sharedBuffers()).toBe(String(target));
    expect(pg.postmasterPid()).not.toBe(pidBefore);
    const appliedAt = Date.now();

    // Reporting flows after the restart: heartbeats, metrics from the container stats, config.
    await waitForRequest((r) => r.endpoint === 'metrics' && r.at > appliedAt, 10_000);
    await waitForRequest((r) => r.endpoint === 'heartbeat' && r.at > appliedAt, 10_000);
    await waitForRequest(
      (r) => r.endpoint === 'configurations' && r.method === 'POST' && r.at > appliedAt,
      10_000,
    );
    const metrics = fake
      .requests('metrics')
      .map((r) => (r.body as { metrics: Record<string, unknown> }).metrics);
    const withHardware = metrics.filter((m) => m.node_memory_used !== undefined);
    expect(withHardware.length).toBeGreaterThan(0);
    expect(withHardware.at(-1)?.node_memory_used).toBe(GIB - 256 * 1024 * 1024);
    expect(withHardware.at(-1)?.node_cpu_usage).toBe(10); // (2e9 − 1e9) / (40e9 − 30e9) × 100

    // System info came from the container.
    const info = fake.requests('system-info').at(-1)?.body as {
      system_info: Record<string, { value: unknown }>;
    };
    expect(info.system_info.system_info_platform?.value).toBe('docker');
    expect(info.system_info.system_info_platform_version?.value).toBe('postgres:17.5');
    expect(info.system_info.node_cpu_count?.value).toBe(2);
    expect(info.system_info.node_memory_total?.value).toBe(4 * GIB);

    // The container nears its memory limit: a guardrail signal follows.
    sim.setStats(NAME, { memoryUsage: 3.9 * GIB, inactiveFile: 0 });
    const guard = await waitForRequest((r) => r.endpoint === 'guardrails', 10_000);
    expect(guard.body).toMatchObject({ level: 'critical', type: 'memory' });

    // The same proposal keeps coming; it is not applied again.
    await sleep(3_000);
    expect(sim.requests('POST', `/containers/${NAME}/restart`)).toHaveLength(1);
    expect(sim.requests('POST')).toHaveLength(1);

    const { code } = await agent.stop();
    expect(code).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(agent.stdout() + agent.stderr()).not.toContain(fake.apiKey);
  }, 60_000);
});
