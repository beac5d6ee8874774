/**
 * Error classification by SQLSTATE, in one place.
 * Codes: https://www.postgresql.org/docs/current/errcodes-appendix.html
 *
 * A connection-class error means "the database is not reachable right now": the runner's health
 * gate closes and gated tasks skip until a ping succeeds. Everything else is an ordinary failure.
 */

/** SQLSTATE of a node-postgres DatabaseError (or anything carrying a 5-character `code`). */
export function sqlState(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

// Class 57 "operator intervention" members that mean the server is going away or not yet there.
// 57014 (query_canceled) is deliberately absent: a statement timeout is not an outage.
const SHUTDOWN_CODES = new Set(['57000', '57P01', '57P02', '57P03', '57P04', '57P05']);

// Node socket errors that mean the peer is unreachable.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT', // unix socket path gone
]);

const MESSAGE_HINTS = [
  'connection refused',
  'connection reset',
  'broken pipe',
  'no such host',
  'i/o timeout',
  'connection timed out',
  'conn closed',
  'connection terminated',
  'timeout expired', // pg connectionTimeoutMillis
  'client has encountered a connection error',
  'cannot use a pool after calling end',
];

// 53300 too_many_connections ("remaining connection slots are reserved", "too many connections for
// role"): the server is full. Treated as unreachable so the gate's pinger backs off instead of every
// task and collector opening (and being refused) a new connection each tick.
const FULL_CODES = new Set(['53300']);

export function isConnectionError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const state = sqlState(err);
  if (state) return state.startsWith('08') || SHUTDOWN_CODES.has(state) || FULL_CODES.has(state);
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && SOCKET_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message.toLowerCase() : '';
  if (MESSAGE_HINTS.some((h) => message.includes(h))) return true;
  const cause = (err as { cause?: unknown }).cause;
  if (cause && cause !== err) return isConnectionError(cause);
  if (err instanceof AggregateError) return err.errors.some((e) => isConnectionError(e));
  return false;
}

/** Server in recovery, or a failover in progress: transient, logged at debug by gated tasks. */
export function isRecoveryError(err: unknown): boolean {
  const message = err instanceof Error ? err.message.toLowerCase() : String(err).toLowerCase();
  return message.includes('failover detected') || message.includes('recovery in progress');
}

/** 57014: statement_timeout or an explicit cancel. */
export function isQueryCanceled(err: unknown): boolean {
  return sqlState(err) === '57014';
}

/** 55P03: lock_timeout expired. */
export function isLockTimeout(err: unknown): boolean {
  return sqlState(err) === '55P03';
}

/** 25006: read-only transaction (a standby, or default_transaction_read_only). */
export function isReadOnly(err: unknown): boolean {
  return sqlState(err) === '25006';
}

/** 42501 insufficient_privilege, common on managed services for pg_control_* functions. */
export function isPermissionDenied(err: unknown): boolean {
  return sqlState(err) === '42501';
}
