import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import type { MemoryReading } from './types.js';
import { GuardrailThrottle } from './throttle.js';

const GiB = 1024 ** 3;
const reading = (usedBytes: number, limitBytes: number, kind?: 'used' | 'freeable'): MemoryReading => ({
  usedBytes,
  limitBytes,
  source: 'test',
  ...(kind ? { kind } : {}),
});

describe('evaluate', () => {
  const cases: Array<[string, MemoryReading, number, ReturnType<typeof evaluate>]> = [
    ['below threshold', reading(8 * GiB, 16 * GiB), 90, null],
    ['exactly at threshold is not above', reading(90, 100), 90, null],
    ['just above threshold', reading(90.01, 100), 90, { level: 'critical', type: 'memory' }],
    ['full', reading(16 * GiB, 16 * GiB), 90, { level: 'critical', type: 'memory' }],
    ['over the limit', reading(17 * GiB, 16 * GiB), 90, { level: 'critical', type: 'memory' }],
    ['low threshold', reading(2, 100), 1, { level: 'critical', type: 'memory' }],
    ['threshold 100 never fires below 100%', reading(99.9, 100), 100, null],
    ['explicit used kind', reading(95, 100, 'used'), 90, { level: 'critical', type: 'memory' }],
    ['zero limit', reading(1, 0), 90, null],
    ['negative limit', reading(1, -5), 90, null],
    ['NaN limit', reading(1, Number.NaN), 90, null],
    ['infinite limit', reading(1, Number.POSITIVE_INFINITY), 90, null],
    ['NaN usage', reading(Number.NaN, 100), 90, null],
    ['negative usage', reading(-1, 100), 90, null],
    // RDS FreeableMemory: free / total × 100 < 100 − threshold
    ['freeable plenty', reading(50, 100, 'freeable'), 90, null],
    ['freeable exactly 10%', reading(10, 100, 'freeable'), 90, null],
    ['freeable below 10%', reading(9.9, 100, 'freeable'), 90, { level: 'critical', type: 'freeable_memory' }],
    ['freeable none', reading(0, 100, 'freeable'), 90, { level: 'critical', type: 'freeable_memory' }],
    ['freeable zero limit', reading(0, 0, 'freeable'), 90, null],
  ];
  it.each(cases)('%s', (_label, r, threshold, expected) => {
    expect(evaluate(r, { memoryThreshold: threshold })).toEqual(expected);
  });
});

describe('GuardrailThrottle', () => {
  it('checks every time until a signal, then stays quiet for 15 s', () => {
    const t = new GuardrailThrottle();
    expect(t.shouldCheck(0)).toBe(true);
    expect(t.shouldCheck(1_000)).toBe(true);
    t.signalled(1_000);
    expect(t.shouldCheck(2_000)).toBe(false);
    expect(t.shouldCheck(15_999)).toBe(false);
    expect(t.shouldCheck(16_000)).toBe(true);
    t.signalled(16_000);
    expect(t.shouldCheck(17_000)).toBe(false);
  });
  it('honours a custom quiet period', () => {
    const t = new GuardrailThrottle(5_000);
    t.signalled(0);
    expect(t.shouldCheck(4_999)).toBe(false);
    expect(t.shouldCheck(5_000)).toBe(true);
  });
});
