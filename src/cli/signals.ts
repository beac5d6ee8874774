/**
 * Process signals for `run`: SIGTERM and SIGINT stop the agent; SIGHUP asks for a configuration
 * reload (without a handler Node would end the process on SIGHUP, with no log line). Reload
 * requests that arrive while one is handled collapse into one.
 */
export type SignalEvent = 'stop' | 'reload';

export interface ProcessSignals {
  /** Aborted on SIGTERM/SIGINT. */
  readonly stop: AbortSignal;
  /** The stop signal's name, once received. */
  readonly received: string | undefined;
  /** The next event; `stop` wins over a pending reload. */
  next(): Promise<SignalEvent>;
  dispose(): void;
}

export function processSignals(): ProcessSignals {
  const controller = new AbortController();
  let received: string | undefined;
  let reloadPending = false;
  let wake: (() => void) | undefined;
  const onStop = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    received = name;
    controller.abort();
    wake?.();
  };
  const onHup = () => {
    reloadPending = true;
    wake?.();
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return {
    stop: controller.signal,
    get received() {
      return received;
    },
    async next() {
      for (;;) {
        if (controller.signal.aborted) return 'stop';
        if (reloadPending) {
          reloadPending = false;
          return 'reload';
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    },
    dispose() {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      process.off('SIGHUP', onHup);
    },
  };
}
