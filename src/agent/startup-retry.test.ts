import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { PlatformError } from '../platform/platform-error.js';
import { retryStartup, StartupTimeoutError, transientClass } from './startup-retry.js';
import { StartupCheckError } from './startup.js';

function platformError(status: number | undefined, transient: boolean): PlatformError {
  return new PlatformError(`platform: POST heartbeat: status ${status}`, {
    endpoint: 'heartbeat',
    method: 'POST',
    status,
    attempts: 1,
    reason: status === undefined ? 'network' : 'status',
    transient,
  });
}

function pgError(code: string): Error {
  return Object.assign(new Error('the database system is starting up'), { code });
}

/** A logger recording level and message, and a fake clock that sleeping advances. */
function harness() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        cb();
      },
    }),
  );
  let t = 0;
  const sleeps: number[] = [];
  const opts = {
    log,
    signal: new AbortController().signal,
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
  return { lines, opts, sleeps, advance: (ms: number) => (t += ms) };
}

describe('transientClass', () => {
  it('retries platform outages and a database that is starting up, through the cause chain', () => {
    expect(transientClass(platformError(503, true))).toBe('platform unavailable');
    expect(transientClass(new StartupCheckError('x', { cause: platformError(undefined, true) }))).toBe(
      'platform unavailable',
    );
    expect(transientClass(new StartupCheckError('x', { cause: pgError('57P03') }))).toBe(
      'database starting up',
    );
  });

  it('fails at once on what needs a fix', () => {
    expect(transientClass(platformError(401, false))).toBeNull();
    expect(transientClass(platformError(404, false))).toBeNull();
    expect(transientClass(new StartupCheckError('x', { cause: pgError('28P01') }))).toBeNull();
    expect(transientClass(new StartupCheckError('x', { cause: pgError('42P01') }))).toBeNull();
    expect(transientClass(new Error('ECONNREFUSED'))).toBeNull();
  });
});

describe('retryStartup', () => {
  it('retries with doubling back-off, one warning per class, and an info line on success', async () => {
    const h = harness();
    let n = 0;
    const value = await retryStartup(
      () => {
        n++;
        if (n <= 3) return Promise.reject(platformError(503, true));
        if (n === 4) return Promise.reject(pgError('57P03'));
        return Promise.resolve('ok');
      },
      { ...h.opts, timeoutMs: 300_000 },
    );
    expect(value).toBe('ok');
    expect(h.sleeps).toEqual([1_000, 2_000, 4_000, 5_000]);
    const warns = h.lines.filter((l) => l.level === 40);
    expect(warns).toHaveLength(2); // one per class, not one per attempt
    expect(h.lines.filter((l) => l.level === 20)).toHaveLength(2);
    expect(h.lines.at(-1)?.msg).toBe('startup: dependencies reachable; continuing');
  });

  it('rethrows a permanent error at once, without sleeping', async () => {
    const h = harness();
    const err = platformError(401, false);
    await expect(retryStartup(() => Promise.reject(err), { ...h.opts, timeoutMs: 300_000 })).rejects.toBe(
      err,
    );
    expect(h.sleeps).toEqual([]);
  });

  it('gives up at startup_timeout naming the last error and the setting', async () => {
    const h = harness();
    const run = retryStartup(() => Promise.reject(platformError(503, true)), {
      ...h.opts,
      timeoutMs: 60_000,
    });
    await expect(run).rejects.toBeInstanceOf(StartupTimeoutError);
    await expect(run).rejects.toThrow(/status 503 .*startup_timeout is 60 s, env: DBT_STARTUP_TIMEOUT/);
    expect(h.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(60_000);
  });

  it('makes a single attempt with startup_timeout 0', async () => {
    const h = harness();
    await expect(
      retryStartup(() => Promise.reject(platformError(503, true)), { ...h.opts, timeoutMs: 0 }),
    ).rejects.toBeInstanceOf(StartupTimeoutError);
    expect(h.sleeps).toEqual([]);
  });

  it('stops retrying on shutdown', async () => {
    const h = harness();
    const controller = new AbortController();
    const run = retryStartup(
      () => {
        controller.abort();
        return Promise.reject(platformError(503, true));
      },
      { ...h.opts, signal: controller.signal, timeoutMs: 300_000 },
    );
    await expect(run).rejects.toBeInstanceOf(PlatformError);
  });
});
