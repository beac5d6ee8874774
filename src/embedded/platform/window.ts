/**
 * When an iteration's measurement window is complete, and what to record for it. Pure: the
 * orchestrator supplies the clock and the agent's liveness.
 */
import type { Measurement, Objective, ProposalKind } from '../tuner/index.js';
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
}

export type WindowVerdict =
  | { readonly action: 'wait' }
  | { readonly action: 'record'; readonly measurement: Measurement }
  | { readonly action: 'remeasure'; readonly reason: string };

const TUNED: readonly (ProposalKind | undefined)[] = ['pgtune', 'bo'];

export function judgeWindow(w: WindowInput): WindowVerdict {
  if (w.now < w.measureFrom + w.windowMs) return { action: 'wait' };
  const m = measureWindow(w.samples, w.objective);
  if (m === null) {
    // Not one sample of the objective: a tuned configuration that stalled the workload while the
    // agent is alive is recorded as nothing done (the session's throughput guardrail); otherwise the
    // workload or the agent is away, and the window waits for it.
    const stalled = w.now >= w.measureFrom + 2 * w.windowMs && w.agentAlive;
    if (!stalled || !TUNED.includes(w.kind)) return { action: 'wait' };
    const tps = measureWindow(w.samples, 'tps')?.tps ?? 0;
    return { action: 'record', measurement: { tps, latencyMs: 0, samples: [] } };
  }
  const value = w.objective === 'tps' ? m.tps : m.latencyMs;
  if (value <= 0 && !TUNED.includes(w.kind)) {
    // The baseline is the reference for everything else: measure it again rather than record nothing.
    return {
      action: 'remeasure',
      reason: `no workload observed while measuring the ${w.kind ?? 'baseline'}`,
    };
  }
  return { action: 'record', measurement: { tps: m.tps, latencyMs: m.latencyMs, samples: m.samples } };
}
