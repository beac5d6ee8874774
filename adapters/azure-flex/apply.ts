/**
 * The Azure settings backend: server parameters through Resource Manager (Configurations - Put, one
 * long-running operation per knob, followed to its end), made live by Azure itself (dynamic
 * parameters) or by Servers - Restart (static ones, which Azure flags `isConfigPendingRestart`).
 * Planning, the restart policy, dry-run, the no-op rule, the read-back in pg_settings and calling
 * `restore` after any failure belong to the apply engine (src/apply/engine.ts).
 * https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/concepts-server-parameters
 */
import type { Activation, PrivilegeGap, RestoreContext, SettingsBackend } from '../../src/apply/backend.js';
import type { ApplyPlan, PlannedChange } from '../../src/apply/types.js';
import { errorMessage } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { AzureFlexApi, ConfigurationState } from './api.js';
import { serverResourceId } from './config.js';
import { intelligentTuning, INTELLIGENT_TUNING, METRIC_TARGETS } from './intelligent-tuning.js';
import { neededActions, rbacGaps } from './privileges.js';

export interface AzureSnapshotEntry {
  name: string;
  value: string;
  source: string;
  defaultValue: string | undefined;
}
export type AzureSnapshot = readonly AzureSnapshotEntry[];

/** Upper bound for one Azure call, its long-running operation included. */
const CALL_TIMEOUT_MS = 10 * 60_000;
const bounded = (signal: AbortSignal) => AbortSignal.any([signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]);

export interface AzureBackendOptions {
  log: Logger;
  /** `postgresql.allow_restart`: whether the restart actions are needed (for `privileges`). */
  allowRestart: boolean;
}

/** What an entry must be put back to: its value, or, when Azure had it at its default, the default. */
function restoreValue(e: AzureSnapshotEntry): string {
  return e.source === 'system-default' && e.defaultValue !== undefined ? e.defaultValue : e.value;
}

export function azureConfigurationsBackend(
  api: AzureFlexApi,
  opts: AzureBackendOptions,
): SettingsBackend<AzureSnapshot> {
  const { log } = opts;
  const server = api.settings.serverName;

  async function check(plan: ApplyPlan, signal: AbortSignal): Promise<readonly string[]> {
    const [srv, configs] = await Promise.all([api.getServer(signal), api.listConfigurations(signal)]);
    const problems: string[] = [];
    if (srv.state && srv.state !== 'Ready') {
      problems.push(
        `server "${server}" is ${srv.state}, not Ready; Azure accepts parameter changes only when Ready`,
      );
    }
    const byName = new Map(configs.map((c) => [c.name, c]));
    const tuning = intelligentTuning(configs);
    for (const change of plan.changes) {
      const c = byName.get(change.name);
      if (!c) {
        problems.push(`${change.name}: not a server parameter of this Azure Flexible Server`);
      } else if (c.isReadOnly) {
        problems.push(`${change.name}: read-only on Azure Database for PostgreSQL Flexible Server`);
      } else if (tuning.managed.has(change.name)) {
        problems.push(
          `${change.name}: managed by Azure intelligent tuning (${INTELLIGENT_TUNING}=on, ` +
            `${METRIC_TARGETS}=${tuning.targets}); remove "${tuning.managed.get(change.name)}" ` +
            `from ${METRIC_TARGETS} or turn ${INTELLIGENT_TUNING} off to let the agent tune it`,
        );
      }
    }
    return problems;
  }

  async function snapshot(changes: readonly PlannedChange[], signal: AbortSignal): Promise<AzureSnapshot> {
    const out: AzureSnapshotEntry[] = [];
    for (const ch of changes) {
      const c = await api.getConfiguration(ch.name, bounded(signal));
      out.push({ name: c.name, value: c.value, source: c.source, defaultValue: c.defaultValue });
    }
    return out;
  }

  async function write(changes: readonly PlannedChange[], signal: AbortSignal): Promise<void> {
    for (const ch of changes) {
      const after = await api.putConfiguration(ch.name, ch.proposed, bounded(signal));
      log.info(
        { knob: ch.name, value: ch.proposed, pendingRestart: after.isConfigPendingRestart },
        'server parameter written',
      );
    }
  }

  /** Configurations Azure still reports as waiting for a restart. */
  async function pending(names: readonly string[], signal: AbortSignal): Promise<ConfigurationState[]> {
    const out: ConfigurationState[] = [];
    for (const name of names) {
      const c = await api.getConfiguration(name, signal);
      if (c.isConfigPendingRestart) out.push(c);
    }
    return out;
  }

  async function activate(
    mode: Activation,
    changes: readonly PlannedChange[],
    signal: AbortSignal,
  ): Promise<void> {
    const waiting = await pending(
      changes.map((c) => c.name),
      signal,
    );
    if (mode === 'reload') {
      // Azure reloads dynamic parameters itself when the put completes; a parameter it still holds
      // for a restart was planned as a reload, so the plan cannot go live without one.
      if (waiting.length > 0) {
        throw new Error(
          `azure-flex: ${waiting.map((c) => c.name).join(', ')} wait for a server restart on Azure, ` +
            'but the plan was a reload',
        );
      }
      return;
    }
    if (waiting.length === 0) {
      log.info({ server }, 'no server parameter is pending a restart; restart skipped');
      return;
    }
    log.info({ server, knobs: waiting.map((c) => c.name) }, 'restarting the server');
    await api.restartServer(signal);
  }

  async function restore(snap: AzureSnapshot, _attempted: readonly PlannedChange[], ctx: RestoreContext) {
    const failures: string[] = [];
    const restored: string[] = [];
    const callSignal = () => bounded(ctx.signal);
    // Last written first, so the order of writes is undone in reverse.
    for (const e of [...snap].reverse()) {
      const target = restoreValue(e);
      try {
        const now = await api.getConfiguration(e.name, callSignal());
        if (now.value === target && now.source === e.source) continue;
        const after = await api.putConfiguration(e.name, target, callSignal());
        restored.push(after.name);
        ctx.log.info({ knob: e.name, value: target, source: after.source }, 'server parameter restored');
      } catch (err) {
        failures.push(`${e.name}: ${errorMessage(err)}`);
      }
    }
    // A restart-context value that went live stays live until the server restarts again.
    try {
      const waiting = await pending(
        snap.map((e) => e.name),
        callSignal(),
      );
      if (waiting.length > 0) {
        ctx.log.warn({ knobs: waiting.map((c) => c.name) }, 'restarting the server to restore parameters');
        await api.restartServer(callSignal());
      }
    } catch (err) {
      failures.push(`restart: ${errorMessage(err)}`);
    }
    if (failures.length > 0) {
      throw new Error(`azure-flex: restore incomplete: ${failures.join('; ')}`);
    }
  }

  /** RBAC is per server, not per knob: the same actions cover every parameter. */
  async function privileges(_knobs: readonly string[], signal: AbortSignal): Promise<PrivilegeGap[]> {
    const perms = await api.permissions(signal);
    return rbacGaps(perms, neededActions(opts.allowRestart), serverResourceId(api.settings));
  }

  return {
    id: 'azure-configurations',
    canRestart: true,
    check,
    snapshot,
    write,
    activate,
    restore,
    privileges,
  };
}
