/**
 * Reading a CloudNativePG Cluster's status and its pods: is it healthy, which pod is the primary.
 * Phases: https://github.com/cloudnative-pg/cloudnative-pg/blob/main/api/v1/cluster_types.go
 * (`PhaseHealthy = "Cluster in healthy state"`, `PhaseFailOver = "Failing over"`, …).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterStatus } from './client.js';

export const PHASE_HEALTHY = 'Cluster in healthy state';

/** Status values that name no pod: empty, `pending`, `none`, `unknown`, `(…)`. */
export function isPlaceholder(name: string | undefined): boolean {
  const n = (name ?? '').trim().toLowerCase();
  return n === '' || n.startsWith('(') || n === 'pending' || n === 'none' || n === 'unknown';
}

/** Healthy: phase healthy, every instance ready, and the primary settled (target = current). */
export function isHealthy(s: ClusterStatus | undefined): boolean {
  if (!s) return false;
  const instances = s.instances ?? 0;
  return (
    s.phase === PHASE_HEALTHY &&
    instances > 0 &&
    s.readyInstances === instances &&
    !isPlaceholder(s.currentPrimary) &&
    s.currentPrimary === s.targetPrimary
  );
}

export function describeStatus(s: ClusterStatus | undefined): string {
  if (!s) return 'no status';
  return `phase "${s.phase ?? ''}", ${s.readyInstances ?? 0}/${s.instances ?? 0} ready, primary ${s.currentPrimary ?? '-'} (target ${s.targetPrimary ?? '-'})`;
}

/** The pod labelled primary: `cnpg.io/instanceRole=primary`, or the legacy `role=primary`. */
export function primaryPodName(pods: readonly V1Pod[]): string | null {
  const labels = (p: V1Pod) => p.metadata?.labels ?? {};
  const hit =
    pods.find((p) => labels(p)['cnpg.io/instanceRole'] === 'primary') ??
    pods.find((p) => labels(p).role === 'primary');
  return hit?.metadata?.name ?? null;
}

export function isPodReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
