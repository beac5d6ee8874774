import { describe, expect, it } from 'vitest';
import { gainPct, objective, scoreGainPct } from '../../../src/embedded/tuner/index.js';

describe('gains on the objective scale', () => {
  it('a higher-is-better score gain is the objective gain', () => {
    expect(scoreGainPct(objective('tps'), 0.25)).toBeCloseTo(25, 10);
    expect(gainPct(objective('tps'), 1000, 1250)).toBeCloseTo(25, 10);
  });

  it('a lower-is-better score gain is how much lower the value is, as gainPct says', () => {
    // Baseline 153 ms, best 100 ms: the score (−log runtime) rose by log(1.53).
    const spec = objective('latency');
    expect(scoreGainPct(spec, 0.53)).toBeCloseTo(gainPct(spec, 153, 100)!, 10);
    expect(scoreGainPct(spec, 0.53)).toBeCloseTo(34.64, 2);
    expect(scoreGainPct(spec, 0)).toBe(0);
  });
});
