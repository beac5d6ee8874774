/**
 * The docker adapter against the Docker Engine API simulation (unix socket) and a real PostgreSQL:
 * system info, container metrics, the guardrail reading, and the apply pipeline with restarts done
 * by `POST /containers/{id}/restart`, which really restarts the cluster.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../adapters/docker/index.js';
import type { Adapter } from '../../adapters/types.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigApplyError, ConfigError, RestartNotAllowedError } from '../../src/errors.js';
import { evaluate } from '../../guardrails/index.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { DockerSim } from '../harness/docker-sim.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const NAME = 'pg-test';
const RESTART_PATH = `/containers/${NAME}/restart`;

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`docker adapter (Engine API simulation, PostgreSQL ${major})`, () => {
  let cluster: PgCluster;
  let sim: DockerSim;
  let db: Db;
  let version: ServerVersion;
  let adapter: Adapter;
  const signal = () => AbortSignal.timeout(10_000);
  const autoConf = () => readFileSync(path.join(cluster.dataDir, 'postgresql.auto.conf'));

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
        DBT_DOCKER_CONTAINER_NAME: NAME,
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    return docker.create({
      config,
      db,
      pgVersion: version,
      log: silentLogger(),
      env: { DOCKER_HOST: sim.dockerHost },
    });
  }

  beforeAll(async () => {
    [cluster, sim] = await Promise.all([startPostgres({ major }), DockerSim.start()]);
    sim.addContainer({
      name: NAME,
      image: `postgres:${major}-bookworm`,
      cluster,
      hostConfig: { NanoCpus: 2_500_000_000, CpuQuota: 400_000, CpuPeriod: 100_000 },
      stats: { memoryLimit: 2 * GIB },
    });
    db = createDb({ connectionUrl: cluster.url });
    version = await serverVersion(db);
    adapter = await createAdapter();
  });

  afterEach(async () => {
    sim.clearFailures();
    if (!cluster.isRunning()) await cluster.start();
    await cluster.sql('ALTER SYSTEM RESET ALL');
    await cluster.sql('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 300));
    const pending = await cluster.sql('SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart');
    if (Number(pending[0]?.n) > 0) await cluster.restart();
    sim.clearRequests();
  });

  afterAll(async () => {
    await db?.end();
    await sim?.close();
    await cluster?.destroy();
  });

  it('reports complete system info from inspect, stats and the database', async () => {
    const metrics = await adapter.systemInfo(signal());
    const byKey = Object.fromEntries(metrics.map((m) => [m.key, m]));
    expect(Object.keys(byKey).sort()).toEqual(
      [
        'node_cpu_count',
        'node_memory_total',
        'node_os_info',
        'pg_current_database',
        'pg_database_count',
        'pg_max_connections',
        'pg_version',
        'system_info_platform',
        'system_info_platform_version',
      ].sort(),
    );
    expect(byKey.pg_version).toEqual({ key: 'pg_version', type: 'string', value: version.short });
    expect(byKey.node_cpu_count).toEqual({ key: 'node_cpu_count', type: 'int', value: 2 }); // NanoCpus wins
    expect(byKey.node_memory_total).toEqual({ key: 'node_memory_total', type: 'bytes', value: 2 * GIB });
    expect(byKey.node_os_info?.value).toBe('linux');
    expect(byKey.system_info_platform?.value).toBe('docker');
    expect(byKey.system_info_platform_version?.value).toBe(`postgres:${major}-bookworm`);
    expect(byKey.pg_max_connections?.value).toBe(Number(await setting('max_connections')));
    expect(sim.requests('GET', `/containers/${NAME}/json`).length).toBeGreaterThan(0);
    expect(sim.requests('GET', `/containers/${NAME}/stats`).at(-1)?.query).toMatchObject({ stream: 'false' });

    // Unlimited container: the engine host's memory.
    sim.setStats(NAME, { memoryLimit: 0 });
    try {
      const total = (await adapter.systemInfo(signal())).find((m) => m.key === 'node_memory_total');
      expect(total?.value).toBe(sim.hostMemory);
    } finally {
      sim.setStats(NAME, { memoryLimit: 2 * GIB });
    }
  });

  it('collects hardware metrics from a full stats sample (cgroup v1 and v2 shapes)', async () => {
    const [hardware] = adapter.hardwareCollectors();
    expect(hardware?.key).toBe('hardware');
    sim.setStats(NAME, {
      cgroup: 'v1',
      cpuTotal: 7e9,
      preCpuTotal: 5e9,
      systemCpu: 60e9,
      preSystemCpu: 50e9,
      memoryUsage: 900e6,
      inactiveFile: 100e6,
    });
    expect(await hardware!.collect(signal())).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 20 },
      { key: 'node_memory_used', type: 'bytes', value: 800e6 },
    ]);
    sim.setStats(NAME, { cgroup: 'v2', inactiveFile: 300e6 });
    const v2 = await hardware!.collect(signal());
    expect(v2.find((m) => m.key === 'node_memory_used')?.value).toBe(600e6);
    const statsCalls = sim.requests('GET', `/containers/${NAME}/stats`);
    expect(statsCalls.at(-1)?.query['one-shot']).toBe('false');
  });

  it('feeds the guardrail: above the threshold evaluate signals, below it does not', async () => {
    sim.setStats(NAME, {
      cgroup: 'v2',
      memoryLimit: 2 * GIB,
      memoryUsage: 1.95 * GIB,
      inactiveFile: 0.01 * GIB,
    });
    const high = await adapter.guardrailReading(signal());
    expect(high).toMatchObject({ limitBytes: 2 * GIB, source: 'docker' });
    expect(high!.usedBytes).toBeCloseTo(1.94 * GIB, 0);
    expect(evaluate(high!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });

    sim.setStats(NAME, { memoryUsage: 1.5 * GIB, inactiveFile: 0.4 * GIB });
    const low = await adapter.guardrailReading(signal());
    expect(evaluate(low!, { memoryThreshold: 90 })).toBeNull();
    expect(sim.requests('GET', `/containers/${NAME}/stats`).at(-1)?.query['one-shot']).toBe('true');
  });

  it('applies a reload batch without touching the container', async () => {
    const result = await adapter.settings.apply(
      proposal({ work_mem: 65536, random_page_cost: 1.1 }, 'reload'),
      {},
    );
    expect(result.action).toBe('reload');
    expect(await setting('work_mem')).toBe('65536');
    expect(await setting('random_page_cost')).toBe('1.1');
    expect(sim.requests('POST')).toEqual([]);
  });

  it('applies shared_buffers with exactly one container restart', async () => {
    const pidBefore = cluster.postmasterPid();
    const target = Number(await setting('shared_buffers')) === 32768 ? 16384 : 32768;
    const result = await adapter.settings.apply(
      proposal({ shared_buffers: target, work_mem: 8192 }, 'restart'),
      {},
    );
    expect(result.action).toBe('restart');
    expect(sim.requests('POST')).toHaveLength(1);
    expect(sim.requests('POST', RESTART_PATH)).toHaveLength(1);
    const pidAfter = cluster.postmasterPid();
    expect(pidAfter).not.toBeNull();
    expect(pidAfter).not.toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(String(target));
    expect(await setting('work_mem')).toBe('8192');
  });

  it('refuses a restart knob when restarts are not allowed, leaving postgresql.auto.conf byte-identical', async () => {
    const noRestart = await createAdapter({ DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    const before = autoConf();
    const err = await noRestart.settings
      .apply(proposal({ shared_buffers: 24576 }, 'restart'), {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect((err as RestartNotAllowedError).code).toBe('restart_not_allowed');
    expect(autoConf().equals(before)).toBe(true);
    expect(sim.requests('POST')).toEqual([]);
  });

  it('rolls back to the previous settings when the engine answers the restart with 500', async () => {
    const before = await setting('shared_buffers');
    const pidBefore = cluster.postmasterPid();
    sim.fail('restart', { status: 500, message: `Cannot restart container ${NAME}: simulated failure` }, 1);
    const err = await adapter.settings
      .apply(proposal({ shared_buffers: Number(before) + 1024 }, 'restart'), {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toContain(`docker restart of container ${NAME} failed: HTTP 500`);
    expect((err as Error).message).toContain('rolled back');
    expect(sim.requests('POST', RESTART_PATH)).toHaveLength(1);
    expect(cluster.postmasterPid()).toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(before);
    const pending = await cluster.sql(
      "SELECT pending_restart FROM pg_settings WHERE name = 'shared_buffers'",
    );
    expect(pending[0]?.pending_restart).toBe(false);
    const auto = await cluster.sql(
      "SELECT count(*)::int AS n FROM pg_file_settings WHERE name = 'shared_buffers' AND sourcefile LIKE '%postgresql.auto.conf'",
    );
    expect(Number(auto[0]?.n)).toBe(0);
  });

  it('gives up on a hung restart after restart_timeout_seconds and rolls back', async () => {
    const quick = await createAdapter({ DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '1' });
    const before = await setting('shared_buffers');
    sim.fail('restart', { hang: true }, 1);
    const t0 = Date.now();
    const err = await quick.settings
      .apply(proposal({ shared_buffers: Number(before) + 2048 }, 'restart'), {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toMatch(/docker restart of container pg-test failed: timed out/);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await setting('shared_buffers')).toBe(before);
  });

  it('simulation: a versioned restart starts a stopped container; unknown names get the engine 404', async () => {
    await cluster.stop('fast');
    expect(cluster.isRunning()).toBe(false);
    expect(await callSim('POST', `/v1.47${RESTART_PATH}`)).toEqual({ status: 204, body: '' });
    expect(cluster.isRunning()).toBe(true);
    expect(sim.requests('POST', RESTART_PATH).at(-1)?.version).toBe('v1.47');
    const missing = await callSim('GET', '/containers/x/json');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ message: 'No such container: x' });
  });

  it('refuses to start for an unknown or stopped container, naming the setting', async () => {
    const err = await createAdapter({ DBT_DOCKER_CONTAINER_NAME: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `docker.container_name (env: DBT_DOCKER_CONTAINER_NAME): no container named "nope" on the Docker engine at ${sim.dockerHost}`,
    );
    sim.addContainer({ name: 'exited-one', running: false });
    await expect(createAdapter({ DBT_DOCKER_CONTAINER_NAME: 'exited-one' })).rejects.toThrow(
      /container "exited-one" \(docker\.container_name \(env: DBT_DOCKER_CONTAINER_NAME\)\) is not running \(state: exited\)/,
    );
    const missing = await createAdapter({ DBT_DOCKER_CONTAINER_NAME: '' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toContain(
      'docker.container_name (env: DBT_DOCKER_CONTAINER_NAME): required',
    );
  });

  async function callSim(method: string, p: string): Promise<{ status: number; body: string }> {
    const http = await import('node:http');
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: sim.socketPath, path: p, method }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      });
      req.on('error', reject);
      req.end();
    });
  }
});
