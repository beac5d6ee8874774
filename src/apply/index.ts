/**
 * The apply pipeline's single entry point, shared by every adapter that applies with SQL (local,
 * docker, patroni): proposal → parse → validate (live catalog, allow/deny lists, restart policy) →
 * ALTER SYSTEM → reload or restart → wait → read back → roll back on any failure.
 */
import { AgentError, ConfigApplyError, errorMessage } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Db } from '../pg/pool.js';
import type { Proposal } from '../platform/types.js';
import { createKnobPolicy } from './allowlist.js';
import { executePlan } from './apply.js';
import type { ExecuteContext } from './context.js';
import { withApplyLock } from './mutex.js';
import type { ApplyOptions, ApplyPlan, ApplyResult } from './types.js';
import { validate } from './validate.js';

export {
  ALLOWLIST_GROUPS,
  DEFAULT_ALLOWLIST,
  DENYLIST,
  DENY_PATTERNS,
  createKnobPolicy,
  denyReason,
} from './allowlist.js';
export type { KnobPolicy } from './allowlist.js';
export { localAutoConfFile } from './auto-conf-file.js';
export { formatPlan } from './format-plan.js';
export { applyIdle } from './mutex.js';
export { formatSetting, parseProposal } from './parse.js';
export type { ParsedKnob, ParsedProposal } from './parse.js';
export { createLocalRestart } from './restart-local.js';
export type { LocalRestartOptions } from './restart-local.js';
export { ApplyValidationError, validate } from './validate.js';
export type * from './types.js';

const DEFAULTS = { readyTimeoutMs: 120_000, verifyTimeoutMs: 10_000, pollIntervalMs: 500 };

function wrap(err: unknown): Error {
  if (err instanceof AgentError) return err;
  const msg = errorMessage(err);
  return new ConfigApplyError(msg.startsWith('apply: ') ? msg : `apply: validate: ${msg}`, { cause: err });
}

async function plan(db: Db, proposal: Proposal, opts: ApplyOptions): Promise<ApplyPlan> {
  const policy = createKnobPolicy(opts);
  if (policy.ignoredAdds.length) {
    (opts.log ?? silentLogger()).warn(
      { knobs: policy.ignoredAdds },
      'allowlistAdd names denylisted knobs; they stay refused',
    );
  }
  try {
    return await validate(db, proposal, policy, {
      allowRestart: opts.allowRestart === true,
      canRestart: !!opts.restart,
    });
  } catch (err) {
    throw wrap(err);
  }
}

/** Validate a proposal and return the plan without changing anything (dry run). */
export function planProposal(db: Db, proposal: Proposal, opts: ApplyOptions = {}): Promise<ApplyPlan> {
  return plan(db, proposal, opts);
}

/**
 * Apply a proposal. Resolves with the action taken (`none` when every knob is already at its
 * target: no reload, no restart). Rejects with RestartNotAllowedError or ConfigApplyError; after a
 * failed apply the previous settings have been restored (the message says so) or the message says
 * exactly what could not be restored.
 */
export function applyProposal(db: Db, proposal: Proposal, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const log = opts.log ?? silentLogger();
  return withApplyLock(async () => {
    const validated = await plan(db, proposal, opts);
    if (opts.dryRun) return { plan: validated, action: 'dry-run' };
    if (validated.changes.length === 0) return { plan: validated, action: 'none' };
    if (opts.signal?.aborted) throw new ConfigApplyError('apply: aborted (shutdown) before any change');
    const pollIntervalMs = Math.min(1_000, Math.max(50, opts.pollIntervalMs ?? DEFAULTS.pollIntervalMs));
    const ctx: ExecuteContext = {
      restart: opts.restart,
      readyTimeoutMs: opts.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
      verifyTimeoutMs: opts.verifyTimeoutMs ?? DEFAULTS.verifyTimeoutMs,
      pollIntervalMs,
      connectionUrl: opts.connectionUrl,
      autoConfFile: opts.autoConfFile,
      log,
      signal: opts.signal,
    };
    const started = Date.now();
    const action = await executePlan(db, validated, ctx);
    // The caller (CommonAgent) logs the outcome at info; this line adds the timing for debugging.
    log.debug(
      {
        action,
        knobs: validated.changes.map((c) => `${c.name}=${c.proposed}`),
        durationMs: Date.now() - started,
      },
      'apply pipeline finished',
    );
    return { plan: validated, action };
  }, opts.signal);
}
