/**
 * Periodic tasks. A task never overlaps itself: a tick that arrives while the previous run is still
 * going is dropped (like Go's time.Ticker), so a slow endpoint cannot pile up work.
 */
import { setMaxListeners } from 'node:events';
import { sleep } from './deadline.js';

export interface PeriodicOptions {
  /** Run once right away (after `delayMs`), or wait one interval first. */
  immediate: boolean;
  /** Initial delay (stagger) before the first run or first interval. */
  delayMs?: number;
}

export class Scheduler {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor() {
    // Every loop (one per task and catalog collector, ~50) waits on this one signal.
    setMaxListeners(0, this.controller.signal);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  every(intervalMs: number, opts: PeriodicOptions, fn: (signal: AbortSignal) => Promise<void>): void {
    const signal = this.controller.signal;
    const loop = async () => {
      if (opts.delayMs) await sleep(opts.delayMs, signal);
      let next = Date.now() + (opts.immediate ? 0 : intervalMs);
      while (!signal.aborted) {
        const wait = next - Date.now();
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) break;
        await this.track(fn(signal));
        // Next tick on the grid; ticks missed while running are dropped, not queued.
        next += intervalMs;
        const now = Date.now();
        if (next < now) next += Math.ceil((now - next) / intervalMs) * intervalMs;
      }
    };
    this.loops.push(loop());
  }

  /** Run `work` as tracked in-flight work (shutdown waits for it). */
  track<T>(work: Promise<T>): Promise<T> {
    const p = work.finally(() => this.running.delete(p));
    this.running.add(p);
    return p;
  }

  /** Stop scheduling new runs; wait up to `graceMs` for in-flight runs. Returns true if all finished. */
  async stop(graceMs: number): Promise<boolean> {
    this.controller.abort();
    const inflight = Promise.allSettled([...this.running, ...this.loops]).then(() => true);
    return Promise.race([inflight, sleep(graceMs).then(() => false)]);
  }
}
