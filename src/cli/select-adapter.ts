/**
 * Adapter selection (docs/ADAPTERS.md §1): an explicit flag; else env vars; else config-file sections; else
 * local. Two flags, or RDS/Aurora env vars without a flag, are usage errors (exit 2) with guidance.
 */
import {
  ADAPTERS,
  ENV_DETECTION_ORDER,
  SECTION_DETECTION_ORDER,
  adapterEntry,
} from '../../adapters/index.js';
import type { AdapterId } from '../../adapters/types.js';
import { UsageError } from './usage-error.js';

export interface Selection {
  id: AdapterId;
  /** How it was chosen, for the startup log line. */
  reason: string;
}

export function selectAdapter(opts: {
  flags: Partial<Record<AdapterId, boolean>>;
  env: NodeJS.ProcessEnv;
  /** Config sections present in the file or set through env. */
  sections: ReadonlySet<string>;
}): Selection {
  const chosen = ADAPTERS.filter((a) => opts.flags[a.id]);
  if (chosen.length > 1) {
    throw new UsageError(`choose one adapter: ${chosen.map((a) => a.flag).join(' and ')} were both given`);
  }
  if (chosen[0]) return { id: chosen[0].id, reason: `flag ${chosen[0].flag}` };

  for (const id of ENV_DETECTION_ORDER) {
    const entry = adapterEntry(id);
    const hit = entry.detectEnv.find((name) => (opts.env[name] ?? '') !== '');
    if (!hit) continue;
    if (id === 'rds') {
      throw new UsageError(
        `ambiguous configuration: ${hit} is set, which both RDS and Aurora use; run with --rds or --aurora`,
      );
    }
    return { id, reason: `env ${hit}` };
  }
  for (const id of SECTION_DETECTION_ORDER) {
    const section = adapterEntry(id).section;
    if (section && opts.sections.has(section)) return { id, reason: `config section ${section}:` };
  }
  return { id: 'local', reason: 'default (no other adapter configured)' };
}
