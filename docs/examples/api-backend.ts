/**
 * The settings backend of an API-based adapter, as CustomAgent.md shows it. A test compiles this
 * file and runs it against a real PostgreSQL (test/integration/custom-agent-example.test.ts), so
 * the guide cannot drift from the contract.
 *
 * `ParameterApi` stands for a managed service's SDK client: it holds named parameters and applies
 * them with a reload or a reboot, like an RDS parameter group or Cloud SQL database flags.
 */
import {
  createApplyEngine,
  type Activation,
  type ApplyEngine,
  type EngineConfig,
  type PlannedChange,
  type RestoreContext,
  type SettingsBackend,
} from '../../src/apply/index.js';
import type { Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';

export interface ParameterApi {
  get(names: readonly string[], signal: AbortSignal): Promise<Map<string, string | null>>;
  modify(values: ReadonlyMap<string, string | null>, signal: AbortSignal): Promise<void>;
  /** Resolve when the service reports the values applied (reload) or the reboot done. */
  applyPending(mode: Activation, signal: AbortSignal): Promise<void>;
  modifiable(name: string): boolean;
}

/** The backend: only the platform's verbs. Planning, verification and rollback are the engine's. */
export function apiBackend(api: ParameterApi): SettingsBackend<Map<string, string | null>> {
  return {
    id: 'example-api',
    canRestart: true,
    check: (plan) =>
      Promise.resolve(
        plan.changes.filter((c) => !api.modifiable(c.name)).map((c) => `${c.name} is not modifiable here`),
      ),
    snapshot: (changes, signal) =>
      api.get(
        changes.map((c) => c.name),
        signal,
      ),
    write: (changes: readonly PlannedChange[], signal) =>
      api.modify(new Map(changes.map((c) => [c.name, c.proposed])), signal),
    activate: (mode, _changes, signal) => api.applyPending(mode, signal),
    async restore(previous, _attempted, ctx: RestoreContext) {
      await api.modify(previous, ctx.signal);
      await api.applyPending(ctx.activated === 'restart' ? 'restart' : 'reload', ctx.signal);
    },
  };
}

/** What the adapter's `create` puts in `Adapter.settings`. */
export function apiSettings(db: Db, api: ParameterApi, config: EngineConfig, log: Logger): ApplyEngine {
  return createApplyEngine({ db, backend: apiBackend(api), config, log });
}
