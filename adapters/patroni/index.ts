/**
 * `--patroni`: a member of a Patroni cluster (docs/ADAPTERS.md §9), one agent per node. Configuration goes
 * through Patroni's dynamic configuration (`/config`, see apply.ts); restarts through Patroni's
 * `/restart`, replicas first; failovers are tracked from `/cluster` (failover.ts). Host metrics,
 * system info and the memory guardrail are the local adapter's.
 */
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { readContainerMemory } from '../../guardrails/index.js';
import { createApplyEngine, type ApplyEngine } from '../../src/apply/index.js';
import { ConfigError } from '../../src/errors.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import type { Proposal } from '../../src/platform/types.js';
import { createPatroniBackend } from './apply.js';
import { createPatroniApi } from './client.js';
import { patroniSettings } from './config.js';
import { FailoverTracker } from './failover.js';
import { splitManaged, withoutManaged } from './managed.js';
import { MemberSessions } from './members.js';
import { hostHardwareCollector } from './metrics.js';
import { patroniSystemInfo } from './system-info.js';

export interface PatroniOptions {
  /** Clock for failover stabilisation and grace (tests inject one). */
  now?: () => number;
  /** How long members may take to pick up `/config` (Patroni acts on its next HA loop). */
  settleTimeoutMs?: number;
  pollIntervalMs?: number;
}

const REQUEST_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 60_000;

function memberCredentialsUrl(url: string): string {
  try {
    if (/^postgres(ql)?:\/\//i.test(url)) return new URL(url).toString();
  } catch {
    /* reported below */
  }
  throw new ConfigError([
    'postgresql.connection_url (env: DBT_POSTGRESQL_CONNECTION_URL): --patroni needs a postgres:// URL (the agent connects to every member with its credentials to verify changes)',
  ]);
}

export async function createPatroniAdapter(ctx: AdapterContext, opts: PatroniOptions = {}): Promise<Adapter> {
  const { config, db, log, pgVersion } = ctx;
  const settings = patroniSettings(config);
  const connectionUrl = memberCredentialsUrl(config.postgresql.connection_url);
  const restartTimeoutMs = config.postgresql.restart_timeout_seconds * 1000;
  const settleTimeoutMs = opts.settleTimeoutMs ?? SETTLE_TIMEOUT_MS;
  const api = createPatroniApi(settings, { requestTimeoutMs: REQUEST_TIMEOUT_MS, restartTimeoutMs });
  const failover = new FailoverTracker({
    cluster: (signal) => api.cluster(signal),
    ping: () => db.ping(2_000),
    log,
    now: opts.now,
  });

  const members = await api.cluster(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
  if (!members.some((m) => m.name === settings.nodeName)) {
    throw new ConfigError([
      `patroni.node_name (env: DBT_PATRONI_NODE_NAME): no member named "${settings.nodeName}" in the cluster at ${settings.apiUrl} (members: ${members.map((m) => m.name).join(', ') || 'none'})`,
    ]);
  }
  await failover.check(AbortSignal.timeout(REQUEST_TIMEOUT_MS));
  const { rows } = await db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  if (rows[0]?.standby) {
    log.warn(
      { node: settings.nodeName, leader: failover.leader() },
      'patroni: this node is a standby; configuration changes are refused here (the agent on the leader applies them)',
    );
  }

  const backend = createPatroniBackend({
    api,
    db,
    nodeName: settings.nodeName,
    sessions: new MemberSessions({ name: settings.nodeName, db }, connectionUrl),
    failover,
    log,
    timing: { settleTimeoutMs, restartTimeoutMs, pollIntervalMs: opts.pollIntervalMs ?? 500 },
  });
  const engine = createApplyEngine({
    db,
    backend,
    log,
    config,
    timing: {
      pollIntervalMs: opts.pollIntervalMs,
      // Activation waits for every member to load /config, then restarts them one by one.
      activateTimeoutMs: 2 * settleTimeoutMs + 5 * restartTimeoutMs,
    },
  });
  const skipManaged = (proposal: Proposal): Proposal => {
    const split = splitManaged(proposal);
    if (split.skipped.length) {
      log.warn({ knobs: split.skipped }, 'patroni: Patroni-managed parameters skipped');
    }
    return split.proposal;
  };
  const settingsEngine: ApplyEngine = {
    backend: engine.backend,
    idle: () => engine.idle(),
    plan: (proposal, signal) => engine.plan(skipManaged(proposal), signal),
    apply: (proposal, o) => engine.apply(skipManaged(proposal), o),
  };
  const hardware = hostHardwareCollector();
  return {
    id: 'patroni',
    systemInfo: () => patroniSystemInfo(db, pgVersion),
    activeConfig: async () => withoutManaged(await readActiveConfig(db)),
    settings: settingsEngine,
    hardwareCollectors: () => [hardware],
    guardrailReading: () => readContainerMemory(),
    checkFailover: (signal) => failover.check(signal),
    close: () => backend.close?.() ?? Promise.resolve(),
  };
}

export const patroni: AdapterModule = {
  id: 'patroni',
  create: (ctx) => createPatroniAdapter(ctx),
};
