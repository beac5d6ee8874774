/**
 * `collected_at` as Go's `time.Time` JSON (RFC 3339 with nanoseconds, trailing zeros trimmed, UTC)
 * — the catalog envelope timestamp (facts §1.12).
 */
export function collectedAt(d: Date): string {
  const iso = d.toISOString(); // 2024-01-02T03:04:05.120Z
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
