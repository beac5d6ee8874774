/**
 * Where the Kubernetes API is and how to authenticate, in the order client-go's users expect:
 * 1. in-cluster: `KUBERNETES_SERVICE_HOST` / `KUBERNETES_SERVICE_PORT` and the pod's service-account
 *    files (`token`, `ca.crt`) under /var/run/secrets/kubernetes.io/serviceaccount, as the kubelet
 *    mounts them (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/);
 * 2. the kubeconfig at `cnpg.kubeconfig_path`;
 * 3. `~/.kube/config`.
 * The token file is re-read by the client (projected tokens rotate).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../src/errors.js';
import { KEYS, type CnpgSettings } from './config.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadedKubeConfig {
  kc: KubeConfig;
  source: 'in-cluster' | 'kubeconfig';
  /** The API server URL, for logs and errors. */
  server: string;
}

function inCluster(env: NodeJS.ProcessEnv, saDir: string): LoadedKubeConfig | null {
  const host = env.KUBERNETES_SERVICE_HOST?.trim();
  const port = env.KUBERNETES_SERVICE_PORT?.trim();
  const tokenFile = path.join(saDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) return null;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, caFile: path.join(saDir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'service-account', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'service-account' }],
    currentContext: 'in-cluster',
  });
  return { kc, source: 'in-cluster', server };
}

export function loadKubeConfig(
  s: CnpgSettings,
  env: NodeJS.ProcessEnv,
  saDir: string = SERVICE_ACCOUNT_DIR,
): LoadedKubeConfig {
  const cluster = inCluster(env, saDir);
  if (cluster) return cluster;
  const file = s.kubeconfigPath ?? path.join(env.HOME || os.homedir(), '.kube', 'config');
  if (!existsSync(file)) {
    const which = s.kubeconfigPath ? `no kubeconfig at ${file}` : `not set and no kubeconfig at ${file}`;
    throw new ConfigError([
      `${KEYS.kubeconfigPath}: ${which}, and not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT and a service-account token in ${saDir})`,
    ]);
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new ConfigError([
      `${KEYS.kubeconfigPath}: cannot read kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`,
    ]);
  }
  const current = kc.getCurrentCluster();
  if (!current) throw new ConfigError([`${KEYS.kubeconfigPath}: kubeconfig ${file} has no current cluster`]);
  return { kc, source: 'kubeconfig', server: current.server };
}
