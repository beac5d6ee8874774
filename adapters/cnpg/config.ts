/**
 * The adapter's settings (the `cnpg:` section, env `DBT_CNPG_*`), checked once at creation. Every
 * missing required key is reported at once, each naming its env var.
 */
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

export const KEYS = {
  namespace: 'cnpg.namespace (env: DBT_CNPG_NAMESPACE)',
  clusterName: 'cnpg.cluster_name (env: DBT_CNPG_CLUSTER_NAME)',
  podName: 'cnpg.pod_name (env: DBT_CNPG_POD_NAME)',
  container: 'cnpg.container_name (env: DBT_CNPG_CONTAINER_NAME)',
  kubeconfigPath: 'cnpg.kubeconfig_path (env: DBT_CNPG_KUBECONFIG_PATH)',
} as const;

export interface CnpgSettings {
  namespace: string;
  clusterName: string;
  /** A fixed pod to measure; null = the primary, discovered by label on every reading. */
  podName: string | null;
  container: string;
  /** null = `~/.kube/config` when not in a cluster. */
  kubeconfigPath: string | null;
}

/** Kubernetes object names are DNS-1123 labels or subdomains (lower case, digits, `-`, `.`). */
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function cnpgSettings(config: Config): CnpgSettings {
  const c = config.cnpg;
  const problems: string[] = [];
  const name = (key: string, value: string, required: boolean): string => {
    const v = value.trim();
    if (v === '') {
      if (required) problems.push(`${key}: required for --cnpg`);
    } else if (!DNS_NAME.test(v) || v.length > 253) {
      problems.push(`${key}: "${v}" is not a valid Kubernetes name`);
    }
    return v;
  };
  const settings: CnpgSettings = {
    namespace: name(KEYS.namespace, c.namespace, true),
    clusterName: name(KEYS.clusterName, c.cluster_name, true),
    podName: name(KEYS.podName, c.pod_name, false) || null,
    container: c.container_name.trim() || 'postgres',
    kubeconfigPath: c.kubeconfig_path.trim() || null,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}
