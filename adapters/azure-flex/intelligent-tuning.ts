/**
 * Azure's intelligent tuning adjusts some server parameters by itself when `intelligent_tuning` is
 * on; which ones depends on `intelligent_tuning.metric_targets` (a set: `none`, `all`, or targets).
 * The agent must not fight it, so a proposal touching a managed knob is refused with a clear reason.
 * https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-intelligent-tuning
 */
import type { ConfigurationState } from './api.js';

export const INTELLIGENT_TUNING = 'intelligent_tuning';
export const METRIC_TARGETS = 'intelligent_tuning.metric_targets';

/** Target name (lower case) → the parameters that target tunes. */
const TARGETS: Readonly<Record<string, readonly string[]>> = {
  'storage-checkpoint_completion_target': ['checkpoint_completion_target'],
  'storage-min_wal_size': ['min_wal_size'],
  'storage-max_wal_size': ['max_wal_size'],
  'storage-bgwriter_delay': ['bgwriter_delay'],
  'tuning-autovacuum': [
    'autovacuum_vacuum_scale_factor',
    'autovacuum_vacuum_cost_limit',
    'autovacuum_naptime',
    'autovacuum_vacuum_threshold',
    'autovacuum_vacuum_cost_delay',
  ],
};

export interface IntelligentTuning {
  enabled: boolean;
  /** The metric_targets value as Azure reports it (for messages). */
  targets: string;
  /** Knob name → the target that manages it. */
  managed: ReadonlyMap<string, string>;
}

const isOn = (v: string | undefined) => ['on', 'true', '1'].includes((v ?? '').trim().toLowerCase());

export function intelligentTuning(configs: readonly ConfigurationState[]): IntelligentTuning {
  const byName = new Map(configs.map((c) => [c.name, c.value]));
  const enabled = isOn(byName.get(INTELLIGENT_TUNING));
  const targets = byName.get(METRIC_TARGETS) ?? 'none';
  const managed = new Map<string, string>();
  if (enabled) {
    const selected = targets
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== '');
    const all = selected.includes('all');
    for (const [target, knobs] of Object.entries(TARGETS)) {
      if (!all && !selected.includes(target)) continue;
      for (const k of knobs) managed.set(k, target);
    }
  }
  return { enabled, targets, managed };
}
