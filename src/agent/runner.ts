/**
 * The Runner: schedules every task (docs/PROTOCOL.md §2.1), owns the cross-cutting concerns (deadlines,
 * crash isolation, the health gate, repeated-failure logging) and shuts down cleanly.
 *
 * | task        | interval | first run   | gated |
 * |-------------|----------|-------------|-------|
 * | heartbeat   | 15 s     | after 15 s  | no    |
 * | metrics     | 5 s      | immediate   | yes   |
 * | system info | 60 s     | immediate   | yes   |
 * | config      | 5 s      | immediate   | yes   |
 * | guardrail   | 1 s      | immediate   | no    |
 * | catalog     | own      | bootstrap   | yes   |
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { isConnectionError, isRecoveryError } from '../pg/sqlstate.js';
import type { CommonAgent } from './common-agent.js';
import type { CatalogRunner } from './catalog.js';
import type { CrashGuard } from './crash-guard.js';
import type { FailureLog } from './failure-log.js';
import type { HealthGate } from './health-gate.js';
import type { Intervals } from './intervals.js';
import { Scheduler } from './scheduler.js';

export interface RunnerDeps {
  agent: CommonAgent;
  catalog: CatalogRunner;
  gate: HealthGate;
  guard: CrashGuard;
  failures: FailureLog;
  intervals: Intervals;
  log: Logger;
}

/** Deadlines per task (ours; the Go agent has none for most, §1.2). */
const TASK_DEADLINE_MS = {
  heartbeat: 14_000,
  metrics: 25_000,
  'system info': 60_000,
  config: 15 * 60_000, // covers an apply with a restart and its bounded wait
  guardrail: 5_000,
} as const;
type TaskName = keyof typeof TASK_DEADLINE_MS;

export class Runner {
  private readonly scheduler = new Scheduler();
  private bootstrapDone: Promise<void> | undefined;

  constructor(private readonly d: RunnerDeps) {}

  start(): void {
    const { intervals: iv, agent } = this.d;
    const s = this.scheduler;
    s.every(iv.heartbeatMs, { immediate: false }, (sig) =>
      this.task('heartbeat', false, sig, (x) => agent.heartbeat(x)),
    );
    s.every(iv.metricsMs, { immediate: true }, (sig) =>
      this.task('metrics', true, sig, async (x) => {
        const failures = await agent.metrics(x);
        for (const f of failures) {
          if (this.d.gate.report(f.error) || f.panic) continue;
          this.d.failures.failed(`metrics:${f.key}`, f.error);
        }
        // Partial results were sent; a collector that works again says so once.
        for (const c of this.d.agent.metricKeys()) {
          if (!failures.some((f) => f.key === c)) this.d.failures.succeeded(`metrics:${c}`);
        }
      }),
    );
    s.every(iv.systemInfoMs, { immediate: true }, (sig) =>
      this.task('system info', true, sig, (x) => agent.systemInfo(x)),
    );
    s.every(iv.configMs, { immediate: true }, (sig) =>
      this.task('config', true, sig, (x) => agent.syncConfig(x)),
    );
    s.every(iv.guardrailMs, { immediate: true }, (sig) =>
      this.task('guardrail', false, sig, (x) => agent.guardrail(x)),
    );
    this.bootstrapDone = s.track(
      this.d.catalog.bootstrap(s.signal).then((done) => {
        if (!s.stopped) this.d.catalog.schedule(s, done);
      }),
    );
  }

  /** Run one task body through the crash guard; gated tasks skip while the database is down. */
  private async task(
    name: TaskName,
    gated: boolean,
    signal: AbortSignal,
    fn: (s: AbortSignal) => Promise<void>,
  ) {
    const { gate, guard, failures, log } = this.d;
    if (gated && !gate.isOpen) return;
    const outcome = await guard.run(name, TASK_DEADLINE_MS[name], fn, signal);
    if (outcome.ok) {
      failures.succeeded(name);
      return;
    }
    if (signal.aborted || outcome.panic) return;
    const err = outcome.error;
    if (gated && (gate.report(err) || isConnectionError(err) || isRecoveryError(err))) {
      log.debug({ task: name, err: errorMessage(err) }, 'task skipped: database unavailable');
      return;
    }
    failures.failed(name, err);
  }

  /**
   * Stop: no new runs; wait (bounded) for in-flight work such as an apply that is finishing or
   * rolling back. Returns false when something was still running at the deadline.
   */
  async stop(graceMs: number): Promise<boolean> {
    const deadline = Date.now() + graceMs;
    const finished = await this.scheduler.stop(graceMs);
    // An apply is owned by its engine: wait for it (and for a rollback) through the engine itself.
    const idle = await Promise.race([
      this.d.agent.applyIdle().then(() => true),
      sleep(Math.max(0, deadline - Date.now()), false, { ref: false }),
    ]);
    await this.d.gate.stop();
    return finished && idle;
  }

  /** Resolves when the bootstrap set has run (tests). */
  async bootstrapped(): Promise<void> {
    await this.bootstrapDone;
  }
}
