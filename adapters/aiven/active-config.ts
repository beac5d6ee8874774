/**
 * The active configuration as the platform expects it from Aiven (docs/ADAPTERS.md §6): pg_settings, with
 * `work_mem` in MB and a first row `shared_buffers_percentage` from the service's user_config
 * (Aiven's default, 20, when it was never set), so the platform proposes in the names Aiven takes.
 */
import type { ConfigRow } from '../../src/platform/types.js';
import { SHARED_BUFFERS_PERCENT } from './knobs.js';

export function aivenActiveConfig(
  rows: readonly ConfigRow[],
  userConfig: Record<string, unknown>,
): ConfigRow[] {
  const pct = Number(userConfig.shared_buffers_percentage);
  const first: ConfigRow = {
    name: 'shared_buffers_percentage',
    setting:
      Number.isFinite(pct) && userConfig.shared_buffers_percentage !== null
        ? pct
        : SHARED_BUFFERS_PERCENT.default,
    unit: 'percentage',
    vartype: 'real',
    context: 'service',
  };
  return [
    first,
    ...rows.map((r) =>
      r.name === 'work_mem'
        ? {
            name: 'work_mem',
            setting: Math.trunc(Number(r.setting) / 1024),
            unit: 'MB',
            vartype: 'integer',
            context: 'service',
          }
        : r,
    ),
  ];
}
