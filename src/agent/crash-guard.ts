/**
 * Crash isolation. Every task and collector runs through `CrashGuard.run`: a throw, a rejection or
 * a hang past its deadline is contained here and never reaches the event loop.
 *
 * Failures are split in two, as the Go agent splits errors from panics (docs/PROTOCOL.md §2.6):
 * - expected failures (a database error with a SQLSTATE, an unreachable database or platform,
 *   a typed AgentError) are returned to the caller, which logs or reports them as usual;
 * - anything else (a programming error, a hang) is a "panic": counted per name and reported to the
 *   platform as `<name>_panic` only at consecutive counts 1, 10, 100, … so a broken collector that
 *   fails every 5 s costs one report, then one per decade. A clean run resets the count.
 */
import type { Logger } from '../log.js';
import { AgentError } from '../errors.js';
import { isConnectionError, sqlState } from '../pg/sqlstate.js';
import { DeadlineError, withDeadline } from './deadline.js';

export type PanicReporter = (errorType: string, message: string) => Promise<void>;

export type GuardOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown; panic: boolean };

const STACK_LIMIT = 4096;

export function isExpectedFailure(err: unknown): boolean {
  if (err instanceof AgentError) return true;
  if (sqlState(err)) return true;
  if (isConnectionError(err)) return true;
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'PlatformError';
}

function isReportCount(n: number): boolean {
  // 1, 10, 100, … 1e8
  if (n < 1) return false;
  const log = Math.log10(n);
  return Number.isInteger(Math.round(log * 1e9) / 1e9) && n <= 1e8;
}

export class CrashGuard {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly report: PanicReporter,
    /** Told every finished run (service metrics); runs cut short by shutdown are not told. */
    private readonly observe?: (name: string, seconds: number, ok: boolean) => void,
  ) {}

  /** Consecutive panic count for `name` (tests, soak reports). */
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  async run<T>(
    name: string,
    deadlineMs: number,
    fn: (signal: AbortSignal) => Promise<T>,
    outer?: AbortSignal,
  ): Promise<GuardOutcome<T>> {
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    try {
      const value = await withDeadline(name, deadlineMs, fn, outer);
      this.counts.delete(name);
      this.observe?.(name, took(), true);
      return { ok: true, value };
    } catch (error) {
      if (outer?.aborted && !(error instanceof DeadlineError)) {
        return { ok: false, error, panic: false }; // shutting down
      }
      this.observe?.(name, took(), false);
      if (isExpectedFailure(error)) {
        this.counts.delete(name);
        return { ok: false, error, panic: false };
      }
      await this.panic(name, error);
      return { ok: false, error, panic: true };
    }
  }

  private async panic(name: string, error: unknown): Promise<void> {
    const n = (this.counts.get(name) ?? 0) + 1;
    this.counts.set(name, n);
    const text = error instanceof Error ? error.message : String(error);
    if (!isReportCount(n)) {
      this.log.debug({ task: name, consecutive: n, err: text }, 'task panicked again');
      return;
    }
    const stack = error instanceof Error && error.stack ? error.stack.slice(0, STACK_LIMIT) : '';
    this.log.error({ task: name, consecutive: n, err: text }, 'task panicked');
    try {
      await withDeadline(`${name} panic report`, 5_000, () =>
        this.report(`${name}_panic`, `panic in ${name} (consecutive panics: ${n}): ${text}\n${stack}`),
      );
    } catch (e) {
      this.log.debug({ task: name, err: e instanceof Error ? e.message : String(e) }, 'panic report failed');
    }
  }
}
