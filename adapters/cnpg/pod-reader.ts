/**
 * Everything read about the measured pod: the Pod and its Node (cached a minute per pod; resources
 * change only when the operator recreates the pod, which changes the primary or the pod name),
 * metrics-server usage and the node's cAdvisor sample (read fresh each time).
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { errorMessage, FailoverDetectedError } from '../../src/errors.js';
import { parseCadvisor, type CadvisorSample } from './cadvisor.js';
import { kubeErrorCode, kubeErrorMessage, type CnpgApi } from './client.js';
import type { PrimaryLocator } from './discovery.js';
import { cpuMillicores, parseQuantity } from './quantity.js';
import { cpuFallback, memoryFallback, specLimit, type Limit } from './resources.js';

export interface PodInfo {
  name: string;
  pod: V1Pod;
  node: V1Node;
  memory: Limit;
  cpu: Limit;
}

export interface PodUsage {
  cpuMillicores: number;
  memoryBytes: number;
}

export interface PodReaderOptions {
  api: CnpgApi;
  locator: PrimaryLocator;
  namespace: string;
  container: string;
  now: () => number;
  /** Whether a failover is being recovered from; errors then carry `failover detected`. */
  recovering: () => boolean;
  ttlMs?: number;
}

export class PodReader {
  private cache: (PodInfo & { at: number }) | null = null;
  private readonly ttlMs: number;

  constructor(private readonly o: PodReaderOptions) {
    this.ttlMs = o.ttlMs ?? 60_000;
  }

  async info(signal: AbortSignal): Promise<PodInfo> {
    return await this.quietDuringFailover(() => this.readInfo(signal));
  }

  /** Container usage from metrics-server (working-set memory, CPU over its window). */
  async usage(name: string, signal: AbortSignal): Promise<PodUsage> {
    return await this.quietDuringFailover(() => this.readUsage(name, signal));
  }

  /**
   * While the cluster recovers from a failover the pods come and go: an error then is part of the
   * failover (the runner logs it at debug), not a new problem.
   */
  private async quietDuringFailover<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!this.o.recovering() || err instanceof FailoverDetectedError) throw err;
      throw new FailoverDetectedError(`cnpg: failover detected: ${errorMessage(err)}`, {
        fresh: false,
        cause: err,
      });
    }
  }

  private async readInfo(signal: AbortSignal): Promise<PodInfo> {
    const name = await this.o.locator.pod(signal);
    const c = this.cache;
    if (c && c.name === name && this.o.now() - c.at < this.ttlMs) return c;
    const pod = await this.step(`get pod ${name}`, () => this.o.api.getPod(name, signal));
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw new Error(`cnpg: pod ${name} is not scheduled to a node`);
    const node = await this.step(`get node ${nodeName}`, () => this.o.api.getNode(nodeName, signal));
    let memory = specLimit(pod, this.o.container, 'memory');
    let cpu = specLimit(pod, this.o.container, 'cpu');
    if (!memory || !cpu) {
      const sample = await this.readCadvisor(nodeName, name, signal);
      memory ??= memoryFallback(sample, node);
      cpu ??= cpuFallback(sample, node);
    }
    if (!memory || !cpu)
      throw new Error(
        `cnpg: pod ${name}: no ${memory ? 'CPU' : 'memory'} limit, request, cgroup limit or node allocatable`,
      );
    this.cache = { name, pod, node, memory, cpu, at: this.o.now() };
    return this.cache;
  }

  private async readUsage(name: string, signal: AbortSignal): Promise<PodUsage> {
    let metrics;
    try {
      metrics = await this.o.api.podMetrics(name, signal);
    } catch (err) {
      const hint = kubeErrorCode(err) === 404 ? ' (is metrics-server installed?)' : '';
      throw new Error(`cnpg: metrics-server: pod ${name}: ${kubeErrorMessage(err)}${hint}`, { cause: err });
    }
    const usage = metrics.containers?.find((c) => c.name === this.o.container)?.usage;
    const memoryBytes = parseQuantity(usage?.memory) ?? 0;
    const cpu = cpuMillicores(usage?.cpu);
    if (!(memoryBytes > 0) || cpu === null)
      throw new Error(`cnpg: metrics-server: no usage for container ${this.o.container} of pod ${name}`);
    return { cpuMillicores: cpu, memoryBytes };
  }

  async cadvisor(node: string, pod: string, signal: AbortSignal): Promise<CadvisorSample> {
    return await this.quietDuringFailover(() => this.readCadvisor(node, pod, signal));
  }

  private async readCadvisor(node: string, pod: string, signal: AbortSignal): Promise<CadvisorSample> {
    const text = await this.step(`cAdvisor of node ${node}`, () => this.o.api.cadvisor(node, signal));
    return parseCadvisor(text, { namespace: this.o.namespace, pod, container: this.o.container });
  }

  private async step<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new Error(`cnpg: ${what}: ${kubeErrorMessage(err)}`, { cause: err });
    }
  }
}
