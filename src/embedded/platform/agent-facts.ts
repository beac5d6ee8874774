/**
 * What the session needs to know about the agent's machine and database before it can build the
 * search space: system info (docs/PROTOCOL.md §1.6, keys §3.1) and allow_restart from the heartbeat (§1.4).
 */
import { buildSpace, TuningSession, type Space, type SystemInfo } from '../tuner/index.js';
import { baselineConfig, convertUnit, missingKnobs, type ActiveSnapshot } from './config-match.js';
import type { SessionSettings } from './state-store.js';

export interface AgentFacts {
  memoryBytes: number | null;
  cpuCount: number | null;
  maxConnections: number | null;
  /** `pg_version` as sent ("16.4"). */
  pgVersion: string | null;
  /** From the latest heartbeat; null until one arrives. */
  allowRestart: boolean | null;
  /**
   * `pg_jit_available()`, read by whoever started the platform (it has the database; the agent does
   * not send it); null or absent (state saved before it was recorded) when unknown.
   */
  jitAvailable?: boolean | null;
}

export const emptyFacts = (): AgentFacts => ({
  memoryBytes: null,
  cpuCount: null,
  maxConnections: null,
  pgVersion: null,
  allowRestart: null,
  jitAvailable: null,
});

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function entryValue(info: Obj, key: string): unknown {
  const e = info[key];
  return isObj(e) ? e.value : undefined;
}

function positive(v: unknown): number | null {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** Merge a system-info PUT body into the facts (absent keys keep their previous values). */
export function readSystemInfo(facts: AgentFacts, body: unknown): AgentFacts {
  if (!isObj(body) || !isObj(body.system_info)) return facts;
  const info = body.system_info;
  const version = entryValue(info, 'pg_version');
  return {
    ...facts,
    memoryBytes: positive(entryValue(info, 'node_memory_total')) ?? facts.memoryBytes,
    cpuCount: positive(entryValue(info, 'node_cpu_count')) ?? facts.cpuCount,
    maxConnections: positive(entryValue(info, 'pg_max_connections')) ?? facts.maxConnections,
    pgVersion: typeof version === 'string' && version !== '' ? version : facts.pgVersion,
  };
}

export function readHeartbeat(facts: AgentFacts, body: unknown): AgentFacts {
  if (!isObj(body) || typeof body.allow_restart !== 'boolean') return facts;
  return { ...facts, allowRestart: body.allow_restart };
}

/** Which system-info keys are still missing (empty when the session can be built). */
export function missingFacts(facts: AgentFacts): string[] {
  const missing: string[] = [];
  if (facts.memoryBytes === null) missing.push('node_memory_total');
  if (facts.cpuCount === null) missing.push('node_cpu_count');
  if (facts.maxConnections === null) missing.push('pg_max_connections');
  if (facts.pgVersion === null || !Number.isFinite(pgMajor(facts.pgVersion))) missing.push('pg_version');
  return missing;
}

export function pgMajor(version: string): number {
  return Number.parseInt(version, 10);
}

/**
 * The tuner's SystemInfo. Restart-only knobs are searched only when the agent allows restarts;
 * without a heartbeat the safe answer is no. The constraint inputs that are not searched in a
 * reload-only session (shared_buffers, max_worker_processes) come from the active config.
 */
export function tunerSystemInfo(facts: AgentFacts, active: ActiveSnapshot): SystemInfo {
  const current: Record<string, number> = {};
  // The tuner's units. The memory knobs' baseline values set their floors (never below the baseline
  // or PostgreSQL's default, whichever is lower; catalogue.ts memoryFloor).
  for (const [name, unit] of [
    ['shared_buffers', '8kB'],
    ['max_worker_processes', null],
    ['work_mem', 'kB'],
    ['maintenance_work_mem', 'kB'],
    ['wal_buffers', '8kB'],
  ] as const) {
    const v = Number(active.values[name]);
    if (Number.isFinite(v) && v > 0) current[name] = convertUnit(v, active.meta[name]?.unit ?? unit, unit);
  }
  return {
    memoryBytes: facts.memoryBytes ?? 0,
    cpuCount: facts.cpuCount ?? 1,
    maxConnections: facts.maxConnections ?? 100,
    pgMajor: pgMajor(facts.pgVersion ?? ''),
    restartsAllowed: facts.allowRestart === true,
    currentSettings: current,
    ...(typeof facts.jitAvailable === 'boolean' ? { jitAvailable: facts.jitAvailable } : {}),
  };
}

/**
 * Build the search space and the session from the agent's facts; the baseline is the active value
 * of every knob. Knobs the agent does not report (managed services filter pg_settings) are left out
 * of the space; `space.excluded` lists them with the reason, for the platform to log.
 */
export function startSession(
  facts: AgentFacts,
  active: ActiveSnapshot,
  settings: SessionSettings,
): { session: TuningSession; space: Space } | { error: string } {
  const info = tunerSystemInfo(facts, active);
  let space = buildSpace(info);
  const missing = missingKnobs(space, active);
  if (missing.length > 0) space = buildSpace({ ...info, unreported: missing });
  try {
    const { iterations, objective, seed } = settings;
    const baseline = baselineConfig(space, active);
    const session = new TuningSession({ space, objective, iterations, seed, baseline });
    // The session's space can differ (a baseline value outside a knob's choices): use it throughout.
    return { session, space: session.space };
  } catch (err) {
    return { error: `cannot start the session: ${(err as Error).message}` };
  }
}
