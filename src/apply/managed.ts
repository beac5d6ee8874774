/**
 * Knobs the platform around PostgreSQL manages itself — Patroni's per-member and cluster-wide
 * parameters, the CloudNativePG operator's fixed parameters. The agent neither reports them in the
 * active configuration (so the platform has no reason to propose them) nor changes them: a
 * proposal's managed knobs are dropped with one warning naming them, and the rest goes through
 * the engine as usual (docs/ADAPTERS.md §8, §9). The backend's own `check` still refuses a managed knob
 * that reaches it, as a second line.
 */
import type { Logger } from '../log.js';
import type { ConfigRow, Proposal } from '../platform/types.js';
import type { ApplyEngine } from './engine.js';

export type IsManaged = (name: string) => boolean;

/** The proposal without its managed knobs, and the names that were dropped. */
export function splitManaged(
  proposal: Proposal,
  isManaged: IsManaged,
): { proposal: Proposal; skipped: string[] } {
  const skipped = proposal.knobs_overrides.filter(isManaged);
  if (skipped.length === 0) return { proposal, skipped };
  return {
    proposal: {
      ...proposal,
      knobs_overrides: proposal.knobs_overrides.filter((n) => !isManaged(n)),
      config: proposal.config.filter((r) => !isManaged(r.name)),
    },
    skipped,
  };
}

/** The active configuration without managed rows. */
export function withoutManaged(rows: readonly ConfigRow[], isManaged: IsManaged): ConfigRow[] {
  return rows.filter((r) => !isManaged(r.name));
}

/** An engine that drops managed knobs (with a warning) before planning or applying. */
export function skippingManaged(
  engine: ApplyEngine,
  o: { isManaged: IsManaged; manager: string; log: Logger },
): ApplyEngine {
  const skip = (proposal: Proposal): Proposal => {
    const split = splitManaged(proposal, o.isManaged);
    if (split.skipped.length > 0) {
      o.log.warn({ knobs: split.skipped, manager: o.manager }, 'managed parameters skipped');
    }
    return split.proposal;
  };
  return {
    backend: engine.backend,
    idle: () => engine.idle(),
    plan: (proposal, signal) => engine.plan(skip(proposal), signal),
    apply: (proposal, opts) => engine.apply(skip(proposal), opts),
  };
}
