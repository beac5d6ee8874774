import { describe, expect, it } from 'vitest';
import { selectAdapter } from './select-adapter.js';
import { UsageError } from './usage-error.js';

const none = new Set<string>();

describe('selectAdapter', () => {
  it('an explicit flag wins', () => {
    expect(
      selectAdapter({ flags: { docker: true }, env: { DBT_AIVEN_API_TOKEN: 'x' }, sections: none }).id,
    ).toBe('docker');
  });
  it('two flags are a usage error', () => {
    expect(() => selectAdapter({ flags: { local: true, rds: true }, env: {}, sections: none })).toThrow(
      UsageError,
    );
  });
  it('env detection follows the Go order', () => {
    expect(
      selectAdapter({
        flags: {},
        env: { DBT_PATRONI_API_URL: 'u', DBT_DOCKER_CONTAINER_NAME: 'c' },
        sections: none,
      }).id,
    ).toBe('docker');
    expect(selectAdapter({ flags: {}, env: { DBT_GCP_DATABSE_NAME: 'd' }, sections: none }).id).toBe(
      'cloudsql',
    );
    expect(selectAdapter({ flags: {}, env: { DBT_CNPG_NAMESPACE: 'n' }, sections: none }).id).toBe('cnpg');
  });
  it('RDS/Aurora env without a flag is ambiguous', () => {
    expect(() => selectAdapter({ flags: {}, env: { DBT_AWS_REGION: 'eu-west-1' }, sections: none })).toThrow(
      /--rds or --aurora/,
    );
    expect(
      selectAdapter({ flags: { aurora: true }, env: { DBT_AWS_REGION: 'eu-west-1' }, sections: none }).id,
    ).toBe('aurora');
  });
  it('then config sections, then local', () => {
    expect(selectAdapter({ flags: {}, env: {}, sections: new Set(['rds-aurora']) }).id).toBe('aurora');
    expect(selectAdapter({ flags: {}, env: {}, sections: new Set(['patroni', 'docker']) }).id).toBe('docker');
    expect(selectAdapter({ flags: {}, env: {}, sections: new Set(['postgresql']) }).id).toBe('local');
  });
  it('empty env values do not count', () => {
    expect(selectAdapter({ flags: {}, env: { DBT_DOCKER_CONTAINER_NAME: '' }, sections: none }).id).toBe(
      'local',
    );
  });
});
