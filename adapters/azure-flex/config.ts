/**
 * The adapter's settings (`azure_flex.*`, env DBT_AZURE_FLEX_*): which server, how the agent logs in
 * to the database, and where Resource Manager is. Credentials never come from here: the Azure SDK's
 * DefaultAzureCredential chain finds them (environment, workload identity, managed identity, Azure
 * CLI). https://learn.microsoft.com/en-us/javascript/api/overview/azure/identity-readme
 */
import type { Config } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/**
 * Resource Manager hosts whose token audience is the host itself (public cloud, Azure China, Azure
 * US Government). Any other host (a proxy, a private gateway, a test simulation) is assumed to front
 * the public cloud, so tokens are requested for management.azure.com.
 * https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/control-plane-and-data-plane
 */
const SOVEREIGN_ARM_HOSTS = [
  'management.azure.com',
  'management.chinacloudapi.cn',
  'management.usgovcloudapi.net',
];

const KEYS = {
  subscription_id: 'azure_flex.subscription_id (env: DBT_AZURE_FLEX_SUBSCRIPTION_ID)',
  resource_group_name: 'azure_flex.resource_group_name (env: DBT_AZURE_FLEX_RESOURCE_GROUP_NAME)',
  server_name: 'azure_flex.server_name (env: DBT_AZURE_FLEX_SERVER_NAME)',
} as const;

export const ARM_ENDPOINT_KEY = 'azure_flex.arm_endpoint (env: DBT_AZURE_FLEX_ARM_ENDPOINT)';

export interface AzureFlexSettings {
  subscriptionId: string;
  resourceGroup: string;
  serverName: string;
  /** `entra`: the database password is a Microsoft Entra token; otherwise the URL's password. */
  authMethod: 'entra' | 'password';
  /** Resource Manager and Azure Monitor base URL, without a trailing slash. */
  armEndpoint: string;
  /** OAuth scope for Resource Manager tokens. */
  armScope: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Read and check the section; every problem at once, as a ConfigError (exit 2). */
export function azureFlexSettings(config: Config): AzureFlexSettings {
  const s = config.azure_flex;
  const problems: string[] = [];
  const subscriptionId = s.subscription_id.trim();
  const resourceGroup = s.resource_group_name.trim();
  const serverName = s.server_name.trim();
  if (!subscriptionId) problems.push(`${KEYS.subscription_id}: required for --azure-flex`);
  else if (!UUID.test(subscriptionId))
    problems.push(`${KEYS.subscription_id}: must be a subscription id (a UUID), got "${subscriptionId}"`);
  if (!resourceGroup) problems.push(`${KEYS.resource_group_name}: required for --azure-flex`);
  if (!serverName) problems.push(`${KEYS.server_name}: required for --azure-flex`);
  if (problems.length > 0) throw new ConfigError(problems);
  const armEndpoint = (s.arm_endpoint.trim() || PUBLIC_ARM_ENDPOINT).replace(/\/+$/, '');
  return {
    subscriptionId,
    resourceGroup,
    serverName,
    authMethod: s.auth_method.trim().toLowerCase() === 'entra' ? 'entra' : 'password',
    armEndpoint,
    armScope: armScopeFor(armEndpoint),
  };
}

export function armScopeFor(endpoint: string): string {
  const host = new URL(endpoint).hostname.toLowerCase();
  return SOVEREIGN_ARM_HOSTS.includes(host) ? `https://${host}/.default` : `${PUBLIC_ARM_ENDPOINT}/.default`;
}

/** The server's ARM resource id (also the Azure Monitor resource URI). */
export function serverResourceId(s: AzureFlexSettings): string {
  return (
    `/subscriptions/${s.subscriptionId}/resourceGroups/${encodeURIComponent(s.resourceGroup)}` +
    `/providers/Microsoft.DBforPostgreSQL/flexibleServers/${encodeURIComponent(s.serverName)}`
  );
}
