import { beforeEach, describe, expect, it } from 'vitest';
import { ApplyLock } from './lock.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('apply lock', () => {
  let lock = new ApplyLock();
  const withApplyLock = <T>(fn: () => Promise<T>, signal?: AbortSignal) => lock.run(fn, signal);
  beforeEach(() => {
    lock = new ApplyLock();
  });
  it('never runs two applies at once, in arrival order', async () => {
    let running = 0;
    let maxRunning = 0;
    const order: number[] = [];
    const job = (n: number) =>
      withApplyLock(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await tick(20);
        order.push(n);
        running--;
        return n;
      });
    const results = await Promise.all([job(1), job(2), job(3)]);
    expect(results).toEqual([1, 2, 3]);
    expect(order).toEqual([1, 2, 3]);
    expect(maxRunning).toBe(1);
  });

  it('releases after a failure', async () => {
    await expect(withApplyLock(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(withApplyLock(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('an aborted waiter gives up without running; the holder finishes', async () => {
    const ac = new AbortController();
    let ran = false;
    let holderDone = false;
    const holder = withApplyLock(async () => {
      await tick(50);
      holderDone = true;
    });
    const waiter = withApplyLock(() => {
      ran = true;
      return Promise.resolve();
    }, ac.signal);
    ac.abort();
    await expect(waiter).rejects.toThrow(/aborted while waiting/);
    await holder;
    expect(holderDone).toBe(true);
    expect(ran).toBe(false);
  });

  it('idle() waits for in-flight and queued applies', async () => {
    let finished = 0;
    void withApplyLock(async () => {
      await tick(30);
      finished++;
    });
    void withApplyLock(async () => {
      await tick(30);
      finished++;
    });
    await lock.idle();
    expect(finished).toBe(2);
  });

  it('two engines do not share a lock', async () => {
    const other = new ApplyLock();
    let inner = false;
    await lock.run(async () => {
      await other.run(() => {
        inner = true;
        return Promise.resolve();
      });
    });
    expect(inner).toBe(true);
  });
});
