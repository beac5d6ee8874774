/**
 * The cnpg adapter against the Kubernetes API simulation (https, bearer token) and a real
 * PostgreSQL behind the simulated Cluster resource: parameter patches reach pg_settings through the
 * simulated operator, restarts go through the restartedAt annotation, failovers switch the primary
 * label, and metrics come from metrics-server and cAdvisor bodies.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCnpgAdapter, type CnpgOptions } from '../../adapters/cnpg/index.js';
import type { Adapter } from '../../adapters/types.js';
import { evaluate } from '../../guardrails/index.js';
import { CommonAgent } from '../../src/agent/common-agent.js';
import { CrashGuard } from '../../src/agent/crash-guard.js';
import { DEFAULT_INTERVALS } from '../../src/agent/intervals.js';
import { loadConfig } from '../../src/config/index.js';
import type { PlatformClient } from '../../src/platform/client.js';
import {
  ConfigApplyError,
  ConfigError,
  FailoverDetectedError,
  RestartNotAllowedError,
} from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Metric, Proposal } from '../../src/platform/types.js';
import { K8sSim, RESTART_ANNOTATION, type CnpgCluster } from '../harness/k8s-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const NS = 'db';
const NAME = 'pg';
const CLUSTER_PATH = `/apis/postgresql.cnpg.io/v1/namespaces/${NS}/clusters/${NAME}`;
const FAST: Partial<CnpgOptions> = {
  stabilizeMs: 1_500,
  pollIntervalMs: 100,
  engineTiming: { pollIntervalMs: 100 },
};

function proposal(settings: Record<string, unknown>): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application: undefined,
  };
}

const byKey = (ms: Metric[]) => Object.fromEntries(ms.map((m) => [m.key, m.value]));

describe(`cnpg adapter (Kubernetes API simulation, PostgreSQL ${major})`, () => {
  let pg: PgCluster;
  let sim: K8sSim;
  let cnpg: CnpgCluster;
  let db: Db;
  let version: ServerVersion;
  let tmp: string;
  let adapter: Adapter;
  const signal = () => AbortSignal.timeout(10_000);

  async function setting(name: string): Promise<string> {
    const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  function configFor(env: Record<string, string> = {}) {
    return loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: pg.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_CNPG_NAMESPACE: NS,
        DBT_CNPG_CLUSTER_NAME: NAME,
        DBT_CNPG_KUBECONFIG_PATH: path.join(tmp, 'kubeconfig'),
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    }).config;
  }

  function create(env: Record<string, string> = {}, sysEnv: NodeJS.ProcessEnv = { HOME: tmp }, opts = FAST) {
    const config = configFor(env);
    return createCnpgAdapter({ config, db, pgVersion: version, log: silentLogger(), env: sysEnv }, opts);
  }

  beforeAll(async () => {
    [pg, sim] = await Promise.all([startPostgres({ major }), K8sSim.start()]);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'dbtune-cnpg-'));
    writeFileSync(path.join(tmp, 'kubeconfig'), sim.kubeconfig(NS));
    sim.addNode({
      name: 'node-a',
      allocatable: { cpu: '8', memory: '32Gi' },
      osImage: 'Ubuntu 24.04.1 LTS',
      kernelVersion: '6.8.0-45-generic',
    });
    sim.addNode({
      name: 'node-b',
      allocatable: { cpu: '4', memory: '16Gi' },
      osImage: 'Bottlerocket OS 1.26.1',
      kernelVersion: '6.1.112',
    });
    cnpg = sim.addCluster({
      name: NAME,
      namespace: NS,
      pg,
      switchoverOnRestart: true,
      pods: [
        {
          name: 'pg-1',
          node: 'node-a',
          resources: { limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '1', memory: '2Gi' } },
        },
        // No resources and no cgroup limit: CPU and memory fall back to the node's allocatable.
        { name: 'pg-2', node: 'node-b' },
      ],
    });
    db = createDb({ connectionUrl: pg.url });
    version = await serverVersion(db);
    adapter = await create();
  });

  afterAll(async () => {
    await db?.end();
    await sim?.close();
    await pg?.destroy();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('applies a reload batch by merge patch with unit-normalised values, skipping unchanged knobs', async () => {
    sim.clearRequests();
    const seqPageCost = await setting('seq_page_cost');
    const result = await adapter.settings.apply(
      proposal({ work_mem: '8MB', random_page_cost: 1.7, seq_page_cost: Number(seqPageCost) }),
    );
    expect(result.action).toBe('reload');
    expect(result.plan.unchanged).toEqual(['seq_page_cost']);
    const patches = sim.requests('PATCH', CLUSTER_PATH);
    expect(patches).toHaveLength(1);
    expect(patches[0]?.contentType).toBe('application/merge-patch+json');
    expect(patches[0]?.body).toEqual({
      spec: { postgresql: { parameters: { work_mem: '8192kB', random_page_cost: '1.7' } } },
    });
    expect(await setting('work_mem')).toBe('8192');
    expect(await setting('random_page_cost')).toBe('1.7');
    expect(cnpg.includedFile()).toContain("work_mem = '8192kB'");
    expect(cnpg.restarts).toBe(0);

    // The same proposal again: nothing to do, nothing patched.
    sim.clearRequests();
    const again = await adapter.settings.apply(proposal({ work_mem: '8MB', random_page_cost: 1.7 }));
    expect(again.action).toBe('none');
    expect(sim.requests('PATCH')).toHaveLength(0);
  });

  it('refuses operator-managed parameters and restarts that are not allowed, patching nothing', async () => {
    sim.clearRequests();
    const managed = await create({ DBT_TUNING_ALLOWLIST_ADD: 'log_rotation_age' });
    await expect(
      managed.settings.apply(proposal({ log_rotation_age: '2h', work_mem: '16MB' })),
    ).rejects.toThrow(/log_rotation_age is managed by the CloudNativePG operator/);
    const noRestart = await create({ DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    await expect(noRestart.settings.apply(proposal({ shared_buffers: '256MB' }))).rejects.toBeInstanceOf(
      RestartNotAllowedError,
    );
    expect(sim.requests('PATCH')).toHaveLength(0);
    expect(await setting('work_mem')).toBe('8192');
  });

  it('applies a restart batch through the restartedAt annotation; the switchover it causes is not a failover', async () => {
    sim.clearRequests();
    const pid = pg.postmasterPid();
    const pages = (await setting('shared_buffers')) === '32768' ? 24576 : 32768;
    const result = await adapter.settings.apply(
      proposal({ shared_buffers: `${pages * 8}kB`, work_mem: '12MB' }),
    );
    expect(result.action).toBe('restart');
    const patches = sim.requests('PATCH', CLUSTER_PATH);
    expect(patches.map((p) => p.body)).toEqual([
      { spec: { postgresql: { parameters: { shared_buffers: `${pages * 8}kB`, work_mem: '12288kB' } } } },
      {
        metadata: {
          annotations: { [RESTART_ANNOTATION]: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/) },
        },
      },
    ]);
    expect(pg.postmasterPid()).not.toBe(pid);
    expect(cnpg.restarts).toBe(1);
    expect(await setting('shared_buffers')).toBe(String(pages));
    // The operator moved the primary to pg-2 for our restart: no failover is reported.
    expect(cnpg.status.currentPrimary).toBe('pg-2');
    await expect(adapter.checkFailover!(signal())).resolves.toBeUndefined();
    // Metrics follow the new primary (pg-2: no limits, node-b allocatable 4 CPUs, 16 GiB).
    const info = byKey(await adapter.systemInfo(signal()));
    expect(info.node_cpu_count).toBe(4);
    expect(info.node_memory_total).toBe(16 * GIB);
    expect(info.node_os_info).toBe('Bottlerocket OS 1.26.1');
  });

  it('detects a failover, blocks applies while the cluster recovers, then resumes', async () => {
    cnpg.beginFailover('pg-1');
    const fresh = await adapter.checkFailover!(signal()).catch((e: unknown) => e);
    expect(fresh).toBeInstanceOf(FailoverDetectedError);
    expect((fresh as FailoverDetectedError).fresh).toBe(true);
    expect((fresh as Error).message).toMatch(/^cnpg: failover detected: primary pg-2 → pg-1/);
    const recovering = await adapter.checkFailover!(signal()).catch((e: unknown) => e);
    expect((recovering as FailoverDetectedError).fresh).toBe(false);
    // Readings that fail meanwhile are part of the failover (the runner logs them at debug).
    sim.fail(
      'podMetrics',
      { status: 503, message: 'the server is currently unable to handle the request' },
      1,
    );
    const reading = await adapter.guardrailReading(signal()).catch((e: unknown) => e);
    expect(reading).toBeInstanceOf(FailoverDetectedError);
    expect((reading as Error).message).toBe(
      'cnpg: failover detected: cnpg: metrics-server: pod pg-2: HTTP 503: the server is currently unable to handle the request',
    );

    cnpg.completeFailover();
    // The announced target became primary: the same failover; quiet until healthy and stable 1.5 s.
    const changed = await adapter.checkFailover!(signal()).catch((e: unknown) => e);
    expect((changed as FailoverDetectedError).fresh).toBe(false);
    const t0 = Date.now();
    await expect
      .poll(
        () =>
          adapter.checkFailover!(signal()).then(
            () => 'clear',
            (e: unknown) => (e as Error).name,
          ),
        {
          timeout: 10_000,
          interval: 200,
        },
      )
      .toBe('clear');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);

    // Applies work again, against the new primary's Cluster state.
    const result = await adapter.settings.apply(proposal({ work_mem: '6MB' }));
    expect(result.action).toBe('reload');
    expect(await setting('work_mem')).toBe('6144');
  });

  it('restores the previous parameters when activation fails, removing keys that were absent', async () => {
    expect(cnpg.parameters.work_mem).toBe('6144kB');
    expect(cnpg.parameters.effective_cache_size).toBeUndefined();
    const cacheSize = await setting('effective_cache_size');
    sim.clearRequests();
    sim.fail('getPod', { status: 500, message: 'etcd leader changed' }, 1);
    await expect(
      adapter.settings.apply(proposal({ work_mem: '20MB', effective_cache_size: '3GB' })),
    ).rejects.toThrow(
      /get pod pg-1 of cluster pg: HTTP 500: etcd leader changed; rolled back to the previous settings$/,
    );
    expect(sim.requests('PATCH', CLUSTER_PATH).map((p) => p.body)).toEqual([
      { spec: { postgresql: { parameters: { work_mem: '20480kB', effective_cache_size: '3145728kB' } } } },
      { spec: { postgresql: { parameters: { work_mem: '6144kB', effective_cache_size: null } } } },
    ]);
    expect(cnpg.parameters.effective_cache_size).toBeUndefined();
    expect(await setting('work_mem')).toBe('6144');
    expect(await setting('effective_cache_size')).toBe(cacheSize);
  });

  it('measures the primary pod and feeds the guardrail from its memory against its limit', async () => {
    expect(cnpg.primaryPod()?.spec.name).toBe('pg-1');
    cnpg.setUsage('pg-1', { cpuNanocores: 500_000_000, memoryBytes: 3.875 * GIB });
    const [hardware, cadvisor] = adapter.hardwareCollectors();
    expect(byKey(await hardware!.collect(signal()))).toEqual({
      node_cpu_usage: 25, // 500m of a 2-CPU limit
      node_memory_used: 3.875 * GIB,
      node_memory_used_percentage: 96.875,
    });
    expect(await cadvisor!.collect(signal())).toEqual([]); // first sample
    cnpg.advanceIo('pg-1', { reads: 300, writes: 500, rxBytes: 4_000, txBytes: 10_000 }, 10_000);
    expect(byKey(await cadvisor!.collect(signal()))).toEqual({
      node_disk_io_ops_read: 300,
      node_disk_io_ops_write: 500,
      node_disk_io_ops_total: 800,
      node_disk_iops_read: 30,
      node_disk_iops_write: 50,
      node_disk_iops_total: 80,
      node_net_receive_count: 4_000,
      node_net_send_count: 10_000,
      node_net_receive_per_second: 400,
      node_net_send_per_second: 1_000,
    });
    expect(sim.requests('GET', '/api/v1/nodes/node-a/proxy/metrics/cadvisor').at(-1)?.rawPath).toBe(
      '/api/v1/nodes/node-a/proxy/metrics%2Fcadvisor',
    );

    const high = await adapter.guardrailReading(signal());
    expect(high).toEqual({ usedBytes: 3.875 * GIB, limitBytes: 4 * GIB, source: 'cnpg-limit' });
    expect(evaluate(high!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
    cnpg.setUsage('pg-1', { memoryBytes: GIB });
    expect(evaluate((await adapter.guardrailReading(signal()))!, { memoryThreshold: 90 })).toBeNull();
  });

  it('the config task reports a failover once, applies nothing while the cluster recovers, then applies', async () => {
    const calls: string[] = [];
    const platform = {
      fetchRecommendation: () => Promise.resolve(proposal({ work_mem: '5MB' })),
      sendActiveConfig: () => (calls.push('send'), Promise.resolve({ hash: 'h' })),
      reportError: (type: string) => (calls.push(`error:${type}`), Promise.resolve()),
    } as unknown as PlatformClient;
    const log = silentLogger();
    const agent = new CommonAgent({
      config: configFor(),
      adapter,
      platform,
      guard: new CrashGuard(log, () => Promise.resolve()),
      intervals: DEFAULT_INTERVALS,
      log,
      agentVersion: 'test',
      startTime: new Date(),
    });
    sim.clearRequests();
    cnpg.beginFailover('pg-2');
    await agent.syncConfig(signal());
    await agent.syncConfig(signal());
    cnpg.completeFailover();
    await agent.syncConfig(signal());
    expect(calls).toEqual(['error:failover_detected']);
    expect(sim.requests('PATCH')).toHaveLength(0);
    await expect
      .poll(async () => (await agent.syncConfig(signal()), calls.at(-1)), { timeout: 10_000, interval: 200 })
      .toBe('send');
    expect(calls.filter((c) => c.startsWith('error:'))).toEqual(['error:failover_detected']);
    expect(sim.requests('PATCH', CLUSTER_PATH)).toHaveLength(1);
    expect(await setting('work_mem')).toBe('5120');
  });

  it('rolls back a restart PostgreSQL does not survive: parameters patched back and restarted again', async () => {
    const fragile = await create({
      DBT_TUNING_ALLOWLIST_ADD: 'wal_level',
      DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '4',
    });
    sim.clearRequests();
    // wal_level=minimal with max_wal_senders > 0: PostgreSQL refuses to start.
    const err = await fragile.settings.apply(proposal({ wal_level: 'minimal' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toMatch(
      /^apply: restart: cnpg: gave up waiting for cluster pg to be healthy \(last: phase "Waiting for the instances to become active", .*\); rolled back to the previous settings$/,
    );
    expect(cnpg.lastError).toBeDefined();
    const bodies = sim.requests('PATCH', CLUSTER_PATH).map((p) => p.body);
    expect(bodies).toEqual([
      { spec: { postgresql: { parameters: { wal_level: 'minimal' } } } },
      { metadata: { annotations: { [RESTART_ANNOTATION]: expect.any(String) } } },
      { spec: { postgresql: { parameters: { wal_level: null } } } },
      { metadata: { annotations: { [RESTART_ANNOTATION]: expect.any(String) } } },
    ]);
    await cnpg.settled();
    expect(pg.isRunning()).toBe(true);
    expect(await setting('wal_level')).toBe('replica');
  });

  it('uses in-cluster configuration (service-account token and CA, KUBERNETES_SERVICE_HOST/PORT) before the kubeconfig', async () => {
    const sa = path.join(tmp, 'serviceaccount');
    rmSync(sa, { recursive: true, force: true });
    mkdirSync(sa);
    writeFileSync(path.join(sa, 'token'), sim.token);
    writeFileSync(path.join(sa, 'ca.crt'), sim.caPem);
    writeFileSync(path.join(sa, 'namespace'), NS);
    sim.clearRequests();
    const env = {
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: String(sim.port),
      HOME: tmp,
    };
    const inCluster = await create({ DBT_CNPG_KUBECONFIG_PATH: path.join(tmp, 'missing') }, env, {
      ...FAST,
      serviceAccountDir: sa,
    });
    await expect(inCluster.checkFailover!(signal())).resolves.toBeUndefined();
    expect(sim.requests('GET', CLUSTER_PATH).length).toBeGreaterThan(0);

    // Without in-cluster env and without cnpg.kubeconfig_path: ~/.kube/config.
    mkdirSync(path.join(tmp, '.kube'), { recursive: true });
    writeFileSync(path.join(tmp, '.kube', 'config'), sim.kubeconfig(NS));
    const fromHome = await create({ DBT_CNPG_KUBECONFIG_PATH: '' }, { HOME: tmp });
    await expect(fromHome.checkFailover!(signal())).resolves.toBeUndefined();

    writeFileSync(path.join(sa, 'token'), 'wrong-token');
    await expect(create({}, env, { ...FAST, serviceAccountDir: sa })).rejects.toThrow(
      /HTTP 401: Unauthorized \(check the credentials and the RBAC Role/,
    );
  });

  it('check: lists the Kubernetes permissions the identity lacks (SelfSubjectAccessReview)', async () => {
    const backend = adapter.settings.backend;
    expect(await backend.privileges!([], signal())).toEqual([]);
    sim.denied.add('patch clusters');
    sim.denied.add('get nodes/proxy');
    try {
      expect(await backend.privileges!([], signal())).toEqual([
        {
          what: 'patch clusters.postgresql.cnpg.io "pg" in namespace db (to change parameters and request restarts)',
          grant:
            'Role in db: apiGroups ["postgresql.cnpg.io"], resources ["clusters"], resourceNames ["pg"], verbs ["get", "patch"]',
        },
        {
          what: 'get nodes/proxy (to read cAdvisor disk and network counters)',
          grant: 'ClusterRole: apiGroups [""], resources ["nodes/proxy"], verbs ["get"]',
        },
      ]);
    } finally {
      sim.denied.clear();
    }
  });

  it('reports configuration problems naming the key and its env var', async () => {
    await expect(create({ DBT_CNPG_CLUSTER_NAME: 'nope' })).rejects.toThrow(
      new ConfigError([
        `cnpg.cluster_name (env: DBT_CNPG_CLUSTER_NAME): no CloudNativePG Cluster "nope" in namespace "db" (cnpg.namespace (env: DBT_CNPG_NAMESPACE)) at ${sim.url}`,
      ]),
    );
    await expect(create({ DBT_CNPG_KUBECONFIG_PATH: path.join(tmp, 'missing') })).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(create({ DBT_CNPG_NAMESPACE: '', DBT_CNPG_CLUSTER_NAME: '' })).rejects.toThrow(
      'cnpg.namespace (env: DBT_CNPG_NAMESPACE): required for --cnpg\ncnpg.cluster_name (env: DBT_CNPG_CLUSTER_NAME): required for --cnpg',
    );
  });
});
