import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { armError, RBAC, type ArmCall } from './client.js';
import type { AzureFlexSettings } from './config.js';

const S: AzureFlexSettings = {
  subscriptionId: '7d8e9f0a-1b2c-4d3e-8f4a-5b6c7d8e9f0a',
  resourceGroup: 'rg',
  serverName: 'srv',
  authMethod: 'password',
  armEndpoint: 'https://management.azure.com',
  armScope: 'https://management.azure.com/.default',
};
const PUT: ArmCall = {
  operation: 'configurations.put work_mem',
  action: RBAC.configurationsWrite,
  endpoint: S.armEndpoint,
};
const GET: ArmCall = { operation: 'servers.get', action: RBAC.serverRead, endpoint: S.armEndpoint };
const rest = (props: { message?: string } & Record<string, unknown>) =>
  Object.assign(new Error(props.message ?? ''), props);

describe('armError', () => {
  it('names the RBAC action from the denial, or the call’s own', () => {
    expect(
      armError(
        rest({
          statusCode: 403,
          code: 'AuthorizationFailed',
          message: "… perform action 'Microsoft.X/y/write' over scope …",
        }),
        PUT,
      ).message,
    ).toBe(
      'azure-flex: configurations.put work_mem: permission denied: the identity lacks the Azure RBAC action Microsoft.X/y/write (AuthorizationFailed)',
    );
    expect(armError(rest({ statusCode: 403, message: 'Forbidden' }), PUT).message).toContain(
      RBAC.configurationsWrite,
    );
  });

  it('turns a missing server, group or subscription into a ConfigError naming the key', () => {
    const e = armError(rest({ statusCode: 404, code: 'ResourceGroupNotFound', message: 'x' }), GET, S);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(
      /^azure_flex\.resource_group_name \(env: DBT_AZURE_FLEX_RESOURCE_GROUP_NAME\): no flexible server "srv"/,
    );
    expect(armError(rest({ statusCode: 404, code: 'SubscriptionNotFound' }), GET, S).message).toMatch(
      /^azure_flex\.subscription_id/,
    );
  });

  it('says when no credential was found, Resource Manager was unreachable, or an operation failed', () => {
    expect(
      armError(
        rest({
          name: 'AggregateAuthenticationError',
          message: 'ChainedTokenCredential authentication failed.\n…',
        }),
        GET,
      ).message,
    ).toMatch(
      /^azure-flex: servers\.get: no Azure credentials: DefaultAzureCredential found no usable identity/,
    );
    expect(
      armError(rest({ code: 'REQUEST_SEND_ERROR', message: 'connect ECONNREFUSED 10.0.0.1:443' }), GET)
        .message,
    ).toBe(
      'azure-flex: servers.get: cannot reach Resource Manager at https://management.azure.com: connect ECONNREFUSED 10.0.0.1:443',
    );
    expect(
      armError(new Error('The long-running operation has failed. ServerBusy. Try later.'), PUT).message,
    ).toBe('azure-flex: configurations.put work_mem: the operation failed: ServerBusy: Try later.');
    expect(
      armError(rest({ statusCode: 401, code: 'InvalidAuthenticationToken', message: 'expired' }), GET)
        .message,
    ).toBe(
      'azure-flex: servers.get: Resource Manager rejected the token (InvalidAuthenticationToken): expired',
    );
    expect(
      armError(rest({ statusCode: 400, code: 'InvalidParameterValue', message: 'bad value\n  at x' }), PUT)
        .message,
    ).toBe('azure-flex: configurations.put work_mem: InvalidParameterValue: bad value');
  });
});
