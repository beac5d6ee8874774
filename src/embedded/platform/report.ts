/**
 * Read-only views of the persisted state: the live status, per-iteration reports and the session
 * report (report.json).
 */
import {
  measuredBaselines,
  objective,
  objectiveScore,
  type IterationRecord,
  type Objective,
  type SessionState,
} from '../tuner/index.js';
import { aggregate } from './measurements.js';
import type { PersistedState } from './state-store.js';
import type { ConfigPerformance, IterationReport, SessionReport, SessionStatus } from './types.js';

const TUNED = new Set(['pgtune', 'bo']);

export function iterationReport(
  record: IterationRecord,
  notes: Readonly<Record<string, string>>,
): IterationReport {
  const m = record.measurement;
  const outcome = record.outcome ?? 'infeasible';
  const guardrail = record.guardrail ?? null;
  const reason =
    notes[String(record.iteration)] ??
    (outcome === 'infeasible'
      ? `infeasible: ${guardrail ?? 'guardrail'} guardrail (${record.reason})`
      : record.reason);
  return {
    iteration: record.iteration,
    kind: record.kind,
    config: { ...record.config },
    restart: record.restart,
    measurement: m ? { tps: m.tps, latency_ms: m.latencyMs, samples: [...(m.samples ?? [])] } : null,
    outcome,
    guardrail,
    reason,
  };
}

function completed(session: SessionState | null): IterationRecord[] {
  return session?.history.filter((r) => r.outcome !== undefined) ?? [];
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

/**
 * Mean of the baseline measurement, every revert and the recheck (all measure the baseline
 * configuration).
 */
export function baselinePerformance(session: SessionState | null): ConfigPerformance | null {
  if (!session) return null;
  const measured = measuredBaselines(completed(session));
  if (measured.length === 0) return { config: { ...session.baseline }, tps: null, latency_ms: null };
  return {
    config: { ...session.baseline },
    tps: mean(measured.map((r) => r.measurement?.tps ?? 0)),
    latency_ms: mean(measured.map((r) => r.measurement?.latencyMs ?? 0)),
  };
}

/** The best tuned iteration by its measured objective (no guardrail). */
export function bestMeasured(session: SessionState | null, id: Objective): IterationRecord | null {
  const spec = objective(id);
  let best: IterationRecord | null = null;
  for (const r of completed(session)) {
    if (r.outcome !== 'ok' || !TUNED.has(r.kind) || !r.measurement) continue;
    const better =
      best?.measurement === undefined ||
      objectiveScore(spec, r.measurement) > objectiveScore(spec, best.measurement);
    if (better) best = r;
  }
  return best;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function sessionReport(state: PersistedState): SessionReport {
  const { session, final, settings } = state;
  // When the session kept its best configuration, that is the one reported as best.
  const chosen =
    final?.source === 'best' ? completed(session).find((r) => r.iteration === final.iteration) : undefined;
  const best = chosen ?? bestMeasured(session, settings.objective);
  return {
    objective: settings.objective,
    phase: state.phase,
    iterations_planned: settings.iterations,
    iteration_seconds: settings.iterationSeconds,
    warmup_seconds: settings.warmupSeconds,
    baseline: baselinePerformance(session),
    best: best
      ? {
          iteration: best.iteration,
          config: { ...best.config },
          tps: best.measurement?.tps ?? null,
          latency_ms: best.measurement?.latencyMs ?? null,
        }
      : null,
    final: final ? { source: final.source, iteration: final.iteration, config: { ...final.config } } : null,
    improvement_pct: final ? final.improvement * 100 : null,
    decision_reason: final?.reason ?? null,
    noise: final ? { sd_pct: final.noise * 100, threshold_pct: final.threshold * 100 } : null,
    iterations: completed(session).map((r) => iterationReport(r, state.notes)),
    pg_version: state.facts.pgVersion,
    machine: { cpus: state.facts.cpuCount, memory_bytes: state.facts.memoryBytes },
    started_at: iso(state.startedAt) ?? '',
    finished_at: iso(state.finishedAt),
    last_error: state.lastError,
  };
}

export function sessionStatus(state: PersistedState, now: number): SessionStatus {
  const { session, pending, settings } = state;
  const record = pending?.target === 'iteration' ? session?.history[pending.iteration] : undefined;
  let window: SessionStatus['window'] = null;
  if (pending?.appliedAt !== null && pending?.appliedAt !== undefined) {
    // measureFrom holds the warm-up actually used (longer after a restart); final targets have none.
    const start = pending.measureFrom ?? pending.appliedAt + settings.warmupSeconds * 1000;
    window = {
      tps: aggregate(state.samples, 'tps')?.value ?? null,
      latencyMs: aggregate(state.samples, 'latency')?.value ?? null,
      samples: state.samples.length,
      elapsedSeconds: Math.max(0, (now - start) / 1000),
      warmingUp: now < start,
    };
  }
  const base = baselinePerformance(session);
  const best = bestMeasured(session, settings.objective);
  return {
    phase: state.phase,
    iteration: pending?.target === 'iteration' ? pending.iteration : null,
    iterations: settings.iterations,
    kind: record?.kind ?? null,
    objective: settings.objective,
    window,
    baseline: base && base.tps !== null ? { tps: base.tps, latencyMs: base.latency_ms ?? 0 } : null,
    best: best?.measurement
      ? { iteration: best.iteration, tps: best.measurement.tps, latencyMs: best.measurement.latencyMs }
      : null,
    lastError: state.lastError,
  };
}
