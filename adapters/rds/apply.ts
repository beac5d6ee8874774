/**
 * The parameter-group settings backend (src/apply/backend.ts) for RDS and Aurora. The engine plans,
 * skips no-op proposals, reads values back in pg_settings and calls `restore` on failure; this file
 * only speaks the RDS API:
 * - check: refuse a `default.*` group (AWS does not allow modifying one) and knobs the group does not
 *   hold, cannot modify, or whose value is outside its AllowedValues;
 * - write: only values the group does not already hold, `immediate` for dynamic and
 *   `pending-reboot` for static parameters (a static one sent `immediate` fails the whole call with
 *   InvalidParameterCombination), at most 20 per call (the API's limit);
 * - activate: wait while ParameterApplyStatus is `applying`; reboot when the engine asks for a
 *   restart and wait for the instance to be `available` again.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBParameterGroup.html
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithParamGroups.Modifying.html
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  Activation,
  ApplyPlan,
  PlannedChange,
  PrivilegeGap,
  RestoreContext,
  SettingsBackend,
} from '../../src/apply/index.js';
import { DefaultParameterGroupError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { AwsCallError } from './aws-errors.js';
import type { AwsApi, GroupKind, ParameterWrite } from './client.js';
import type { RdsSettings } from './config.js';
import { describeState, type InstanceInfo } from './instance.js';
import {
  allowedProblem,
  groupValue,
  holds,
  resolveTarget,
  toGroup,
  type Group,
  type Target,
} from './parameters.js';

/** ModifyDBParameterGroup accepts at most 20 parameters per call. */
export const MAX_PARAMETERS_PER_CALL = 20;

export interface RdsBackendTiming {
  /** Poll interval for ParameterApplyStatus and the instance status (default 5 s, as the Go agent). */
  pollMs: number;
  /** How long a group may stay `applying` (default 10 min). */
  applyTimeoutMs: number;
  /** How long a reboot may take until `available` (default 15 min). */
  availableTimeoutMs: number;
}

export const DEFAULT_TIMING: RdsBackendTiming = {
  pollMs: 5_000,
  applyTimeoutMs: 10 * 60_000,
  availableTimeoutMs: 15 * 60_000,
};

type State = Omit<InstanceInfo, 'vcpus' | 'memoryBytes'>;

interface Entry {
  name: string;
  kind: GroupKind;
  group: string;
  /** The group's value before the apply (undefined: none set; may be a formula). */
  previous: string | undefined;
  /** The value this apply writes, as the group spells it. */
  next: string;
  /** Whether the group already held `next` (then nothing is sent for it). */
  held: boolean;
  method: ParameterWrite['method'];
}

export interface RdsSnapshot {
  entries: Entry[];
}

