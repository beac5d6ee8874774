/**
 * The adapter's settings (`cloudsql.project_id`, `cloudsql.database_name`, `cloudsql.api_endpoint`)
 * and the creation-time look at the instance: it must exist, be readable with the credentials
 * Application Default Credentials find, and run PostgreSQL.
 */
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { createCloudSqlApi, type CloudSqlApi, type CloudSqlTarget, type InstanceInfo } from './client.js';
import { GoogleCallError } from './errors.js';

export const PROJECT_KEY = 'cloudsql.project_id (env: DBT_GCP_PROJECT_ID)';
export const INSTANCE_KEY = 'cloudsql.database_name (env: DBT_GCP_DATABASE_NAME)';
export const ENDPOINT_KEY = 'cloudsql.api_endpoint (env: DBT_GCP_API_ENDPOINT)';
const CHECK_TIMEOUT_MS = 30_000;

export function cloudSqlTarget(config: Config): CloudSqlTarget {
  const project = config.cloudsql.project_id.trim();
  const instance = config.cloudsql.database_name.trim();
  const problems: string[] = [];
  if (!project) problems.push(`${PROJECT_KEY}: required for --cloudsql`);
  if (!instance) problems.push(`${INSTANCE_KEY}: required for --cloudsql (the Cloud SQL instance name)`);
  if (problems.length) throw new ConfigError(problems);
  return { project, instance, apiEndpoint: config.cloudsql.api_endpoint.trim().replace(/\/+$/, '') };
}

/** The API client; no credentials is a configuration error. */
export async function openCloudSqlApi(t: CloudSqlTarget): Promise<CloudSqlApi> {
  try {
    return await createCloudSqlApi(t);
  } catch (err) {
    if (err instanceof GoogleCallError && err.kind === 'credentials') throw new ConfigError([err.message]);
    throw err;
  }
}

/** Read the instance once; a missing instance or missing credentials is a configuration error. */
export async function checkInstance(api: CloudSqlApi, t: CloudSqlTarget): Promise<InstanceInfo> {
  let info: InstanceInfo;
  try {
    info = await api.getInstance(AbortSignal.timeout(CHECK_TIMEOUT_MS));
  } catch (err) {
    if (err instanceof GoogleCallError && err.kind === 'not-found') {
      throw new ConfigError([
        `${INSTANCE_KEY}: no Cloud SQL instance "${t.instance}" in project "${t.project}" (${PROJECT_KEY})`,
      ]);
    }
    if (err instanceof GoogleCallError && err.kind === 'credentials') throw new ConfigError([err.message]);
    if (err instanceof GoogleCallError && err.kind === 'other' && t.apiEndpoint) {
      throw new Error(`${err.message} (API endpoint from ${ENDPOINT_KEY}: ${t.apiEndpoint})`, { cause: err });
    }
    throw err;
  }
  if (!info.databaseVersion.startsWith('POSTGRES')) {
    throw new ConfigError([
      `${INSTANCE_KEY}: instance "${t.instance}" runs ${info.databaseVersion || 'an unknown engine'}, not PostgreSQL`,
    ]);
  }
  return info;
}
