/**
 * What the agent's error reports mean for the session (docs/PROTOCOL.md §1.10, §4.6): the apply failures that
 * make a proposal unappliable, and the fallback when the final configuration cannot be applied.
 */
import type { Config, FinalDecision } from '../tuner/index.js';

/** ApplyConfig failures the runner reports for the proposal it just fetched (docs/PROTOCOL.md §1.10). */
const APPLY_ERROR_TYPES = new Set(['config_apply_error', 'restart_not_allowed', 'default_parameter_group']);

export function isApplyErrorType(type: string): boolean {
  return APPLY_ERROR_TYPES.has(type);
}

export interface LogEntry {
  readonly type: string;
  readonly message: string;
}

export function readLogEntry(body: unknown): LogEntry | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const o = body as Record<string, unknown>;
  if (typeof o.error_type !== 'string') return null;
  return { type: o.error_type, message: typeof o.error_message === 'string' ? o.error_message : '' };
}

/** Kept short: the agent's message can carry a whole validation list. */
const NOTE_MAX = 300;

export function applyFailureNote(type: string, message: string): string {
  const text = message.replace(/^Failed to apply configuration: /, '');
  const short = text.length > NOTE_MAX ? `${text.slice(0, NOTE_MAX)}…` : text;
  return `not applied: ${type}${short ? `: ${short}` : ''}`;
}

/**
 * When the best configuration cannot be applied at the end, keep the baseline instead (it is what
 * ran before the session). Null when the baseline itself failed: nothing safer is left to try.
 */
export function finalFallback(final: FinalDecision, baseline: Config, note: string): FinalDecision | null {
  if (final.source === 'baseline') return null;
  return {
    ...final,
    source: 'baseline',
    config: { ...baseline },
    iteration: 0,
    improvement: 0,
    reason: `baseline: the best configuration (iteration ${final.iteration}) was ${note}; before that: ${final.reason}`,
  };
}
