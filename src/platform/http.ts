/**
 * One platform HTTP call with the Go agent's retry policy (docs/PROTOCOL.md §1.2, hashicorp/go-retryablehttp
 * DefaultRetryPolicy/DefaultBackoff) plus what the Go agent lacks: an overall deadline per call, so a
 * dead endpoint cannot stall the caller for the ≈13.5 min the Go retry budget allows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { scrub, type Logger } from '../log.js';
import type { ProxyAgents } from '../net/proxy.js';
import { PlatformError, bodyExcerpt, type PlatformErrorReason } from './platform-error.js';
import { exchange } from './request.js';

export interface RetrySettings {
  /** First backoff (Go RetryWaitMin, 1 s); doubles per attempt. */
  baseDelayMs: number;
  /** Backoff cap (Go RetryWaitMax, 30 s). */
  maxDelayMs: number;
  /** Per-attempt timeout (Go HTTPClient.Timeout, 4 s since #175). */
  attemptTimeoutMs: number;
  /** Go RetryMax = 30 → 31 attempts. */
  maxAttempts: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  attemptTimeoutMs: 4_000,
  maxAttempts: 31,
};

export interface CallSpec {
  endpoint: string;
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Statuses that complete the call; any other non-retryable status is an error. */
  accept: (status: number) => boolean;
  /** Overall deadline for all attempts and waits. */
  deadlineMs: number;
  /** false: a single attempt (raw-logs). */
  retry: boolean;
  signal?: AbortSignal | undefined;
}

export interface CallResult {
  status: number;
  body: Buffer;
  attempts: number;
}

export interface Transport {
  settings: RetrySettings;
  log: Logger;
  /** Redacts the API key (and registered secrets) from any text that reaches an error. */
  redact: (text: string) => string;
  /** Tunnel through a proxy (src/net/proxy.ts); undefined: direct. */
  agent?: ProxyAgents | undefined;
}

/** 429, and 5xx except 501 Not Implemented (DefaultRetryPolicy). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}

// Transport errors Go does not retry: redirect loops, bad scheme, invalid header, unknown CA.
const PERMANENT_ERROR_CODES = new Set([
  'ERR_TOO_MANY_REDIRECTS',
  'ERR_UNSUPPORTED_PROTOCOL',
  'ERR_INVALID_URL',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
  'ERR_HTTP_INVALID_HEADER_VALUE',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Backoff after `attempt` failed attempts: base · 2^(attempt-1), capped (DefaultBackoff). */
export function backoffDelay(attempt: number, s: RetrySettings): number {
  return Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** (attempt - 1));
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3); undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  // The three HTTP-date forms (IMF-fixdate, RFC 850, asctime) all begin with a day name.
  if (!/^[A-Za-z]{3}/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Attempt {
  status?: number;
  body?: Buffer;
  retryAfter?: string | undefined;
  error?: string;
}

export async function call(spec: CallSpec, t: Transport): Promise<CallResult> {
  // One controller per call, aborted by the deadline or the caller. Built by hand rather than with
  // AbortSignal.any, whose listeners on a long-lived caller signal are not released on Node 20.
  const controller = new AbortController();
  const signal = controller.signal;
  const deadline = { aborted: false };
  const timer = setTimeout(() => {
    deadline.aborted = true;
    controller.abort(new DOMException('platform call deadline exceeded', 'TimeoutError'));
  }, spec.deadlineMs);
  const onCallerAbort = () => controller.abort(spec.signal?.reason);
  if (spec.signal?.aborted) onCallerAbort();
  else spec.signal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await runAttempts(spec, t, signal, deadline);
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onCallerAbort);
  }
}

