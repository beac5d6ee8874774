/**
 * The session flow behind the API: wait for the agent's facts, build the tuning session, serve each
 * proposal until the agent's active config shows it, measure after the warm-up, record, and finally
 * apply the configuration the session keeps. Every handler mutates the persisted state and the
 * caller (server.ts) saves it afterwards; nothing here does I/O.
 */
import type { Logger } from '../../log.js';
import { objective, TuningSession, type Space } from '../tuner/index.js';
import { missingFacts, readHeartbeat, readSystemInfo, startSession } from './agent-facts.js';
import {
  buildRecommendation,
  differingKnobs,
  isApplied,
  readActiveConfig,
  restrictToSpace,
  type ActiveSnapshot,
} from './config-match.js';
import { latencyFromPgss, samplesFromMetrics, TpsTracker, type Sample } from './measurements.js';
import { applyFailureNote, finalFallback, isApplyErrorType, readLogEntry } from './outcomes.js';
import { bestMeasured, iterationReport } from './report.js';
import { newPending, type PersistedState } from './state-store.js';
import type { IterationReport } from './types.js';
import { judgeWindow } from './window.js';

export interface OrchestratorOptions {
  readonly log: Logger;
  readonly now: () => number;
  readonly applyTimeoutMs: number;
  readonly heartbeatGraceMs: number;
}

export type OrchestratorEvent =
  | { readonly type: 'iteration'; readonly report: IterationReport }
  | { readonly type: 'finished' }
  | { readonly type: 'failed'; readonly error: string };

/** How long an agent counts as alive after its last active-config POST (the config task runs every 5 s). */
const AGENT_ALIVE_MS = 30_000;

/**
 * Warm-up multiplier after a restart, and for the baseline (the session's first window). A restart empties shared_buffers and ends with a shutdown
 * checkpoint, after which the first change to every page writes a full-page image to WAL; both
 * fade as the workload touches its pages again. Measured with the normal warm-up, a restart knob
 * pays for that transient (pgbench scale 50: the PGTune-style first proposal scored 20 % below the
 * baseline it beats in steady state, docs/PERFORMANCE.md), and the search learns to avoid
 * restarts rather than to judge the knob.
 */
export const RESTART_WARMUP_FACTOR = 3;

export class Orchestrator {
  readonly state: PersistedState;
  #session: TuningSession | null = null;
  #space: Space | null = null;
  #active: ActiveSnapshot | null = null;
  #activeAt = Number.NEGATIVE_INFINITY;
  #readyAt: number | null = null;
  #pgssSeen = false;
  /**
   * Set by stopRestore: the agent is stopping and restores the database behind the session's back.
   * A request it sent before (an active config still showing the iteration, metrics of it) can
   * arrive after the rewind; acting on it would confirm the rewound proposal and save the session
   * as measuring a configuration the database no longer runs.
   */
  #stopping = false;
  readonly #tps = new TpsTracker();
  readonly #events: OrchestratorEvent[] = [];

  constructor(
    state: PersistedState,
    private readonly opts: OrchestratorOptions,
  ) {
    this.state = state;
    if (state.session) {
      this.#session = TuningSession.fromJSON(state.session);
      this.#space = this.#session.space;
      this.#active = state.lastActive;
    }
  }

  /** Events produced since the last call, to emit once the state is saved. */
  drainEvents(): OrchestratorEvent[] {
    return this.#events.splice(0);
  }

  get space(): Space | null {
    return this.#space;
  }

