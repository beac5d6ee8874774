import { describe, expect, it } from 'vitest';
import type { ConfigurationState } from './api.js';
import { intelligentTuning } from './intelligent-tuning.js';

const cfg = (name: string, value: string): ConfigurationState => ({
  name,
  value,
  source: 'user-override',
  defaultValue: undefined,
  isReadOnly: false,
  isConfigPendingRestart: false,
});

describe('intelligentTuning', () => {
  it('manages nothing while intelligent_tuning is off, whatever the targets', () => {
    const tuning = intelligentTuning([
      cfg('intelligent_tuning', 'off'),
      cfg('intelligent_tuning.metric_targets', 'all'),
    ]);
    expect(tuning.enabled).toBe(false);
    expect(tuning.managed.size).toBe(0);
  });

  it('manages every target with "all" (any case)', () => {
    const tuning = intelligentTuning([
      cfg('intelligent_tuning', 'ON'),
      cfg('intelligent_tuning.metric_targets', 'ALL'),
    ]);
    expect([...tuning.managed.keys()].sort()).toEqual([
      'autovacuum_naptime',
      'autovacuum_vacuum_cost_delay',
      'autovacuum_vacuum_cost_limit',
      'autovacuum_vacuum_scale_factor',
      'autovacuum_vacuum_threshold',
      'bgwriter_delay',
      'checkpoint_completion_target',
      'max_wal_size',
      'min_wal_size',
    ]);
  });

  it('manages only the selected targets', () => {
    const tuning = intelligentTuning([
      cfg('intelligent_tuning', 'on'),
      cfg('intelligent_tuning.metric_targets', 'Storage-max_wal_size,tuning-autovacuum'),
    ]);
    expect(tuning.managed.get('max_wal_size')).toBe('storage-max_wal_size');
    expect(tuning.managed.get('autovacuum_naptime')).toBe('tuning-autovacuum');
    expect(tuning.managed.has('min_wal_size')).toBe(false);
    expect(tuning.managed.has('work_mem')).toBe(false);
  });

  it('manages nothing with the targets at none', () => {
    expect(intelligentTuning([cfg('intelligent_tuning', 'on')]).managed.size).toBe(0);
  });
});