async function runAttempts(
  spec: CallSpec,
  t: Transport,
  signal: AbortSignal,
  deadline: { aborted: boolean },
): Promise<CallResult> {
  const started = Date.now();
  const fail = (
    reason: PlatformErrorReason,
    what: string,
    attempts: number,
    last?: Attempt,
  ): PlatformError => {
    const excerpt = last?.body ? t.redact(bodyExcerpt(last.body) ?? '') : undefined;
    const status = last?.status === undefined ? '' : `: status ${last.status}`;
    const tail = excerpt ? `: ${excerpt}` : last?.error ? `: ${last.error}` : '';
    const message = t.redact(
      `platform: ${spec.method} ${spec.endpoint}: ${what} after ${attempts} attempt(s)${status}${tail}`,
    );
    return new PlatformError(message, {
      endpoint: spec.endpoint,
      method: spec.method,
      status: last?.status,
      bodyExcerpt: excerpt || undefined,
      attempts,
      reason,
      transient: isTransient(reason, last),
    });
  };
  const abortReason = (): [PlatformErrorReason, string] =>
    deadline.aborted
      ? ['deadline', `deadline of ${spec.deadlineMs} ms exceeded`]
      : ['aborted', 'aborted by caller'];

  for (let attempt = 1; ; attempt++) {
    const last = await attemptOnce(spec, t, signal);
    if (last.status !== undefined && spec.accept(last.status)) {
      return { status: last.status, body: last.body ?? Buffer.alloc(0), attempts: attempt };
    }
    if (signal.aborted) throw fail(...abortReason(), attempt, last);
    const retryable = last.status === undefined ? last.error !== undefined : isRetryableStatus(last.status);
    const reason: PlatformErrorReason = last.status === undefined ? 'network' : 'status';
    const rejected = last.status === undefined ? 'request failed' : 'unexpected status';
    if (!spec.retry || !retryable || (last.status === undefined && isPermanent(last))) {
      throw fail(reason, rejected, attempt, last);
    }
    if (attempt >= t.settings.maxAttempts) throw fail(reason, 'giving up', attempt, last);
    const delay = retryDelay(attempt, last, t.settings);
    if (Date.now() - started + delay >= spec.deadlineMs) {
      throw fail(
        'deadline',
        `next retry in ${delay} ms would pass the ${spec.deadlineMs} ms deadline`,
        attempt,
        last,
      );
    }
    t.log.debug(
      { endpoint: spec.endpoint, attempt, status: last.status, err: last.error, delayMs: delay },
      'platform request retry',
    );
    try {
      await sleep(delay, undefined, { signal });
    } catch {
      throw fail(...abortReason(), attempt, last);
    }
  }
}

function retryDelay(attempt: number, last: Attempt, s: RetrySettings): number {
  // go-retryablehttp honours Retry-After on 429 and 503 only.
  if (last.status === 429 || last.status === 503) {
    const after = parseRetryAfter(last.retryAfter);
    if (after !== undefined) return after;
  }
  return backoffDelay(attempt, s);
}

function isTransient(reason: PlatformErrorReason, last: (Attempt & { code?: string }) | undefined): boolean {
  if (reason === 'deadline') return true;
  if (reason === 'status') return last?.status !== undefined && isRetryableStatus(last.status);
  if (reason === 'network') return last !== undefined && !isPermanent(last);
  return false;
}

function isPermanent(last: Attempt & { code?: string }): boolean {
  return last.code !== undefined && PERMANENT_ERROR_CODES.has(last.code);
}

async function attemptOnce(
  spec: CallSpec,
  t: Transport,
  signal: AbortSignal,
): Promise<Attempt & { code?: string }> {
  try {
    const res = await exchange({
      method: spec.method,
      url: spec.url,
      headers: spec.headers,
      body: spec.body,
      timeoutMs: t.settings.attemptTimeoutMs,
      signal,
      ...(t.agent ? { agent: t.agent } : {}),
    });
    return { status: res.status, body: res.body, retryAfter: res.retryAfter };
  } catch (err) {
    // Keep only code and message (never the request options, which carry the API key header).
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = t.redact(scrub(typeof e.message === 'string' ? e.message : String(err)));
    return { error: code ? `${code}: ${message}` : message, ...(code ? { code } : {}) };
  }
}
