import { describe, expect, it } from 'vitest';
import { latestValue } from './metrics.js';

describe('latestValue', () => {
  it('takes the newest datapoint whatever the order', () => {
    expect(
      latestValue({
        StatusCode: 'Complete',
        Timestamps: [new Date(1_000), new Date(3_000), new Date(2_000)],
        Values: [1, 3, 2],
      }),
    ).toBe(3);
  });

  it('has no value for an empty or failed result (never zero)', () => {
    expect(latestValue({ StatusCode: 'Complete', Timestamps: [], Values: [] })).toBeUndefined();
    expect(
      latestValue({ StatusCode: 'InternalError', Timestamps: [new Date(1_000)], Values: [5] }),
    ).toBeUndefined();
    expect(latestValue(undefined)).toBeUndefined();
  });

  it('keeps partial data', () => {
    expect(latestValue({ StatusCode: 'PartialData', Timestamps: [new Date(1_000)], Values: [7] })).toBe(7);
  });
});
