/**
 * The apply engine: one executor for every adapter (docs/ARCHITECTURE.md "Apply engine"). It owns the
 * guarantees — the whole batch is planned before anything changes, nothing is done when nothing
 * would change, a dry run touches nothing, one apply at a time, every value is read back in
 * `pg_settings`, and any failure after the first write restores the previous values and reads them
 * back too. How values are written is the settings backend's business (backend.ts).
 */
import { AgentError, ConfigApplyError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Db } from '../pg/pool.js';
import type { Proposal } from '../platform/types.js';
import { createKnobPolicy, type KnobPolicy } from './allowlist.js';
import type { Activation, RestoreContext, SettingsBackend } from './backend.js';
import { ApplyLock } from './lock.js';
import { parseProposal } from './parse.js';
import { ApplyValidationError, planChanges } from './plan.js';
import { readPendingRestart, readSettingRows } from './settings-read.js';
import type { ApplyPlan, ApplyResult, PlannedChange } from './types.js';
import { readBack, waitReady } from './wait.js';

export interface ApplyEngine {
  /** Validate a proposal and return the plan; change nothing. */
  plan(proposal: Proposal, signal?: AbortSignal): Promise<ApplyPlan>;
  /**
   * Apply a proposal. Resolves with the action taken (`none` when every knob is already at its
   * target). Rejects with an AgentError; after a failure past the first write the previous settings
   * are live again (the message says so) or the message says exactly what could not be restored.
   */
  apply(proposal: Proposal, opts?: { dryRun?: boolean; signal?: AbortSignal }): Promise<ApplyResult>;
  /** Resolves once no apply is running or queued (shutdown waits on this). */
  idle(): Promise<void>;
  readonly backend: SettingsBackend;
}

export interface EngineTiming {
  /** How long PostgreSQL may take to accept connections after a restart (default 120 000 ms). */
  readyTimeoutMs: number;
  /** How long values may take to show in pg_settings after activation (default 10 000 ms). */
  verifyTimeoutMs: number;
  /** Poll interval for readiness and read-back (default 500 ms; clamped to 50–1000). */
  pollIntervalMs: number;
  /**
   * Upper bound for one `activate` or `restore` call (default: the readiness timeout). A managed
   * service that reboots through its API needs more (an RDS reboot takes minutes).
   */
  activateTimeoutMs?: number;
}

/** The configuration keys the engine honours; a full Config satisfies it. */
export interface EngineConfig {
  postgresql: { allow_restart: boolean; connection_url?: string; restart_timeout_seconds: number };
  tuning: { allowlist_add: readonly string[]; allowlist_remove: readonly string[] };
}

export interface ApplyEngineOptions {
  db: Db;
  backend: SettingsBackend;
  log: Logger;
  config: EngineConfig;
  timing?: Partial<EngineTiming>;
}

const DEFAULT_TIMING: EngineTiming = {
  readyTimeoutMs: 120_000,
  verifyTimeoutMs: 10_000,
  pollIntervalMs: 500,
};

export function createApplyEngine(opts: ApplyEngineOptions): ApplyEngine {
  const { db, backend, log, config } = opts;
  const given = Object.fromEntries(Object.entries(opts.timing ?? {}).filter(([, v]) => v !== undefined));
  const timing: EngineTiming = {
    ...DEFAULT_TIMING,
    readyTimeoutMs: config.postgresql.restart_timeout_seconds * 1000,
    ...given,
  };
  timing.pollIntervalMs = Math.min(1_000, Math.max(50, timing.pollIntervalMs));
  const policy = createKnobPolicy({
    allowlistAdd: config.tuning.allowlist_add,
    allowlistRemove: config.tuning.allowlist_remove,
  });
  if (policy.ignoredAdds.length) {
    log.warn({ knobs: policy.ignoredAdds }, 'allowlist_add names denylisted knobs; they stay refused');
  }
  const lock = new ApplyLock();
  const exec = new Executor(db, backend, log, timing, config.postgresql.connection_url || undefined);
  const plan = (proposal: Proposal, signal?: AbortSignal) =>
    planProposal(db, backend, policy, config.postgresql.allow_restart, proposal, signal);

  return {
    backend,
    plan,
    idle: () => lock.idle(),
    apply: (proposal, { dryRun, signal } = {}) =>
      lock.run(async () => {
        const planned = await plan(proposal, signal);
        if (dryRun) return { plan: planned, action: 'dry-run' };
        if (planned.changes.length === 0) return { plan: planned, action: 'none' };
        if (signal?.aborted) throw new ConfigApplyError('apply: aborted (shutdown) before any change');
        const started = Date.now();
        const action = await exec.run(planned, signal ?? new AbortController().signal);
        log.debug({ action, backend: backend.id, durationMs: Date.now() - started }, 'apply engine finished');
        return { plan: planned, action };
      }, signal),
  };
}

function asApplyError(err: unknown, step: string): AgentError {
  if (err instanceof AgentError) return err;
  return new ConfigApplyError(stepMessage(step, err), { cause: err });
}

/** Prefix a message with `apply: <step>: ` unless it already names the component. */
export function stepMessage(step: string, err: unknown): string {
  const msg = errorMessage(err);
  return msg.startsWith('apply: ') ? msg : `apply: ${step}: ${msg}`;
}

