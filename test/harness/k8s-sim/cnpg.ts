/**
 * The CloudNativePG side of the Kubernetes API simulation: one `postgresql.cnpg.io/v1` Cluster
 * resource, its instance pods and the operator's reactions, acting on a real harness PostgreSQL.
 *
 * - A change of `spec.postgresql.parameters` is what the operator does with it: the phase turns
 *   `Applying configuration`, the parameters are written to a file PostgreSQL includes (CloudNativePG
 *   writes `custom.conf` the same way; ALTER SYSTEM is disabled since 1.22), PostgreSQL reloads, and
 *   the phase returns to `Cluster in healthy state`.
 * - A new `kubectl.kubernetes.io/restartedAt` annotation is a rolling restart: phase
 *   `Upgrading cluster`, one instance fewer ready, a real PostgreSQL restart, then healthy again;
 *   with `switchoverOnRestart` the primary role moves to another pod, as with
 *   `primaryUpdateMethod: switchover`.
 * - A failover is driven by the test (`beginFailover` / `completeFailover`): `targetPrimary` moves,
 *   the phase is `Failing over`, then the role labels switch. The one PostgreSQL stays up; what the
 *   agent must notice is the primary pod changing.
 * Shapes: https://cloudnative-pg.io/documentation/current/cloudnative-pg.v1/#postgresql-cnpg-io-v1-ClusterStatus
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PgCluster } from '../postgres.js';

export const PHASE_HEALTHY = 'Cluster in healthy state';
export const RESTART_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
const INCLUDE_FILE = 'cnpg-sim-parameters.conf';

export interface SimPodSpec {
  name: string;
  node: string;
  /** Container resources as Kubernetes quantities, e.g. `{ limits: { memory: '4Gi', cpu: '2' } }`. */
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
  /** metrics-server usage: CPU in nanocores, memory in bytes. */
  usage?: { cpuNanocores: number; memoryBytes: number };
  /** cgroup values cAdvisor reports for the container (quota −1 = none; memory limit 0 = none). */
  cgroup?: { cpuQuota: number; cpuPeriod: number; memoryLimitBytes: number };
  /** Cumulative cAdvisor counters. */
  io?: { reads: number; writes: number; rxBytes: number; txBytes: number };
}

export interface SimPod {
  spec: SimPodSpec;
  role: 'primary' | 'replica';
  ready: boolean;
  usage: { cpuNanocores: number; memoryBytes: number };
  cgroup: { cpuQuota: number; cpuPeriod: number; memoryLimitBytes: number };
  io: { reads: number; writes: number; rxBytes: number; txBytes: number };
  /** cAdvisor sample time (ms); moves when counters are updated. */
  sampledAt: number;
}

