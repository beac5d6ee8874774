/**
 * The guardrail task's quiet period (docs/PROTOCOL.md §2.3): after a signal, skip checks for 15 s; otherwise
 * check on every tick. Pure: the runner passes the clock.
 */
export class GuardrailThrottle {
  private lastSignal: number | undefined;

  constructor(private readonly quietMs = 15_000) {}

  /** Whether to consult the adapter at `now` (ms). */
  shouldCheck(now: number): boolean {
    return this.lastSignal === undefined || now - this.lastSignal >= this.quietMs;
  }

  /** Record a produced signal (whether or not sending it succeeded). */
  signalled(now: number): void {
    this.lastSignal = now;
  }
}
