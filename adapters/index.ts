/**
 * Adapter registry: id → metadata and a lazy loader. Detection order is data (docs/ADAPTERS.md §1), not an
 * if/else chain. Modules are imported only when selected, so an agent running `--local` never
 * loads a cloud SDK.
 */
import type { AdapterId, AdapterModule } from './types.js';

export interface AdapterEntry {
  readonly id: AdapterId;
  readonly flag: string;
  /** YAML section; null for local (it uses `postgresql:` only). */
  readonly section: string | null;
  /** Env vars whose presence selects this adapter during auto-detection. */
  readonly detectEnv: readonly string[];
  readonly description: string;
  /** The folder under adapters/ holding the module when it is not the id (aurora lives in rds/). */
  readonly folder?: string;
  readonly load: () => Promise<AdapterModule>;
}

const RDS_ENV = [
  'DBT_RDS_DATABASE_IDENTIFIER',
  'DBT_AWS_ACCESS_KEY_ID',
  'DBT_AWS_SECRET_ACCESS_KEY',
  'DBT_AWS_REGION',
];

/** Alphabetical by id. */
export const ADAPTERS: readonly AdapterEntry[] = [
  {
    id: 'aiven',
    flag: '--aiven',
    section: 'aiven',
    detectEnv: ['DBT_AIVEN_API_TOKEN', 'DBT_AIVEN_PROJECT_NAME', 'DBT_AIVEN_SERVICE_NAME'],
    description: 'Aiven for PostgreSQL (Aiven API)',
    load: async () => (await import('./aiven/index.js')).aiven,
  },
  {
    id: 'aurora',
    flag: '--aurora',
    section: 'rds-aurora',
    detectEnv: RDS_ENV,
    description: 'Amazon Aurora PostgreSQL (RDS API, CloudWatch)',
    folder: 'rds',
    load: async () => (await import('./rds/index.js')).aurora,
  },
  {
    id: 'azure-flex',
    flag: '--azure-flex',
    section: 'azure_flex',
    detectEnv: [
      'DBT_AZURE_FLEX_SUBSCRIPTION_ID',
      'DBT_AZURE_FLEX_RESOURCE_GROUP_NAME',
      'DBT_AZURE_FLEX_SERVER_NAME',
    ],
    description: 'Azure Database for PostgreSQL Flexible Server (ARM, Azure Monitor)',
    load: async () => (await import('./azure-flex/index.js')).azureFlex,
  },
  {
    id: 'cloudsql',
    flag: '--cloudsql',
    section: 'cloudsql',
    detectEnv: ['DBT_GCP_PROJECT_ID', 'DBT_GCP_DATABASE_NAME', 'DBT_GCP_DATABSE_NAME'],
    description: 'Google Cloud SQL for PostgreSQL (SQL Admin API, Cloud Monitoring)',
    load: async () => (await import('./cloudsql/index.js')).cloudsql,
  },
  {
    id: 'cnpg',
    flag: '--cnpg',
    section: 'cnpg',
    detectEnv: [
      'DBT_CNPG_KUBECONFIG_PATH',
      'DBT_CNPG_NAMESPACE',
      'DBT_CNPG_POD_NAME',
      'DBT_CNPG_CONTAINER_NAME',
    ],
    description: 'CloudNativePG cluster on Kubernetes',
    load: async () => (await import('./cnpg/index.js')).cnpg,
  },
  {
    id: 'docker',
    flag: '--docker',
    section: 'docker',
    detectEnv: ['DBT_DOCKER_CONTAINER_NAME'],
    description: 'PostgreSQL in a Docker container (Docker Engine API)',
    load: async () => (await import('./docker/index.js')).docker,
  },
  {
    id: 'local',
    flag: '--local',
    section: null,
    detectEnv: [],
    description: 'self-hosted PostgreSQL on this host (ALTER SYSTEM, restart script or systemd)',
    load: async () => (await import('./local/index.js')).local,
  },
  {
    id: 'patroni',
    flag: '--patroni',
    section: 'patroni',
    detectEnv: ['DBT_PATRONI_NODE_NAME', 'DBT_PATRONI_API_URL', 'DBT_PATRONI_NODE_HOST'],
    description: 'a Patroni cluster member (Patroni REST API)',
    load: async () => (await import('./patroni/index.js')).patroni,
  },
  {
    id: 'rds',
    flag: '--rds',
    section: 'rds',
    detectEnv: RDS_ENV,
    description: 'Amazon RDS for PostgreSQL (RDS API, CloudWatch, Performance Insights)',
    load: async () => (await import('./rds/index.js')).rds,
  },
];

/** Auto-detection from env (docs/ADAPTERS.md §1): first match wins; RDS and Aurora share env vars. */
export const ENV_DETECTION_ORDER: readonly AdapterId[] = [
  'aiven',
  'azure-flex',
  'docker',
  'rds',
  'cloudsql',
  'cnpg',
  'patroni',
];
/** Then from config-file sections, in this order; the fallback is `local`. */
export const SECTION_DETECTION_ORDER: readonly AdapterId[] = [
  'aiven',
  'azure-flex',
  'docker',
  'rds',
  'aurora',
  'cloudsql',
  'cnpg',
  'patroni',
];

export function adapterEntry(id: AdapterId): AdapterEntry {
  const e = ADAPTERS.find((a) => a.id === id);
  if (!e) throw new Error(`adapters: unknown adapter ${id}`);
  return e;
}
