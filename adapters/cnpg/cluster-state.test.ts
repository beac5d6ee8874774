import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isHealthy, isPlaceholder, isPodReady, PHASE_HEALTHY, primaryPodName } from './cluster-state.js';

const pod = (name: string, labels: Record<string, string>, ready = true): V1Pod => ({
  metadata: { name, labels },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('cluster state', () => {
  const healthy = {
    phase: PHASE_HEALTHY,
    instances: 3,
    readyInstances: 3,
    currentPrimary: 'pg-1',
    targetPrimary: 'pg-1',
  };

  it('is healthy only with every instance ready and the primary settled', () => {
    expect(isHealthy(healthy)).toBe(true);
    expect(isHealthy({ ...healthy, readyInstances: 2 })).toBe(false);
    expect(isHealthy({ ...healthy, targetPrimary: 'pg-2' })).toBe(false);
    expect(isHealthy({ ...healthy, phase: 'Applying configuration' })).toBe(false);
    expect(isHealthy({ ...healthy, currentPrimary: '', targetPrimary: '' })).toBe(false);
    expect(isHealthy({ ...healthy, instances: 0, readyInstances: 0 })).toBe(false);
    expect(isHealthy(undefined)).toBe(false);
  });

  it('knows placeholder primaries', () => {
    for (const p of ['', '  ', 'pending', 'None', 'unknown', '(pending)'])
      expect(isPlaceholder(p), p).toBe(true);
    expect(isPlaceholder('pg-1')).toBe(false);
  });

  it('finds the primary by cnpg.io/instanceRole, else by the legacy role label', () => {
    expect(
      primaryPodName([
        pod('pg-1', { 'cnpg.io/instanceRole': 'replica', role: 'primary' }),
        pod('pg-2', { 'cnpg.io/instanceRole': 'primary' }),
      ]),
    ).toBe('pg-2');
    expect(primaryPodName([pod('pg-1', { role: 'replica' }), pod('pg-3', { role: 'primary' })])).toBe('pg-3');
    expect(primaryPodName([pod('pg-1', { role: 'replica' })])).toBeNull();
  });

  it('reads the Ready condition', () => {
    expect(isPodReady(pod('a', {}, true))).toBe(true);
    expect(isPodReady(pod('a', {}, false))).toBe(false);
    expect(isPodReady({})).toBe(false);
  });
});
