/**
 * The end-of-session recheck of the baseline, and the drift-aware comparison it feeds
 * (docs/TUNING.md, "Load drift").
 */
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/embedded/tuner/knobs.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';
import { RECHECK_MIN_ITERATIONS, TuningSession } from '../../../src/embedded/tuner/session.js';
import { baselineReference } from '../../../src/embedded/tuner/session-final.js';
import { buildSpace } from '../../../src/embedded/tuner/space.js';
import { machine, PG_DEFAULTS } from './fixtures.js';

function session(iterations: number, objective = 'latency'): TuningSession {
  return new TuningSession({
    space: buildSpace(machine(16)),
    objective,
    iterations,
    seed: 99,
    baseline: PG_DEFAULTS,
  });
}

const isBaseline = (s: TuningSession, c: Config): boolean =>
  s.space.knobs.every((k) => c[k.name] === s.baseline[k.name]);

describe('the recheck at the end of a session', () => {
  it('measures the baseline configuration in the last iteration, and is never a candidate', () => {
    const s = session(8);
    const rng = createRng(5, 5);
    for (let p = s.next(); p !== null; p = s.next()) {
      const gain = isBaseline(s, p.config) ? 1 : 0.6; // every tuned configuration 40 % faster
      s.record(p.iteration, { tps: 500, latencyMs: 2 * gain * Math.exp(0.01 * rng.normal()) });
    }
    const kinds = s.history.map((r) => r.kind);
    expect(kinds[0]).toBe('baseline');
    expect(kinds.at(-1)).toBe('recheck');
    expect(kinds.filter((k) => k === 'recheck')).toHaveLength(1);
    const recheck = s.history.at(-1)!;
    expect(recheck).toMatchObject({ iteration: 7, outcome: 'ok', restart: true });
    expect(isBaseline(s, recheck.config)).toBe(true);
    const decision = s.final();
    expect(decision.source).toBe('best');
    expect(decision.iteration).toBeGreaterThan(0);
    expect(decision.iteration).toBeLessThan(7);
    expect(decision.improvement).toBeGreaterThan(0.5); // 1/0.6 − 1 ≈ 0.67 in score terms
    expect(decision.reason).toMatch(
      /the baseline's average query runtime .* moved [+-]\d+\.\d % between iterations 0 and 7/,
    );
  });

  it('a load that falls during the session is not taken for a gain', () => {
    // Every query gets 2× slower at iteration 0 than at the end (a neighbour's batch job winding
    // down); tuned configurations are truly 10 % faster than the baseline at the same load.
    const iterations = 20;
    const s = session(iterations);
    const load = (i: number): number => 2 - i / (iterations - 1);
    for (let p = s.next(); p !== null; p = s.next()) {
      const effect = isBaseline(s, p.config) ? 1 : 0.9;
      s.record(p.iteration, { tps: 500, latencyMs: load(p.iteration) * effect });
    }
    // Against the first baseline alone, the late candidates look about 50 % faster.
    const first = s.history[0]!.measurement!.latencyMs;
    const bestTuned = Math.min(
      ...s.history.filter((r) => r.kind === 'bo' && r.outcome === 'ok').map((r) => r.measurement!.latencyMs),
    );
    expect(bestTuned / first).toBeLessThan(0.6);
    const decision = s.final();
    // Against the baseline read at the candidate's own time (and the GP pooling the drifted
    // neighbours), nothing like 50 % is claimed, the baseline moving by half is named in the reason,
    // and two baseline readings 2× apart make the noise estimate large: the baseline is kept.
    expect(decision.improvement).toBeLessThan(0.2);
    expect(decision.reason).toMatch(/moved -50\.0 % between iterations 0 and 19/);
    expect(decision.noise).toBeGreaterThan(0.3);
    expect(decision.source).toBe('baseline');
  });

  it('is skipped when the iteration before the last already measured the baseline (a revert)', () => {
    const s = session(6);
    for (let p = s.next(); p !== null; p = s.next()) {
      if (p.iteration === 3) s.record(3, { guardrail: 'memory' });
      else s.record(p.iteration, { tps: 500, latencyMs: 1 });
    }
    expect(s.history.map((r) => r.kind)).toEqual(['baseline', 'pgtune', 'bo', 'bo', 'revert', 'bo']);
  });

  it(`is not run in sessions shorter than ${RECHECK_MIN_ITERATIONS} iterations`, () => {
    const s = session(RECHECK_MIN_ITERATIONS - 1);
    for (let p = s.next(); p !== null; p = s.next()) s.record(p.iteration, { tps: 500, latencyMs: 1 });
    expect(s.history.map((r) => r.kind)).not.toContain('recheck');
  });

  it('survives toJSON()/fromJSON() at the recheck', () => {
    const s = session(5);
    for (let i = 0; i < 4; i++) s.record(s.next()!.iteration, { tps: 500, latencyMs: 1 });
    const resumed = TuningSession.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
    expect(resumed.next()).toEqual(s.next());
    expect(s.next()!.kind).toBe('recheck');
  });
});

describe('baselineReference', () => {
  const m = (iteration: number, score: number) => ({ iteration, score });

  it('reads the line between the nearest baseline measurements before and after the candidate', () => {
    const points = [m(0, 1), m(4, 3), m(10, 0)];
    expect(baselineReference(points, 2)).toEqual({ score: 2, weightSq: 0.5 });
    const late = baselineReference(points, 9);
    expect(late.score).toBeCloseTo(0.5);
    expect(late.weightSq).toBeCloseTo((1 / 6) ** 2 + (5 / 6) ** 2);
  });

  it('is the mean of every baseline measurement when none follows the candidate', () => {
    expect(baselineReference([m(0, 1), m(3, 2)], 5)).toEqual({ score: 1.5, weightSq: 0.5 });
    expect(baselineReference([m(0, 4)], 1)).toEqual({ score: 4, weightSq: 1 });
  });
});