export interface CnpgClusterOptions {
  name: string;
  namespace: string;
  pg: PgCluster;
  pods: SimPodSpec[];
  /** Initial `spec.postgresql.parameters`. */
  parameters?: Record<string, string>;
  /** How long the operator shows a transitional phase around its work (default 150 ms). */
  transitionMs?: number;
  /** On a rolling restart, move the primary role to the next pod (primaryUpdateMethod: switchover). */
  switchoverOnRestart?: boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON merge patch, RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Json = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function quoteConf(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

export class CnpgCluster {
  readonly name: string;
  readonly namespace: string;
  readonly pods: SimPod[];
  /** The resource as stored (metadata, spec, status). */
  resource: Json;
  private readonly pg: PgCluster;
  private readonly transitionMs: number;
  private readonly switchoverOnRestart: boolean;
  private work: Promise<void> = Promise.resolve();
  private generation = 1;
  private resourceVersion = 1000;
  /** Restarts the operator carried out (rolling restarts through the annotation). */
  restarts = 0;
  reloads = 0;
  /** The last failure of the simulated operator's work (a restart PostgreSQL did not survive). */
  lastError: string | undefined;

  constructor(opts: CnpgClusterOptions) {
    this.name = opts.name;
    this.namespace = opts.namespace;
    this.pg = opts.pg;
    this.transitionMs = opts.transitionMs ?? 150;
    this.switchoverOnRestart = opts.switchoverOnRestart ?? false;
    this.pods = opts.pods.map((spec, i) => ({
      spec,
      role: i === 0 ? 'primary' : 'replica',
      ready: true,
      usage: spec.usage ?? { cpuNanocores: 250_000_000, memoryBytes: 512 * 1024 ** 2 },
      cgroup: spec.cgroup ?? { cpuQuota: -1, cpuPeriod: 100_000, memoryLimitBytes: 0 },
      io: spec.io ?? { reads: 1000, writes: 2000, rxBytes: 10_000, txBytes: 20_000 },
      sampledAt: Date.now(),
    }));
    const primary = this.pods[0]?.spec.name ?? '';
    this.resource = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: {
        name: opts.name,
        namespace: opts.namespace,
        uid: '7d3c5d0e-2b1f-4c55-9d8e-5b3f0a1c2d4e',
        generation: this.generation,
        resourceVersion: String(this.resourceVersion),
        creationTimestamp: '2025-01-01T00:00:00Z',
        annotations: {},
      },
      spec: {
        instances: this.pods.length,
        imageName: `ghcr.io/cloudnative-pg/postgresql:${opts.pg.major}`,
        primaryUpdateMethod: this.switchoverOnRestart ? 'switchover' : 'restart',
        postgresql: { parameters: { ...opts.parameters } },
      },
      status: {
        phase: PHASE_HEALTHY,
        instances: this.pods.length,
        readyInstances: this.pods.length,
        currentPrimary: primary,
        targetPrimary: primary,
        instanceNames: this.pods.map((p) => p.spec.name),
      },
    };
    appendFileSync(
      path.join(opts.pg.dataDir, 'postgresql.conf'),
      `\n# CloudNativePG simulation: spec.postgresql.parameters\ninclude_if_exists '${INCLUDE_FILE}'\n`,
    );
    this.writeParameters();
  }

  get status(): Json {
    return this.resource.status as Json;
  }

  get parameters(): Record<string, string> {
    const spec = this.resource.spec as { postgresql?: { parameters?: Record<string, string> } };
    return { ...spec.postgresql?.parameters };
  }

  /** The parameters file PostgreSQL includes, as last written. */
  includedFile(): string {
    return readFileSync(path.join(this.pg.dataDir, INCLUDE_FILE), 'utf8');
  }

  primaryPod(): SimPod | undefined {
    return this.pods.find((p) => p.role === 'primary');
  }

  pod(name: string): SimPod {
    const p = this.pods.find((x) => x.spec.name === name);
    if (!p) throw new Error(`k8s-sim: no pod ${name}`);
    return p;
  }

  /** Pod labels as CloudNativePG sets them (the role under both its current and legacy keys). */
  labels(p: SimPod): Record<string, string> {
    return {
      'cnpg.io/cluster': this.name,
      'cnpg.io/instanceName': p.spec.name,
      'cnpg.io/podRole': 'instance',
      'cnpg.io/instanceRole': p.role,
      role: p.role,
    };
  }

  /** Wait until the simulated operator has finished every reaction started so far. */
  settled(): Promise<void> {
    return this.work;
  }

  /** Apply a merge patch from the API and start the operator's reaction to it. */
  patch(body: unknown): Json {
    const before = JSON.stringify(this.resource.spec);
    const beforeRestart = this.annotations()[RESTART_ANNOTATION];
    const { status: _ignored, ...patchable } = isObject(body) ? body : {};
    this.resource = mergePatch(this.resource, patchable) as Json;
    const meta = this.resource.metadata as Json;
    if (JSON.stringify(this.resource.spec) !== before) meta.generation = ++this.generation;
    meta.resourceVersion = String(++this.resourceVersion);
    const restartAt = this.annotations()[RESTART_ANNOTATION];
    if (JSON.stringify(this.resource.spec) !== before) this.enqueue(() => this.applyConfiguration());
    if (restartAt !== undefined && restartAt !== beforeRestart) this.enqueue(() => this.rollingRestart());
    return this.resource;
  }

  /** Start a failover to `to`: targetPrimary moves, the old primary is not ready. */
  beginFailover(to: string): void {
    this.pod(to);
    const old = this.primaryPod();
    if (old) old.ready = false;
    Object.assign(this.status, {
      phase: 'Failing over',
      targetPrimary: to,
      readyInstances: this.pods.filter((p) => p.ready).length,
    });
    this.touch();
  }

  /** Finish the failover: the role labels switch, the new primary is current, the cluster healthy. */
  completeFailover(): void {
    const to = String(this.status.targetPrimary);
    for (const p of this.pods) {
      p.role = p.spec.name === to ? 'primary' : 'replica';
      p.ready = true;
    }
    Object.assign(this.status, {
      phase: PHASE_HEALTHY,
      currentPrimary: to,
      readyInstances: this.pods.length,
    });
    this.touch();
  }

  setUsage(pod: string, usage: Partial<SimPod['usage']>): void {
    Object.assign(this.pod(pod).usage, usage);
  }

  /** Advance cumulative counters; the cAdvisor sample time moves by `elapsedMs`. */
  advanceIo(pod: string, delta: Partial<SimPod['io']>, elapsedMs: number): void {
    const p = this.pod(pod);
    for (const [k, v] of Object.entries(delta) as [keyof SimPod['io'], number][]) p.io[k] += v;
    p.sampledAt += elapsedMs;
  }

  private annotations(): Record<string, string> {
    return ((this.resource.metadata as Json).annotations ?? {}) as Record<string, string>;
  }

  private touch(): void {
    (this.resource.metadata as Json).resourceVersion = String(++this.resourceVersion);
  }

  private enqueue(job: () => Promise<void>): void {
    this.work = this.work.then(job).catch((err: unknown) => {
      // PostgreSQL did not come back (e.g. a value it refuses): the instance crash-loops and the
      // cluster waits for it, until a later change lets it start.
      this.lastError = err instanceof Error ? err.message : String(err);
      const primary = this.primaryPod();
      if (primary) primary.ready = false;
      Object.assign(this.status, {
        phase: 'Waiting for the instances to become active',
        readyInstances: this.pods.filter((p) => p.ready).length,
      });
      this.touch();
    });
  }

  private writeParameters(): void {
    const lines = Object.entries(this.parameters).map(([k, v]) => `${k} = ${quoteConf(String(v))}`);
    writeFileSync(path.join(this.pg.dataDir, INCLUDE_FILE), `${lines.join('\n')}\n`, { mode: 0o644 });
  }

  private async applyConfiguration(): Promise<void> {
    this.status.phase = 'Applying configuration';
    this.touch();
    await sleep(this.transitionMs);
    this.writeParameters();
    // A crash-looping instance starts again with the new configuration; a running one reloads.
    if (this.pg.isRunning()) await this.pg.sql('SELECT pg_reload_conf()');
    else await this.pg.start();
    this.reloads++;
    await sleep(this.transitionMs);
    this.healthy();
  }

  private healthy(): void {
    for (const p of this.pods) p.ready = true;
    Object.assign(this.status, { phase: PHASE_HEALTHY, readyInstances: this.pods.length });
    this.touch();
  }

  private async rollingRestart(): Promise<void> {
    Object.assign(this.status, { phase: 'Upgrading cluster', readyInstances: this.pods.length - 1 });
    this.touch();
    await sleep(this.transitionMs);
    this.writeParameters();
    await this.pg.restart();
    this.restarts++;
    if (this.switchoverOnRestart && this.pods.length > 1) {
      const i = this.pods.findIndex((p) => p.role === 'primary');
      const next = this.pods[(i + 1) % this.pods.length]!;
      for (const p of this.pods) p.role = p === next ? 'primary' : 'replica';
      Object.assign(this.status, { currentPrimary: next.spec.name, targetPrimary: next.spec.name });
    }
    await sleep(this.transitionMs);
    this.healthy();
  }
}