async function planProposal(
  db: Db,
  backend: SettingsBackend,
  policy: KnobPolicy,
  allowRestart: boolean,
  proposal: Proposal,
  signal?: AbortSignal,
): Promise<ApplyPlan> {
  try {
    const parsed = parseProposal(proposal);
    const rows = await readSettingRows(
      db,
      parsed.knobs.map((k) => k.name),
    );
    const needsRestart = rows.some((r) => r.context === 'postmaster');
    const plan = planChanges({
      proposal: parsed,
      rows,
      pendingRestart: needsRestart ? await readPendingRestart(db) : [],
      policy,
      allowRestart,
      canRestart: backend.canRestart,
    });
    if (plan.changes.length && backend.check) {
      const problems = await backend.check(plan, signal ?? new AbortController().signal);
      if (problems.length) throw new ApplyValidationError(problems);
    }
    return plan;
  } catch (err) {
    throw asApplyError(err, 'validate');
  }
}

/** Runs one validated plan with changes: snapshot → write → activate → wait → read back → restore. */
class Executor {
  constructor(
    private readonly db: Db,
    private readonly backend: SettingsBackend,
    private readonly log: Logger,
    private readonly timing: EngineTiming,
    private readonly connectionUrl: string | undefined,
  ) {}

  private get activateTimeoutMs(): number {
    return this.timing.activateTimeoutMs ?? this.timing.readyTimeoutMs;
  }

  async run(plan: ApplyPlan, signal: AbortSignal): Promise<'reload' | 'restart'> {
    const { backend } = this;
    const mode: Activation = plan.restartRequired ? 'restart' : 'reload';
    let snapshot: unknown;
    try {
      snapshot = await backend.snapshot(plan.changes, signal);
    } catch (err) {
      throw new ConfigApplyError(`${stepMessage('snapshot', err)} (nothing was changed)`, { cause: err });
    }
    let step = 'write';
    let activated: Activation | null = null;
    try {
      await backend.write(plan.changes, signal);
      if (signal.aborted) throw new Error('apply: aborted (shutdown) before activation');
      // From here on the shutdown signal is not passed: an activation completes (or is restored).
      step = mode;
      activated = mode;
      if (mode === 'restart') {
        this.log.info(
          { knobs: plan.changes.map((c) => c.name) },
          'restarting PostgreSQL to apply configuration',
        );
      }
      await backend.activate(mode, plan.changes, AbortSignal.timeout(this.activateTimeoutMs));
      if (mode === 'restart') await this.waitUp('restart');
      step = 'verify';
      await readBack(
        this.db,
        plan.changes.map((c) => ({ name: c.name, vartype: c.vartype, value: c.proposed })),
        { timeoutMs: this.timing.verifyTimeoutMs, intervalMs: this.timing.pollIntervalMs, step: 'verify' },
      );
      return mode;
    } catch (err) {
      throw await this.restore(snapshot, plan.changes, activated, stepMessage(step, err), err);
    }
  }

  private async waitUp(step: string): Promise<void> {
    const up = await waitReady(this.db, {
      connectionUrl: this.connectionUrl,
      timeoutMs: this.timing.readyTimeoutMs,
      intervalMs: this.timing.pollIntervalMs,
    });
    if (!up)
      throw new Error(
        `apply: ${step}: PostgreSQL did not accept connections within ${this.timing.readyTimeoutMs} ms`,
      );
  }

  /** Restore `attempted` and return the error to throw (never throws itself). */
  private async restore(
    snapshot: unknown,
    attempted: readonly PlannedChange[],
    activated: Activation | null,
    failure: string,
    cause: unknown,
  ): Promise<ConfigApplyError> {
    const knobs = attempted.map((c) => c.name);
    this.log.warn({ err: failure, knobs, backend: this.backend.id }, 'apply failed; rolling back');
    const ctx: RestoreContext = {
      log: this.log,
      signal: AbortSignal.timeout(this.activateTimeoutMs * 2),
      activated,
      isUp: (timeoutMs = 2_000) =>
        waitReady(this.db, {
          connectionUrl: this.connectionUrl,
          timeoutMs: Math.min(timeoutMs, this.timing.readyTimeoutMs),
          intervalMs: this.timing.pollIntervalMs,
        }),
      waitUp: (step) => this.waitUp(step),
    };
    try {
      await this.backend.restore(snapshot, attempted, ctx);
      await this.waitUp('rollback');
      await readBack(
        this.db,
        attempted.map((c) => ({ name: c.name, vartype: c.vartype, value: c.current })),
        { timeoutMs: this.timing.verifyTimeoutMs, intervalMs: this.timing.pollIntervalMs, step: 'rollback' },
      );
      this.log.warn({ knobs }, 'rollback complete; previous settings are live');
      return new ConfigApplyError(`${failure}; rolled back to the previous settings`, { cause });
    } catch (err) {
      const message = `apply: rollback: ${errorMessage(err).replace(/^apply: rollback: /, '')} (after: ${failure})`;
      this.log.error({ err: message, knobs }, 'rollback failed');
      return new ConfigApplyError(message, { cause });
    }
  }
}
