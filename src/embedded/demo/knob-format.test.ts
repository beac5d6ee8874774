import { describe, expect, it } from 'vitest';
import { formatKnobDiff, formatKnobValue, knobDiff } from './knob-format.js';

describe('formatKnobValue', () => {
  it.each([
    [16384, '8kB', '128MB'],
    [131072, '8kB', '1GB'],
    [1, '8kB', '8kB'],
    [4096, 'kB', '4MB'],
    [57139, 'kB', '55.8MB'],
    [2314133, '8kB', '17.7GB'],
    [1536, 'MB', '1536MB'],
    [12345, 'kB', '12.1MB'],
    [8192, 'MB', '8GB'],
    [300, 's', '5min'],
    [90, 's', '90s'],
    [200, 'ms', '200ms'],
    [70, 'us', '70us'],
    [-1, 'kB', '-1'],
    [0, 'ms', '0ms'],
    [1.1, null, '1.1'],
    [0.9, null, '0.9'],
    [200, null, '200'],
    ['pglz', null, 'pglz'],
  ] as const)('%s %s → %s', (value, unit, shown) => {
    expect(formatKnobValue(value, unit)).toBe(shown);
  });
});

describe('knobDiff', () => {
  const units = { shared_buffers: '8kB', work_mem: 'kB', random_page_cost: null };

  it('lists only knobs that differ, sorted, with units; tolerates float noise', () => {
    const diff = knobDiff(
      { work_mem: 4096, shared_buffers: 16384, random_page_cost: 4, jit: 'on', cpu_tuple_cost: 0.01 },
      {
        work_mem: 4096,
        shared_buffers: 131072,
        random_page_cost: 1.1,
        jit: 'off',
        cpu_tuple_cost: 0.010000000001,
      },
      units,
    );
    expect(diff).toEqual([
      { name: 'jit', unit: null, baseline: 'on', best: 'off' },
      { name: 'random_page_cost', unit: null, baseline: 4, best: 1.1 },
      { name: 'shared_buffers', unit: '8kB', baseline: 16384, best: 131072 },
    ]);
  });

  it('reports a knob present on one side only', () => {
    expect(knobDiff({}, { work_mem: 8192 }, units)).toEqual([
      { name: 'work_mem', unit: 'kB', baseline: null, best: 8192 },
    ]);
  });

  it('formats aligned "name  from → to" lines', () => {
    const lines = formatKnobDiff(
      knobDiff({ shared_buffers: 16384, jit: 'on' }, { shared_buffers: 131072, jit: 'off' }, units),
    );
    expect(lines).toEqual(['jit                on → off', 'shared_buffers  128MB → 1GB']);
    expect(formatKnobDiff(knobDiff({}, { work_mem: 8192 }, units))).toEqual(['work_mem  (unset) → 8MB']);
  });
});
