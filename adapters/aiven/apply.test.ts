import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../../src/apply/types.js';
import { silentLogger } from '../../src/log.js';
import { aivenBackend } from './apply.js';
import type { AivenApi, AivenService } from './client.js';

const GIB = 1024 ** 3;
const sharedBuffers: PlannedChange = {
  name: 'shared_buffers',
  current: '32768',
  proposed: String((GIB * 0.25) / 8192),
  requested: '25',
  unit: '8kB',
  vartype: 'integer',
  context: 'postmaster',
};

/** Service states the fake reports: the update's reply first, then one per poll. */
function fakeApi(states: string[], userConfig: Record<string, unknown> = {}) {
  const updates: Record<string, unknown>[] = [];
  const svc = (state: string): AivenService => ({ state, nodeCpuCount: 2, nodeMemoryMb: 1024, userConfig });
  let polls = 0;
  const api = {
    getService: () =>
      Promise.resolve(
        svc(updates.length === 0 ? 'RUNNING' : (states[Math.min(++polls, states.length - 1)] ?? 'RUNNING')),
      ),
    updateUserConfig: (u: Record<string, unknown>) => {
      updates.push(u);
      return Promise.resolve(svc(states[0] ?? 'RUNNING'));
    },
  } as unknown as AivenApi;
  return { api, updates };
}

const backendFor = (api: AivenApi) =>
  aivenBackend({ api, log: silentLogger(), memoryBytes: () => GIB, pollIntervalMs: 10 });

describe('aivenBackend restart detection', () => {
  it('waits until the service has left RUNNING and come back', async () => {
    const { api, updates } = fakeApi(['RUNNING', 'RUNNING', 'REBUILDING', 'REBUILDING', 'RUNNING']);
    const b = backendFor(api);
    await b.write([sharedBuffers], AbortSignal.timeout(1000));
    await b.activate('restart', [sharedBuffers], AbortSignal.timeout(2000));
    expect(updates).toEqual([{ shared_buffers_percentage: 25 }]);
  });

  it('fails at the deadline when the service never restarts', async () => {
    const { api } = fakeApi(['RUNNING']);
    const b = backendFor(api);
    await b.write([sharedBuffers], AbortSignal.timeout(1000));
    await expect(b.activate('restart', [sharedBuffers], AbortSignal.timeout(150))).rejects.toThrow(
      'aiven: never saw the service restart before the deadline (last state RUNNING)',
    );
  });

  it('restores a key that was not set by sending null, and nothing when nothing changed', async () => {
    const userConfig: Record<string, unknown> = {};
    const { api, updates } = fakeApi(['RUNNING'], userConfig);
    const b = backendFor(api);
    const ctx = {
      log: silentLogger(),
      signal: AbortSignal.timeout(1000),
      activated: 'reload' as const,
      isUp: () => Promise.resolve(true),
      waitUp: () => Promise.resolve(),
    };
    const workMem = { ...sharedBuffers, name: 'work_mem', proposed: '65536', context: 'user' };
    const snap = await b.snapshot([workMem], AbortSignal.timeout(1000));
    await b.restore(snap, [workMem], ctx);
    expect(updates).toEqual([]);
    userConfig.work_mem = 64; // the update reached Aiven
    await b.restore(snap, [workMem], ctx);
    expect(updates).toEqual([{ work_mem: null }]);
  });
});
