/** Task intervals and deadlines (docs/PROTOCOL.md §2.1, §2.7; deadlines are ours). */
export interface Intervals {
  heartbeatMs: number;
  metricsMs: number;
  systemInfoMs: number;
  configMs: number;
  guardrailMs: number;
  /** After a guardrail signal, no check for this long (§2.3). */
  guardrailPauseMs: number;
  /** Delay between catalog collector starts (§2.4). */
  catalogStaggerMs: number;
  /** Multiplier for catalog collector intervals (1 in production). */
  catalogScale: number;
  /** Per metric collector (§2.7). */
  metricCollectorDeadlineMs: number;
  /** Whole metrics round (§2.7). */
  metricsRoundDeadlineMs: number;
  /** One catalog collect (ddl has its own 30 s budget inside). */
  catalogCollectDeadlineMs: number;
  /** A guardrail reading must be quick; it never waits on the database. */
  guardrailReadingDeadlineMs: number;
}

export const DEFAULT_INTERVALS: Intervals = {
  heartbeatMs: 15_000,
  metricsMs: 5_000,
  systemInfoMs: 60_000,
  configMs: 5_000,
  guardrailMs: 1_000,
  guardrailPauseMs: 15_000,
  catalogStaggerMs: 200,
  catalogScale: 1,
  metricCollectorDeadlineMs: 10_000,
  metricsRoundDeadlineMs: 20_000,
  catalogCollectDeadlineMs: 35_000,
  guardrailReadingDeadlineMs: 900,
};

/** Scale every interval (soak tests run 10× faster); deadlines are kept. */
export function scaledIntervals(scale: number): Intervals {
  if (!(scale > 0) || scale === 1) return DEFAULT_INTERVALS;
  const d = DEFAULT_INTERVALS;
  const s = (ms: number) => Math.max(50, Math.round(ms * scale));
  return {
    ...d,
    heartbeatMs: s(d.heartbeatMs),
    metricsMs: s(d.metricsMs),
    systemInfoMs: s(d.systemInfoMs),
    configMs: s(d.configMs),
    guardrailPauseMs: s(d.guardrailPauseMs),
    catalogScale: scale,
  };
}
