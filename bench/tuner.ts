/**
 * Tuner micro-benchmark: wall time of one Bayesian-optimisation suggestion (GP hyperparameter fit
 * + trust-region log-EI search) at 10, 30 and 60 observations over the full restart-mode space of
 * a 16 GiB / 4 CPU machine. Median of repeats; run with `npx tsx bench/tuner.ts`. Process CPU time
 * is printed next to wall time because on a shared, busy host the wall time mostly measures the
 * scheduler.
 */
import { createBo } from '../src/embedded/tuner/bo.js';
import type { Observation } from '../src/embedded/tuner/optimiser.js';
import { createRng } from '../src/embedded/tuner/rng.js';
import { buildSpace } from '../src/embedded/tuner/space.js';

const REPEATS = 9;
const space = buildSpace({
  memoryBytes: 16 * 1024 ** 3,
  cpuCount: 4,
  maxConnections: 100,
  pgMajor: 16,
  restartsAllowed: true,
});
const dims = space.dims;
const bo = createBo({ maximise: true });

function observations(n: number, seed: number): Observation[] {
  const rng = createRng(seed, 1);
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: dims }, () => rng.next());
    // A smooth bowl plus 4 % noise, in log units as the session feeds it; 5 % infeasible.
    const y = -x.reduce((s, v, d) => s + (v - 0.4) ** 2 / (1 + d), 0) + 0.04 * rng.normal();
    return { x, y: rng.next() < 0.05 ? null : y };
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
}

// Warm up the JIT so the first size is not penalised.
for (let i = 0; i < 3; i++) bo.suggest(observations(20, 100 + i), dims, createRng(i));

console.log(`tuner suggestion latency, ${dims} dimensions, median of ${REPEATS} (node ${process.version})`);
for (const n of [10, 30, 60]) {
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const obs = observations(n, r);
    const start = performance.now();
    const startCpu = process.cpuUsage();
    bo.suggest(obs, dims, createRng(r, n));
    const used = process.cpuUsage(startCpu);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  console.log(
    `${String(n).padStart(3)} observations: median ${median(times).toFixed(1)} ms` +
      ` (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}),` +
      ` CPU median ${median(cpu).toFixed(1)} ms`,
  );
}
