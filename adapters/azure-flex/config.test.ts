import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { armScopeFor, azureFlexSettings, serverResourceId } from './config.js';

const BASE = {
  DBT_POSTGRESQL_CONNECTION_URL: 'postgres://u@127.0.0.1:5432/postgres',
  DBT_DBTUNE_API_KEY: '3f1b8c1e-8a57-4c3e-9d1a-5b7d2f0e6a11',
  DBT_DBTUNE_DATABASE_ID: '6b2f9e4c-1d3a-4f5b-8c7e-9a0b1c2d3e4f',
};

const settings = (env: Record<string, string>) =>
  azureFlexSettings(loadConfig({ env: { ...BASE, ...env }, searchPaths: [], collectors: [] }).config);

describe('azureFlexSettings', () => {
  it('reads the section with the public Resource Manager by default', () => {
    const s = settings({
      DBT_AZURE_FLEX_SUBSCRIPTION_ID: '7D8E9F0A-1B2C-4D3E-8F4A-5B6C7D8E9F0A',
      DBT_AZURE_FLEX_RESOURCE_GROUP_NAME: 'rg',
      DBT_AZURE_FLEX_SERVER_NAME: 'srv',
      DBT_AZURE_FLEX_AUTH_METHOD: 'Entra',
    });
    expect(s).toMatchObject({
      armEndpoint: 'https://management.azure.com',
      armScope: 'https://management.azure.com/.default',
      authMethod: 'entra',
    });
    expect(serverResourceId(s)).toBe(
      '/subscriptions/7D8E9F0A-1B2C-4D3E-8F4A-5B6C7D8E9F0A/resourceGroups/rg/providers/Microsoft.DBforPostgreSQL/flexibleServers/srv',
    );
  });

  it('reports every missing or malformed key at once, with its env var', () => {
    let err: unknown;
    try {
      settings({ DBT_AZURE_FLEX_SUBSCRIPTION_ID: 'sub-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'azure_flex.subscription_id (env: DBT_AZURE_FLEX_SUBSCRIPTION_ID): must be a subscription id (a UUID), got "sub-1"',
      'azure_flex.resource_group_name (env: DBT_AZURE_FLEX_RESOURCE_GROUP_NAME): required for --azure-flex',
      'azure_flex.server_name (env: DBT_AZURE_FLEX_SERVER_NAME): required for --azure-flex',
    ]);
  });

  it('refuses a non-https endpoint at load, naming the key', () => {
    expect(() => settings({ DBT_AZURE_FLEX_ARM_ENDPOINT: 'http://127.0.0.1:8080' })).toThrow(
      /azure_flex\.arm_endpoint.*must be an https URL.*DBT_AZURE_FLEX_ARM_ENDPOINT|DBT_AZURE_FLEX_ARM_ENDPOINT.*must be an https URL/s,
    );
  });

  it('asks tokens for a sovereign cloud audience, else the public one', () => {
    expect(armScopeFor('https://management.chinacloudapi.cn')).toBe(
      'https://management.chinacloudapi.cn/.default',
    );
    expect(armScopeFor('https://management.usgovcloudapi.net')).toBe(
      'https://management.usgovcloudapi.net/.default',
    );
    expect(armScopeFor('https://arm-proxy.internal:8443')).toBe('https://management.azure.com/.default');
  });
});
