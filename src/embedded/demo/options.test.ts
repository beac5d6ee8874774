import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/usage-error.js';
import { resolveDemoOptions } from './options.js';

const seed = () => 42;

describe('demo options', () => {
  it('defaults: 20 × 20 s, PG 17, the mixed workload at scale 10 tuned for latency, 8 clients, cwd', () => {
    expect(resolveDemoOptions({}, '/w', seed)).toEqual({
      iterations: 20,
      iterationSeconds: 20,
      warmupSeconds: 3,
      pgMajor: 17,
      scale: 10,
      clients: 8,
      objective: 'latency',
      quick: false,
      keep: false,
      outDir: '/w',
      seed: 42,
      workload: 'mixed',
      driver: 'auto',
    });
  });

  it('the workload brings its default objective; --objective overrides it', () => {
    expect(resolveDemoOptions({ workload: 'tpcb' }, '/w', seed)).toMatchObject({
      workload: 'tpcb',
      objective: 'tps',
      scale: 10,
    });
    expect(resolveDemoOptions({ workload: 'mixed', objective: 'tps' }, '/w', seed).objective).toBe('tps');
    expect(resolveDemoOptions({ workload: 'tpcb', objective: 'latency' }, '/w', seed).objective).toBe(
      'latency',
    );
  });

  it('--quick shortens the session; explicit flags still win', () => {
    const q = resolveDemoOptions({ quick: true }, '/w', seed);
    expect([q.iterations, q.iterationSeconds, q.warmupSeconds, q.scale]).toEqual([6, 8, 2, 2]);
    expect(resolveDemoOptions({ quick: true, iterations: '3', scale: '1' }, '/w', seed)).toMatchObject({
      iterations: 3,
      scale: 1,
      iterationSeconds: 8,
    });
  });

  it('defaults fit in about 10 minutes of measurement and quick in about 2', () => {
    // About 5 s per iteration go to polling, applying and restarting (measured).
    const budget = (o: { iterations: number; iterationSeconds: number; warmupSeconds: number }) =>
      o.iterations * (o.iterationSeconds + o.warmupSeconds + 5);
    expect(budget(resolveDemoOptions({}, '/w', seed))).toBeLessThanOrEqual(570);
    expect(budget(resolveDemoOptions({ quick: true }, '/w', seed))).toBeLessThanOrEqual(100);
  });

  it('resolves --out against cwd and parses every flag', () => {
    const o = resolveDemoOptions(
      {
        out: 'r',
        pgMajor: '13',
        clients: '2',
        objective: 'latency',
        keep: true,
        seed: '7',
        workload: 'tpcb',
        driver: 'builtin',
      },
      '/w',
      seed,
    );
    expect(o).toMatchObject({
      outDir: path.resolve('/w', 'r'),
      pgMajor: 13,
      clients: 2,
      objective: 'latency',
      keep: true,
      seed: 7,
      workload: 'tpcb',
      driver: 'builtin',
    });
  });

  it.each([
    [{ iterations: '1' }, /--iterations must be an integer from 2/],
    [{ iterations: 'x' }, /--iterations/],
    [{ pgMajor: '12' }, /--pg-major must be an integer from 13 to 18/],
    [{ pgMajor: '19' }, /--pg-major/],
    [{ scale: '0' }, /--scale/],
    [{ clients: '2.5' }, /--clients/],
    [{ objective: 'qps' }, /--objective must be one of tps, latency/],
    [{ iterationSeconds: '1' }, /--iteration-seconds/],
    [{ workload: 'tpch' }, /--workload must be one of mixed, tpcb, read-mostly, got "tpch"/],
    [{ driver: 'jmeter' }, /--driver must be one of auto, pgbench, builtin/],
    [{ workload: 'mixed', driver: 'builtin' }, /--driver builtin: the mixed workload runs on pgbench only/],
  ])('rejects %o', (flags, message) => {
    expect(() => resolveDemoOptions(flags, '/w', seed)).toThrow(UsageError);
    expect(() => resolveDemoOptions(flags, '/w', seed)).toThrow(message);
  });
});
