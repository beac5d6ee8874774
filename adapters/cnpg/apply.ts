/**
 * The CloudNativePG settings backend: the Cluster resource's `spec.postgresql.parameters`, changed
 * by JSON merge patch (https://cloudnative-pg.io/documentation/current/postgresql_conf/). The
 * operator writes the parameters into every instance's configuration and reloads; a restart is a
 * rolling restart requested with the `kubectl.kubernetes.io/restartedAt` annotation, as
 * `kubectl cnpg restart` does (https://cloudnative-pg.io/documentation/current/kubectl-plugin/#restart).
 * Planning, the no-op rule, read-back in pg_settings and the decision to restore are the engine's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Activation, PrivilegeGap, RestoreContext, SettingsBackend } from '../../src/apply/backend.js';
import type { ApplyPlan, PlannedChange } from '../../src/apply/types.js';
import type { Logger } from '../../src/log.js';
import { kubeErrorMessage, type ClusterStatus, type CnpgApi } from './client.js';
import { describeStatus, isHealthy, isPodReady } from './cluster-state.js';
import type { PrimaryLocator } from './discovery.js';
import type { FailoverWatch } from './failover.js';
import { isOperatorManaged, specValue } from './parameters.js';
import { missingPermissions } from './rbac.js';

export const RESTART_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Previous `spec.postgresql.parameters` value per attempted name; null = the key was absent. */
export type CnpgSnapshot = Record<string, string | null>;

export interface CnpgBackendOptions {
  api: CnpgApi;
  log: Logger;
  namespace: string;
  clusterName: string;
  watch: FailoverWatch;
  locator: PrimaryLocator;
  now: () => number;
  /** How often the Cluster status is polled while waiting (default 2 s). */
  pollIntervalMs?: number;
}

function paramsPatch(params: Record<string, string | null>): Record<string, unknown> {
  return { spec: { postgresql: { parameters: params } } };
}

export class CnpgBackend implements SettingsBackend<CnpgSnapshot> {
  readonly id = 'cnpg-cluster';
  readonly canRestart = true;
  private readonly pollMs: number;

  constructor(private readonly o: CnpgBackendOptions) {
    this.pollMs = o.pollIntervalMs ?? 2_000;
  }

  check(plan: ApplyPlan): Promise<readonly string[]> {
    return Promise.resolve(
      plan.changes
        .filter((c) => isOperatorManaged(c.name))
        .map(
          (c) =>
            `${c.name} is managed by the CloudNativePG operator (not settable in spec.postgresql.parameters)`,
        ),
    );
  }

  /** For `dbtune-agent check`: the Kubernetes permissions this identity lacks. */
  privileges(_knobs: readonly string[], signal: AbortSignal): Promise<PrivilegeGap[]> {
    return missingPermissions(this.o.api, this.o.namespace, this.o.clusterName, signal);
  }

  async snapshot(changes: readonly PlannedChange[], signal: AbortSignal): Promise<CnpgSnapshot> {
    const cluster = await this.call('get Cluster', () => this.o.api.getCluster(signal));
    const current = cluster.spec?.postgresql?.parameters ?? {};
    return Object.fromEntries(changes.map((c) => [c.name, current[c.name] ?? null]));
  }

  async write(changes: readonly PlannedChange[], signal: AbortSignal): Promise<void> {
    const params = Object.fromEntries(changes.map((c) => [c.name, specValue(c)]));
    await this.call('patch spec.postgresql.parameters', () =>
      this.o.api.patchCluster(paramsPatch(params), signal),
    );
    this.o.log.info({ cluster: this.o.clusterName, parameters: params }, 'cluster parameters patched');
  }

  async activate(mode: Activation, _changes: readonly PlannedChange[], signal: AbortSignal): Promise<void> {
    if (mode === 'reload') return await this.waitReloaded(signal);
    // Let the operator finish rolling out the parameters first, so the transition the restart wait
    // looks for is the restart's own.
    await this.waitHealthy(signal, false);
    await this.rollingRestart(signal);
  }

  async restore(
    snapshot: CnpgSnapshot,
    attempted: readonly PlannedChange[],
    ctx: RestoreContext,
  ): Promise<void> {
    const params = Object.fromEntries(attempted.map((c) => [c.name, snapshot[c.name] ?? null]));
    await this.call('restore spec.postgresql.parameters', () =>
      this.o.api.patchCluster(paramsPatch(params), ctx.signal),
    );
    ctx.log.info({ cluster: this.o.clusterName, parameters: params }, 'cluster parameters restored');
    if (ctx.activated === 'restart') await this.rollingRestart(ctx.signal);
    else await this.waitReloaded(ctx.signal);
  }

  /**
   * After a parameter patch the operator applies the configuration and reloads every instance:
   * wait until the cluster is healthy and the primary pod Ready. The engine then reads the values
   * back in pg_settings, which is the proof that the reload happened.
   */
  private async waitReloaded(signal: AbortSignal): Promise<void> {
    await this.waitHealthy(signal, false);
    const primary = await this.o.locator.discover(signal);
    for (;;) {
      const pod = await this.call(`get pod ${primary}`, () => this.o.api.getPod(primary, signal));
      if (isPodReady(pod)) return;
      await this.pause(signal, `primary pod ${primary} to be Ready`);
    }
  }

  /**
   * Annotate the Cluster so the operator restarts every instance (replicas first, then the primary
   * in place or by switchover), wait until a transition was seen and the cluster is healthy again,
   * then rediscover the primary. The failover watch is told, so a switchover caused by our own
   * restart is not reported as a failover.
   */
  private async rollingRestart(signal: AbortSignal): Promise<void> {
    const at = new Date(this.o.now()).toISOString();
    this.o.watch.beginOwnRestart();
    let primary: string | null = null;
    try {
      await this.call('annotate restartedAt', () =>
        this.o.api.patchCluster({ metadata: { annotations: { [RESTART_ANNOTATION]: at } } }, signal),
      );
      this.o.log.info({ cluster: this.o.clusterName, restartedAt: at }, 'rolling restart requested');
      await this.waitHealthy(signal, true);
      this.o.locator.invalidate();
      primary = await this.o.locator.discover(signal);
    } finally {
      this.o.watch.endOwnRestart(primary);
    }
  }

  /** Poll the Cluster until healthy; with `transition`, only after a non-healthy phase was seen. */
  private async waitHealthy(signal: AbortSignal, transition: boolean): Promise<void> {
    let seenUnhealthy = !transition;
    let last: ClusterStatus | undefined;
    const what = () => `cluster ${this.o.clusterName} to be healthy (last: ${describeStatus(last)})`;
    for (;;) {
      try {
        last = (await this.call('get Cluster', () => this.o.api.getCluster(signal))).status;
      } catch (err) {
        // The deadline fell during a request rather than between two: the same outcome.
        if (signal.aborted && last !== undefined) {
          throw new Error(`cnpg: gave up waiting for ${what()}`, { cause: err });
        }
        throw err;
      }
      const healthy = isHealthy(last);
      if (!healthy) seenUnhealthy = true;
      if (healthy && seenUnhealthy) return;
      await this.pause(signal, what());
    }
  }

  private async pause(signal: AbortSignal, what: string): Promise<void> {
    try {
      await sleep(this.pollMs, undefined, { signal });
    } catch {
      throw new Error(`cnpg: gave up waiting for ${what}`);
    }
  }

  private async call<T>(step: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new Error(`cnpg: ${step} of cluster ${this.o.clusterName}: ${kubeErrorMessage(err)}`, {
        cause: err,
      });
    }
  }
}
