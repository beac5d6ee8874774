/**
 * The azure-flex adapter against the Azure Resource Manager + managed-identity simulation (https,
 * real SDK clients, DefaultAzureCredential through IDENTITY_ENDPOINT/IDENTITY_HEADER) acting on a
 * real PostgreSQL: configuration puts are ALTER SYSTEM, a server restart really restarts it, and
 * the Entra database login really checks the token as the role's password.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { azureFlex } from '../../adapters/azure-flex/index.js';
import { entraPassword } from '../../adapters/azure-flex/entra.js';
import type { Adapter } from '../../adapters/types.js';
import { evaluate } from '../../guardrails/index.js';
import { ApplyValidationError } from '../../src/apply/index.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigApplyError, ConfigError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import { serverVersion, type ServerVersion } from '../../src/pg/version.js';
import type { Proposal } from '../../src/platform/types.js';
import { AzureSim, OSSRDBMS_RESOURCE } from '../harness/azure-sim/index.js';
import { DEFAULT_MAJOR, pgMajors, startPostgres, type PgCluster } from '../harness/postgres.js';

const major = pgMajors()[0] ?? DEFAULT_MAJOR;
const GIB = 1024 ** 3;
const SUB = '3c1f7a2e-5b6d-4e8f-9a0b-1c2d3e4f5a6b';
const RG = 'rg-tuning';
const SERVER = 'pg-flex-1';
const WRITE = 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/write';

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe(`azure-flex adapter (ARM simulation, PostgreSQL ${major})`, () => {
  let cluster: PgCluster;
  let sim: AzureSim;
  let db: Db;
  let version: ServerVersion;
  let adapter: Adapter;
  const savedEnv = { ...process.env };
  const signal = () => AbortSignal.timeout(20_000);

  async function setting(name: string): Promise<string> {
    const rows = await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
    return String(rows[0]?.setting);
  }

  function configFor(env: Record<string, string> = {}) {
    return loadConfig({
      env: {
        DBT_POSTGRESQL_CONNECTION_URL: cluster.url,
        DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
        DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
        DBT_AZURE_FLEX_SUBSCRIPTION_ID: SUB,
        DBT_AZURE_FLEX_RESOURCE_GROUP_NAME: RG,
        DBT_AZURE_FLEX_SERVER_NAME: SERVER,
        DBT_AZURE_FLEX_ARM_ENDPOINT: sim.armEndpoint,
        DBT_POSTGRESQL_ALLOW_RESTART: 'true',
        DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS: '60',
        ...env,
      },
      searchPaths: [],
      collectors: [],
    }).config;
  }

  function createAdapter(env: Record<string, string> = {}): Promise<Adapter> {
    return azureFlex.create({
      config: configFor(env),
      db,
      pgVersion: version,
      log: silentLogger(),
      env: process.env,
    });
  }

  beforeAll(async () => {
    cluster = await startPostgres({ major });
    sim = await AzureSim.start({ cluster, subscriptionId: SUB, resourceGroup: RG, serverName: SERVER });
    // The standard chain finds the simulated managed identity; nothing else is configured.
    Object.assign(process.env, sim.identity.env());
    db = createDb({ connectionUrl: cluster.url });
    version = await serverVersion(db);
    adapter = await createAdapter();
  });

  afterEach(async () => {
    sim.reset();
    if (!cluster.isRunning()) await cluster.start();
    await cluster.sql('ALTER SYSTEM RESET ALL');
    await cluster.sql('SELECT pg_reload_conf()');
    await expect
      .poll(
        async () =>
          (await cluster.sql("SELECT setting FROM pg_settings WHERE name = 'work_mem'"))[0]?.setting,
      )
      .toBe('4096');
    const pending = await cluster.sql('SELECT count(*)::int AS n FROM pg_settings WHERE pending_restart');
    if (Number(pending[0]?.n) > 0) await cluster.restart();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await db?.end();
    await sim?.close();
    await cluster?.destroy();
  });

  it('reports system info from the SKU and the database', async () => {
    sim.sku = 'Standard_E4ds_v5';
    const byKey = Object.fromEntries((await adapter.systemInfo(signal())).map((m) => [m.key, m.value]));
    expect(byKey).toMatchObject({
      node_cpu_count: 4,
      node_memory_total: 32 * GIB,
      system_info_platform: 'azure-flex',
      system_info_platform_version: 'Standard_E4ds_v5',
      pg_version: version.short,
      pg_max_connections: Number(await setting('max_connections')),
    });
    sim.sku = 'Standard_F4s_v2';
    await expect(adapter.systemInfo(signal())).rejects.toThrow(
      'azure-flex: servers.get: unknown compute size "Standard_F4s_v2" for server "pg-flex-1"',
    );
    sim.sku = 'Standard_D4ds_v5';
  });

  it('maps Azure Monitor cpu_percent/memory_percent to node_* keys and feeds the guardrail', async () => {
    // A fresh adapter: metric readings are shared for a few seconds.
    const a = await createAdapter();
    sim.metrics.cpu_percent = 37.5;
    sim.metrics.memory_percent = 95;
    const [hardware] = a.hardwareCollectors();
    expect(await hardware!.collect(signal())).toEqual([
      { key: 'node_cpu_usage', type: 'float', value: 37.5 },
      { key: 'node_memory_used_percentage', type: 'percentage', value: 95 },
    ]);
    const reading = await a.guardrailReading(signal());
    expect(reading).toEqual({ usedBytes: 0.95 * 16 * GIB, limitBytes: 16 * GIB, source: 'azure-monitor' });
    expect(evaluate(reading!, { memoryThreshold: 90 })).toEqual({ level: 'critical', type: 'memory' });
    const q = sim.requests('metrics.list')[0]!.query;
    expect(q).toMatchObject({
      metricnames: 'cpu_percent,memory_percent',
      aggregation: 'Average',
      interval: 'PT1M',
      metricnamespace: 'Microsoft.DBforPostgreSQL/flexibleServers',
    });
    expect(sim.requests('metrics.list')).toHaveLength(1); // one call served both

    const b = await createAdapter();
    sim.metrics.memory_percent = 50;
    sim.metrics.cpu_percent = null; // no data point: left out, not reported as 0
    expect(await b.hardwareCollectors()[0]!.collect(signal())).toEqual([
      { key: 'node_memory_used_percentage', type: 'percentage', value: 50 },
    ]);
    expect(evaluate((await b.guardrailReading(signal()))!, { memoryThreshold: 90 })).toBeNull();
  });

  it('applies a reload batch with one put per knob and no restart', async () => {
    const result = await adapter.settings.apply(
      proposal({ work_mem: 65536, random_page_cost: 1.1 }, 'reload'),
    );
    expect(result.action).toBe('reload');
    expect(await setting('work_mem')).toBe('65536');
    expect(await setting('random_page_cost')).toBe('1.1');
    expect(sim.puts()).toEqual(['work_mem', 'random_page_cost']);
    expect(sim.requests('configurations.put')[0]!.body).toEqual({
      properties: { value: '65536', source: 'user-override' },
    });
    expect(sim.requests('servers.restart')).toEqual([]);
  });

  it('applies a restart batch: Azure flags the static knob pending, one server restart makes it live', async () => {
    const pidBefore = cluster.postmasterPid();
    const target = (await setting('shared_buffers')) === '32768' ? 24576 : 32768;
    const result = await adapter.settings.apply(
      proposal({ shared_buffers: target, work_mem: 8192 }, 'restart'),
    );
    expect(result.action).toBe('restart');
    expect(sim.restarts).toBe(1);
    expect(sim.requests('servers.restart')).toHaveLength(1);
    expect(cluster.postmasterPid()).not.toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(String(target));
    expect(await setting('work_mem')).toBe('8192');
  });

  it('rolls back when the server restart operation fails: parameters put back, nothing pending', async () => {
    const before = await setting('shared_buffers');
    const pidBefore = cluster.postmasterPid();
    sim.failNextRestart = true;
    const err = await adapter.settings
      .apply(proposal({ shared_buffers: Number(before) + 1024, work_mem: 8192 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toBe(
      'apply: restart: azure-flex: servers.restart: the operation failed: InternalServerError: An unexpected error occured while processing the request.; rolled back to the previous settings',
    );
    expect(sim.puts()).toEqual(['shared_buffers', 'work_mem', 'work_mem', 'shared_buffers']);
    expect(sim.restarts).toBe(0);
    expect(cluster.postmasterPid()).toBe(pidBefore);
    expect(await setting('shared_buffers')).toBe(before);
    expect(await setting('work_mem')).toBe('4096');
    const sb = (await sim.configurations.get('shared_buffers'))!.properties;
    expect(sb).toMatchObject({ value: before, source: 'system-default', isConfigPendingRestart: false });
  });

  it('refuses a restart batch without allow_restart before any put', async () => {
    const noRestart = await createAdapter({ DBT_POSTGRESQL_ALLOW_RESTART: 'false' });
    const err = await noRestart.settings
      .apply(proposal({ shared_buffers: 24576 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect(sim.puts()).toEqual([]);
    expect(sim.restarts).toBe(0);
  });

  it('detects pending restarts: restart only when Azure reports one; a reload plan with one pending fails', async () => {
    const backend = adapter.settings.backend;
    const workMem = {
      name: 'work_mem',
      current: '4096',
      proposed: '8192',
      requested: '8192',
      unit: 'kB',
      vartype: 'integer',
      context: 'user',
    };
    await backend.write([workMem], signal());
    await backend.activate('restart', [workMem], signal());
    expect(sim.restarts).toBe(0); // nothing pending on Azure: no restart

    const target = (await setting('shared_buffers')) === '32768' ? '24576' : '32768';
    const sb = {
      ...workMem,
      name: 'shared_buffers',
      current: await setting('shared_buffers'),
      proposed: target,
      requested: target,
      unit: '8kB',
      context: 'postmaster',
    };
    await backend.write([sb], signal());
    await expect(backend.activate('reload', [sb], signal())).rejects.toThrow(
      'azure-flex: shared_buffers wait for a server restart on Azure, but the plan was a reload',
    );
    expect(sim.restarts).toBe(0);
  });

  it('refuses a batch with a knob Azure does not offer or holds read-only, whole', async () => {
    sim.configurations.hidden.add('commit_delay');
    const err = await adapter.settings
      .apply(proposal({ work_mem: 16384, commit_delay: 100, wal_buffers: 1024 }, 'restart'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyValidationError);
    expect((err as ApplyValidationError).problems).toContain(
      'commit_delay: not a server parameter of this Azure Flexible Server',
    );
    sim.configurations.readOnly.add('wal_buffers');
    const ro = await adapter.settings
      .apply(proposal({ work_mem: 16384, wal_buffers: 1024 }, 'restart'))
      .catch((e: unknown) => e);
    sim.configurations.readOnly.delete('wal_buffers');
    expect((ro as ApplyValidationError).problems).toEqual([
      'wal_buffers: read-only on Azure Database for PostgreSQL Flexible Server',
    ]);
    expect(sim.puts()).toEqual([]);
    expect(await setting('work_mem')).toBe('4096');
  });

  it('refuses knobs managed by intelligent tuning, naming the target', async () => {
    sim.configurations.setAzureOnly('intelligent_tuning', 'on');
    sim.configurations.setAzureOnly(
      'intelligent_tuning.metric_targets',
      'Storage-max_wal_size,tuning-autovacuum',
    );
    const err = await adapter.settings
      .apply(proposal({ work_mem: 16384, max_wal_size: 4096, autovacuum_naptime: 30 }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyValidationError);
    expect((err as ApplyValidationError).problems).toEqual([
      'max_wal_size: managed by Azure intelligent tuning (intelligent_tuning=on, intelligent_tuning.metric_targets=Storage-max_wal_size,tuning-autovacuum); remove "storage-max_wal_size" from intelligent_tuning.metric_targets or turn intelligent_tuning off to let the agent tune it',
      'autovacuum_naptime: managed by Azure intelligent tuning (intelligent_tuning=on, intelligent_tuning.metric_targets=Storage-max_wal_size,tuning-autovacuum); remove "tuning-autovacuum" from intelligent_tuning.metric_targets or turn intelligent_tuning off to let the agent tune it',
    ]);
    expect(sim.puts()).toEqual([]);
    // Knobs it does not manage still apply.
    expect((await adapter.settings.apply(proposal({ work_mem: 16384 }, 'reload'))).action).toBe('reload');
  });

  it('rolls back knobs already pushed when a later put fails (an error, then garbage)', async () => {
    sim.fail(
      'configurations.put',
      {
        name: 'random_page_cost',
        status: 409,
        code: 'ServerBusy',
        message: `Server '${SERVER}' is busy with another operation. Please try your operation later.`,
      },
      1,
    );
    const err = await adapter.settings
      .apply(proposal({ work_mem: 32768, random_page_cost: 1.5 }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toBe(
      `apply: write: azure-flex: configurations.put random_page_cost: ServerBusy: Server '${SERVER}' is busy with another operation. Please try your operation later.; rolled back to the previous settings`,
    );
    expect(sim.puts()).toEqual(['work_mem', 'random_page_cost', 'work_mem']);
    // Restored the way Azure resets a parameter: its default value, source back to system-default.
    expect(sim.requests('configurations.put').at(-1)!.body).toEqual({
      properties: { value: '4096', source: 'user-override' },
    });
    expect((await sim.configurations.get('work_mem'))!.properties.source).toBe('system-default');
    expect(await setting('work_mem')).toBe('4096');

    sim.reset();
    sim.fail(
      'configurations.put',
      { name: 'random_page_cost', raw: '<html><body>Bad Gateway</body></html>' },
      1,
    );
    const garbage = await adapter.settings
      .apply(proposal({ work_mem: 32768, random_page_cost: 1.5 }, 'reload'))
      .catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(
      /^apply: write: azure-flex: configurations\.put random_page_cost: Resource Manager at https:\/\/127\.0\.0\.1:\d+ returned a response it could not read \(HTTP 200\).*; rolled back to the previous settings$/,
    );
    expect((garbage as Error).message).not.toMatch(/\n\s+at /);
    expect(await setting('work_mem')).toBe('4096');
  });

  it('names the RBAC action the identity lacks, and changes nothing', async () => {
    sim.deny(WRITE);
    const err = await adapter.settings
      .apply(proposal({ work_mem: 32768 }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toContain(
      `azure-flex: configurations.put work_mem: permission denied: the identity lacks the Azure RBAC action ${WRITE} (AuthorizationFailed)`,
    );
    expect(await setting('work_mem')).toBe('4096');

    // `dbtune-agent check` finds the same gap before any apply, with its fix.
    const gaps = await adapter.settings.backend.privileges!(['work_mem'], signal());
    expect(gaps).toEqual([
      {
        what: `Azure RBAC action ${WRITE} on ${sim.serverId}`,
        grant: expect.stringContaining(`a role that includes ${WRITE} at scope ${sim.serverId}`) as string,
      },
    ]);

    sim.deny('Microsoft.DBforPostgreSQL/flexibleServers/read');
    await expect(createAdapter()).rejects.toThrow(
      'azure-flex: servers.get: permission denied: the identity lacks the Azure RBAC action Microsoft.DBforPostgreSQL/flexibleServers/read (AuthorizationFailed)',
    );
  });

  it('fails clearly at start: unknown server, missing settings, garbage', async () => {
    const missing = await createAdapter({ DBT_AZURE_FLEX_SERVER_NAME: 'nope' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toBe(
      `azure_flex.server_name (env: DBT_AZURE_FLEX_SERVER_NAME): no flexible server "nope" in resource group "${RG}" of subscription ${SUB} at ${sim.armEndpoint} (ResourceNotFound)`,
    );
    const empty = await createAdapter({
      DBT_AZURE_FLEX_SUBSCRIPTION_ID: 'not-a-uuid',
      DBT_AZURE_FLEX_RESOURCE_GROUP_NAME: '',
    }).catch((e: unknown) => e);
    expect((empty as ConfigError).problems).toEqual([
      'azure_flex.subscription_id (env: DBT_AZURE_FLEX_SUBSCRIPTION_ID): must be a subscription id (a UUID), got "not-a-uuid"',
      'azure_flex.resource_group_name (env: DBT_AZURE_FLEX_RESOURCE_GROUP_NAME): required for --azure-flex',
    ]);
    sim.fail('servers.get', { raw: 'not json at all' }, 1);
    await expect(createAdapter()).rejects.toThrow(
      /^azure-flex: servers\.get: Resource Manager at https:\/\/127\.0\.0\.1:\d+ returned a response it could not read \(HTTP 200\)/,
    );
    // Missing credentials: test/e2e/azure-flex-cli.test.ts (the SDK caches the identity source per process).
  });

  it('logs in with Entra tokens and refreshes the token before it expires', async () => {
    const role = 'entra_agent';
    await cluster.sql(`CREATE ROLE ${role} LOGIN`);
    // Only this role must present a password; the harness trusts everyone else.
    const hba = path.join(cluster.dataDir, 'pg_hba.conf');
    const original = readFileSync(hba, 'utf8');
    writeFileSync(hba, `host all ${role} 127.0.0.1/32 scram-sha-256\n${original}`);

    await cluster.sql('SELECT pg_reload_conf()');
    // Like Azure, a token the identity endpoint issues is what the server accepts.
    sim.identity.onToken = async (t) => {
      if (t.resource === OSSRDBMS_RESOURCE) await cluster.sql(`ALTER ROLE ${role} PASSWORD '${t.token}'`);
    };
    const clock = { t: Date.now() };
    // Tokens that live 200 s: below MSAL's own 5-minute renewal offset, so the credential asks the
    // endpoint on every call and what is measured is this provider's caching (1 min margin here).
    sim.identity.ttlSeconds.set(OSSRDBMS_RESOURCE, 200);
    const margin = 60_000;
    const password = entraPassword(new DefaultAzureCredential(), {
      now: () => clock.t,
      refreshMarginMs: margin,
    });
    const url = `postgres://${role}@127.0.0.1:${cluster.port}/postgres`;
    const connectOnce = async () => {
      const pool = createDb({ connectionUrl: url, password, max: 1 });
      try {
        return (await pool.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u;
      } finally {
        await pool.end();
      }
    };
    try {
      // The simulation makes a token the role's password when it issues it, and a backend reads the
      // role's password as the connection starts; so the token is fetched before each handshake that
      // needs a new one (Entra itself checks the token, whenever it was issued).
      await password();
      expect(await connectOnce()).toBe(role);
      expect(await connectOnce()).toBe(role);
      expect(sim.identity.tokensFor(OSSRDBMS_RESOURCE)).toHaveLength(1);
      clock.t += 200_000 - margin - 10_000; // 10 s before the refresh margin
      await password();
      expect(sim.identity.tokensFor(OSSRDBMS_RESOURCE)).toHaveLength(1);
      clock.t += 12_000; // inside the margin (2 s for expires_on's whole seconds): a new token
      await password();
      const tokens = sim.identity.tokensFor(OSSRDBMS_RESOURCE);
      expect(tokens).toHaveLength(2);
      expect(tokens[0]!.token).not.toBe(tokens[1]!.token);
      clock.t = Date.now(); // back to the time the new token was issued on: it is fresh
      expect(await connectOnce()).toBe(role);
      expect(sim.identity.tokensFor(OSSRDBMS_RESOURCE)).toHaveLength(2);
      // The old token no longer logs in: the agent really presented the new one.
      const stale = createDb({
        connectionUrl: url,
        password: () => Promise.resolve(tokens[0]!.token),
        max: 1,
      });
      await expect(stale.query('SELECT 1')).rejects.toThrow(/password authentication failed/);
      await stale.end();
    } finally {
      sim.identity.onToken = undefined;
      writeFileSync(hba, original);
      await cluster.sql('SELECT pg_reload_conf()');
    }
  });
});
