/**
 * The guardrail decision (docs/PROTOCOL.md §1.9, §5): a pure function of one memory reading and the settings.
 *
 * - `kind: 'used'` (default): usedBytes / limitBytes × 100 > threshold → critical `memory`.
 * - `kind: 'freeable'` (RDS without Performance Insights, which reports FreeableMemory):
 *   usedBytes holds the freeable bytes; freeable / limit × 100 < 100 − threshold → critical
 *   `freeable_memory`.
 * A zero, negative or non-finite limit, or a non-finite/negative reading, decides nothing (null):
 * a broken reading must not push the platform away from a good configuration.
 */
import type { GuardrailSignal } from '../src/platform/types.js';
import type { GuardrailSettings, MemoryReading } from './types.js';

export function evaluate(reading: MemoryReading, settings: GuardrailSettings): GuardrailSignal | null {
  const { usedBytes, limitBytes } = reading;
  const threshold = settings.memoryThreshold;
  if (!Number.isFinite(limitBytes) || limitBytes <= 0) return null;
  if (!Number.isFinite(usedBytes) || usedBytes < 0) return null;
  if (!Number.isFinite(threshold)) return null;
  const percent = (usedBytes / limitBytes) * 100;
  if (reading.kind === 'freeable') {
    return percent < 100 - threshold ? { level: 'critical', type: 'freeable_memory' } : null;
  }
  return percent > threshold ? { level: 'critical', type: 'memory' } : null;
}
