/**
 * The Aiven settings backend: `user_config` through the service update API (knobs.ts says where
 * each knob goes). Aiven writes and activates in one update, so `write` prepares it and `activate`
 * sends it and then watches the service state: after a change that restarts PostgreSQL
 * (shared_buffers_percentage) the service must be seen leaving RUNNING and coming back to it.
 * Restore sends the previous values back (null for a key that was not set, which removes it).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApplyEngine } from '../../src/apply/index.js';
import type { SettingsBackend } from '../../src/apply/backend.js';
import type { PlannedChange } from '../../src/apply/types.js';
import type { Logger } from '../../src/log.js';
import type { AivenApi } from './client.js';
import {
  KNOB_PLACEMENT,
  knobProblems,
  translateProposal,
  userConfigUpdate,
  userConfigValue,
  type Placement,
} from './knobs.js';

export interface AivenBackendOptions {
  api: AivenApi;
  log: Logger;
  /** The node's memory in bytes (shared_buffers ↔ shared_buffers_percentage). */
  memoryBytes: () => number;
  /** Interval between service-state polls (default 2 s). */
  pollIntervalMs?: number;
}

/** Previous value of every touched user_config key (undefined: it was not set). */
export interface AivenSnapshot {
  previous: Map<Placement, unknown>;
}

function previousOf(userConfig: Record<string, unknown>, p: Placement): unknown {
  if (p.level === 'service') return userConfig[p.key];
  const pg = userConfig.pg as Record<string, unknown> | undefined;
  return pg?.[p.key];
}

const restarts = (placements: Iterable<Placement>) =>
  [...placements].some((p) => p.level === 'service' && p.key === 'shared_buffers_percentage');

export function aivenBackend(opts: AivenBackendOptions): SettingsBackend<AivenSnapshot> {
  const { api, log } = opts;
  const pollMs = opts.pollIntervalMs ?? 2_000;
  let prepared: Map<Placement, number | null> | undefined;

  async function send(values: Map<Placement, number | null>, signal: AbortSignal): Promise<void> {
    const current = await api.getService(signal);
    const update = userConfigUpdate(current.userConfig, values);
    log.info({ keys: Object.keys(update) }, 'updating aiven user_config');
    const after = await api.updateUserConfig(update, signal);
    await waitState(after.state, restarts(values.keys()), signal);
  }

  /**
   * Poll until RUNNING; with `restart`, only after a state other than RUNNING was seen (the restart
   * itself). A deadline reached on the way says which state the service was left in.
   */
  async function waitState(first: string, restart: boolean, signal: AbortSignal): Promise<void> {
    let left = first !== 'RUNNING';
    let state = first;
    try {
      while (!(state === 'RUNNING' && (left || !restart))) {
        await sleep(pollMs, undefined, { signal });
        state = (await api.getService(signal)).state;
        if (state !== 'RUNNING') left = true;
        log.debug({ state }, 'aiven service state');
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      const what =
        restart && !left ? 'never saw the service restart' : 'the service did not return to RUNNING';
      throw new Error(`aiven: ${what} before the deadline (last state ${state || 'unknown'})`, {
        cause: err,
      });
    }
  }

  return {
    id: 'aiven-user-config',
    canRestart: true,
    check(plan) {
      return Promise.resolve(knobProblems(plan.changes, opts.memoryBytes()));
    },
    async snapshot(changes, signal) {
      const { userConfig } = await api.getService(signal);
      const previous = new Map<Placement, unknown>();
      for (const c of changes) {
        const p = KNOB_PLACEMENT[c.name];
        if (p) previous.set(p, previousOf(userConfig, p));
      }
      return { previous };
    },
    write(changes: readonly PlannedChange[]) {
      const memory = opts.memoryBytes();
      prepared = new Map();
      for (const c of changes) {
        const p = KNOB_PLACEMENT[c.name];
        if (!p) return Promise.reject(new Error(`aiven: ${c.name} has no place in user_config`));
        prepared.set(p, userConfigValue(c, memory));
      }
      return Promise.resolve();
    },
    async activate(_mode, _changes, signal) {
      const values = prepared;
      prepared = undefined;
      if (!values) throw new Error('aiven: activate called without a prepared update');
      await send(values, signal);
    },
    async restore(snapshot, _attempted, ctx) {
      prepared = undefined;
      const { userConfig } = await api.getService(ctx.signal);
      const back = new Map<Placement, number | null>();
      for (const [p, prev] of snapshot.previous) {
        if (previousOf(userConfig, p) !== prev) back.set(p, prev === undefined ? null : (prev as number));
      }
      if (back.size === 0) {
        ctx.log.info({}, 'aiven user_config unchanged; nothing to restore');
        return;
      }
      await send(back, ctx.signal);
    },
  };
}

/** The engine as the platform sees it on Aiven: proposals in Aiven's names are translated first. */
export function translatingEngine(engine: ApplyEngine, memoryBytes: () => number): ApplyEngine {
  return {
    backend: engine.backend,
    idle: () => engine.idle(),
    plan: async (proposal, signal) => engine.plan(translateProposal(proposal, memoryBytes()), signal),
    apply: async (proposal, o) => engine.apply(translateProposal(proposal, memoryBytes()), o),
  };
}
