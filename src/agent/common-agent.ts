/**
 * CommonAgent: the agent's verbs, shared by every adapter (the design's name, as in the Go agent's
 * CustomAgent.md). Each method is one task body; the Runner decides when they run. Adapters are
 * plugged in by composition and only supply platform-specific readings and actions.
 */
import { randomUUID } from 'node:crypto';
import type { Adapter } from '../../adapters/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { PlatformClient } from '../platform/client.js';
import type { HeartbeatPayload, Metric, Proposal } from '../platform/types.js';
import { evaluate } from '../../guardrails/index.js';
import { errorCode, errorMessage, FailoverDetectedError } from '../errors.js';
import { formatPlan } from '../apply/index.js';
import { encodeJson, sha256Hex } from '../platform/json.js';
import type { ApprovalFlow, ApplyOutcomeKind } from './approval-flow.js';
import type { CrashGuard } from './crash-guard.js';
import type { Intervals } from './intervals.js';
import { knobText } from './knob-text.js';

/** One identifier per process, shared by every CommonAgent (Go #102: the platform saw "two agents"). */
export const AGENT_IDENTIFIER = randomUUID();

/** How long a proposal that failed is left alone before it is tried (and reported) again. */
export const FAILED_PROPOSAL_BACKOFF_MS = 5 * 60_000;

/** A metric collector that failed this round (panics were already reported by the guard). */
export interface MetricFailure {
  key: string;
  error: unknown;
  panic: boolean;
}

export interface CommonAgentDeps {
  config: Config;
  adapter: Adapter;
  platform: PlatformClient;
  guard: CrashGuard;
  intervals: Intervals;
  log: Logger;
  agentVersion: string;
  startTime: Date;
  /** Print a dry-run plan as text (pretty logs only: the CLI writes it to stderr). */
  printPlan?: (text: string) => void;
  /** apply_mode: approve — proposals wait for a human decision (approval-flow.ts). */
  approval?: ApprovalFlow;
  /** Told apply outcomes and guardrail signals (service metrics). */
  observer?: AgentObserver;
}

export interface AgentObserver {
  apply(outcome: ApplyOutcomeKind | 'dry_run', action: 'reload' | 'restart' | 'none'): void;
  guardrail(type: string): void;
}

export class CommonAgent {
  private lastGuardrailSignal = 0;
  private failedProposal: { hash: string; at: number } | undefined;
  private lastDryRunHash: string | undefined;

  constructor(private readonly d: CommonAgentDeps) {}

  heartbeatPayload(): HeartbeatPayload {
    return buildHeartbeat(this.d.config, this.d.agentVersion, this.d.startTime);
  }

  async heartbeat(signal: AbortSignal): Promise<void> {
    await this.d.platform.heartbeat(this.heartbeatPayload(), { signal });
  }

  /**
   * Run every hardware metric collector concurrently, each crash-guarded with its own deadline, and
   * send what succeeded (partial results are normal; §2.7). Returns the failures for the caller.
   */
  async metrics(signal: AbortSignal): Promise<MetricFailure[]> {
    const { guard, intervals } = this.d;
    const collectors = this.d.adapter.hardwareCollectors();
    const results = await Promise.all(
      collectors.map((c) =>
        guard.run(c.key, intervals.metricCollectorDeadlineMs, (s) => c.collect(s), signal),
      ),
    );
    const metrics: Metric[] = [];
    const failures: MetricFailure[] = [];
    results.forEach((r, i) => {
      if (r.ok) metrics.push(...r.value);
      else failures.push({ key: collectors[i]!.key, error: r.error, panic: r.panic });
    });
    // Metrics are superseded by the next tick: never retry past it (catch-up within one interval).
    await this.d.platform.sendMetrics(metrics, new Date(), {
      signal,
      deadlineMs: this.d.intervals.metricsMs,
    });
    return failures;
  }

  /** Keys of the adapter's hardware metric collectors. */
  metricKeys(): string[] {
    return this.d.adapter.hardwareCollectors().map((c) => c.key);
  }

  async systemInfo(signal: AbortSignal): Promise<void> {
    const info = await this.d.adapter.systemInfo(signal);
    await this.d.platform.sendSystemInfo(info, new Date(), {
      signal,
      deadlineMs: this.d.intervals.systemInfoMs / 2,
    });
  }

  /**
   * The config task (docs/PROTOCOL.md §2.2): read the active config, fetch the proposal BEFORE sending (after a
   * failover the baseline must be applied first), apply it, then send the active config — the
   * pre-apply one when the apply failed.
   */
  async syncConfig(signal: AbortSignal): Promise<void> {
    const { adapter, platform, log } = this.d;
    const tick = { signal, deadlineMs: this.d.intervals.configMs };
    if (!(await this.failoverClear(signal))) return;
    let rows = await adapter.activeConfig(signal);
    const proposal = await platform.fetchRecommendation(tick);
    const changed =
      this.d.approval && !this.d.config.tuning.dry_run
        ? await this.d.approval.tick(proposal, {
            plan: (p) => adapter.settings.plan(p, signal),
            apply: (p) => this.applyOutcome(p, signal),
            report: (message) => platform.reportError('config_apply_error', message, new Date(), { signal }),
          })
        : proposal !== null && (await this.applyOutcome(proposal, signal)) === 'applied';
    if (changed) rows = await adapter.activeConfig(signal);
    await platform.sendActiveConfig(rows, tick);
    log.debug({ rows: rows.length }, 'active config sent');
  }

