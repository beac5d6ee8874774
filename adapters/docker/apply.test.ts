import { describe, expect, it } from 'vitest';
import { dockerRestart } from './apply.js';
import type { DockerApi } from './client.js';

/** A restart that waits for `ms` (or forever) and honours the signal like dockerode does. */
function api(restart: (signal: AbortSignal) => Promise<void>, inspect?: DockerApi['inspect']): DockerApi {
  return {
    inspect: inspect ?? (() => Promise.resolve({ Id: 'x', State: { Running: true } })),
    stats: () => Promise.reject(new Error('unused')),
    restart: (_c, signal) => restart(signal),
    hostMemory: () => Promise.reject(new Error('unused')),
  };
}

const hang = (signal: AbortSignal) =>
  new Promise<void>((_resolve, reject) => {
    signal.addEventListener(
      'abort',
      () => reject(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })),
      {
        once: true,
      },
    );
  });

describe('dockerRestart', () => {
  it('resolves when the engine restarted the container', async () => {
    let calls = 0;
    const fn = dockerRestart(
      api(() => (calls++, Promise.resolve())),
      'pg',
      { timeoutMs: 1000 },
    );
    await fn(new AbortController().signal);
    expect(calls).toBe(1);
  });

  it('names the container and the engine message on failure', async () => {
    const engine500 = Object.assign(new Error('(HTTP code 500) server error - boom '), {
      statusCode: 500,
      json: { message: 'boom' },
    });
    const fn = dockerRestart(
      api(() => Promise.reject(engine500)),
      'pg',
      { timeoutMs: 1000 },
    );
    await expect(fn(new AbortController().signal)).rejects.toThrow(
      'apply: restart: docker restart of container pg failed: HTTP 500: boom',
    );
  });

  it('gives up after its timeout', async () => {
    const fn = dockerRestart(api(hang), 'pg', { timeoutMs: 100 });
    const t0 = Date.now();
    await expect(fn(new AbortController().signal)).rejects.toThrow(/failed: timed out after 100 ms/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('stops waiting when the caller aborts', async () => {
    const ac = new AbortController();
    const fn = dockerRestart(api(hang), 'pg', { timeoutMs: 60_000 });
    setTimeout(() => ac.abort(), 50);
    await expect(fn(ac.signal)).rejects.toThrow(/failed: aborted/);
  });
});
