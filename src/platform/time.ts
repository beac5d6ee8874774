/**
 * RFC 3339 timestamps at second precision, as Go's `time.Format(time.RFC3339)` prints them:
 * fractional seconds are truncated and a zero offset is written `Z` (Go's `Z07:00` layout),
 * whether the time is in UTC or in a local zone that happens to be at +00:00.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** In the agent's local time zone (metrics and system-info timestamps, docs/PROTOCOL.md §1.5). */
export function rfc3339Local(date: Date): string {
  assertValid(date);
  const offsetMin = -date.getTimezoneOffset();
  const base =
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin > 0 ? '+' : '-';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** In UTC (heartbeat start time, error reports, raw logs, docs/PROTOCOL.md §1.4, §1.10, §1.11). */
export function rfc3339Utc(date: Date): string {
  assertValid(date);
  return `${date.toISOString().slice(0, 19)}Z`;
}

function assertValid(date: Date): void {
  if (Number.isNaN(date.getTime())) throw new RangeError('timestamp: invalid date');
}
