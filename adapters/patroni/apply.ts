/**
 * The Patroni settings backend: configuration lives in Patroni's dynamic configuration (`/config`),
 * which Patroni writes into every member's postgresql.conf and reloads; a local ALTER SYSTEM would be
 * ignored or would shadow it on one node only (https://github.com/patroni/patroni/issues/821).
 * - check: refuse during failover recovery (`failover_detected`), on a standby (`standby_node_detected`), Patroni-managed knobs, knobs shadowed by
 *   postgresql.auto.conf on this node;
 * - snapshot/write/restore: `GET /config` and `PATCH /config` (a null value removes a key);
 * - activate: wait until every member shows the values (reload) or, for a restart, until every
 *   member has loaded them, then `POST /restart` on each member that needs it, replicas first and
 *   the leader last, each inside the intentional-restart window so it is not taken for a failover;
 *   then every parameter is verified on every member.
 * https://patroni.readthedocs.io/en/latest/rest_api.html#config-endpoint
 */
import type { Activation, RestoreContext, SettingsBackend } from '../../src/apply/backend.js';
import type { ApplyPlan, PlannedChange } from '../../src/apply/types.js';
import { StandbyNodeError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import type { Db } from '../../src/pg/pool.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { isLeader, PatroniApiError, type PatroniApi, type PatroniMember } from './client.js';
import type { FailoverTracker } from './failover.js';
import { isManaged } from './managed.js';
import { patroniPrivileges } from './privileges.js';
import {
  memberSettings,
  memberView,
  type Expected,
  type MemberSessions,
  type MemberView,
} from './members.js';

export interface PatroniSnapshot {
  /** Previous `/config` values of the changed parameters; null = the key was absent. */
  parameters: Record<string, unknown>;
  /** Each member's live pg_settings values before the change: what a rollback must bring back. */
  members: Map<string, Map<string, string>>;
}

/** Expected values, the same on every member or per member. */
type ExpectedFor = (m: PatroniMember) => readonly Expected[];

export interface PatroniBackendDeps {
  api: PatroniApi;
  /** The agent's pool, on this node. */
  db: Db;
  nodeName: string;
  sessions: MemberSessions;
  failover: FailoverTracker;
  log: Logger;
  /** settle: members reloading `/config` (Patroni acts on its next HA loop); restart: one member. */
  timing: { settleTimeoutMs: number; restartTimeoutMs: number; pollIntervalMs: number };
}

/**
 * The value written to `/config`: the base-unit number with its unit spelled out (`131072kB` for
 * shared_buffers 16384 × 8kB), so the dynamic configuration reads unambiguously.
 */
export function patroniValue(c: Pick<PlannedChange, 'proposed' | 'unit'>): string {
  const m = c.unit ? /^(\d+)?(B|kB|MB|GB|TB|us|ms|s|min|h|d)$/.exec(c.unit) : null;
  if (!m || c.proposed.trim() === '') return c.proposed;
  const factor = m[1] ? Number(m[1]) : 1;
  const n = Number(c.proposed);
  if (!Number.isFinite(n)) return c.proposed;
  return `${factor === 1 ? c.proposed : String(n * factor)}${m[2]}`;
}

function expectations(changes: readonly PlannedChange[], value: (c: PlannedChange) => string): Expected[] {
  return changes.map((c) => ({
    name: c.name,
    vartype: c.vartype,
    value: value(c),
    restart: c.context === 'postmaster',
  }));
}

const live = (v: MemberView) => v.differ.length === 0 && !v.pendingRestart;

export function createPatroniBackend(d: PatroniBackendDeps): SettingsBackend<PatroniSnapshot> {
  const { api, log } = d;
  // A PATCH that Patroni refused (4xx) changed nothing: restore then only checks the members.
  let writeRefused = false;

  /** Poll every member until `ready(view)` holds for all, or throw naming the laggards. */
  async function waitMembers(
    expected: ExpectedFor,
    ready: (v: MemberView) => boolean,
    step: string,
    timeoutMs: number,
    signal: AbortSignal,
    only?: PatroniMember,
  ): Promise<Map<string, MemberView>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = new Map<string, MemberView>();
      const waiting: string[] = [];
      try {
        const members = only ? [only] : await api.cluster(signal);
        for (const m of members) {
          try {
            const v = await memberView(d.sessions.db(m), expected(m));
            views.set(m.name, v);
            if (!ready(v)) {
              const what = v.differ.length ? v.differ.join(', ') : 'a restart is pending';
              waiting.push(`member ${m.name}: ${what}`);
            }
          } catch (err) {
            waiting.push(
              `member ${m.name} (${m.host}:${m.port}): ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
        if (members.length === 0) waiting.push('GET /cluster lists no members');
      } catch (err) {
        waiting.push(err instanceof Error ? err.message : String(err));
      }
      if (waiting.length === 0) return views;
      if (Date.now() + d.timing.pollIntervalMs > deadline) {
        throw new Error(`patroni: ${step}: not done after ${timeoutMs} ms: ${waiting.join('; ')}`);
      }
      try {
        await sleep(d.timing.pollIntervalMs, undefined, { signal });
      } catch {
        const why =
          signal.reason instanceof Error && signal.reason.name === 'TimeoutError' ? 'timed out' : 'aborted';
        throw new Error(`patroni: ${step}: ${why}: ${waiting.join('; ')}`);
      }
    }
  }

  async function restartMembers(expected: ExpectedFor, signal: AbortSignal): Promise<void> {
    const { settleTimeoutMs, restartTimeoutMs } = d.timing;
    // Patroni restarts with the configuration it has loaded: wait until every member has it.
    const loaded = await waitMembers(
      expected,
      (v) => v.differ.length === 0 || v.loaded,
      'wait for members to load /config',
      settleTimeoutMs,
      signal,
    );
    const members = await api.cluster(signal);
    const order = [...members.filter((m) => !isLeader(m)), ...members.filter(isLeader)];
    for (const m of order) {
      // Restart only a member whose expected values are not live yet. A member already running
      // them may still show pending_restart until it has reloaded (a rollback puts back the values
      // it never stopped running): that flag clears with the reload, and a restart would be spurious.
      const view = loaded.get(m.name);
      if (!view || view.differ.length === 0) continue;
      log.info({ member: m.name, role: m.role }, 'patroni: restarting member');
      d.failover.beginRestart();
      try {
        await api.restart(m, signal);
        await waitMembers(expected, live, `restart of member ${m.name}`, restartTimeoutMs, signal, m);
      } finally {
        d.failover.endRestart();
      }
    }
  }

  async function activateExpected(
    mode: Activation,
    expected: ExpectedFor,
    signal: AbortSignal,
  ): Promise<void> {
    if (mode === 'restart') await restartMembers(expected, signal);
    // Every parameter, on every member.
    await waitMembers(expected, live, 'verify on every member', d.timing.settleTimeoutMs, signal);
  }

  return {
    id: 'patroni-config',
    canRestart: true,

    async check(plan: ApplyPlan, signal: AbortSignal): Promise<readonly string[]> {
      d.failover.assertStable();
      const { rows } = await d.db.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      if (rows[0]?.standby) {
        const leader = d.failover.leader();
        throw new StandbyNodeError(
          `patroni: node ${d.nodeName} is a standby (pg_is_in_recovery); configuration is applied by the agent on the leader${leader ? ` (${leader})` : ''}`,
        );
      }
      const config = await api.config(signal);
      if (config.standby_cluster) {
        throw new StandbyNodeError(
          'patroni: this is a standby cluster (standby_cluster in /config); its configuration follows the primary cluster',
        );
      }
      const problems = plan.changes
        .filter((c) => isManaged(c.name))
        .map((c) => `patroni: ${c.name} is managed by Patroni; the agent does not change it`);
      const names = plan.changes.map((c) => c.name);
      const shadowed = await d.db.query<{ name: string }>(
        "SELECT name FROM pg_settings WHERE name = ANY($1) AND sourcefile LIKE '%postgresql.auto.conf'",
        [names],
      );
      for (const r of shadowed.rows) {
        problems.push(
          `patroni: ${r.name} is set in postgresql.auto.conf on ${d.nodeName} (ALTER SYSTEM), which overrides Patroni's configuration; run ALTER SYSTEM RESET ${r.name}`,
        );
      }
      return problems;
    },

    async snapshot(changes, signal) {
      const params = (await api.config(signal)).postgresql?.parameters ?? {};
      const names = changes.map((c) => c.name);
      const members = new Map<string, Map<string, string>>();
      for (const m of await api.cluster(signal)) {
        try {
          members.set(m.name, await memberSettings(d.sessions.db(m), names));
        } catch (err) {
          const why = err instanceof Error ? err.message : String(err);
          throw new Error(
            `patroni: member ${m.name} (${m.host}:${m.port}) cannot be read, so a change could not be verified there: ${why}`,
            { cause: err },
          );
        }
      }
      return { parameters: Object.fromEntries(names.map((n) => [n, params[n] ?? null])), members };
    },

    async write(changes, signal) {
      const parameters = Object.fromEntries(changes.map((c) => [c.name, patroniValue(c)]));
      writeRefused = false;
      try {
        await api.patchConfig({ postgresql: { parameters } }, signal);
      } catch (err) {
        const status = err instanceof PatroniApiError ? err.status : undefined;
        writeRefused = status !== undefined && status >= 400 && status < 500;
        throw err;
      }
      log.info({ parameters }, 'patroni: /config updated');
    },

    async activate(mode, changes, signal) {
      const expected = expectations(changes, (c) => c.proposed);
      await activateExpected(mode, () => expected, signal);
    },

    async restore(snapshot, attempted, ctx: RestoreContext) {
      if (!writeRefused) {
        await api.patchConfig({ postgresql: { parameters: snapshot.parameters } }, ctx.signal);
        ctx.log.warn({ parameters: snapshot.parameters }, 'patroni: /config restored');
      }
      // Each member back to its own previous values (a member that joined since: this node's).
      const expected = (m: PatroniMember) => {
        const before = snapshot.members.get(m.name);
        return expectations(attempted, (c) => before?.get(c.name) ?? c.current);
      };
      await activateExpected(ctx.activated === 'restart' ? 'restart' : 'reload', expected, ctx.signal);
    },

    privileges: (_knobs, signal) => patroniPrivileges(d, signal),

    async close() {
      await d.sessions.close();
    },
  };
}