  heartbeat(body: unknown): void {
    if (this.#stopping) return;
    this.state.facts = readHeartbeat(this.state.facts, body);
    this.#maybeStart();
  }

  systemInfo(body: unknown): void {
    if (this.#stopping) return;
    this.state.facts = readSystemInfo(this.state.facts, body);
    this.#maybeStart();
  }

  activeConfig(body: unknown): void {
    if (this.#stopping) return;
    const active = readActiveConfig(body);
    if (!active) return;
    this.#active = active;
    this.#activeAt = this.opts.now();
    this.#maybeStart();
    if (this.#space) this.state.lastActive = restrictToSpace(this.#space, active);
    this.#checkApplied();
  }

  catalog(name: string, body: unknown): void {
    if (this.#stopping) return;
    const at = this.opts.now();
    if (name === 'database_transactions') this.#addSamples([this.#tps.read(body, at)]);
    else if (name === 'pg_stat_statements') {
      this.#pgssSeen = true;
      this.#addSamples([latencyFromPgss(body, at)]);
    }
  }

  metrics(body: unknown): void {
    if (this.#stopping) return;
    this.#addSamples(samplesFromMetrics(body, this.opts.now()));
  }

  /** A memory signal abandons the configuration being measured at once (its warm-up included). */
  guardrail(body: unknown): void {
    if (this.#stopping) return;
    const { pending, phase } = this.state;
    if (phase !== 'measuring' || pending?.target !== 'iteration') {
      this.opts.log.info({ phase }, 'embedded platform: guardrail outside a measured iteration ignored');
      return;
    }
    this.opts.log.warn({ iteration: pending.iteration, body }, 'embedded platform: memory guardrail');
    this.#record(pending.iteration, { guardrail: 'memory' });
  }

  logEntry(body: unknown): void {
    if (this.#stopping) return;
    const entry = readLogEntry(body);
    const pending = this.state.pending;
    if (!entry || !isApplyErrorType(entry.type) || !pending || pending.appliedAt !== null) return;
    // Before the agent fetched this proposal, an apply error is about an earlier one.
    if (pending.firstServedAt === null) return;
    this.#applyFailed(applyFailureNote(entry.type, entry.message));
  }

  /** The body of `GET configurations?status=recommended`. */
  recommendation(): unknown[] {
    if (this.#stopping) return [];
    const pending = this.state.pending;
    const space = this.#space;
    if (!pending || !space || pending.appliedAt !== null) return [];
    if (this.state.phase !== 'applying' && this.state.phase !== 'finalising') return [];
    pending.firstServedAt ??= this.opts.now();
    return [buildRecommendation(space, pending.config, this.state.knobMeta, this.#active, pending.restart)];
  }

  /**
   * The agent is stopping (SIGTERM/SIGINT): what it must put back, and the pending iteration rewound
   * so a resumed session applies and measures it again instead of measuring the restored baseline
   * under its number. Finished, failed-before-start and not-started sessions need nothing. From here
   * on the orchestrator ignores the agent: the state it saves is the rewound one.
   */
  stopRestore(): { source: 'baseline' | 'best'; recommendation: unknown } | null {
    this.#stopping = true;
    const session = this.#session;
    const space = this.#space;
    const pending = this.state.pending;
    if (!session || !space || this.state.phase === 'done') return null;
    if (this.state.phase === 'finalising' && this.state.final) {
      const final = this.state.final;
      // Every knob listed as an override: the last active config may predate the apply being undone.
      const rec = buildRecommendation(space, final.config, this.state.knobMeta, null, true);
      return { source: final.source === 'best' ? 'best' : 'baseline', recommendation: rec };
    }
    if (pending?.target === 'iteration') {
      const rewound = newPending(
        'iteration',
        pending.iteration,
        pending.config,
        pending.restart,
        this.opts.now(),
        pending.coldStart,
      );
      this.state.pending = rewound;
      this.state.samples = [];
      if (this.state.phase === 'measuring') this.state.phase = 'applying';
    }
    const rec = buildRecommendation(space, session.baseline, this.state.knobMeta, null, true);
    return { source: 'baseline', recommendation: rec };
  }

  /** Periodic checks: heartbeat grace, end of the measurement window, apply timeout. */
  tick(): void {
    if (this.#stopping) return;
    this.#maybeStart();
    this.#checkWindow();
    const pending = this.state.pending;
    const now = this.opts.now();
    if (
      pending &&
      pending.appliedAt === null &&
      pending.firstServedAt !== null &&
      now - pending.firstServedAt >= this.opts.applyTimeoutMs &&
      this.#activeAt > pending.firstServedAt
    ) {
      const seconds = Math.round(this.opts.applyTimeoutMs / 1000);
      this.#applyFailed(`not applied: the active config did not show the proposal within ${seconds} s`);
    }
  }

  #maybeStart(): void {
    if (this.state.phase !== 'waiting-for-agent' || this.#session) return;
    const active = this.#active;
    if (!active || missingFacts(this.state.facts).length > 0) return;
    const now = this.opts.now();
    this.#readyAt ??= now;
    // allow_restart arrives with the heartbeat (every 15 s); without one, restart knobs stay out.
    if (this.state.facts.allowRestart === null && now - this.#readyAt < this.opts.heartbeatGraceMs) return;
    const started = startSession(this.state.facts, active, this.state.settings);
    if ('error' in started) {
      this.fail(started.error);
      return;
    }
    const { session, space } = started;
    this.#session = session;
    this.#space = space;
    this.state.lastActive = restrictToSpace(space, active);
    this.state.knobMeta = { ...this.state.lastActive.meta };
    const { iterations, objective } = this.state.settings;
    this.opts.log.info(
      { knobs: space.dims, restarts: space.systemInfo.restartsAllowed, iterations, objective },
      'embedded platform: tuning session started',
    );
    for (const { name, reason } of space.excluded) {
      this.opts.log.warn({ knob: name, reason }, 'embedded platform: knob left out of the search');
    }
    this.#advance();
  }

  #advance(): void {
    const session = this.#session;
    if (!session) return;
    if (session.done) {
      this.#finalise();
      return;
    }
    const p = session.next();
    if (!p) return;
    this.state.session = session.toJSON();
    const space = this.#space;
    const active = this.#active;
    // Iteration 0 (the baseline) is the session's first window: the agent has just connected and,
    // in the demo, the workload has just started after loading its data, so the database is as
    // cold as after a restart. A baseline measured during that transient flatters every later one.
    const coldStart =
      p.iteration === 0 ||
      (!!space &&
        !!active &&
        differingKnobs(space, p.config, active).some((name) => space.knob(name)?.restart === true));
    this.state.pending = newPending(
      'iteration',
      p.iteration,
      p.config,
      p.restart,
      this.opts.now(),
      coldStart,
    );
    this.state.samples = [];
    this.state.phase = 'applying';
    this.opts.log.info(
      { iteration: p.iteration, kind: p.kind, reason: p.reason },
      'embedded platform: proposal',
    );
    this.#checkApplied();
  }

  #finalise(): void {
    const session = this.#session;
    if (!session) return;
    const decision = session.final();
    this.state.final = decision;
    this.opts.log.info(
      { source: decision.source, reason: decision.reason },
      'embedded platform: final decision',
    );
    this.#setFinalPending();
  }

  #setFinalPending(): void {
    const final = this.state.final;
    if (!final) return;
    // restart: true until an active config says otherwise (the final may undo a restart knob).
    this.state.pending = newPending('final', final.iteration, final.config, true, this.opts.now());
    this.state.samples = [];
    this.state.phase = 'finalising';
    this.#checkApplied();
  }

  #checkApplied(): void {
    const { pending } = this.state;
    const space = this.#space;
    const active = this.#active;
    if (!pending || pending.appliedAt !== null || !space || !active) return;
    if (!isApplied(space, pending.config, active)) return;
    const now = this.opts.now();
    pending.appliedAt = now;
    if (pending.target === 'final') {
      this.state.phase = 'done';
      this.state.finishedAt = now;
      this.opts.log.info('embedded platform: final configuration confirmed; session done');
      this.#events.push({ type: 'finished' });
      return;
    }
    const factor = pending.coldStart ? RESTART_WARMUP_FACTOR : 1;
    pending.measureFrom = now + factor * this.state.settings.warmupSeconds * 1000;
    this.state.samples = [];
    this.state.phase = 'measuring';
  }

  #addSamples(samples: readonly (Sample | null)[]): void {
    const { pending, phase } = this.state;
    if (phase !== 'measuring' || pending?.measureFrom === null || pending?.measureFrom === undefined) return;
    for (const s of samples) {
      // Samples of the warm-up describe the transition, not the configuration.
      if (s !== null && s.at >= pending.measureFrom) this.state.samples.push(s);
    }
    this.#checkWindow();
  }

  #checkWindow(): void {
    const { pending, settings } = this.state;
    if (this.state.phase !== 'measuring' || pending?.target !== 'iteration' || pending.measureFrom === null)
      return;
    const now = this.opts.now();
    const verdict = judgeWindow({
      samples: this.state.samples,
      objective: settings.objective,
      measureFrom: pending.measureFrom,
      now,
      windowMs: settings.iterationSeconds * 1000,
      kind: this.#session?.history[pending.iteration]?.kind,
      agentAlive: now - this.#activeAt < AGENT_ALIVE_MS,
      latencyExpected: this.#pgssSeen,
    });
    if (verdict.action === 'record') this.#record(pending.iteration, verdict.measurement);
    else if (verdict.action === 'remeasure') {
      this.state.lastError = `${verdict.reason}; measuring again`;
      this.state.samples = [];
      pending.measureFrom = now;
    }
  }

  #record(iteration: number, input: Parameters<TuningSession['record']>[1]): void {
    const session = this.#session;
    if (!session) return;
    const rec = session.record(iteration, input);
    this.state.session = session.toJSON();
    this.state.lastError = null;
    const report = iterationReport(rec, this.state.notes);
    const { objective: id, iterations, iterationSeconds, warmupSeconds } = this.state.settings;
    const spec = objective(id);
    const best = bestMeasured(this.state.session, id);
    this.opts.log.info(
      {
        iteration,
        of: iterations,
        outcome: report.outcome,
        guardrail: report.guardrail,
        objective: id,
        value: rec.measurement ? spec.value(rec.measurement) : null,
        unit: spec.unit,
        best: best?.measurement ? { iteration: best.iteration, value: spec.value(best.measurement) } : null,
        // Lower bound: applies and restarts add to it.
        secondsLeft: Math.max(0, iterations - iteration - 1) * (iterationSeconds + warmupSeconds),
        measurement: report.measurement,
      },
      'embedded platform: iteration recorded',
    );
    this.#events.push({ type: 'iteration', report });
    this.#advance();
  }

  #applyFailed(note: string): void {
    const pending = this.state.pending;
    if (!pending) return;
    this.opts.log.warn(
      { iteration: pending.iteration, target: pending.target, note },
      'embedded platform: proposal not applied',
    );
    if (pending.target === 'final') {
      const fallback =
        this.#session && this.state.final
          ? finalFallback(this.state.final, this.#session.baseline, note)
          : null;
      if (!fallback) {
        this.fail(`the final configuration was not applied: ${note}`);
        return;
      }
      this.state.final = fallback;
      this.#setFinalPending();
      return;
    }
    this.state.notes[String(pending.iteration)] = note;
    this.state.lastError = note;
    // Infeasible for the optimiser, with its own guardrail kind so the revert's reason says why.
    this.#record(pending.iteration, { guardrail: 'apply_failed' });
  }

  /** End the session as failed (also used by the server when a step throws). */
  fail(message: string): void {
    this.state.phase = 'failed';
    this.state.lastError = message;
    this.state.finishedAt = this.opts.now();
    this.state.pending = null;
    this.opts.log.error({ err: message }, 'embedded platform: session failed');
    this.#events.push({ type: 'failed', error: message });
  }
}
