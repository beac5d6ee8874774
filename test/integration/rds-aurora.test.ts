/**
 * The aurora adapter against the AWS simulation with a real PostgreSQL behind the writer: the
 * cluster and instance parameter groups (each knob goes where it can be written; never a silent
 * no-op), Serverless v2 sizing from maximum ACUs, the collectors Aurora disables, and its startup
 * errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../../adapters/index.js';
import { AURORA_DISABLED_COLLECTORS, createRdsAdapter } from '../../adapters/rds/index.js';
import type { Adapter } from '../../adapters/types.js';
import { loadConfig } from '../../src/config/index.js';
import type { AgentError } from '../../src/errors.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { AwsSim } from '../harness/aws-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const CLUSTER_GROUP = 'dbtune-aurora-cluster';
const INSTANCE_GROUP = 'dbtune-aurora-instance';
/** What the simulated instance group holds; every other parameter lives in the cluster group only. */
const INSTANCE_LEVEL = new Set(['shared_buffers', 'work_mem', 'random_page_cost', 'effective_cache_size']);

function proposal(
  settings: Record<string, string | number>,
  knob_application?: 'restart' | 'reload',
): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`aurora adapter (AWS simulation, PostgreSQL ${major})`, () => {
  let pg: PgCluster;
  let sim: AwsSim;
  let db: Db;
  let version: ServerVersion;
  let home: string;
  const savedEnv = { ...process.env };
  const signal = () => AbortSignal.timeout(10_000);

  async function setting(name: string): Promise<string> {
    const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  function adapter(instance: string, env: Record<string, string> = {}): Promise<Adapter> {
    const { config } = loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: pg.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_AWS_REGION: 'us-east-2',
        DBT_AWS_ACCESS_KEY_ID: sim.accessKeyId,
        DBT_AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
        DBT_RDS_DATABASE_IDENTIFIER: instance,
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    return createRdsAdapter({ config, db, pgVersion: version, log: silentLogger(), env: {} }, 'aurora', {
      timing: { pollMs: 50, applyTimeoutMs: 20_000, availableTimeoutMs: 60_000 },
    });
  }

  beforeAll(async () => {
    [pg, sim] = await Promise.all([startPostgres({ major }), AwsSim.start()]);
    home = mkdtempSync(path.join(os.tmpdir(), 'aurora-home-'));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_CONFIG_FILE: path.join(home, 'config'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    await sim.addParameterGroup({ name: CLUSTER_GROUP, kind: 'cluster', from: pg });
    await sim.addParameterGroup({
      name: 'default.aurora-postgresql17',
      kind: 'cluster',
      from: pg,
    });
    await sim.addParameterGroup({ name: INSTANCE_GROUP, from: pg, only: (n) => INSTANCE_LEVEL.has(n) });
    sim.parameter(CLUSTER_GROUP, 'effective_io_concurrency').IsModifiable = false;
    sim.rds.timing.applyDelayMs = 100;
    sim.rds.timing.rebootDelayMs = 100;
    sim.addCluster({
      id: 'serverless',
      parameterGroup: CLUSTER_GROUP,
      serverlessV2: { MinCapacity: 0.5, MaxCapacity: 7.5 },
    });
    sim.addInstance({
      id: 'serverless-writer',
      clusterId: 'serverless',
      instanceClass: 'db.serverless',
      parameterGroup: INSTANCE_GROUP,
      pg,
    });
    sim.addCluster({ id: 'provisioned', parameterGroup: 'default.aurora-postgresql17' });
    sim.addInstance({
      id: 'provisioned-writer',
      clusterId: 'provisioned',
      instanceClass: 'db.r6g.2xlarge',
      parameterGroup: INSTANCE_GROUP,
    });
    sim.addCluster({ id: 'no-scaling', parameterGroup: CLUSTER_GROUP });
    sim.addInstance({
      id: 'no-scaling-writer',
      clusterId: 'no-scaling',
      instanceClass: 'db.serverless',
      parameterGroup: INSTANCE_GROUP,
    });
    await sim.addParameterGroup({ name: 'plain-pg', from: pg });
    sim.addInstance({ id: 'plain-rds', parameterGroup: 'plain-pg' });
    db = createDb({ connectionUrl: pg.url });
    version = await serverVersion(db);
  });

  afterEach(async () => {
    sim.clearFaults();
    await sim.settle();
    sim.clearRequests();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await db?.end();
    await sim?.close();
    await pg?.destroy();
    rmSync(home, { recursive: true, force: true });
  });

  it('is registered as --aurora over the rds folder and disables the WAL collectors', async () => {
    const entry = ADAPTERS.find((a) => a.id === 'aurora')!;
    expect(entry).toMatchObject({ flag: '--aurora', section: 'rds-aurora', folder: 'rds' });
    expect((await entry.load()).id).toBe('aurora');
    const a = await adapter('serverless-writer');
    try {
      expect(a.id).toBe('aurora');
      expect(a.disabledCollectors).toEqual(['pg_stat_wal', 'pg_stat_wal_receiver']);
      expect(AURORA_DISABLED_COLLECTORS).toEqual(a.disabledCollectors);
    } finally {
      await a.close?.();
    }
  });

  it('sizes Serverless v2 from its maximum ACUs and reports both parameter groups', async () => {
    const a = await adapter('serverless-writer');
    try {
      const byKey = Object.fromEntries((await a.systemInfo(signal())).map((m) => [m.key, m.value]));
      expect(byKey).toMatchObject({
        node_memory_total: 15 * GIB, // 7.5 ACU × 2 GiB
        node_cpu_count: 8, // ceil(7.5)
        aws_rds_parameter_group: INSTANCE_GROUP,
        aws_rds_cluster_parameter_group: CLUSTER_GROUP,
        system_info_platform: 'aws-aurora',
        system_info_platform_version: 'db.serverless',
      });
      expect(sim.requests('DescribeInstanceTypes')).toHaveLength(0);
    } finally {
      await a.close?.();
    }
  });

  it('sizes a provisioned writer from its instance class', async () => {
    const a = await adapter('provisioned-writer');
    try {
      const byKey = Object.fromEntries((await a.systemInfo(signal())).map((m) => [m.key, m.value]));
      expect(byKey).toMatchObject({ node_memory_total: 64 * GIB, node_cpu_count: 8 });
    } finally {
      await a.close?.();
    }
  });

  it('refuses a serverless instance whose cluster has no scaling configuration, at startup', async () => {
    const err = await adapter('no-scaling-writer').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('no Serverless v2 scaling configuration');
  });

  it('refuses an instance outside any cluster as a configuration error', async () => {
    const err = await adapter('plain-rds').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      'rds-aurora.RDS_DATABASE_IDENTIFIER (env: DBT_RDS_DATABASE_IDENTIFIER): instance "plain-rds" is not a member of an Aurora cluster (use --rds)',
    );
  });

  it('writes instance knobs to the DB parameter group and the rest to the cluster group', async () => {
    const a = await adapter('serverless-writer');
    try {
      const p = proposal(
        { work_mem: '24MB', max_parallel_workers_per_gather: 3, checkpoint_timeout: '10min' },
        'reload',
      );
      expect((await a.settings.apply(p)).action).toBe('reload');
      expect(await setting('work_mem')).toBe('24576');
      expect(await setting('max_parallel_workers_per_gather')).toBe('3');
      expect(await setting('checkpoint_timeout')).toBe('600');
      const names = (action: string) =>
        sim.requests(action).map((r) =>
          Object.entries(r.params)
            .filter(([k]) => k.endsWith('.ParameterName'))
            .map(([, v]) => v),
        );
      expect(names('ModifyDBParameterGroup')).toEqual([['work_mem']]);
      expect(names('ModifyDBClusterParameterGroup')).toEqual([
        ['max_parallel_workers_per_gather', 'checkpoint_timeout'],
      ]);
      expect(sim.parameter(CLUSTER_GROUP, 'checkpoint_timeout').ParameterValue).toBe('600');

      sim.clearRequests();
      expect((await a.settings.apply(p)).action).toBe('none');
      expect(sim.requests('ModifyDBClusterParameterGroup')).toHaveLength(0);
    } finally {
      await a.close?.();
    }
  });

  it('reboots for a static cluster parameter when restarts are allowed', async () => {
    const a = await adapter('serverless-writer', { DBT_POSTGRESQL_ALLOW_RESTART: 'true' });
    try {
      const pid = pg.postmasterPid();
      const target = (await setting('max_worker_processes')) === '14' ? 13 : 14;
      expect((await a.settings.apply(proposal({ max_worker_processes: target }, 'restart'))).action).toBe(
        'restart',
      );
      expect(await setting('max_worker_processes')).toBe(String(target));
      expect(pg.postmasterPid()).not.toBe(pid);
      expect(sim.requests('ModifyDBClusterParameterGroup')[0]?.params).toMatchObject({
        'Parameters.Parameter.1.ApplyMethod': 'pending-reboot',
      });
      expect(sim.requests('RebootDBInstance')).toHaveLength(1);
      expect(sim.instance('serverless-writer').clusterApplyStatus).toBe('in-sync');
    } finally {
      await a.close?.();
    }
  });

  it('refuses a knob neither group can modify, and a default cluster group, sending nothing', async () => {
    const a = await adapter('serverless-writer');
    const b = await adapter('provisioned-writer');
    try {
      const err = await a.settings
        .apply(proposal({ effective_io_concurrency: 64 }))
        .catch((e: unknown) => e as Error);
      expect((err as Error).message).toContain(
        `effective_io_concurrency is not modifiable in DB parameter group ${INSTANCE_GROUP} or cluster parameter group ${CLUSTER_GROUP}`,
      );
      const refused = await b.settings
        .apply(proposal({ work_mem: '32MB', max_parallel_workers_per_gather: 4 }))
        .catch((e: unknown) => e as AgentError);
      expect((refused as AgentError).code).toBe('default_parameter_group');
      expect((refused as Error).message).toContain('"default.aurora-postgresql17"');
      expect(sim.requests('ModifyDBParameterGroup')).toHaveLength(0);
      expect(sim.requests('ModifyDBClusterParameterGroup')).toHaveLength(0);
    } finally {
      await a.close?.();
      await b.close?.();
    }
  });
});
