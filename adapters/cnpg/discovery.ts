/**
 * Which pod to measure: `cnpg.pod_name` when set, else the pod labelled primary. The answer is
 * cached for a few seconds (the guardrail asks every second) and dropped whenever the primary may
 * have moved (a failover, our own restart).
 */
import type { CnpgApi } from './client.js';
import { primaryPodName } from './cluster-state.js';

export interface PrimaryLocatorOptions {
  api: CnpgApi;
  clusterName: string;
  /** Fixed pod from `cnpg.pod_name`; null = discover by label. */
  podName: string | null;
  now: () => number;
  /** How long a discovered name is reused (default 5 s). */
  ttlMs?: number;
}

export class PrimaryLocator {
  private cached: { name: string; at: number } | null = null;
  private readonly ttlMs: number;

  constructor(private readonly o: PrimaryLocatorOptions) {
    this.ttlMs = o.ttlMs ?? 5_000;
  }

  /** The pod to measure; throws when no pod is labelled primary. */
  async pod(signal: AbortSignal): Promise<string> {
    if (this.o.podName) return this.o.podName;
    const c = this.cached;
    if (c && this.o.now() - c.at < this.ttlMs) return c.name;
    return await this.discover(signal);
  }

  /** Look the primary up now (after a restart or failover). */
  async discover(signal: AbortSignal): Promise<string> {
    const pods = await this.o.api.listClusterPods(signal);
    const name = primaryPodName(pods);
    if (!name) {
      this.cached = null;
      throw new Error(
        `cnpg: no pod of cluster ${this.o.clusterName} is labelled primary (cnpg.io/instanceRole=primary); ${pods.length} pod(s) found`,
      );
    }
    this.cached = { name, at: this.o.now() };
    return name;
  }

  invalidate(): void {
    this.cached = null;
  }
}
