/**
 * What the PostgreSQL container may use: memory and CPU, each from the first source that has it —
 * the container's limit, its request, the cgroup limit cAdvisor reports, the node's allocatable.
 * https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { CadvisorSample } from './cadvisor.js';
import { cpuMillicores, parseQuantity } from './quantity.js';

/** cgroup memory limits at or above 1 PiB mean "no limit" (cgroup v1 reports ~2^63). */
const UNLIMITED_BYTES = 2 ** 50;

export type LimitSource = 'limit' | 'request' | 'cgroup' | 'node-allocatable';

export interface Limit {
  value: number;
  source: LimitSource;
}

function container(pod: V1Pod, name: string) {
  return pod.spec?.containers.find((c) => c.name === name);
}

/** The pod's container resources, if they set it (no I/O). */
export function specLimit(pod: V1Pod, name: string, resource: 'cpu' | 'memory'): Limit | null {
  const res = container(pod, name)?.resources;
  const read = (q: string | undefined) => (resource === 'cpu' ? cpuMillicores(q) : parseQuantity(q));
  const limit = read(res?.limits?.[resource]);
  if (limit !== null && limit > 0) return { value: limit, source: 'limit' };
  const request = read(res?.requests?.[resource]);
  if (request !== null && request > 0) return { value: request, source: 'request' };
  return null;
}

/** Memory limit in bytes from cAdvisor, else the node's allocatable memory. */
export function memoryFallback(cadvisor: CadvisorSample | null, node: V1Node | null): Limit | null {
  const cg = cadvisor?.memoryLimit ?? 0;
  if (cg > 0 && cg < UNLIMITED_BYTES) return { value: cg, source: 'cgroup' };
  const alloc = parseQuantity(node?.status?.allocatable?.memory);
  return alloc !== null && alloc > 0 ? { value: alloc, source: 'node-allocatable' } : null;
}

/** CPU limit in millicores from the cAdvisor quota, else the node's allocatable CPU. */
export function cpuFallback(cadvisor: CadvisorSample | null, node: V1Node | null): Limit | null {
  const quota = cadvisor?.cpuQuota ?? null;
  const period = cadvisor?.cpuPeriod ?? null;
  if (quota !== null && quota > 0 && period !== null && period > 0)
    return { value: Math.round((quota / period) * 1000), source: 'cgroup' };
  const alloc = cpuMillicores(node?.status?.allocatable?.cpu);
  return alloc !== null && alloc > 0 ? { value: alloc, source: 'node-allocatable' } : null;
}
