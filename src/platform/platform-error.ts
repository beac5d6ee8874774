/**
 * A failed platform call. The message names the endpoint, the status (when a response arrived) and
 * the response body excerpt; it never contains the API key (it is redacted before the error exists).
 */
export interface PlatformErrorDetails {
  /** Endpoint path after `/api/v1/agent/`, e.g. `heartbeat` or `pg_stat_statements`. */
  endpoint: string;
  method: string;
  /** HTTP status of the last response, when one arrived. */
  status?: number | undefined;
  /** At most 4 KiB of the last response body (docs/PROTOCOL.md §1.3), redacted. */
  bodyExcerpt?: string | undefined;
  /** Attempts made, including the failed one. */
  attempts: number;
  /** Why the call failed: the status was rejected, the transport failed, the deadline passed, etc. */
  reason: PlatformErrorReason;
  /**
   * The failure may pass by itself (5xx, 429, refused, reset, timed out, deadline); false for a
   * rejection that needs a fix (401/403/404, an untrusted certificate, a bad URL). Undefined: unknown.
   */
  transient?: boolean | undefined;
}

export type PlatformErrorReason = 'status' | 'network' | 'deadline' | 'aborted' | 'decode' | 'encode';

export class PlatformError extends Error {
  readonly endpoint: string;
  readonly method: string;
  readonly status: number | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly attempts: number;
  readonly reason: PlatformErrorReason;
  readonly transient: boolean | undefined;

  constructor(message: string, details: PlatformErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlatformError';
    this.endpoint = details.endpoint;
    this.method = details.method;
    this.status = details.status;
    this.bodyExcerpt = details.bodyExcerpt;
    this.attempts = details.attempts;
    this.reason = details.reason;
    this.transient = details.transient;
  }
}

export const BODY_EXCERPT_BYTES = 4096;

/** The first 4 KiB of a body as text (a multi-byte character cut at the edge becomes U+FFFD). */
export function bodyExcerpt(body: Uint8Array | undefined): string | undefined {
  if (body === undefined || body.length === 0) return undefined;
  return Buffer.from(body.buffer, body.byteOffset, Math.min(body.length, BODY_EXCERPT_BYTES)).toString(
    'utf8',
  );
}
