/** Deadlines for tasks: a hung promise becomes a DeadlineError instead of a stalled loop. */

export class DeadlineError extends Error {
  constructor(
    readonly task: string,
    readonly ms: number,
  ) {
    super(`${task} timed out after ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

/**
 * Run `fn` with an AbortSignal that fires after `ms`, and stop waiting at that point even if `fn`
 * ignores the signal (its promise is left to settle on its own; its result is discarded).
 * An outer signal (shutdown) aborts too.
 */
export async function withDeadline<T>(
  task: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(task, ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    const work = Promise.resolve().then(() => fn(controller.signal));
    work.catch(() => undefined); // a late rejection after the deadline must not be unhandled
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Resolve after `ms`, or early when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