/** Instance states from which the instance does not become available by itself. */
const FAILED_INSTANCE_STATES = new Set([
  'failed',
  'incompatible-parameters',
  'incompatible-restore',
  'incompatible-network',
  'inaccessible-encryption-credentials',
  'storage-full',
  'stopped',
  'deleting',
]);

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function rdsParameterGroupBackend(opts: {
  api: AwsApi;
  settings: RdsSettings;
  log: Logger;
  timing?: Partial<RdsBackendTiming>;
}): SettingsBackend<RdsSnapshot> {
  const { api, settings, log } = opts;
  const timing = { ...DEFAULT_TIMING, ...opts.timing };

  async function readGroup(kind: GroupKind, name: string, signal: AbortSignal): Promise<Group> {
    return toGroup(kind, name, await api.parameters(kind, name, signal));
  }

  /** The cluster's group, for an instance in a cluster. */
  function clusterGroup(state: State, signal: AbortSignal): Promise<Group | undefined> {
    const name = state.cluster?.parameterGroup.name;
    return name ? readGroup('cluster', name, signal) : Promise.resolve(undefined);
  }

  /** Where each change goes, plus every reason one cannot go anywhere. */
  async function resolve(
    changes: readonly PlannedChange[],
    signal: AbortSignal,
  ): Promise<{ state: State; targets: Map<string, Target>; problems: string[] }> {
    const state = await describeState(api, settings, signal);
    const instance = await readGroup('instance', state.parameterGroup.name, signal);
    // The cluster group is read only when the instance group cannot take every knob.
    const needCluster = changes.some((c) => !instance.params.get(c.name)?.modifiable);
    const cluster = needCluster ? await clusterGroup(state, signal) : undefined;
    const targets = new Map<string, Target>();
    const problems: string[] = [];
    for (const c of changes) {
      const t = resolveTarget(c.name, instance, cluster);
      if (typeof t === 'string') problems.push(t);
      else targets.set(c.name, t);
    }
    return { state, targets, problems };
  }

  function entries(changes: readonly PlannedChange[], targets: Map<string, Target>): Entry[] {
    return changes.flatMap((c) => {
      const t = targets.get(c.name);
      if (!t) return [];
      const next = groupValue(c, t.param);
      return [
        {
          name: c.name,
          kind: t.group.kind,
          group: t.group.name,
          previous: t.param.value,
          next,
          held: holds(t.param, next),
          method: t.param.applyType === 'static' ? 'pending-reboot' : 'immediate',
        } satisfies Entry,
      ];
    });
  }

  /** Send writes grouped by parameter group and apply method, at most 20 per call. */
  async function send(writes: { kind: GroupKind; group: string; w: ParameterWrite }[], signal: AbortSignal) {
    const buckets = new Map<
      string,
      { kind: GroupKind; group: string; reset: boolean; items: ParameterWrite[] }
    >();
    for (const { kind, group, w } of writes) {
      const reset = w.value === undefined;
      const key = `${kind}\0${group}\0${w.method}\0${reset}`;
      const b = buckets.get(key) ?? { kind, group, reset, items: [] };
      b.items.push(w);
      buckets.set(key, b);
    }
    // Immediate changes first, then those that wait for the reboot.
    const ordered = [...buckets.values()].sort(
      (x, y) => Number(x.items[0]?.method !== 'immediate') - Number(y.items[0]?.method !== 'immediate'),
    );
    for (const b of ordered) {
      for (const chunk of chunks(b.items, MAX_PARAMETERS_PER_CALL)) {
        await api.modifyParameters(b.kind, b.group, chunk, signal);
        log.info(
          {
            group: b.group,
            groupKind: b.kind,
            method: chunk[0]?.method,
            reset: b.reset,
            parameters: chunk.map((w) => (w.value === undefined ? w.name : `${w.name}=${w.value}`)),
          },
          'parameter group modified',
        );
      }
    }
  }

  async function poll<T>(
    what: string,
    timeoutMs: number,
    signal: AbortSignal,
    step: (state: State) => T | undefined,
  ): Promise<T> {
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
    for (;;) {
      const state = await describeState(api, settings, deadline).catch((err: unknown) => {
        if (deadline.aborted && !signal.aborted)
          throw new Error(`rds: ${what}: not done within ${timeoutMs} ms`);
        throw err;
      });
      const done = step(state);
      if (done !== undefined) return done;
      try {
        await sleep(timing.pollMs, undefined, { signal: deadline });
      } catch {
        if (signal.aborted) throw new Error(`rds: ${what}: aborted`);
        throw new Error(`rds: ${what}: not done within ${timeoutMs} ms`);
      }
    }
  }

  /** Wait while any touched group is `applying`; other statuses than in-sync/pending-reboot fail. */
  function waitApplied(kinds: ReadonlySet<GroupKind>, signal: AbortSignal): Promise<State> {
    return poll('wait for ParameterApplyStatus', timing.applyTimeoutMs, signal, (state) => {
      const refs = [
        ...(kinds.has('instance') ? [state.parameterGroup] : []),
        ...(kinds.has('cluster') && state.cluster ? [state.cluster.parameterGroup] : []),
      ];
      for (const g of refs) {
        if (g.status === 'applying') return undefined;
        if (g.status !== 'in-sync' && g.status !== 'pending-reboot') {
          throw new Error(`rds: parameter group ${g.name}: ParameterApplyStatus ${g.status ?? 'unknown'}`);
        }
      }
      return state;
    });
  }

  async function rebootAndWait(signal: AbortSignal): Promise<void> {
    // A reboot needs an instance at rest: wait out another reboot or modification first.
    await poll('wait for a rebootable instance', timing.availableTimeoutMs, signal, (s) =>
      s.status === 'available' || s.status === 'incompatible-parameters' ? s : undefined,
    );
    log.info({ instance: settings.instanceId }, 'rebooting DB instance');
    rebooted = true;
    try {
      await api.reboot(settings.instanceId, signal);
    } catch (err) {
      // AWS refused the request (4xx): the instance did not reboot. Anything else may have.
      if (err instanceof AwsCallError && err.status !== undefined && err.status < 500) rebooted = false;
      throw err;
    }
    await poll('wait for the instance to be available', timing.availableTimeoutMs, signal, (s) => {
      if (s.status === 'available') return s;
      if (s.status && FAILED_INSTANCE_STATES.has(s.status)) {
        throw new Error(`rds: RebootDBInstance: instance ${settings.instanceId} is ${s.status}`);
      }
      return undefined;
    });
    log.info({ instance: settings.instanceId }, 'DB instance available after reboot');
  }

  let last: { snapshot: RdsSnapshot; names: string } | undefined;
  let written = new Set<GroupKind>();
  /** Whether this apply rebooted the instance (or may have): then only a reboot takes values back. */
  let rebooted = false;
  const namesOf = (changes: readonly PlannedChange[]) => changes.map((c) => c.name).join('\0');

  async function takeSnapshot(changes: readonly PlannedChange[], signal: AbortSignal): Promise<RdsSnapshot> {
    const { targets, problems } = await resolve(changes, signal);
    if (problems.length) throw new Error(`rds: ${problems.join('; ')}`);
    const snapshot = { entries: entries(changes, targets) };
    last = { snapshot, names: namesOf(changes) };
    return snapshot;
  }

  return {
    id: 'rds-parameter-group',
    canRestart: true,

    async check(plan: ApplyPlan, signal: AbortSignal): Promise<readonly string[]> {
      const { state, targets, problems } = await resolve(plan.changes, signal);
      const groupsUsed = new Set([...targets.values()].map((t) => t.group.name));
      if (problems.length && state.parameterGroup.name.startsWith('default.'))
        groupsUsed.add(state.parameterGroup.name);
      const defaultGroup = [...groupsUsed].find((g) => g.startsWith('default.'));
      if (defaultGroup) throw new DefaultParameterGroupError(defaultGroup);
      for (const e of entries(plan.changes, targets)) {
        const t = targets.get(e.name)!;
        const bad = allowedProblem(t.param, e.next);
        if (bad) problems.push(bad);
        if (e.method === 'pending-reboot' && !plan.restartRequired && !e.held) {
          problems.push(
            `${e.name}: parameter group ${e.group} applies it only after a reboot (ApplyType static)`,
          );
        }
      }
      return problems;
    },

    snapshot: takeSnapshot,

    async write(changes, signal) {
      const snap = last?.names === namesOf(changes) ? last.snapshot : await takeSnapshot(changes, signal);
      const writes = snap.entries
        .filter((e) => !e.held)
        .map((e) => ({ kind: e.kind, group: e.group, w: { name: e.name, value: e.next, method: e.method } }));
      written = new Set(writes.map((w) => w.kind));
      rebooted = false;
      if (writes.length === 0) log.info('parameter group already holds every value; nothing sent');
      await send(writes, signal);
    },

    // ModifyDBParameterGroup updates the group at once; the instance then reports `applying` until
    // dynamic values are live. Should AWS report `in-sync` before it starts applying, the engine's
    // read-back in pg_settings still waits for (and verifies) the values.
    async activate(mode: Activation, _changes, signal) {
      if (written.size) await waitApplied(written, signal);
      if (mode === 'restart') await rebootAndWait(signal);
    },

    /**
     * For `dbtune-agent check`: what keeps the parameter groups from taking the tuning space. A
     * denied IAM action surfaces as the error of the describe call, naming the action.
     */
    async privileges(knobs, signal): Promise<PrivilegeGap[]> {
      const state = await describeState(api, settings, signal);
      const [instance, cluster] = await Promise.all([
        readGroup('instance', state.parameterGroup.name, signal),
        clusterGroup(state, signal),
      ]);
      const gaps: PrivilegeGap[] = [];
      const used = new Map<string, GroupKind>();
      for (const knob of knobs) {
        const t = resolveTarget(knob, instance, cluster);
        if (typeof t === 'string') {
          gaps.push({
            what: t,
            grant: `leave ${knob} out of the tuning space: tuning.allowlist_remove (env: DBT_TUNING_ALLOWLIST_REMOVE)`,
          });
        } else used.set(t.group.name, t.group.kind);
      }
      for (const [name, kind] of used) {
        if (!name.startsWith('default.')) continue;
        const create =
          kind === 'instance' ? 'create-db-parameter-group' : 'create-db-cluster-parameter-group';
        const attach =
          kind === 'instance'
            ? `modify-db-instance --db-instance-identifier ${settings.instanceId} --db-parameter-group-name <new>`
            : `modify-db-cluster --db-cluster-identifier ${state.cluster?.id ?? '<cluster>'} --db-cluster-parameter-group-name <new>`;
        gaps.push({
          what: `${kind === 'instance' ? 'DB' : 'cluster'} parameter group ${name} is a default group, which AWS does not allow modifying`,
          grant: `aws rds ${create} (family of ${name}), then aws rds ${attach}, then reboot the instance`,
        });
      }
      return gaps;
    },

    async restore(snapshot, attempted, ctx: RestoreContext) {
      const names = new Set(attempted.map((c) => c.name));
      const back = snapshot.entries.filter((e) => names.has(e.name) && !e.held);
      await send(
        back.map((e) => ({
          kind: e.kind,
          group: e.group,
          w: { name: e.name, value: e.previous, method: e.method },
        })),
        ctx.signal,
      );
      const kinds = new Set(back.map((e) => e.kind));
      if (kinds.size) await waitApplied(kinds, ctx.signal);
      // Static values went live only if the failed apply rebooted; then only a reboot takes them back.
      if (rebooted) await rebootAndWait(ctx.signal);
    },
  };
}
