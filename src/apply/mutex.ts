/**
 * One apply at a time per process. Two overlapping applies would interleave ALTER SYSTEM statements
 * and each would "roll back" the other's changes; the config task can overlap itself when an apply
 * (a restart) outlasts the 5 s tick. Waiters queue in order; each re-validates against the live
 * catalog once it holds the lock, so a queued duplicate proposal ends as a no-op.
 */
import { ConfigApplyError } from '../errors.js';

let tail: Promise<void> = Promise.resolve();

/** Run `fn` holding the apply lock. Aborting `signal` while still waiting abandons the call. */
export async function withApplyLock<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const previous = tail;
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  tail = previous.then(() => mine);
  try {
    await waitOrAbort(previous, signal);
    return await fn();
  } finally {
    release();
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
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
    );
  });
}

/** Resolves once no apply is running or queued (shutdown waits on this). */
export async function applyIdle(): Promise<void> {
  for (;;) {
    const seen = tail;
    await seen;
    if (seen === tail) return;
  }
}
