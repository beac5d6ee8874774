/** Every benchmark, in the order bench/run.ts runs them and docs/PERFORMANCE.md lists them. */
import { applyLatency } from '../apply-latency.js';
import { collection } from '../collection.js';
import { knobEffects, knobEffectsTpcb } from '../knob-effects.js';
import { memory } from '../memory.js';
import { overhead } from '../overhead.js';
import { startup } from '../startup.js';
import { tunerQuality, tunerQualityTpcb } from '../tuner-quality.js';
import type { ReportedBenchmark } from './report.js';

export const BENCHMARKS: readonly ReportedBenchmark[] = [
  collection,
  overhead,
  memory,
  applyLatency,
  startup,
  tunerQuality,
  tunerQualityTpcb,
  knobEffectsTpcb,
  knobEffects,
];
