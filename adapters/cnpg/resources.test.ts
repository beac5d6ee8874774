import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { CadvisorSample } from './cadvisor.js';
import { cpuFallback, memoryFallback, specLimit } from './resources.js';

const GIB = 1024 ** 3;

function pod(resources: { limits?: Record<string, string>; requests?: Record<string, string> }): V1Pod {
  return {
    spec: {
      containers: [
        { name: 'sidecar', resources: { limits: { memory: '1Gi' } } },
        { name: 'postgres', resources },
      ],
    },
  };
}

const node: V1Node = { status: { allocatable: { cpu: '7910m', memory: '30Gi' } } };

function sample(s: Partial<CadvisorSample>): CadvisorSample {
  return {
    cpuQuota: null,
    cpuPeriod: null,
    memoryLimit: null,
    reads: null,
    writes: null,
    rxBytes: null,
    txBytes: null,
    timestampMs: null,
    ...s,
  };
}

describe('container limits: limit → request → cgroup → node allocatable', () => {
  it('takes the limit, then the request, of the named container', () => {
    expect(
      specLimit(pod({ limits: { memory: '4Gi' }, requests: { memory: '2Gi' } }), 'postgres', 'memory'),
    ).toEqual({
      value: 4 * GIB,
      source: 'limit',
    });
    expect(specLimit(pod({ requests: { memory: '2Gi', cpu: '500m' } }), 'postgres', 'memory')).toEqual({
      value: 2 * GIB,
      source: 'request',
    });
    expect(specLimit(pod({ requests: { cpu: '500m' } }), 'postgres', 'cpu')).toEqual({
      value: 500,
      source: 'request',
    });
    expect(specLimit(pod({}), 'postgres', 'memory')).toBeNull();
    expect(specLimit(pod({ limits: { memory: '0' } }), 'postgres', 'memory')).toBeNull();
  });

  it('memory: the cgroup limit unless it means unlimited, then the node', () => {
    expect(memoryFallback(sample({ memoryLimit: 3 * GIB }), node)).toEqual({
      value: 3 * GIB,
      source: 'cgroup',
    });
    expect(memoryFallback(sample({ memoryLimit: 0 }), node)).toEqual({
      value: 30 * GIB,
      source: 'node-allocatable',
    });
    expect(memoryFallback(sample({ memoryLimit: 9_223_372_036_854_771_712 }), node)).toEqual({
      value: 30 * GIB,
      source: 'node-allocatable',
    });
    expect(memoryFallback(null, null)).toBeNull();
  });

  it('cpu: quota / period, then the node', () => {
    expect(cpuFallback(sample({ cpuQuota: 150_000, cpuPeriod: 100_000 }), node)).toEqual({
      value: 1500,
      source: 'cgroup',
    });
    expect(cpuFallback(sample({ cpuPeriod: 100_000 }), node)).toEqual({
      value: 7910,
      source: 'node-allocatable',
    });
  });
});