  /** Resolves once no apply is running or queued (shutdown waits on it). */
  applyIdle(): Promise<void> {
    return this.d.adapter.settings.idle();
  }

  /**
   * The adapter's failover check (CloudNativePG, Patroni), before anything reads or changes the
   * configuration. A new failover is logged and reported to the platform once; while the cluster
   * recovers, the tick is skipped quietly. Other errors propagate to the runner.
   */
  private async failoverClear(signal: AbortSignal): Promise<boolean> {
    const { adapter, platform, log } = this.d;
    if (!adapter.checkFailover) return true;
    try {
      await adapter.checkFailover(signal);
      return true;
    } catch (err) {
      if (!(err instanceof FailoverDetectedError)) throw err;
      if (!err.fresh) {
        log.debug({ err: err.message }, 'failover recovery in progress; configuration tick skipped');
        return false;
      }
      log.warn({ err: err.message }, 'failover detected; applies wait until the cluster is healthy');
      await platform.reportError(err.code, err.message, new Date(), { signal }).catch((e: unknown) => {
        log.debug({ err: errorMessage(e) }, 'failover report failed');
      });
      return false;
    }
  }

  /** `applied` when the database settings changed. */
  private async applyOutcome(proposal: Proposal, signal: AbortSignal): Promise<ApplyOutcomeKind> {
    const { adapter, platform, log, config } = this.d;
    const hash = sha256Hex(encodeJson(proposal));
    const dryRun = config.tuning.dry_run;
    if (
      this.failedProposal?.hash === hash &&
      Date.now() - this.failedProposal.at < FAILED_PROPOSAL_BACKOFF_MS
    ) {
      log.debug('proposal unchanged since it failed; not retrying yet');
      return 'failed';
    }
    try {
      // A failover between the config read and the apply must not send the old primary's proposal.
      if (!(await this.failoverClear(signal))) return 'unchanged';
      const result = await adapter.settings.apply(proposal, { dryRun, signal });
      this.failedProposal = undefined;
      if (dryRun) {
        if (this.lastDryRunHash !== hash) {
          this.lastDryRunHash = hash;
          this.d.printPlan?.(formatPlan(result.plan));
          this.d.observer?.apply('dry_run', 'none');
          log.info(
            {
              knobs: result.plan.changes.length,
              plan: result.plan.changes.map((c) => ({
                name: c.name,
                current: c.current,
                proposed: c.proposed,
                unit: c.unit,
                text: knobText(c.name, c.proposed, c.unit),
                appliedBy: c.context === 'postmaster' ? 'restart' : 'reload',
              })),
              unchanged: result.plan.unchanged,
            },
            'dry run: proposal validated, nothing changed',
          );
        }
        return 'unchanged';
      }
      const action = result.action === 'dry-run' ? 'none' : result.action;
      this.d.observer?.apply(action === 'none' ? 'unchanged' : 'applied', action);
      if (result.action !== 'none') {
        log.info(
          {
            action: result.action,
            knobs: result.plan.changes.map((c) => knobText(c.name, c.proposed, c.unit)),
          },
          'configuration applied',
        );
      }
      return result.action === 'none' ? 'unchanged' : 'applied';
    } catch (err) {
      this.failedProposal = { hash, at: Date.now() };
      if (dryRun && this.lastDryRunHash !== hash) {
        this.lastDryRunHash = hash;
        this.d.printPlan?.(formatPlan(err));
      }
      const message = `Failed to apply configuration: ${errorMessage(err)}`;
      this.d.observer?.apply(dryRun ? 'dry_run' : 'failed', 'none');
      log.error({ errorType: errorCode(err), err: errorMessage(err) }, 'configuration not applied');
      if (!dryRun) {
        await platform.reportError(errorCode(err), message, new Date(), { signal }).catch((e: unknown) => {
          log.debug({ err: errorMessage(e) }, 'apply error report failed');
        });
      }
      return 'failed';
    }
  }

  /**
   * Guardrail check (§2.3): at most one signal per pause window while the condition lasts. The
   * reading comes from the adapter (host, cgroup, cloud API) and never waits on the database.
   */
  async guardrail(signal: AbortSignal): Promise<void> {
    const now = Date.now();
    if (now - this.lastGuardrailSignal < this.d.intervals.guardrailPauseMs) return;
    const reading = await this.d.adapter.guardrailReading(signal);
    if (!reading) return;
    const verdict = evaluate(reading, { memoryThreshold: this.d.config.guardrail_settings.memory_threshold });
    if (!verdict) return;
    this.lastGuardrailSignal = now;
    this.d.log.warn(
      {
        type: verdict.type,
        usedBytes: reading.usedBytes,
        limitBytes: reading.limitBytes,
        source: reading.source,
      },
      'memory guardrail triggered',
    );
    await this.d.platform.sendGuardrail(verdict, { signal });
    this.d.observer?.guardrail(verdict.type);
  }
}

/** Heartbeat payload (docs/PROTOCOL.md §1.4). */
export function buildHeartbeat(config: Config, agentVersion: string, startTime: Date): HeartbeatPayload {
  return {
    agent_version: agentVersion,
    agent_start_time: rfc3339Utc(startTime),
    agent_identifier: AGENT_IDENTIFIER,
    allow_restart: config.postgresql.allow_restart,
  };
}

/** RFC3339 UTC with second precision, as Go's time.Format(time.RFC3339) of a UTC time. */
export function rfc3339Utc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
