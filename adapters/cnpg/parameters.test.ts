import { describe, expect, it } from 'vitest';
import { isOperatorManaged, specValue } from './parameters.js';

describe('isOperatorManaged', () => {
  it('covers the operator-owned names and prefixes', () => {
    for (const n of [
      'shared_preload_libraries',
      'archive_command',
      'archive_timeout',
      'restore_command',
      'recovery_target_time',
      'ssl_ciphers',
      'ssl',
      'unix_socket_directories',
      'log_rotation_age',
      'syslog_facility',
      'hot_standby',
      'synchronous_standby_names',
      'Port',
    ])
      expect(isOperatorManaged(n), n).toBe(true);
  });

  it('leaves tuning knobs alone', () => {
    for (const n of [
      'shared_buffers',
      'work_mem',
      'max_wal_size',
      'random_page_cost',
      'log_min_duration_statement',
    ])
      expect(isOperatorManaged(n), n).toBe(false);
  });
});

describe('specValue', () => {
  it('writes memory in kB', () => {
    expect(specValue({ proposed: '16384', unit: '8kB' })).toBe('131072kB');
    expect(specValue({ proposed: '4096', unit: 'kB' })).toBe('4096kB');
    expect(specValue({ proposed: '2048', unit: 'MB' })).toBe('2097152kB');
    expect(specValue({ proposed: '1536', unit: 'B' })).toBe('1536B');
    expect(specValue({ proposed: '2048', unit: 'B' })).toBe('2kB');
  });

  it('writes time with its unit', () => {
    expect(specValue({ proposed: '300', unit: 's' })).toBe('300s');
    expect(specValue({ proposed: '2.5', unit: 'ms' })).toBe('2.5ms');
    expect(specValue({ proposed: '1', unit: 'min' })).toBe('1min');
  });

  it('writes unit-less values as planned', () => {
    expect(specValue({ proposed: '1.1', unit: null })).toBe('1.1');
    expect(specValue({ proposed: 'on', unit: null })).toBe('on');
    expect(specValue({ proposed: '-1', unit: 'kB' })).toBe('-1kB');
  });
});
