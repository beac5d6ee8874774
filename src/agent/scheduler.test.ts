import { describe, expect, it } from 'vitest';
import { sleep } from './deadline.js';
import { Scheduler } from './scheduler.js';

describe('Scheduler', () => {
  it('runs immediately and on the interval, never overlapping itself', async () => {
    const s = new Scheduler();
    let running = 0;
    let maxConcurrent = 0;
    let runs = 0;
    s.every(20, { immediate: true }, async () => {
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      runs++;
      await sleep(50); // slower than the interval: ticks are dropped, not queued
      running--;
    });
    await sleep(300);
    await s.stop(1000);
    expect(maxConcurrent).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(7);
  });

  it('waits one interval first when not immediate, after the stagger delay', async () => {
    const s = new Scheduler();
    const at: number[] = [];
    const t0 = Date.now();
    s.every(100, { immediate: false, delayMs: 50 }, () => {
      at.push(Date.now() - t0);
      return Promise.resolve();
    });
    await sleep(320);
    await s.stop(100);
    expect(at[0]).toBeGreaterThanOrEqual(140);
    expect(at.length).toBeGreaterThanOrEqual(2);
  });

  it('stop waits for in-flight work, bounded by the grace period', async () => {
    const s = new Scheduler();
    let finished = false;
    s.every(1000, { immediate: true }, async () => {
      await sleep(100);
      finished = true;
    });
    await sleep(10);
    expect(await s.stop(1000)).toBe(true);
    expect(finished).toBe(true);

    const s2 = new Scheduler();
    s2.every(1000, { immediate: true }, () => new Promise(() => undefined));
    await sleep(10);
    expect(await s2.stop(50)).toBe(false);
  });
});
