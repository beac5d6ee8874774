import { describe, expect, it } from 'vitest';
import { patroniValue } from './apply.js';
import { memberApiBase } from './client.js';
import { isManaged } from './managed.js';
import { memberUrl } from './members.js';

describe('patroniValue: base-unit values with their unit spelled out', () => {
  it.each([
    [{ proposed: '16384', unit: '8kB' }, '131072kB'],
    [{ proposed: '65536', unit: 'kB' }, '65536kB'],
    [{ proposed: '2048', unit: 'MB' }, '2048MB'],
    [{ proposed: '200', unit: 'ms' }, '200ms'],
    [{ proposed: '2.5', unit: 'ms' }, '2.5ms'],
    [{ proposed: '300', unit: 's' }, '300s'],
    [{ proposed: '1.1', unit: null }, '1.1'],
    [{ proposed: 'on', unit: null }, 'on'],
    [{ proposed: '-1', unit: 'kB' }, '-1kB'],
  ])('%j → %s', (change, expected) => {
    expect(patroniValue(change)).toBe(expected);
  });
});

describe('memberUrl', () => {
  it('points the connection URL at another member, keeping credentials and options', () => {
    expect(
      memberUrl('postgres://agent:p%40ss@10.0.0.1:5432/app?sslmode=require', {
        host: '10.0.0.2',
        port: 5433,
      }),
    ).toBe('postgres://agent:p%40ss@10.0.0.2:5433/app?sslmode=require');
  });

  it('drops a host= socket override and brackets IPv6 hosts', () => {
    expect(
      memberUrl('postgres://agent@localhost/app?host=/var/run/postgresql', { host: 'fd00::2', port: 5432 }),
    ).toBe('postgres://agent@[fd00::2]:5432/app');
  });
});

describe('memberApiBase', () => {
  const member = { name: 'pg-2', role: 'replica', state: 'streaming', host: '10.0.0.2', port: 5432 };
  it("uses the member's api_url without its path", () => {
    expect(
      memberApiBase('https://10.0.0.1:8008', { ...member, api_url: 'https://10.0.0.2:8009/patroni' }),
    ).toBe('https://10.0.0.2:8009');
  });
  it("falls back to the member's host with our API's scheme and port", () => {
    expect(memberApiBase('https://10.0.0.1:8008', member)).toBe('https://10.0.0.2:8008');
  });
});

describe('Patroni-managed parameters', () => {
  it.each(['max_connections', 'wal_level', 'primary_slot_name', ' Hot_Standby '])('%s is managed', (n) => {
    expect(isManaged(n)).toBe(true);
  });
  it.each(['work_mem', 'shared_buffers', 'jit'])('%s is not', (n) => {
    expect(isManaged(n)).toBe(false);
  });
});
