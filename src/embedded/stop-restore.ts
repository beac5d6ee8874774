/**
 * SIGTERM/SIGINT during an embedded session: put the database back where the session found it (the
 * baseline), or on the configuration the session kept when it was already applying it, through the
 * adapter's own apply engine (validated, verified, rolled back on failure). A value that needs a
 * restart is restored only when restarts are allowed; otherwise the log names what stays.
 */
import type { Adapter } from '../../adapters/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { decodeRecommendation } from '../platform/format.js';
import type { Proposal } from '../platform/types.js';
import type { EmbeddedPlatform } from './platform/index.js';

/**
 * Reload-only restores finish in a second or two; a stalled one must not hold the shutdown. With
 * run's 7 s grace for in-flight work before it, the whole stop stays inside the 20 s systemd gives
 * (TimeoutStopSec in deploy/systemd/dbtune-agent.service).
 */
export const RESTORE_BUDGET_MS = 10_000;

export interface StopRestoreResult {
  readonly source: 'baseline' | 'best' | null;
  readonly action: 'none' | 'reload' | 'restart' | 'failed';
  /** Restart-only knobs left at the session's value because restarts are not allowed. */
  readonly pendingRestart: readonly string[];
}

/** Split a proposal into its reload part and its restart-only (postmaster) knobs. */
export function splitRestartKnobs(p: Proposal): { reload: Proposal; restart: Proposal } {
  const isRestart = (name: string) => p.config.some((r) => r.name === name && r.context === 'postmaster');
  const part = (keep: boolean, application: 'reload' | 'restart'): Proposal => ({
    config: p.config.filter((r) => isRestart(r.name) === keep),
    knobs_overrides: p.knobs_overrides.filter((n) => isRestart(n) === keep),
    knob_application: application,
  });
  return { reload: part(false, 'reload'), restart: part(true, 'restart') };
}

export async function restoreOnStop(
  platform: Pick<EmbeddedPlatform, 'stopRestore'>,
  adapter: Pick<Adapter, 'settings'>,
  opts: { allowRestart: boolean; dryRun: boolean; log: Logger; budgetMs?: number },
): Promise<StopRestoreResult> {
  const { log } = opts;
  const restore = platform.stopRestore();
  if (restore && opts.dryRun) {
    log.info('embedded platform: stopping; dry run, so nothing was applied and nothing is restored');
    return { source: restore.source, action: 'none', pendingRestart: [] };
  }
  if (!restore) {
    log.info('embedded platform: stopping; the session changed nothing that needs restoring');
    return { source: null, action: 'none', pendingRestart: [] };
  }
  let proposal = decodeRecommendation([restore.recommendation]);
  if (!proposal) return { source: restore.source, action: 'none', pendingRestart: [] };
  let pendingRestart: string[] = [];
  if (!(opts.allowRestart && adapter.settings.backend.canRestart)) {
    const { reload, restart } = splitRestartKnobs(proposal);
    proposal = reload;
    if (restart.knobs_overrides.length > 0) {
      // Planning changes nothing; it refuses exactly when a restart-only knob differs from its target.
      const refusal = await adapter.settings.plan(restart).then(
        () => null,
        (err: unknown) => errorMessage(err),
      );
      if (refusal !== null) {
        pendingRestart = restart.knobs_overrides;
        log.warn(
          { source: restore.source, knobs: pendingRestart, err: refusal },
          'embedded platform: restarts are not allowed, so these restart-only knobs keep the session value; restore them by hand or with allow_restart',
        );
      }
    }
  }
  try {
    const result = await adapter.settings.apply(proposal, {
      signal: AbortSignal.timeout(opts.budgetMs ?? RESTORE_BUDGET_MS),
    });
    log.info(
      { source: restore.source, action: result.action, knobs: result.plan.changes.map((c) => c.name) },
      restore.source === 'baseline'
        ? 'embedded platform: stopped mid-session; the baseline configuration is restored'
        : 'embedded platform: stopped while finalising; the kept configuration is applied',
    );
    return {
      source: restore.source,
      action: result.action === 'dry-run' ? 'none' : result.action,
      pendingRestart,
    };
  } catch (err) {
    log.error(
      { source: restore.source, err: errorMessage(err) },
      'embedded platform: stopping: could not restore the configuration; session values may remain in effect',
    );
    return { source: restore.source, action: 'failed', pendingRestart };
  }
}
