/**
 * One apply at a time per engine (one engine per adapter, so per database). Two overlapping applies
 * would interleave writes and each would "roll back" the other's changes; the config task can
 * overlap itself when an apply (a restart) outlasts the 5 s tick. Waiters queue in order; each
 * re-plans against the live catalog once it holds the lock, so a queued duplicate proposal ends as a
 * no-op. The lock belongs to its engine: shutdown waits on `engine.idle()`, never on a process-wide
 * object reached by import.
 */
import { ConfigApplyError } from '../errors.js';

export class ApplyLock {
  private tail: Promise<void> = Promise.resolve();

  /** Run `fn` holding the lock. Aborting `signal` while still waiting abandons the call. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tail = previous.then(() => mine);
    try {
      await waitOrAbort(previous, signal);
      return await fn();
    } finally {
      release();
    }
  }

  /** Resolves once nothing holds or waits for the lock. */
  async idle(): Promise<void> {
    for (;;) {
      const seen = this.tail;
      await seen;
      if (seen === this.tail) return;
    }
  }
}

function waitOrAbort(p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (!signal) return p;
  const aborted = () =>
    new ConfigApplyError('apply: aborted while waiting for another apply (nothing was changed)');
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    p.then(done, done);
  });
}
