/**
 * Env var names per config key: exactly the Go agent's (docs/PROTOCOL.md §6.1, §6.3, docs/ADAPTERS.md §1), plus ours.
 * `names` are tried in order (the DBT_ form, then a plain fallback such as AWS_REGION); `aliases`
 * are the Go agent's misspelled or wrongly documented names, accepted with a deprecation warning.
 */
export interface EnvSpec {
  readonly names: readonly string[];
  readonly aliases?: readonly string[];
}

const aws = (suffix: string): EnvSpec => ({ names: [`DBT_${suffix}`, suffix] });

const RDS_KEYS: Record<string, EnvSpec> = {
  AWS_ACCESS_KEY_ID: aws('AWS_ACCESS_KEY_ID'),
  AWS_SECRET_ACCESS_KEY: aws('AWS_SECRET_ACCESS_KEY'),
  AWS_REGION: aws('AWS_REGION'),
  RDS_DATABASE_IDENTIFIER: { names: ['DBT_RDS_DATABASE_IDENTIFIER'] },
};

function section(name: string, keys: Record<string, EnvSpec>): Record<string, EnvSpec> {
  return Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${name}.${k}`, v]));
}

const one = (name: string): EnvSpec => ({ names: [name] });

export const ENV_SPECS: Readonly<Record<string, EnvSpec>> = {
  debug: one('DBT_DEBUG'),
  disable_checks: one('DBT_DISABLE_CHECKS'),
  startup_timeout: one('DBT_STARTUP_TIMEOUT'),
  apply_mode: one('DBT_APPLY_MODE'),
  'dbtune.server_url': one('DBT_DBTUNE_SERVER_URL'),
  'dbtune.api_key': one('DBT_DBTUNE_API_KEY'),
  'dbtune.database_id': one('DBT_DBTUNE_DATABASE_ID'),
  'postgresql.connection_url': one('DBT_POSTGRESQL_CONNECTION_URL'),
  'postgresql.service_name': one('DBT_POSTGRESQL_SERVICE_NAME'),
  'postgresql.restart_script_path': one('DBT_POSTGRESQL_RESTART_SCRIPT_PATH'),
  'postgresql.allow_restart': one('DBT_POSTGRESQL_ALLOW_RESTART'),
  'postgresql.include_queries': one('DBT_POSTGRESQL_INCLUDE_QUERIES'),
  'postgresql.maximum_query_text_length': one('DBT_POSTGRESQL_MAXIMUM_QUERY_TEXT_LENGTH'),
  'postgresql.pool_max': one('DBT_POSTGRESQL_POOL_MAX'),
  'postgresql.statement_timeout_ms': one('DBT_POSTGRESQL_STATEMENT_TIMEOUT_MS'),
  'postgresql.lock_timeout_ms': one('DBT_POSTGRESQL_LOCK_TIMEOUT_MS'),
  'postgresql.restart_timeout_seconds': one('DBT_POSTGRESQL_RESTART_TIMEOUT_SECONDS'),
  // The dev guide documents DBT_GUARDRAIL_SETTINGS_MEMORY_THRESHOLD, which Go never reads.
  'guardrail_settings.memory_threshold': {
    names: ['DBT_MEMORY_THRESHOLD'],
    aliases: ['DBT_GUARDRAIL_SETTINGS_MEMORY_THRESHOLD'],
  },
  'tuning.allowlist_add': one('DBT_TUNING_ALLOWLIST_ADD'),
  'tuning.allowlist_remove': one('DBT_TUNING_ALLOWLIST_REMOVE'),
  'tuning.dry_run': one('DBT_DRY_RUN'),
  'health.listen': one('DBT_HEALTH_LISTEN'),
  'approval.token': one('DBT_APPROVAL_TOKEN'),
  'approval.expiry_minutes': one('DBT_APPROVAL_EXPIRY_MINUTES'),
  // CONFIG.md of the Go agent documents DBT_CONTAINER_NAME; the code reads DBT_DOCKER_CONTAINER_NAME.
  'docker.container_name': { names: ['DBT_DOCKER_CONTAINER_NAME'], aliases: ['DBT_CONTAINER_NAME'] },
  ...section('rds', RDS_KEYS),
  ...section('rds-aurora', RDS_KEYS),
  'cloudsql.project_id': one('DBT_GCP_PROJECT_ID'),
  // The Go agent detects Cloud SQL by the misspelled DBT_GCP_DATABSE_NAME.
  'cloudsql.database_name': { names: ['DBT_GCP_DATABASE_NAME'], aliases: ['DBT_GCP_DATABSE_NAME'] },
  'cloudsql.api_endpoint': one('DBT_GCP_API_ENDPOINT'),
  'aiven.AIVEN_API_TOKEN': one('DBT_AIVEN_API_TOKEN'),
  'aiven.AIVEN_PROJECT_NAME': one('DBT_AIVEN_PROJECT_NAME'),
  'aiven.AIVEN_SERVICE_NAME': one('DBT_AIVEN_SERVICE_NAME'),
  // Bound to a different key in Go, so ineffective there; effective here.
  'aiven.metric_resolution_seconds': one('DBT_AIVEN_METRIC_RESOLUTION_SECONDS'),
  'aiven.database_name': one('DBT_AIVEN_DATABASE_NAME'),
  'aiven.api_url': one('DBT_AIVEN_API_URL'),
  'azure_flex.subscription_id': one('DBT_AZURE_FLEX_SUBSCRIPTION_ID'),
  'azure_flex.resource_group_name': one('DBT_AZURE_FLEX_RESOURCE_GROUP_NAME'),
  'azure_flex.server_name': one('DBT_AZURE_FLEX_SERVER_NAME'),
  'azure_flex.auth_method': one('DBT_AZURE_FLEX_AUTH_METHOD'),
  'azure_flex.arm_endpoint': one('DBT_AZURE_FLEX_ARM_ENDPOINT'),
  'cnpg.namespace': one('DBT_CNPG_NAMESPACE'),
  'cnpg.cluster_name': one('DBT_CNPG_CLUSTER_NAME'),
  'cnpg.pod_name': one('DBT_CNPG_POD_NAME'),
  'cnpg.container_name': one('DBT_CNPG_CONTAINER_NAME'),
  'cnpg.kubeconfig_path': one('DBT_CNPG_KUBECONFIG_PATH'),
  'patroni.node_name': one('DBT_PATRONI_NODE_NAME'),
  'patroni.patroni_api_url': one('DBT_PATRONI_API_URL'),
  'patroni.cluster_name': one('DBT_PATRONI_CLUSTER_NAME'),
  // Bound but unused in Go; used here.
  'patroni.node_host': one('DBT_PATRONI_NODE_HOST'),
  'patroni.node_port': one('DBT_PATRONI_NODE_PORT'),
  'patroni.api_username': one('DBT_PATRONI_API_USERNAME'),
  'patroni.api_password': one('DBT_PATRONI_API_PASSWORD'),
  'patroni.ca_file': one('DBT_PATRONI_CA_FILE'),
  'patroni.cert_file': one('DBT_PATRONI_CERT_FILE'),
  'patroni.key_file': one('DBT_PATRONI_KEY_FILE'),
};

/** dot.path → the primary env var name (for `(env: DBT_X)` in messages anywhere). */
export const ENV_NAMES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(ENV_SPECS).map(([path, spec]) => [path, spec.names[0] ?? '']),
);

/** Env vars the Go agent reads but whose setting is obsolete: warned and ignored. */
export const IGNORED_ENV: Readonly<Record<string, string>> = {
  DBT_RDS_PARAMETER_GROUP_NAME:
    'DBT_RDS_PARAMETER_GROUP_NAME is deprecated and ignored: the parameter group is discovered from the instance',
};

export const COLLECTOR_ENV_PREFIX = 'DBT_COLLECTOR_';
export const COLLECTOR_STRICT_ENV = 'DBT_COLLECTOR_STRICT_ENV';

/** `DBT_COLLECTOR_<NAME>_<FIELD>` (docs/PROTOCOL.md §6.2). */
export function collectorEnvName(collector: string, field: string): string {
  return `${COLLECTOR_ENV_PREFIX}${collector.toUpperCase()}_${field.toUpperCase()}`;
}

/** The env name to cite for a dot path, including `collectors.<name>.<field>`. */
export function envNameOf(path: string): string | undefined {
  const m = /^collectors\.([^.]+)\.([^.]+)/.exec(path);
  if (m?.[1] && m[2]) return collectorEnvName(m[1], m[2]);
  // Deeper paths (a list item such as tuning.allowlist_add.1) belong to their key.
  for (let p = path; p !== ''; p = p.slice(0, Math.max(0, p.lastIndexOf('.')))) {
    const name = ENV_NAMES[p];
    if (name) return name;
  }
  return undefined;
}
