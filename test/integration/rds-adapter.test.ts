/**
 * The rds adapter against the AWS simulation (RDS/EC2 query XML, CloudWatch JSON 1.0, Performance
 * Insights JSON 1.1) with a real PostgreSQL behind the simulated instance: startup errors, system
 * info, metrics, both guardrail paths, and the parameter-group backend under the apply engine, so a
 * proposal ends as a value in pg_settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRdsAdapter } from '../../adapters/rds/index.js';
import type { Adapter } from '../../adapters/types.js';
import { evaluate } from '../../guardrails/index.js';
import { loadConfig } from '../../src/config/index.js';
import { AgentError, ConfigApplyError, ConfigError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { AwsSim } from '../harness/aws-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const GROUP = 'dbtune-pg';
const FORMULA = '{DBInstanceClassMemory/32768}';
const FAST = { pollMs: 50, applyTimeoutMs: 20_000, availableTimeoutMs: 60_000 };

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

/** The error an apply rejects with (fails the test when it resolves). */
async function applyError(a: Adapter, p: Proposal): Promise<Error> {
  const result = await a.settings.apply(p).catch((e: unknown) => e as Error);
  if (!(result instanceof Error)) throw new Error(`apply resolved with ${result.action}`);
  return result;
}

describe(`rds adapter (AWS simulation, PostgreSQL ${major})`, () => {
  let pg: PgCluster;
  let sim: AwsSim;
  let db: Db;
  let version: ServerVersion;
  let clock = Date.now();
  let home: string;
  const savedEnv = { ...process.env };
  const signal = () => AbortSignal.timeout(10_000);

  async function setting(name: string): Promise<string> {
    const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  function adapter(env: Record<string, string> = {}): Promise<Adapter> {
    const { config } = loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: pg.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_AWS_REGION: 'eu-west-1',
        DBT_AWS_ACCESS_KEY_ID: sim.accessKeyId,
        DBT_AWS_SECRET_ACCESS_KEY: sim.secretAccessKey,
        DBT_RDS_DATABASE_IDENTIFIER: 'db1',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    });
    return createRdsAdapter({ config, db, pgVersion: version, log: silentLogger(), env: {} }, 'rds', {
      timing: FAST,
      now: () => clock,
    });
  }

  async function startupError(env: Record<string, string>): Promise<Error> {
    const err = await adapter(env).then(
      () => new Error('adapter was created'),
      (e: unknown) => e as Error,
    );
    return err;
  }

  beforeAll(async () => {
    [pg, sim] = await Promise.all([startPostgres({ major }), AwsSim.start()]);
    sim.now = () => clock;
    // The standard SDK environment: endpoint, no metadata service, no shared files.
    home = mkdtempSync(path.join(os.tmpdir(), 'rds-home-'));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: sim.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_CONFIG_FILE: path.join(home, 'config'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_PROFILE;
    await sim.addParameterGroup({
      name: GROUP,
      from: pg,
      values: { shared_buffers: FORMULA },
      only: (n) => n !== 'jit_above_cost',
    });
    sim.parameter(GROUP, 'effective_io_concurrency').IsModifiable = false;
    sim.parameter(GROUP, 'random_page_cost').AllowedValues = '0-10';
    await sim.addParameterGroup({ name: 'default.postgres17', from: pg });
    sim.rds.timing.applyDelayMs = 100;
    sim.rds.timing.rebootDelayMs = 100;
    sim.addInstance({ id: 'db1', parameterGroup: GROUP, pg, piEnabled: true, instanceClass: 'db.r6g.large' });
    sim.addInstance({
      id: 'db-default',
      parameterGroup: 'default.postgres17',
      pg,
      instanceClass: 'db.m5.large',
    });
    db = createDb({ connectionUrl: pg.url });
    version = await serverVersion(db);
  });

  afterEach(async () => {
    sim.clearFaults();
    sim.rds.failedStarts = 0;
    await sim.settle();
    if (!pg.isRunning()) await pg.start();
    sim.clearRequests();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await db?.end();
    await sim?.close();
    await pg?.destroy();
    rmSync(home, { recursive: true, force: true });
  });

  describe('startup', () => {
    it('refuses a missing region and identifier as configuration errors naming the keys', async () => {
      const err = await startupError({ DBT_AWS_REGION: '', DBT_RDS_DATABASE_IDENTIFIER: '' });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('rds.AWS_REGION (env: DBT_AWS_REGION): required for --rds');
      expect(err.message).toContain(
        'rds.RDS_DATABASE_IDENTIFIER (env: DBT_RDS_DATABASE_IDENTIFIER): required',
      );
    });

    it('refuses an unknown instance as a configuration error', async () => {
      const err = await startupError({ DBT_RDS_DATABASE_IDENTIFIER: 'nope' });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toBe(
        'rds.RDS_DATABASE_IDENTIFIER (env: DBT_RDS_DATABASE_IDENTIFIER): no DB instance "nope" in region eu-west-1',
      );
    });

    it('reports missing credentials as a configuration error naming both keys', async () => {
      const err = await startupError({ DBT_AWS_ACCESS_KEY_ID: '', DBT_AWS_SECRET_ACCESS_KEY: '' });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('rds.AWS_ACCESS_KEY_ID (env: DBT_AWS_ACCESS_KEY_ID)');
      expect(err.message).toContain('no AWS credentials');
      expect(sim.requests('DescribeDBInstances')).toHaveLength(0);
    });

    it('reports keys AWS rejects as a configuration error', async () => {
      const err = await startupError({ DBT_AWS_ACCESS_KEY_ID: 'AKIDWRONG', DBT_AWS_SECRET_ACCESS_KEY: 'x' });
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('AWS rejected the credentials (InvalidClientTokenId)');
      expect(err.message).not.toContain('AKIDWRONG');
    });

    it('uses the default chain when no keys are configured (here: the standard env vars)', async () => {
      process.env.AWS_ACCESS_KEY_ID = sim.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = sim.secretAccessKey;
      try {
        const a = await adapter({ DBT_AWS_ACCESS_KEY_ID: '', DBT_AWS_SECRET_ACCESS_KEY: '' });
        await a.close?.();
        expect(sim.requests('DescribeDBInstances').at(-1)?.accessKeyId).toBe(sim.accessKeyId);
      } finally {
        delete process.env.AWS_ACCESS_KEY_ID;
        delete process.env.AWS_SECRET_ACCESS_KEY;
      }
    });

    it('names the IAM action AWS denied, as a runtime error', async () => {
      sim.deny('DescribeInstanceTypes');
      const err = await startupError({});
      expect(err).not.toBeInstanceOf(ConfigError);
      expect(err.message).toMatch(
        /^ec2: DescribeInstanceTypes: access denied: the agent's IAM identity needs ec2:DescribeInstanceTypes/,
      );
    });

    it('retries a throttled call with the SDK standard retry', async () => {
      sim.throttle('DescribeDBInstances', 2);
      const a = await adapter();
      await a.close?.();
      expect(sim.requests('DescribeDBInstances')).toHaveLength(3);
    });
  });

  describe('readings', () => {
    let a: Adapter;
    beforeAll(async () => {
      a = await adapter();
    });
    afterAll(() => a.close?.());

    it('reports system info from the instance class and the parameter group', async () => {
      const metrics = await a.systemInfo(signal());
      const byKey = Object.fromEntries(metrics.map((m) => [m.key, m.value]));
      expect(byKey).toMatchObject({
        node_cpu_count: 2,
        node_memory_total: 16 * GIB,
        aws_rds_parameter_group: GROUP,
        system_info_platform: 'aws-rds',
        system_info_platform_version: 'db.r6g.large',
        pg_version: version.short,
      });
      expect(byKey.aws_rds_cluster_parameter_group).toBeUndefined();
      expect(sim.requests('DescribeInstanceTypes').at(-1)?.params['InstanceType.1']).toBe('r6g.large');
    });

    it('collects CloudWatch metrics in one GetMetricData call, plus Performance Insights', async () => {
      sim.setMetrics('db1', { FreeableMemory: 6 * GIB, CPUUtilization: 37.5, ReadIOPS: 120, WriteIOPS: 80 });
      sim.setActiveMemoryKb('db1', 4 * 1024 * 1024);
      const [hardware] = a.hardwareCollectors();
      const metrics = await hardware!.collect(signal());
      expect(Object.fromEntries(metrics.map((m) => [m.key, m.value]))).toEqual({
        node_memory_freeable: 6 * GIB,
        node_cpu_usage: 37.5,
        node_disk_iops_read: 120,
        node_disk_iops_write: 80,
        node_disk_iops_total: 200,
        node_memory_used: 4 * GIB,
      });
      expect(sim.requests('GetMetricData')).toHaveLength(1);
      const queries = sim.requests('GetMetricData')[0]!.params.MetricDataQueries as {
        MetricStat: { Metric: { MetricName: string } };
      }[];
      expect(queries.map((q) => q.MetricStat.Metric.MetricName)).toEqual([
        'FreeableMemory',
        'CPUUtilization',
        'ReadIOPS',
        'WriteIOPS',
      ]);
      expect(sim.requests('GetResourceMetrics')[0]?.params).toMatchObject({
        ServiceType: 'RDS',
        Identifier: sim.instance('db1').dbiResourceId,
        MetricQueries: [{ Metric: 'os.memory.active.avg' }],
      });
    });

    it('omits a metric without data or whose query failed, never reporting zero', async () => {
      sim.setMetrics('db1', { FreeableMemory: 'error', CPUUtilization: null, ReadIOPS: 10, WriteIOPS: 5 });
      sim.fail('GetResourceMetrics', { code: 'InternalServiceError', message: 'boom', status: 500 });
      const metrics = await a.hardwareCollectors()[0]!.collect(signal());
      expect(metrics.map((m) => m.key).sort()).toEqual([
        'node_disk_iops_read',
        'node_disk_iops_total',
        'node_disk_iops_write',
      ]);
      sim.clearFaults();
      sim.fail('GetMetricData', { code: 'AccessDenied', message: 'denied', status: 403 });
      const piOnly = await a.hardwareCollectors()[0]!.collect(signal());
      expect(piOnly.map((m) => m.key)).toEqual(['node_memory_used']);
    });

    it('reads the guardrail from Performance Insights at most every 5 s', async () => {
      sim.setActiveMemoryKb('db1', 15 * 1024 * 1024); // 15 of 16 GiB active
      const reading = await a.guardrailReading(signal());
      expect(reading).toEqual({ usedBytes: 15 * GIB, limitBytes: 16 * GIB, source: 'performance-insights' });
      expect(evaluate(reading!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
      clock += 4_000;
      expect(await a.guardrailReading(signal())).toBeNull();
      expect(sim.requests('GetResourceMetrics')).toHaveLength(1);
      clock += 1_000;
      expect(await a.guardrailReading(signal())).not.toBeNull();
      expect(sim.requests('GetResourceMetrics')).toHaveLength(2);
    });

    it('reads FreeableMemory for the guardrail without Performance Insights', async () => {
      const b = await adapter({ DBT_RDS_DATABASE_IDENTIFIER: 'db-default' });
      try {
        sim.setMetrics('db-default', { FreeableMemory: 0.5 * GIB }); // 0.5 of 8 GiB free
        clock += 10_000;
        const reading = await b.guardrailReading(signal());
        expect(reading).toEqual({
          usedBytes: 0.5 * GIB,
          limitBytes: 8 * GIB,
          source: 'cloudwatch',
          kind: 'freeable',
        });
        expect(evaluate(reading!, { memoryThreshold: 90 })).toEqual({
          level: 'critical',
          type: 'freeable_memory',
        });
        expect(sim.requests('GetResourceMetrics')).toHaveLength(0);
      } finally {
        await b.close?.();
      }
    });
  });

  describe('apply through the parameter group', () => {
    let a: Adapter;
    let restartable: Adapter;
    beforeAll(async () => {
      [a, restartable] = await Promise.all([adapter(), adapter({ DBT_POSTGRESQL_ALLOW_RESTART: 'true' })]);
    });
    afterAll(async () => {
      await a.close?.();
      await restartable.close?.();
    });

    const modifies = () => sim.requests('ModifyDBParameterGroup');

    it('refuses a default parameter group with default_parameter_group', async () => {
      const d = await adapter({ DBT_RDS_DATABASE_IDENTIFIER: 'db-default' });
      try {
        const err = await applyError(d, proposal({ work_mem: '8MB' }));
        expect(err).toBeInstanceOf(AgentError);
        expect((err as AgentError).code).toBe('default_parameter_group');
        expect(err.message).toContain('"default.postgres17"');
        expect(modifies()).toHaveLength(0);
      } finally {
        await d.close?.();
      }
    });

    it('lists for `check` what keeps the groups from taking the tuning space', async () => {
      expect(await a.settings.backend.privileges!(['work_mem', 'jit_above_cost'], signal())).toEqual([
        {
          what: `jit_above_cost is not a parameter of parameter group ${GROUP}`,
          grant:
            'leave jit_above_cost out of the tuning space: tuning.allowlist_remove (env: DBT_TUNING_ALLOWLIST_REMOVE)',
        },
      ]);
      const d = await adapter({ DBT_RDS_DATABASE_IDENTIFIER: 'db-default' });
      try {
        const gaps = await d.settings.backend.privileges!(['work_mem'], signal());
        expect(gaps.map((g) => g.what)).toEqual([
          'DB parameter group default.postgres17 is a default group, which AWS does not allow modifying',
        ]);
        expect(gaps[0]?.grant).toContain('modify-db-instance --db-instance-identifier db-default');
      } finally {
        await d.close?.();
      }
    });

    it('refuses knobs the group does not hold, cannot modify, or does not allow, sending nothing', async () => {
      const err = await applyError(
        a,
        proposal({
          jit_above_cost: 200000,
          effective_io_concurrency: 50,
          random_page_cost: 12,
          work_mem: 9000,
        }),
      );
      expect(err).toBeInstanceOf(ConfigApplyError);
      expect(err.message).toContain(`jit_above_cost is not a parameter of parameter group ${GROUP}`);
      expect(err.message).toContain(`effective_io_concurrency is not modifiable in parameter group ${GROUP}`);
      expect(err.message).toContain(
        `random_page_cost=12 is outside the parameter group's allowed values 0-10`,
      );
      expect(modifies()).toHaveLength(0);
      expect(await setting('work_mem')).not.toBe('9000');
    });

    it('applies a reload batch with ApplyMethod immediate, then a repeated proposal does nothing', async () => {
      const p = proposal({ work_mem: '12MB', random_page_cost: 1.5 }, 'reload');
      const result = await a.settings.apply(p);
      expect(result.action).toBe('reload');
      expect(await setting('work_mem')).toBe('12288');
      expect(await setting('random_page_cost')).toBe('1.5');
      expect(modifies()).toHaveLength(1);
      expect(modifies()[0]!.params).toMatchObject({
        DBParameterGroupName: GROUP,
        'Parameters.Parameter.1.ApplyMethod': 'immediate',
        'Parameters.Parameter.2.ApplyMethod': 'immediate',
      });
      expect(sim.parameter(GROUP, 'work_mem')).toMatchObject({ ParameterValue: '12288', Source: 'user' });
      expect(sim.requests('RebootDBInstance')).toHaveLength(0);

      sim.clearRequests();
      expect((await a.settings.apply(p)).action).toBe('none');
      expect(modifies()).toHaveLength(0);
    });

    it('refuses a restart batch without allow_restart, sending nothing', async () => {
      const err = await applyError(a, proposal({ shared_buffers: '256MB' }, 'restart'));
      expect(err).toBeInstanceOf(RestartNotAllowedError);
      expect(modifies()).toHaveLength(0);
      expect(sim.requests('RebootDBInstance')).toHaveLength(0);
    });

    it('applies a mixed batch split by apply method, reboots once, and the values are live', async () => {
      const pid = pg.postmasterPid();
      const result = await restartable.settings.apply(
        proposal({ shared_buffers: '256MB', max_worker_processes: 12, work_mem: '16MB' }, 'restart'),
      );
      expect(result.action).toBe('restart');
      expect(await setting('shared_buffers')).toBe('32768');
      expect(await setting('max_worker_processes')).toBe('12');
      expect(await setting('work_mem')).toBe('16384');
      expect(pg.postmasterPid()).not.toBe(pid);
      const calls = modifies().map((r) =>
        Object.entries(r.params)
          .filter(([k]) => k.endsWith('.ApplyMethod'))
          .map(([, v]) => v),
      );
      expect(calls).toEqual([['immediate'], ['pending-reboot', 'pending-reboot']]);
      expect(sim.requests('RebootDBInstance')).toHaveLength(1);
      expect(sim.instance('db1')).toMatchObject({ status: 'available', applyStatus: 'in-sync' });
    });

    it('restores a restart batch when the reboot is refused, without rebooting', async () => {
      const before = await setting('max_worker_processes');
      const target = before === '14' ? 13 : 14;
      sim.fail('RebootDBInstance', { code: 'InvalidDBInstanceState', message: 'busy', status: 400 }, 1);
      const err = await applyError(restartable, proposal({ max_worker_processes: target }, 'restart'));
      expect(err.message).toContain('rds: RebootDBInstance: InvalidDBInstanceState: busy');
      expect(err.message).toContain('rolled back to the previous settings');
      expect(sim.requests('RebootDBInstance')).toHaveLength(1);
      expect(sim.parameter(GROUP, 'max_worker_processes').ParameterValue).toBe(before);
      expect(await setting('max_worker_processes')).toBe(before);
    });

    it('restores and reboots again when the instance cannot start with the new values', async () => {
      const before = await setting('max_worker_processes');
      const pid = pg.postmasterPid();
      sim.rds.failedStarts = 1;
      const err = await applyError(restartable, proposal({ max_worker_processes: 15 }, 'restart'));
      expect(err.message).toContain('instance db1 is incompatible-parameters');
      expect(err.message).toContain('rolled back to the previous settings');
      expect(sim.requests('RebootDBInstance')).toHaveLength(2);
      expect(sim.instance('db1').status).toBe('available');
      expect(await setting('max_worker_processes')).toBe(before);
      expect(pg.postmasterPid()).not.toBe(pid);
    });

    it('sends a batch of more than 20 parameters in calls of at most 20', async () => {
      const values: Record<string, string | number> = {
        work_mem: 8192,
        hash_mem_multiplier: 3,
        maintenance_work_mem: 131072,
        autovacuum_work_mem: 65536,
        logical_decoding_work_mem: 131072,
        effective_cache_size: 262144,
        max_wal_size: 2048,
        min_wal_size: 160,
        checkpoint_timeout: 600,
        checkpoint_completion_target: 0.8,
        wal_writer_delay: 300,
        commit_delay: 10,
        commit_siblings: 7,
        random_page_cost: 2.5,
        seq_page_cost: 0.9,
        cpu_tuple_cost: 0.02,
        cpu_index_tuple_cost: 0.006,
        cpu_operator_cost: 0.003,
        parallel_setup_cost: 1500,
        parallel_tuple_cost: 0.2,
        default_statistics_target: 150,
        from_collapse_limit: 10,
        join_collapse_limit: 10,
        bgwriter_delay: 250,
      };
      const result = await a.settings.apply(proposal(values, 'reload'));
      expect(result.action).toBe('reload');
      const sizes = modifies().map(
        (r) => Object.keys(r.params).filter((k) => k.endsWith('.ParameterName')).length,
      );
      expect(sizes).toEqual([20, 4]);
      expect(await setting('bgwriter_delay')).toBe('250');
      expect(await setting('join_collapse_limit')).toBe('10');
    });

    it('retries a throttled ModifyDBParameterGroup with the SDK standard retry', async () => {
      sim.throttle('ModifyDBParameterGroup', 2);
      const result = await a.settings.apply(proposal({ work_mem: '20MB' }, 'reload'));
      expect(result.action).toBe('reload');
      expect(modifies()).toHaveLength(3);
      expect(await setting('work_mem')).toBe('20480');
    });

    it('restores the group and the live values when a later write fails', async () => {
      const before = { work_mem: await setting('work_mem'), temp_buffers: await setting('temp_buffers') };
      const tempBefore = sim.parameter(GROUP, 'temp_buffers').ParameterValue;
      // 21 knobs: the first call of 20 succeeds, the second fails.
      const values: Record<string, string | number> = {
        work_mem: 4096,
        hash_mem_multiplier: 4,
        maintenance_work_mem: 98304,
        autovacuum_work_mem: 32768,
        logical_decoding_work_mem: 98304,
        effective_cache_size: 131072,
        max_wal_size: 3072,
        min_wal_size: 192,
        checkpoint_timeout: 900,
        checkpoint_completion_target: 0.7,
        wal_writer_delay: 400,
        commit_delay: 20,
        commit_siblings: 8,
        random_page_cost: 3,
        seq_page_cost: 0.8,
        cpu_tuple_cost: 0.03,
        cpu_index_tuple_cost: 0.007,
        cpu_operator_cost: 0.004,
        parallel_setup_cost: 1200,
        parallel_tuple_cost: 0.3,
        temp_buffers: 2048,
      };
      sim.fail(
        'ModifyDBParameterGroup',
        { code: 'InvalidParameterValue', message: 'rejected', status: 400 },
        1,
        1,
      );
      const err = await applyError(a, proposal(values, 'reload'));
      expect(err).toBeInstanceOf(ConfigApplyError);
      expect(err.message).toContain('rds: ModifyDBParameterGroup: InvalidParameterValue: rejected');
      expect(err.message).toContain('rolled back to the previous settings');
      expect(await setting('work_mem')).toBe(before.work_mem);
      expect(await setting('temp_buffers')).toBe(before.temp_buffers);
      expect(sim.parameter(GROUP, 'work_mem').ParameterValue).toBe('20480');
      expect(sim.parameter(GROUP, 'temp_buffers').ParameterValue).toBe(tempBefore);
    });
  });
});
