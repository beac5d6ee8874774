import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, backoffDelay, isRetryableStatus, parseRetryAfter } from './http.js';

describe('retry policy (go-retryablehttp DefaultRetryPolicy/DefaultBackoff, docs/PROTOCOL.md §1.2)', () => {
  it('retries 429 and 5xx except 501, nothing else', () => {
    expect([429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 204, 301, 400, 401, 403, 404, 409, 501].some(isRetryableStatus)).toBe(false);
  });

  it('backs off 1 s doubling to a 30 s cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((a) => backoffDelay(a, DEFAULT_RETRY))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(DEFAULT_RETRY).toEqual({
      baseDelayMs: 1000,
      maxDelayMs: 30000,
      attemptTimeoutMs: 4000,
      maxAttempts: 31,
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});
