/**
 * Public shapes of the embedded platform: options, live status, per-iteration and final reports.
 * Reports use the wire's snake_case because they are written to report.json as they are.
 */
import type { Logger } from '../../log.js';
import type { SessionTarget } from '../target.js';
import type { Config, Guardrail, Objective, Outcome, ProposalKind } from '../tuner/index.js';

export interface EmbeddedPlatformOptions {
  /** Persisted session state (state.json, report.json); resumed when it already holds a session. */
  stateDir: string;
  /** Session length N, baseline (iteration 0) and reverts included. */
  iterations: number;
  /** Measurement window per iteration, after the warm-up. */
  iterationSeconds: number;
  /** Samples discarded after each applied configuration (caches refill, checkpoints settle). */
  warmupSeconds: number;
  objective: Objective;
  seed?: number;
  /**
   * The database the session tunes. A saved session for another target is refused (the caller keeps
   * one state directory per target, src/embedded/sessions.ts).
   */
  target?: SessionTarget;
  /**
   * `pg_jit_available()` on the target (src/embedded/server-facts.ts); false leaves `jit` out of a
   * new session's search space. Unknown when absent.
   */
  jitAvailable?: boolean | null;
  log: Logger;
  /** Injectable clock (ms since the epoch) for tests. */
  now?: () => number;
  /**
   * A proposal the agent fetched, while its active config keeps showing other values, counts as
   * unappliable after this long (default 600 s: a restart with crash recovery can take minutes).
   */
  applyTimeoutSeconds?: number;
  /** How long to wait for a heartbeat (allow_restart) once system info and config are in (default 20 s). */
  heartbeatGraceSeconds?: number;
  /** Timer period for window and timeout checks (default 1000 ms). */
  tickMs?: number;
}

export type Phase = 'waiting-for-agent' | 'applying' | 'measuring' | 'finalising' | 'done' | 'failed';

export interface WindowStatus {
  /** Mean of the window's samples so far (null before the first one). */
  readonly tps: number | null;
  readonly latencyMs: number | null;
  readonly samples: number;
  /** Seconds of the measurement window elapsed (0 during the warm-up). */
  readonly elapsedSeconds: number;
  readonly warmingUp: boolean;
}

export interface SessionStatus {
  readonly phase: Phase;
  /** Pending iteration (null before the session starts and while finalising). */
  readonly iteration: number | null;
  readonly iterations: number;
  readonly kind: ProposalKind | null;
  readonly objective: Objective;
  readonly window: WindowStatus | null;
  readonly baseline: { readonly tps: number; readonly latencyMs: number } | null;
  readonly best: { readonly iteration: number; readonly tps: number; readonly latencyMs: number } | null;
  readonly lastError: string | null;
}

export interface MeasurementReport {
  readonly tps: number;
  readonly latency_ms: number;
  /** Per-sample readings of the objective metric inside the window. */
  readonly samples: readonly number[];
}

export interface IterationReport {
  readonly iteration: number;
  readonly kind: ProposalKind;
  readonly config: Config;
  readonly restart: boolean;
  readonly measurement: MeasurementReport | null;
  readonly outcome: Outcome;
  readonly guardrail: Guardrail | null;
  readonly reason: string;
}

export interface ConfigPerformance {
  readonly config: Config;
  readonly tps: number | null;
  readonly latency_ms: number | null;
}

export interface SessionReport {
  readonly objective: Objective;
  readonly phase: Phase;
  readonly iterations_planned: number;
  readonly iteration_seconds: number;
  readonly warmup_seconds: number;
  /** Mean over the baseline measurement and every revert (all measure the same configuration). */
  readonly baseline: ConfigPerformance | null;
  /** Best tuned configuration measured without a guardrail (null when none was). */
  readonly best: (ConfigPerformance & { readonly iteration: number }) | null;
  /** What was applied at the end: the best configuration, or the baseline when it did not clearly win. */
  readonly final: {
    readonly source: 'best' | 'baseline';
    readonly iteration: number;
    readonly config: Config;
  } | null;
  /**
   * The session's estimate of the best configuration's gain over the baseline, in the objective's
   * direction (more TPS or lower latency); the baseline is kept when this is within the noise.
   */
  readonly improvement_pct: number | null;
  readonly decision_reason: string | null;
  /** Relative per-iteration noise (standard deviation) and the gain the best had to exceed. */
  readonly noise: { readonly sd_pct: number; readonly threshold_pct: number } | null;
  readonly iterations: readonly IterationReport[];
  readonly pg_version: string | null;
  readonly machine: { readonly cpus: number | null; readonly memory_bytes: number | null };
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly last_error: string | null;
}

export interface EmbeddedPlatform {
  /** `http://127.0.0.1:<port>`: the agent's server_url. */
  readonly url: string;
  readonly apiKey: string;
  readonly databaseId: string;
  readonly stateDir: string;
  status(): SessionStatus;
  on(event: 'iteration', fn: (rec: IterationReport) => void): void;
  on(event: 'status', fn: (s: SessionStatus) => void): void;
  /** Resolves once the final configuration is confirmed by the agent; rejects when the session fails. */
  done(): Promise<SessionReport>;
  report(): SessionReport;
  /**
   * The agent is stopping mid-session: the configuration to put back (the baseline, or the kept
   * configuration while finalising) as a recommendation body element, or null when nothing needs
   * restoring. The pending iteration is rewound so a resumed session applies and measures it again.
   */
  stopRestore(): StopRestore | null;
  close(): Promise<void>;
}

export interface StopRestore {
  readonly source: 'baseline' | 'best';
  /** A `GET configurations?status=recommended` element (the agent's own decoder reads it). */
  readonly recommendation: unknown;
}
