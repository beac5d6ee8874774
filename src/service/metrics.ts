/**
 * The agent's Prometheus series (`/metrics`), built with prom-client
 * (https://github.com/siimon/prom-client) so the exposition format is the library's, not ours.
 * One registry per process: counters survive a SIGHUP reload. Names follow
 * https://prometheus.io/docs/practices/naming/ (base units, `_total` counters, `dbtune_agent_`
 * prefix). Label values are closed sets or names the agent itself defines (task, collector,
 * endpoint), never user data, so cardinality stays bounded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** What the gauges read at scrape time. */
export interface LiveState {
  /** Health gate: true open, false closed, undefined before the agent runs. */
  gateOpen(): boolean | undefined;
  ready(): boolean;
  pendingProposals(): number;
}

/** Runner task names (src/agent/runner.ts); any other guarded run is a collector. */
const TASKS = new Set(['heartbeat', 'metrics', 'system info', 'config', 'guardrail']);

export type ApplyOutcome =
  'applied' | 'unchanged' | 'failed' | 'dry_run' | 'pending' | 'rejected' | 'expired';

export class AgentMetrics {
  readonly registry = new Registry();
  private state: LiveState | undefined;
  private processMetrics = false;
  private readonly runSeconds: Histogram<'name'>;
  private readonly collectorErrors: Counter<'collector'>;
  private readonly taskErrors: Counter<'task'>;
  private readonly collectorSeconds: Histogram<'collector'>;
  private readonly lastSuccess: Gauge<'endpoint'>;
  private readonly requests: Counter<'endpoint' | 'outcome'>;
  private readonly applies: Counter<'outcome' | 'action'>;
  private readonly guardrails: Counter<'type'>;
  private readonly reloads: Counter<'outcome'>;

  constructor(version: string) {
    const registers = [this.registry];
    new Gauge({
      name: 'dbtune_agent_build_info',
      help: 'Agent build: always 1, with the version and Node.js version as labels.',
      labelNames: ['version', 'node_version'],
      registers,
    }).set({ version, node_version: process.version }, 1);
    this.runSeconds = new Histogram({
      name: 'dbtune_agent_task_duration_seconds',
      help: 'Duration of each run of a scheduled task (heartbeat, metrics, system info, config, guardrail).',
      labelNames: ['name'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.taskErrors = new Counter({
      name: 'dbtune_agent_task_errors_total',
      help: 'Task runs that failed (error, timeout or crash).',
      labelNames: ['task'],
      registers,
    });
    this.collectorSeconds = new Histogram({
      name: 'dbtune_agent_collector_duration_seconds',
      help: 'Duration of each collector run (catalog and hardware collectors).',
      labelNames: ['collector'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.collectorErrors = new Counter({
      name: 'dbtune_agent_collector_errors_total',
      help: 'Collector runs that failed (error, timeout or crash).',
      labelNames: ['collector'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'dbtune_agent_platform_last_success_timestamp_seconds',
      help: 'Unix time of the last successful platform request, per endpoint.',
      labelNames: ['endpoint'],
      registers,
    });
    this.requests = new Counter({
      name: 'dbtune_agent_platform_requests_total',
      help: 'Platform calls by endpoint and outcome (ok, error); retries inside a call count once.',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.applies = new Counter({
      name: 'dbtune_agent_apply_total',
      help: 'Proposals handled, by outcome (applied, unchanged, failed, dry_run; in approval mode also pending, rejected, expired) and action (reload, restart, none).',
      labelNames: ['outcome', 'action'],
      registers,
    });
    this.guardrails = new Counter({
      name: 'dbtune_agent_guardrail_signals_total',
      help: 'Memory guardrail signals sent to the platform, by type.',
      labelNames: ['type'],
      registers,
    });
    this.reloads = new Counter({
      name: 'dbtune_agent_config_reloads_total',
      help: 'SIGHUP reloads by outcome (applied, unchanged, invalid, failed).',
      labelNames: ['outcome'],
      registers,
    });
    const live = () => this.state;
    new Gauge({
      name: 'dbtune_agent_health_gate_open',
      help: 'Health gate: 1 open (database reachable), 0 closed (collection paused).',
      registers,
      collect() {
        const open = live()?.gateOpen();
        if (open === undefined) this.reset();
        else this.set(open ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dbtune_agent_ready',
      help: 'Readiness as /readyz reports it: database and platform reachable, health gate open.',
      registers,
      collect() {
        this.set(live()?.ready() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'dbtune_agent_pending_proposals',
      help: 'Proposals waiting for approval (apply_mode: approve).',
      registers,
      collect() {
        this.set(live()?.pendingProposals() ?? 0);
      },
    });
  }

  /**
   * prom-client's process and Node.js series (RSS, CPU, event-loop lag, GC), prefixed
   * `dbtune_agent_`. Only when the endpoint is served: the event-loop monitor has a small cost.
   */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: 'dbtune_agent_' });
  }

  bind(state: LiveState): void {
    this.state = state;
  }

  /** A crash-guarded run finished (CrashGuard's observer). */
  run(name: string, seconds: number, ok: boolean): void {
    if (TASKS.has(name)) {
      this.runSeconds.observe({ name }, seconds);
      if (!ok) this.taskErrors.inc({ task: name });
      return;
    }
    this.collectorSeconds.observe({ collector: name }, seconds);
    if (!ok) this.collectorErrors.inc({ collector: name });
  }

  platformCall(endpoint: string, ok: boolean, at: Date): void {
    this.requests.inc({ endpoint, outcome: ok ? 'ok' : 'error' });
    if (ok) this.lastSuccess.set({ endpoint }, at.getTime() / 1000);
  }

  apply(outcome: ApplyOutcome, action: 'reload' | 'restart' | 'none' = 'none'): void {
    this.applies.inc({ outcome, action });
  }

  guardrail(type: string): void {
    this.guardrails.inc({ type });
  }

  reload(outcome: 'applied' | 'unchanged' | 'invalid' | 'failed'): void {
    this.reloads.inc({ outcome });
  }
}
