/**
 * The Azure clients: one DefaultAzureCredential, one Resource Manager client for the flexible server
 * (`@azure/arm-postgresql-flexible`), and Azure Monitor metrics sent through the same pipeline (same
 * endpoint, credential and retry policy). Every SDK error becomes a one-line message that names the
 * operation and, when Azure refuses, the RBAC action the identity lacks.
 * https://learn.microsoft.com/en-us/rest/api/postgresql/flexibleserver/
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { PostgreSQLManagementFlexibleServerClient } from '@azure/arm-postgresql-flexible';
import { ConfigError } from '../../src/errors.js';
import type { AzureFlexSettings } from './config.js';

/** The Azure RBAC action each call needs (docs: Microsoft.DBforPostgreSQL resource provider operations). */
export const RBAC = {
  serverRead: 'Microsoft.DBforPostgreSQL/flexibleServers/read',
  configurationsRead: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/read',
  configurationsWrite: 'Microsoft.DBforPostgreSQL/flexibleServers/configurations/write',
  restart: 'Microsoft.DBforPostgreSQL/flexibleServers/restart/action',
  asyncOperationRead: 'Microsoft.DBforPostgreSQL/locations/azureAsyncOperation/read',
  operationResultsRead: 'Microsoft.DBforPostgreSQL/locations/operationResults/read',
  metricsRead: 'Microsoft.Insights/metrics/read',
} as const;
export type RbacAction = (typeof RBAC)[keyof typeof RBAC];

export interface AzureClients {
  credential: TokenCredential;
  arm: PostgreSQLManagementFlexibleServerClient;
}

/**
 * The standard credential chain (no secrets in our config) and the Resource Manager client at the
 * configured endpoint. `env` is the process environment the chain reads (injectable for tests).
 */
export function createAzureClients(s: AzureFlexSettings, credential?: TokenCredential): AzureClients {
  const cred = credential ?? new DefaultAzureCredential();
  const arm = new PostgreSQLManagementFlexibleServerClient(cred, s.subscriptionId, {
    endpoint: s.armEndpoint,
    credentialScopes: [s.armScope],
  });
  return { credential: cred, arm };
}

interface RestErrorLike {
  name?: string;
  message?: string;
  statusCode?: number;
  code?: string;
  details?: { error?: { code?: string; message?: string } };
}

function restError(err: unknown): RestErrorLike {
  return typeof err === 'object' && err !== null ? err : { message: String(err) };
}

const CREDENTIAL_ERRORS = [
  'CredentialUnavailableError',
  'AggregateAuthenticationError',
  'AuthenticationError',
];

export const CREDENTIAL_HINT =
  'DefaultAzureCredential found no usable identity: set AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET, ' +
  'use workload identity (AZURE_FEDERATED_TOKEN_FILE) or a managed identity, or sign in with `az login`';

const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH'];

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export interface ArmCall {
  /** `servers.get`, `configurations.put work_mem`, … */
  operation: string;
  action: RbacAction;
  endpoint: string;
}

/**
 * One clear line for any failure of an Azure call: credentials, RBAC (naming the action), a missing
 * server (a ConfigError naming the key, exit 2), a response that is not JSON, or the network.
 */
export function armError(err: unknown, call: ArmCall, s?: AzureFlexSettings): Error {
  const e = restError(err);
  const where = `azure-flex: ${call.operation}`;
  if (e.name && CREDENTIAL_ERRORS.includes(e.name)) {
    return new Error(`${where}: no Azure credentials: ${CREDENTIAL_HINT}`, { cause: err });
  }
  const code = e.code ?? e.details?.error?.code;
  const message = firstLine(e.details?.error?.message ?? e.message ?? 'unknown error');
  if (e.statusCode === 403 || code === 'AuthorizationFailed') {
    const named = /perform action '([^']+)'/.exec(message)?.[1] ?? call.action;
    return new Error(
      `${where}: permission denied: the identity lacks the Azure RBAC action ${named} (${code ?? 'HTTP 403'})`,
      { cause: err },
    );
  }
  if (e.statusCode === 401) {
    return new Error(`${where}: Resource Manager rejected the token (${code ?? 'HTTP 401'}): ${message}`, {
      cause: err,
    });
  }
  if (s && e.statusCode === 404 && call.action === RBAC.serverRead) {
    const key =
      code === 'SubscriptionNotFound'
        ? 'azure_flex.subscription_id (env: DBT_AZURE_FLEX_SUBSCRIPTION_ID)'
        : code === 'ResourceGroupNotFound'
          ? 'azure_flex.resource_group_name (env: DBT_AZURE_FLEX_RESOURCE_GROUP_NAME)'
          : 'azure_flex.server_name (env: DBT_AZURE_FLEX_SERVER_NAME)';
    return new ConfigError([
      `${key}: no flexible server "${s.serverName}" in resource group "${s.resourceGroup}" of subscription ` +
        `${s.subscriptionId} at ${call.endpoint} (${code ?? 'HTTP 404'})`,
    ]);
  }
  if (code === 'PARSE_ERROR' || /deserializ/i.test(e.message ?? '')) {
    return new Error(
      `${where}: Resource Manager at ${call.endpoint} returned a response it could not read` +
        (e.statusCode ? ` (HTTP ${e.statusCode})` : '') +
        `: ${message.slice(0, 160)}`,
      { cause: err },
    );
  }
  if (e.name === 'AbortError') return new Error(`${where}: aborted`, { cause: err });
  if (code === 'REQUEST_SEND_ERROR' || (code !== undefined && NETWORK_CODES.includes(code))) {
    return new Error(`${where}: cannot reach Resource Manager at ${call.endpoint}: ${message}`, {
      cause: err,
    });
  }
  // A long-running operation that ended Failed; core-lro words it
  // "The long-running operation has failed. <code>. <message>".
  const lro = /^The long-running operation has failed\.?\s*(?:([A-Za-z]+)\.\s*)?(.*)$/.exec(message);
  if (lro) {
    return new Error(`${where}: the operation failed: ${lro[1] ?? 'Failed'}: ${lro[2] ?? ''}`, {
      cause: err,
    });
  }
  const label = code ?? (e.statusCode !== undefined ? `HTTP ${e.statusCode}` : undefined);
  return new Error(`${where}: ${label ? `${label}: ` : ''}${message}`, { cause: err });
}

/** Run one ARM call, translating its failure. */
export async function armCall<T>(call: ArmCall, s: AzureFlexSettings, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw armError(err, call, s);
  }
}
