/** Guardrail inputs and settings. The decision itself is a pure function (guardrails/evaluate.ts). */

export interface MemoryReading {
  /**
   * Bytes in use (for cgroups: usage minus inactive file cache). For `kind: 'freeable'` readings
   * this field carries the FREEABLE bytes the platform reported instead (see evaluate.ts).
   */
  usedBytes: number;
  /** Bytes available to the database (host total, or the cgroup limit). */
  limitBytes: number;
  /** Where the reading came from, for logs: `host`, `cgroup-v2`, `cgroup-v1`, `docker`, … */
  source: string;
  /**
   * Set when the platform reports free memory instead of used (RDS without Performance Insights):
   * the signal type is then `freeable_memory`.
   */
  kind?: 'used' | 'freeable';
}

export interface GuardrailSettings {
  /** Percent of memory in use above which a critical memory signal is raised (1–100, default 90). */
  memoryThreshold: number;
}
