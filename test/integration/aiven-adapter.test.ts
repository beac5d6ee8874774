/**
 * The aiven adapter against the Aiven REST API simulation (got → http) and a real PostgreSQL:
 * `user_config` updates end in pg_settings, and a shared_buffers_percentage change really restarts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aiven } from '../../adapters/aiven/index.js';
import type { Adapter } from '../../adapters/types.js';
import { evaluate } from '../../guardrails/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigApplyError, ConfigError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { AivenSim } from '../harness/aiven-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const PROJECT = 'sim-project';
const SERVICE = 'pg-sim';
const SERVICE_PATH = `/v1/project/${PROJECT}/service/${SERVICE}`;
const MEMORY_MB = 1024;

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`aiven adapter (Aiven API simulation, PostgreSQL ${major})`, () => {
  let cluster: PgCluster;
  let sim: AivenSim;
  let db: Db;
  let version: ServerVersion;
  let adapter: Adapter;
  const signal = () => AbortSignal.timeout(15_000);

  async function setting(name: string): Promise<string> {
    const rows = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  function createAdapter(env: Record<string, string> = {}): Promise<Adapter> {
    const { config } = loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: cluster.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_AIVEN_API_TOKEN: sim.token,
        DBT_AIVEN_PROJECT_NAME: PROJECT,
        DBT_AIVEN_SERVICE_NAME: SERVICE,
        DBT_AIVEN_API_URL: sim.apiUrl,
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    return aiven.create({ config, db, pgVersion: version, log: silentLogger(), env: {} });
  }

  beforeAll(async () => {
    [cluster, sim] = await Promise.all([startPostgres({ major }), AivenSim.start()]);
    sim.addService({
      project: PROJECT,
      name: SERVICE,
      cluster,
      nodeMemoryMb: MEMORY_MB,
      nodeCpuCount: 2,
      userConfig: { pg: { bgwriter_lru_maxpages: 100 }, pg_stat_monitor_enable: false },
      metrics: {
        cpu_usage: 12.5,
        mem_usage: 40,
        mem_available: 60,
        diskio_read: 3,
        diskio_writes: 7,
        load_average: 0.5,
      },
    });
    db = createDb({ connectionUrl: cluster.url });
    version = await serverVersion(db);
    adapter = await createAdapter();
  }, 60_000);

  afterEach(async () => {
    sim.reset();
    await sim.idle();
    sim.clearRequests();
  });

  afterAll(async () => {
    await db?.end();
    await sim?.close();
    await cluster?.destroy();
  });

  it('reads system info, the Aiven-shaped active config, hardware metrics and the guardrail', async () => {
    const info = Object.fromEntries((await adapter.systemInfo(signal())).map((m) => [m.key, m.value]));
    expect(info).toMatchObject({
      node_cpu_count: 2,
      node_memory_total: MEMORY_MB * 1024 * 1024,
      pg_version: version.short,
    });
    const rows = await adapter.activeConfig(signal());
    expect(rows[0]).toEqual({
      name: 'shared_buffers_percentage',
      setting: 20,
      unit: 'percentage',
      vartype: 'real',
      context: 'service',
    });
    expect(rows.find((r) => r.name === 'work_mem')).toEqual({
      name: 'work_mem',
      setting: Number(await setting('work_mem')) / 1024,
      unit: 'MB',
      vartype: 'integer',
      context: 'service',
    });
    const [hardware] = adapter.hardwareCollectors();
    expect(await hardware!.collect(signal())).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 12.5 },
      { key: 'node_disk_iops_read', type: 'float', value: 3 },
      { key: 'node_disk_iops_write', type: 'float', value: 7 },
      { key: 'node_load_average', type: 'float', value: 0.5 },
      { key: 'node_memory_available_percentage', type: 'percentage', value: 60 },
      { key: 'node_memory_used_percentage', type: 'percentage', value: 40 },
      { key: 'node_disk_iops_total', type: 'float', value: 10 },
    ]);
    expect(await hardware!.collect(signal())).toEqual([]); // within metric_resolution_seconds: nothing new
    expect(sim.requests('POST', `${SERVICE_PATH}/metrics`)).toHaveLength(1);
    expect(sim.requests('POST', `${SERVICE_PATH}/metrics`)[0]?.body).toEqual({ period: 'hour' });

    // Guardrail: used 40 % (available 60 %) is below 90: no signal, although the Go agent's inverted
    // comparison (available > threshold) would signal at a threshold of 50.
    const low = await adapter.guardrailReading(signal());
    expect(evaluate(low!, { memoryThreshold: 50 })).toBeNull();
    sim.service(PROJECT, SERVICE).metrics = { mem_available: 5 };
    const high = await (await createAdapter()).guardrailReading(signal());
    expect(high).toMatchObject({ limitBytes: MEMORY_MB * 1024 * 1024, source: 'aiven-metrics' });
    expect(evaluate(high!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
  });

  it('applies a reload batch, placing work_mem in user_config and the others in user_config.pg', async () => {
    const result = await adapter.settings.apply(
      proposal({ work_mem: 64, bgwriter_delay: 150, max_parallel_workers_per_gather: 3 }, 'reload'),
    );
    expect(result.action).toBe('reload');
    expect(await setting('work_mem')).toBe(String(64 * 1024));
    expect(await setting('bgwriter_delay')).toBe('150');
    expect(await setting('max_parallel_workers_per_gather')).toBe('3');
    const puts = sim.requests('PUT', SERVICE_PATH);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.body).toEqual({
      user_config: {
        work_mem: 64,
        pg: { bgwriter_lru_maxpages: 100, bgwriter_delay: 150, max_parallel_workers_per_gather: 3 },
      },
    });
    expect(puts[0]?.headers.authorization).toBe(`aivenv1 ${sim.token}`);
    expect(sim.service(PROJECT, SERVICE).userConfig.pg_stat_monitor_enable).toBe(false);
  });

  it('applies shared_buffers_percentage with a restart detected from the service state', async () => {
    const pidBefore = cluster.postmasterPid();
    const result = await adapter.settings.apply(proposal({ shared_buffers_percentage: 25 }, 'restart'));
    expect(result.action).toBe('restart');
    expect(cluster.postmasterPid()).not.toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(String((MEMORY_MB * 1024 * 0.25) / 8)); // 8kB pages
    expect(sim.requests('PUT', SERVICE_PATH)[0]?.body).toEqual({
      user_config: { shared_buffers_percentage: 25 },
    });
    expect(sim.requests('GET', SERVICE_PATH).length).toBeGreaterThan(1); // polled through REBUILDING
    const rows = await adapter.activeConfig(signal());
    expect(rows[0]?.setting).toBe(25);
  });

  it('refuses without allow_restart, and refuses a batch with a knob Aiven cannot set, sending nothing', async () => {
    const noRestart = await createAdapter({ DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    const err = await noRestart.settings
      .apply(proposal({ shared_buffers_percentage: 30 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);

    const before = await setting('work_mem');
    const bad = await adapter.settings
      .apply(proposal({ work_mem: 32, random_page_cost: 1.5 }, 'reload'))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigApplyError);
    expect((bad as Error).message).toContain('random_page_cost cannot be changed on Aiven');
    const range = await adapter.settings
      .apply(proposal({ shared_buffers_percentage: 75 }, 'restart'))
      .catch((e: unknown) => e);
    expect((range as Error).message).toContain("Aiven's shared_buffers_percentage takes 20–60 %");
    expect(await setting('work_mem')).toBe(before);
    expect(sim.requests('PUT')).toEqual([]);
  });

  it('rolls back when the update fails after Aiven applied it; names the token scope when refused', async () => {
    const before = { work_mem: await setting('work_mem'), bgwriter_delay: await setting('bgwriter_delay') };
    const configBefore = structuredClone(sim.service(PROJECT, SERVICE).userConfig);
    sim.failAfterApplying(504);
    const err = await adapter.settings
      .apply(proposal({ work_mem: 16, bgwriter_delay: 300 }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toContain('aiven: service.update: HTTP 504: Gateway timeout');
    expect((err as Error).message).toContain('rolled back');
    expect(await setting('work_mem')).toBe(before.work_mem);
    expect(await setting('bgwriter_delay')).toBe(before.bgwriter_delay);
    expect(sim.service(PROJECT, SERVICE).userConfig).toEqual(configBefore);

    sim.fail('service.update', { garbage: true }, 1);
    const garbage = await adapter.settings
      .apply(proposal({ work_mem: 8 }, 'reload'))
      .catch((e: unknown) => e);
    expect((garbage as Error).message).toContain(
      'aiven: service.update: the API answered with something that is not JSON',
    );
    expect(await setting('work_mem')).toBe(before.work_mem);

    sim.clearRequests();
    sim.fail('service.update', {
      status: 403,
      body: { message: 'Not allowed', errors: [{ message: 'Not allowed', status: 403 }] },
    });
    const denied = await adapter.settings
      .apply(proposal({ work_mem: 16 }, 'reload'))
      .catch((e: unknown) => e);
    expect((denied as Error).message).toContain(
      'aiven: service.update: permission denied (HTTP 403: Not allowed)',
    );
    expect((denied as Error).message).toContain('developer or admin');
    expect(await setting('work_mem')).toBe(before.work_mem);
  });

  it('refuses to start on a missing service, a refused token, a missing token or a garbage answer', async () => {
    const missing = await createAdapter({ DBT_AIVEN_SERVICE_NAME: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe(
      `aiven.AIVEN_SERVICE_NAME (env: DBT_AIVEN_SERVICE_NAME): no service "nope" in project "${PROJECT}" (aiven.AIVEN_PROJECT_NAME (env: DBT_AIVEN_PROJECT_NAME))`,
    );
    const refused = await createAdapter({ DBT_AIVEN_API_TOKEN: 'wrong-token' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as Error).message).toMatch(
      /^aiven\.AIVEN_API_TOKEN \(env: DBT_AIVEN_API_TOKEN\): aiven: service\.get: permission denied/,
    );
    expect((refused as Error).message).not.toContain('wrong-token');
    const none = await createAdapter({ DBT_AIVEN_API_TOKEN: '' }).catch((e: unknown) => e);
    expect((none as Error).message).toBe(
      'aiven.AIVEN_API_TOKEN (env: DBT_AIVEN_API_TOKEN): required for --aiven',
    );
    sim.fail('service.get', { garbage: true }, 1);
    const garbage = await createAdapter().catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(
      /^aiven: service.get: the API answered with something that is not JSON/,
    );
  });
});
