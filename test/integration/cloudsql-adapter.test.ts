/**
 * The cloudsql adapter against the Google Cloud simulation (metadata server for Application Default
 * Credentials, SQL Admin API v1, Cloud Monitoring v3, served to the real client libraries in REST
 * mode) and a real PostgreSQL: a flags patch ends in pg_settings, a restart flag really restarts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudsql } from '../../adapters/cloudsql/index.js';
import type { Adapter } from '../../adapters/types.js';
import { evaluate } from '../../guardrails/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigApplyError, ConfigError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { GcpSim } from '../harness/gcp-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const PROJECT = 'sim-project';
const INSTANCE = 'pg-main';
const PATCH_PATH = `/v1/projects/${PROJECT}/instances/${INSTANCE}`;
const M = 'cloudsql.googleapis.com/database/';

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`cloudsql adapter (Google API simulation, PostgreSQL ${major})`, () => {
  let cluster: PgCluster;
  let sim: GcpSim;
  let db: Db;
  let version: ServerVersion;
  let adapter: Adapter;
  const opened: Adapter[] = [];
  const signal = () => AbortSignal.timeout(15_000);

  async function setting(name: string): Promise<string> {
    const rows = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  async function createAdapter(env: Record<string, string> = {}): Promise<Adapter> {
    const { config } = loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: cluster.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_GCP_PROJECT_ID: PROJECT,
        DBT_GCP_DATABASE_NAME: INSTANCE,
        DBT_GCP_API_ENDPOINT: sim.endpoint,
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    const a = await cloudsql.create({
      config,
      db,
      pgVersion: version,
      log: silentLogger(),
      env: process.env,
    });
    opened.push(a);
    return a;
  }

  beforeAll(async () => {
    [cluster, sim] = await Promise.all([startPostgres({ major }), GcpSim.start()]);
    // Application Default Credentials: no key file, so google-auth-library asks the metadata server.
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GCE_METADATA_HOST = sim.metadataHost;
    sim.addInstance({
      project: PROJECT,
      name: INSTANCE,
      databaseVersion: `POSTGRES_${major}`,
      cluster,
      flags: [{ name: 'effective_io_concurrency', value: '1' }],
      userLabels: { team: 'db' },
    });
    sim.setMetric(`${M}cpu/reserved_cores`, 2);
    sim.setMetric(`${M}cpu/utilization`, 0.375);
    sim.setMetric(`${M}memory/quota`, 8 * GIB);
    sim.setMetric(`${M}memory/components`, 40, 'Usage');
    sim.setMetric(`${M}memory/components`, 35, 'Cache');
    sim.setMetric(`${M}memory/components`, 25, 'Free');
    sim.setMetric(`${M}disk/read_ops_count`, 600);
    sim.setMetric(`${M}disk/write_ops_count`, 1200);
    sim.setMetric(`${M}disk/quota`, 100 * GIB);
    sim.setMetric(`${M}disk/utilization`, 0.125);
    sim.setMetric(`${M}network/received_bytes_count`, 123_456);
    sim.setMetric(`${M}network/sent_bytes_count`, 654_321);
    db = createDb({ connectionUrl: cluster.url });
    version = await serverVersion(db);
    adapter = await createAdapter();
  }, 60_000);

  afterEach(() => {
    sim.reset();
    sim.clearRequests();
  });

  afterAll(async () => {
    for (const a of opened) await a.close?.();
    await db?.end();
    await sim?.close();
    await cluster?.destroy();
  });

  it('reads system info, active config without internal rows, hardware metrics and the guardrail', async () => {
    const info = Object.fromEntries((await adapter.systemInfo(signal())).map((m) => [m.key, m.value]));
    expect(info).toMatchObject({
      node_cpu_count: 2,
      node_memory_total: 8 * GIB,
      system_info_platform: 'cloudsql',
      system_info_platform_version: `POSTGRES_${major}`,
      pg_version: version.short,
    });
    const rows = await adapter.activeConfig(signal());
    expect(rows.some((r) => r.name === 'block_size')).toBe(false);
    expect(rows.every((r) => r.context !== 'internal')).toBe(true);
    expect(rows.find((r) => r.name === 'work_mem')).toBeDefined();

    const [hardware] = adapter.hardwareCollectors();
    const metrics = Object.fromEntries((await hardware!.collect(signal())).map((m) => [m.key, m.value]));
    expect(metrics).toEqual({
      node_cpu_usage: 37.5,
      node_disk_iops_read: 10,
      node_disk_iops_write: 20,
      node_disk_iops_total: 30,
      node_disk_io_ops_read: 600,
      node_disk_io_ops_write: 1200,
      node_disk_io_ops_total: 1800,
      node_disk_size: 100 * GIB,
      node_disk_used_percentage: 12.5,
      node_net_receive_count: 123_456,
      node_net_send_count: 654_321,
      node_memory_used: Math.round(8 * GIB * 0.4),
      node_memory_used_percentage: 40,
      node_memory_freeable: Math.round(8 * GIB * 0.6),
      node_memory_available_percentage: 60,
    });
    const auth = sim.requests('GET', /^\/v3\//).map((r) => r.headers.authorization);
    expect(new Set(auth)).toEqual(new Set([`Bearer ${sim.token}`]));

    // A failing Monitoring call omits its metrics (never zeros); the running totals keep counting.
    sim.failMetric(`${M}cpu/utilization`);
    sim.failMetric(`${M}disk/write_ops_count`);
    const partial = Object.fromEntries((await hardware!.collect(signal())).map((m) => [m.key, m.value]));
    expect(partial).not.toHaveProperty('node_cpu_usage');
    expect(partial).not.toHaveProperty('node_disk_iops_write');
    expect(partial).not.toHaveProperty('node_disk_iops_total');
    expect(partial.node_disk_io_ops_read).toBe(1200);

    // Guardrail: Usage 40 % is below 90; at 95 % it signals (reading cached for 5 s, so a new adapter).
    const low = await adapter.guardrailReading(signal());
    expect(low).toMatchObject({ limitBytes: 8 * GIB, source: 'cloud-monitoring' });
    expect(evaluate(low!, { memoryThreshold: 90 })).toBeNull();
    sim.setMetric(`${M}memory/components`, 95, 'Usage');
    const high = await (await createAdapter()).guardrailReading(signal());
    expect(evaluate(high!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
    sim.setMetric(`${M}memory/components`, 40, 'Usage');
  });

  it('applies a reload batch as one patch that keeps the existing flags, retrying while another operation runs', async () => {
    sim.busyFor(2);
    const result = await adapter.settings.apply(
      proposal({ work_mem: 65536, random_page_cost: 1.1 }, 'reload'),
    );
    expect(result.action).toBe('reload');
    expect(await setting('work_mem')).toBe('65536');
    expect(await setting('random_page_cost')).toBe('1.1');
    const patches = sim.requests('PATCH', PATCH_PATH);
    expect(patches).toHaveLength(3); // two refused with operationInProgress, then accepted
    expect(patches.at(-1)?.body).toMatchObject({
      settings: {
        userLabels: { team: 'db' },
        databaseFlags: [
          { name: 'effective_io_concurrency', value: '1' },
          { name: 'work_mem', value: '65536' },
          { name: 'random_page_cost', value: '1.1' },
        ],
      },
    });
    expect(sim.requests('GET', /\/operations\//).length).toBeGreaterThan(0);
    expect(sim.instance(PROJECT, INSTANCE).userLabels).toEqual({ team: 'db' });
    // Nothing changed → nothing sent.
    expect((await adapter.settings.apply(proposal({ work_mem: 65536 }, 'reload'))).action).toBe('none');
    expect(sim.requests('PATCH')).toHaveLength(3);
  });

  it('applies a restart batch: Cloud SQL restarts the instance within the operation', async () => {
    const pidBefore = cluster.postmasterPid();
    const target = Number(await setting('shared_buffers')) === 32768 ? 16384 : 32768;
    const result = await adapter.settings.apply(
      proposal({ shared_buffers: target, work_mem: 8192 }, 'restart'),
    );
    expect(result.action).toBe('restart');
    expect(cluster.postmasterPid()).not.toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(String(target));
    expect(await setting('work_mem')).toBe('8192');
    expect(sim.instance(PROJECT, INSTANCE).flags).toContainEqual({
      name: 'shared_buffers',
      value: String(target),
    });
  });

  it('refuses a restart batch without allow_restart, and a batch with a knob Cloud SQL lacks, before any patch', async () => {
    const noRestart = await createAdapter({ DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    const before = await setting('shared_buffers');
    const err = await noRestart.settings
      .apply(proposal({ shared_buffers: 20000 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect(await setting('shared_buffers')).toBe(before);

    const workMem = await setting('work_mem');
    const bad = await adapter.settings
      .apply(proposal({ work_mem: 4096, backend_flush_after: 64 }, 'reload'))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigApplyError);
    expect((bad as Error).message).toContain(
      `backend_flush_after is not a Cloud SQL database flag for POSTGRES_${major}`,
    );
    expect(await setting('work_mem')).toBe(workMem);
    expect(sim.requests('PATCH')).toEqual([]);
  });

  it('rolls back when the operation fails after applying, and names the permission when a patch is denied', async () => {
    const flagsBefore = structuredClone(sim.instance(PROJECT, INSTANCE).flags);
    const workMem = await setting('work_mem');
    sim.failNextOperation('simulated internal failure');
    const err = await adapter.settings
      .apply(proposal({ work_mem: 12345 }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toMatch(/operation .* failed: INTERNAL_ERROR: simulated internal failure/);
    expect((err as Error).message).toContain('rolled back');
    expect(await setting('work_mem')).toBe(workMem);
    expect(sim.instance(PROJECT, INSTANCE).flags).toEqual(flagsBefore);
    expect(sim.requests('PATCH', PATCH_PATH)).toHaveLength(2); // the change, then the restore

    // A garbage answer while following the operation: the operation still completes on Cloud
    // SQL's side, so the restore waits out operationInProgress and then puts the flags back.
    sim.clearRequests();
    sim.fail('operations.get', { garbage: true }, 1);
    const garbage = await adapter.settings
      .apply(proposal({ work_mem: 34567 }, 'reload'))
      .catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(
      /cloudsql: operations.get: the API answered with something that is not JSON/,
    );
    expect((garbage as Error).message).toContain('rolled back');
    expect(await setting('work_mem')).toBe(workMem);
    expect(sim.instance(PROJECT, INSTANCE).flags).toEqual(flagsBefore);

    sim.clearRequests();
    sim.deny('instances.patch');
    const denied = await adapter.settings
      .apply(proposal({ work_mem: 23456 }, 'reload'))
      .catch((e: unknown) => e);
    expect((denied as Error).message).toContain(
      'cloudsql: instances.patch: permission denied (needs IAM permission cloudsql.instances.update, e.g. role roles/cloudsql.editor)',
    );
    expect((denied as Error).stack).toBeDefined();
    expect(await setting('work_mem')).toBe(workMem);
    expect(sim.instance(PROJECT, INSTANCE).flags).toEqual(flagsBefore);
  });

  it('refuses to start on a missing instance, a denied read or a garbage answer, with clear errors', async () => {
    const missing = await createAdapter({ DBT_GCP_DATABASE_NAME: 'no-such-instance' }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe(
      `cloudsql.database_name (env: DBT_GCP_DATABASE_NAME): no Cloud SQL instance "no-such-instance" in project "${PROJECT}" (cloudsql.project_id (env: DBT_GCP_PROJECT_ID))`,
    );
    const unset = await createAdapter({ DBT_GCP_PROJECT_ID: '' }).catch((e: unknown) => e);
    expect((unset as Error).message).toContain(
      'cloudsql.project_id (env: DBT_GCP_PROJECT_ID): required for --cloudsql',
    );

    sim.deny('instances.get', 1);
    const denied = await createAdapter().catch((e: unknown) => e);
    expect((denied as Error).message).toContain(
      'cloudsql: instances.get: permission denied (needs IAM permission cloudsql.instances.get, e.g. role roles/cloudsql.viewer)',
    );
    sim.fail('instances.get', { garbage: true }, 1);
    const garbage = await createAdapter().catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(
      /^cloudsql: instances.get: the API answered with something that is not JSON/,
    );
  });
});
