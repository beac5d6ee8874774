/**
 * What the run loop records into the Prometheus series (src/service/metrics.ts). prom-client, and
 * @opentelemetry/api which it loads (83 CommonJS modules between them), are imported only once the
 * service endpoints are served (`health.listen`); with the endpoints off, the default, records go
 * nowhere and neither package is loaded (docs/MEMORY.md). The series count from the moment the
 * endpoints first open: at start-up for a configured `health.listen`, at the reload that sets it
 * otherwise. The registry then lives for the whole process, across reloads.
 */
import type { AgentMetrics, ApplyOutcome, LiveState } from './metrics.js';

export class MetricsRecorder {
  #metrics: AgentMetrics | undefined;

  constructor(
    private readonly version: string,
    private readonly state: LiveState,
  ) {}

  /** The registry, loaded and bound on first use. */
  async open(): Promise<AgentMetrics> {
    if (!this.#metrics) {
      const { AgentMetrics } = await import('./metrics.js');
      const metrics = new AgentMetrics(this.version);
      metrics.bind(this.state);
      this.#metrics = metrics;
    }
    return this.#metrics;
  }

  /** Whether prom-client is loaded (tests). */
  get opened(): boolean {
    return this.#metrics !== undefined;
  }

  run(name: string, seconds: number, ok: boolean): void {
    this.#metrics?.run(name, seconds, ok);
  }

  platformCall(endpoint: string, ok: boolean, at: Date): void {
    this.#metrics?.platformCall(endpoint, ok, at);
  }

  apply(outcome: ApplyOutcome, action?: 'reload' | 'restart' | 'none'): void {
    this.#metrics?.apply(outcome, action);
  }

  guardrail(type: string): void {
    this.#metrics?.guardrail(type);
  }

  reload(outcome: 'applied' | 'unchanged' | 'invalid' | 'failed'): void {
    this.#metrics?.reload(outcome);
  }
}
