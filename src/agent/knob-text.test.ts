import { describe, expect, it } from 'vitest';
import { humanValue, knobText } from './knob-text.js';

describe('knobText', () => {
  it('shows memory in human units with the raw base-unit value', () => {
    expect(knobText('effective_cache_size', '2314102', '8kB')).toBe(
      'effective_cache_size=17.7GB (2314102 × 8kB)',
    );
    expect(knobText('work_mem', '16384', 'kB')).toBe('work_mem=16MB (16384 kB)');
    expect(knobText('shared_buffers', '16384', '8kB')).toBe('shared_buffers=128MB (16384 × 8kB)');
    expect(knobText('wal_buffers', '512', 'kB')).toBe('wal_buffers=512kB');
    expect(knobText('min_wal_size', '80', 'MB')).toBe('min_wal_size=80MB');
  });

  it('shows time in human units', () => {
    expect(knobText('checkpoint_timeout', '900', 's')).toBe('checkpoint_timeout=15min (900 s)');
    expect(knobText('statement_timeout', '250', 'ms')).toBe('statement_timeout=250ms');
    expect(knobText('autovacuum_naptime', '90', 's')).toBe('autovacuum_naptime=1.5min (90 s)');
  });

  it('leaves unit-less and non-numeric values as they are', () => {
    expect(knobText('random_page_cost', '1.1', null)).toBe('random_page_cost=1.1');
    expect(knobText('wal_compression', 'on', null)).toBe('wal_compression=on');
    expect(knobText('x', 'abc', 'kB')).toBe('x=abc');
    expect(knobText('x', '-1', 'kB')).toBe('x=-1');
    expect(humanValue('0', 'kB')).toBe('0B');
  });
});
