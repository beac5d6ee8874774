/**
 * `--cnpg`: PostgreSQL run by the CloudNativePG operator on Kubernetes (see README.md beside this
 * file). Settings change through the Cluster resource, metrics come from
 * metrics-server and cAdvisor, and a failover (the primary pod changing) pauses applies until the
 * cluster has settled.
 */
import { createApplyEngine, type EngineTiming } from '../../src/apply/index.js';
import { ConfigError } from '../../src/errors.js';
import { readActiveConfig } from '../../src/pg/settings.js';
import type { Adapter, AdapterContext, AdapterModule } from '../types.js';
import { CnpgBackend } from './apply.js';
import { createCnpgApi, kubeErrorCode, kubeErrorMessage, type ClusterResource } from './client.js';
import { cnpgSettings, KEYS } from './config.js';
import { PrimaryLocator } from './discovery.js';
import { FailoverWatch } from './failover.js';
import { loadKubeConfig, SERVICE_ACCOUNT_DIR } from './kube-config.js';
import { podCadvisorCollector, podGuardrailReader, podHardwareCollector } from './metrics.js';
import { PodReader } from './pod-reader.js';
import { cnpgSystemInfo } from './system-info.js';

/** Tunables with production defaults; tests shorten them. */
export interface CnpgOptions {
  now: () => number;
  /** Quiet period after a failover before applies resume (30 s). */
  stabilizeMs: number;
  /** Cluster status poll interval while waiting for a reload or restart (2 s). */
  pollIntervalMs: number;
  serviceAccountDir: string;
  engineTiming?: Partial<EngineTiming>;
}

const DEFAULTS: CnpgOptions = {
  now: () => Date.now(),
  stabilizeMs: 30_000,
  pollIntervalMs: 2_000,
  serviceAccountDir: SERVICE_ACCOUNT_DIR,
};

export async function createCnpgAdapter(
  ctx: AdapterContext,
  opts: Partial<CnpgOptions> = {},
): Promise<Adapter> {
  const o = { ...DEFAULTS, ...opts };
  const { config, db, log, pgVersion } = ctx;
  const s = cnpgSettings(config);
  const kube = loadKubeConfig(s, ctx.env, o.serviceAccountDir);
  const api = createCnpgApi(kube.kc, s.namespace, s.clusterName);
  const cluster = await readClusterAtStart(() => api.getCluster(AbortSignal.timeout(10_000)), s, kube.server);
  log.info(
    {
      cluster: s.clusterName,
      namespace: s.namespace,
      api: kube.server,
      config: kube.source,
      primary: cluster.status?.currentPrimary,
    },
    'CloudNativePG cluster found',
  );
  const watch = new FailoverWatch({ log, now: o.now, stabilizeMs: o.stabilizeMs });
  await watch.check(cluster.status, () => Promise.resolve(true));
  const locator = new PrimaryLocator({ api, clusterName: s.clusterName, podName: s.podName, now: o.now });
  const reader = new PodReader({
    api,
    locator,
    namespace: s.namespace,
    container: s.container,
    now: o.now,
    recovering: () => watch.recovering,
  });
  const backend = new CnpgBackend({
    api,
    log,
    namespace: s.namespace,
    clusterName: s.clusterName,
    watch,
    locator,
    now: o.now,
    pollIntervalMs: o.pollIntervalMs,
  });
  const settings = createApplyEngine({ db, backend, config, log, timing: o.engineTiming });
  const collectors = [podHardwareCollector(reader), podCadvisorCollector(reader)];
  const primaryAnswers = async () => {
    try {
      const { rows } = await db.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
      return rows[0]?.r === false;
    } catch {
      return false;
    }
  };
  return {
    id: 'cnpg',
    systemInfo: (signal) => cnpgSystemInfo(reader, db, pgVersion, signal),
    activeConfig: () => readActiveConfig(db),
    settings,
    hardwareCollectors: () => collectors,
    guardrailReading: podGuardrailReader(reader, log),
    async checkFailover(signal) {
      let status;
      try {
        status = (await api.getCluster(signal)).status;
      } catch (err) {
        throw new Error(`cnpg: get Cluster ${s.clusterName}: ${kubeErrorMessage(err)}`, { cause: err });
      }
      const before = watch.primary;
      try {
        await watch.check(status, primaryAnswers);
      } finally {
        if (watch.primary !== before) locator.invalidate();
      }
    },
  };
}

async function readClusterAtStart(
  get: () => Promise<ClusterResource>,
  s: ReturnType<typeof cnpgSettings>,
  server: string,
): Promise<ClusterResource> {
  try {
    return await get();
  } catch (err) {
    const code = kubeErrorCode(err);
    if (code === 404)
      throw new ConfigError([
        `${KEYS.clusterName}: no CloudNativePG Cluster "${s.clusterName}" in namespace "${s.namespace}" (${KEYS.namespace}) at ${server}`,
      ]);
    const hint =
      code === 401 || code === 403
        ? ' (check the credentials and the RBAC Role in adapters/cnpg/README.md)'
        : code === undefined
          ? ' (is the Kubernetes API reachable?)'
          : '';
    throw new Error(
      `cnpg: get Cluster ${s.namespace}/${s.clusterName} at ${server}: ${kubeErrorMessage(err)}${hint}`,
      {
        cause: err,
      },
    );
  }
}

export const cnpg: AdapterModule = {
  id: 'cnpg',
  // Required keys, and where the API server is (in-cluster files or a readable kubeconfig).
  preflight: (config, env) => void loadKubeConfig(cnpgSettings(config), env),
  create: (ctx) => createCnpgAdapter(ctx),
};
