/**
 * When an iteration's measurement window is complete, and what to record for it. Pure: the
 * orchestrator supplies the clock and the agent's liveness.
 */
import { objective, type Measurement, type Objective, type ProposalKind } from '../tuner/index.js';
import { measureWindow, type Sample } from './measurements.js';

export interface WindowInput {
  readonly samples: readonly Sample[];
  readonly objective: Objective;
  /** End of the warm-up. */
  readonly measureFrom: number;
  readonly now: number;
  readonly windowMs: number;
  readonly kind: ProposalKind | undefined;
  /** The agent posted its active config recently (its config task is running). */
  readonly agentAlive: boolean;
  /** The agent sends pg_stat_statements, so a baseline window should carry a latency too. */
  readonly latencyExpected: boolean;
}

export type WindowVerdict =
  | { readonly action: 'wait' }
  | { readonly action: 'record'; readonly measurement: Measurement }
  | { readonly action: 'remeasure'; readonly reason: string };

const TUNED: readonly (ProposalKind | undefined)[] = ['pgtune', 'bo'];
/** One reading per 5 s collection, at most 3 required: a window of one reading is mostly noise. */
const SAMPLES_PER_MS = 1 / 5000;
const MAX_REQUIRED_SAMPLES = 3;
/** After this many windows without enough readings, record what there is rather than wait forever. */
const PATIENCE_WINDOWS = 3;

export function judgeWindow(w: WindowInput): WindowVerdict {
  if (w.now < w.measureFrom + w.windowMs) return { action: 'wait' };
  const m = measureWindow(w.samples, objective(w.objective).metric);
  if (m === null) {
    // Not one sample of the objective: a tuned configuration that stalled the workload while the
    // agent is alive is recorded as nothing done (the session's throughput guardrail); otherwise the
    // workload or the agent is away, and the window waits for it.
    const stalled = w.now >= w.measureFrom + 2 * w.windowMs && w.agentAlive;
    if (!stalled || !TUNED.includes(w.kind)) return { action: 'wait' };
    const tps = measureWindow(w.samples, 'tps')?.tps ?? 0;
    return { action: 'record', measurement: { tps, latencyMs: 0, samples: [] } };
  }
  const patient = w.now < w.measureFrom + PATIENCE_WINDOWS * w.windowMs;
  const required = Math.min(MAX_REQUIRED_SAMPLES, Math.max(1, Math.floor(w.windowMs * SAMPLES_PER_MS)));
  if (patient && m.samples.length < required) return { action: 'wait' };
  // The baseline is the reference of the session's latency guardrail (mean over baseline and
  // reverts): a 0 standing in for "not measured yet" would make that reference too low.
  const spec = objective(w.objective);
  const latencyMissing = spec.metric !== 'latency' && w.latencyExpected && !m.latencyMeasured;
  if (patient && latencyMissing && !TUNED.includes(w.kind)) return { action: 'wait' };
  const value = spec.value(m);
  if (value <= 0 && !TUNED.includes(w.kind)) {
    // The baseline is the reference for everything else: measure it again rather than record nothing.
    return {
      action: 'remeasure',
      reason: `no workload observed while measuring the ${w.kind ?? 'baseline'}`,
    };
  }
  return { action: 'record', measurement: { tps: m.tps, latencyMs: m.latencyMs, samples: m.samples } };
}
