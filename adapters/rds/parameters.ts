/**
 * Parameter-group rules, pure: where a knob is written (instance or cluster group), the value as the
 * group spells it, and the group's own limits (IsModifiable, AllowedValues, ApplyType).
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html
 *
 * Aurora has two groups: the cluster parameter group (every instance of the cluster) and the DB
 * parameter group (this instance). A knob goes to the DB parameter group when that group can hold
 * it, since the agent tunes this instance; otherwise to the cluster group when that group can; a
 * knob neither group can take is refused, never dropped.
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.html
 */
import type { Parameter } from '@aws-sdk/client-rds';
import type { PlannedChange } from '../../src/apply/index.js';
import type { GroupKind } from './client.js';

export interface GroupParam {
  name: string;
  /** undefined: no value in the group (the engine default applies). May be a `{…}` formula. */
  value: string | undefined;
  applyType: 'static' | 'dynamic';
  dataType: string;
  allowed: string | undefined;
  modifiable: boolean;
}

export interface Group {
  kind: GroupKind;
  name: string;
  params: ReadonlyMap<string, GroupParam>;
}

export interface Target {
  group: Group;
  param: GroupParam;
}

export function toGroup(kind: GroupKind, name: string, params: readonly Parameter[]): Group {
  const map = new Map<string, GroupParam>();
  for (const p of params) {
    if (!p.ParameterName) continue;
    map.set(p.ParameterName, {
      name: p.ParameterName,
      value: p.ParameterValue,
      applyType: p.ApplyType === 'static' ? 'static' : 'dynamic',
      dataType: p.DataType ?? 'string',
      allowed: p.AllowedValues,
      modifiable: p.IsModifiable === true,
    });
  }
  return { kind, name, params: map };
}

/** The group a knob is written to, or the reason it cannot be. */
export function resolveTarget(name: string, instance: Group, cluster: Group | undefined): Target | string {
  const own = instance.params.get(name);
  if (own?.modifiable) return { group: instance, param: own };
  const shared = cluster?.params.get(name);
  if (shared?.modifiable) return { group: cluster!, param: shared };
  const groups = cluster
    ? `DB parameter group ${instance.name} or cluster parameter group ${cluster.name}`
    : `parameter group ${instance.name}`;
  return own || shared ? `${name} is not modifiable in ${groups}` : `${name} is not a parameter of ${groups}`;
}

const BOOL_TRUE = new Set(['on', 'true', 'yes', '1']);

/** The planned value (pg_settings base unit) as the group spells it: booleans may be `1`/`0`. */
export function groupValue(change: PlannedChange, param: GroupParam): string {
  if (change.vartype === 'bool' || param.dataType === 'boolean') {
    const on = BOOL_TRUE.has(change.proposed.toLowerCase());
    const numeric = (param.allowed ?? '0,1').split(',').includes('1');
    return numeric ? (on ? '1' : '0') : on ? 'on' : 'off';
  }
  return change.proposed;
}

/** A number as AllowedValues spell one: `-1`, `0.5`, `1.79769e+308`. */
const NUM = String.raw`-?\d+(?:\.\d+)?(?:e[+-]?\d+)?`;

/** AllowedValues of a number: comma-separated ranges `min-max` or single values. */
function inRanges(n: number, allowed: string): boolean {
  return allowed.split(',').some((part) => {
    const m = new RegExp(`^\\s*(${NUM})\\s*-\\s*(${NUM})\\s*$`, 'i').exec(part);
    return m ? n >= Number(m[1]) && n <= Number(m[2]) : Number(part) === n;
  });
}

/** Whether the group's AllowedValues admit `value`; null when they do (or say nothing). */
export function allowedProblem(param: GroupParam, value: string): string | null {
  const allowed = param.allowed?.trim();
  if (!allowed) return null;
  if (param.dataType === 'integer' || param.dataType === 'float') {
    const n = Number(value);
    if (!Number.isFinite(n) || !inRanges(n, allowed))
      return `${param.name}=${value} is outside the parameter group's allowed values ${allowed}`;
    return null;
  }
  if (param.dataType === 'boolean' || param.dataType === 'list') {
    if (
      !allowed
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .includes(value.toLowerCase())
    )
      return `${param.name}=${value} is not one of the parameter group's allowed values ${allowed}`;
  }
  return null;
}

/** Whether the group already holds `value` (so nothing is sent for it). */
export function holds(param: GroupParam, value: string): boolean {
  const current = param.value;
  if (current === undefined) return false;
  if (param.dataType === 'integer' || param.dataType === 'float') {
    return current.trim() !== '' && Number(current) === Number(value);
  }
  return current.toLowerCase() === value.toLowerCase();
}
