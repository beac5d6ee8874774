/**
 * The platform's persisted state (`<stateDir>/state.json`) and report (`report.json`).
 *
 * Writes are atomic and durable: write a temporary file in the same directory, fsync it, rename it
 * over the target (rename(2) replaces atomically within one filesystem), then fsync the directory so
 * the rename itself survives a power loss. A crash leaves either the old or the new file, never a
 * torn one. Writes are synchronous: the state is a few kB, and a synchronous write cannot interleave
 * with the next request's mutation.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { randomInt, randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FinalDecision, Objective, SessionState } from '../tuner/index.js';
import { emptyFacts, type AgentFacts } from './agent-facts.js';
import type { ActiveSnapshot, KnobMeta } from './config-match.js';
import type { Sample } from './measurements.js';
import type { Config } from '../tuner/index.js';
import type { SessionTarget } from '../target.js';
import type { EmbeddedPlatformOptions, Phase } from './types.js';

export const STATE_FILE = 'state.json';
export const REPORT_FILE = 'report.json';

export interface PendingState {
  /** `iteration`: a session proposal; `final`: the configuration kept at the end. */
  readonly target: 'iteration' | 'final';
  readonly iteration: number;
  readonly config: Config;
  /** The session's restart flag (used until an active config is known). */
  readonly restart: boolean;
  readonly createdAt: number;
  /** First time the agent fetched it; apply errors before that cannot be about it. */
  firstServedAt: number | null;
  /** When an active config first showed it: the warm-up starts here. */
  appliedAt: number | null;
  /** Start of the measurement window (end of the warm-up); samples before it are discarded. */
  measureFrom: number | null;
  /**
   * The proposal changes a restart knob, so it is measured after a longer warm-up (see
   * RESTART_WARMUP_FACTOR). Absent in state files written before it existed: read as false.
   */
  readonly coldStart?: boolean;
}

export function newPending(
  target: PendingState['target'],
  iteration: number,
  config: Config,
  restart: boolean,
  now: number,
  coldStart = false,
): PendingState {
  return {
    target,
    iteration,
    config,
    restart,
    coldStart,
    createdAt: now,
    firstServedAt: null,
    appliedAt: null,
    measureFrom: null,
  };
}

export interface SessionSettings {
  readonly iterations: number;
  readonly iterationSeconds: number;
  readonly warmupSeconds: number;
  readonly objective: Objective;
  readonly seed: number;
}

export interface PersistedState {
  version: 1;
  apiKey: string;
  databaseId: string;
  /** The last listening port; reused on restart when free, so a running agent keeps its URL. */
  port: number;
  settings: SessionSettings;
  /** The database this session tunes (absent in state files written before sessions were bound). */
  target?: SessionTarget | null;
  phase: Phase;
  startedAt: number;
  finishedAt: number | null;
  facts: AgentFacts;
  /** unit/vartype/context of every knob as the agent reported them. */
  knobMeta: Record<string, KnobMeta>;
  session: SessionState | null;
  /** The agent's last reported values of the knobs (so a resumed server recommends exactly as before). */
  lastActive: ActiveSnapshot | null;
  pending: PendingState | null;
  /** Samples of the current measurement window. */
  samples: Sample[];
  /** Reasons that replace the session's for an iteration (apply errors, apply timeouts). */
  notes: Record<string, string>;
  final: FinalDecision | null;
  lastError: string | null;
}

/** A new session: random API key and database id (UUIDs, as the agent's config validation expects). */
export function initialState(
  options: Pick<
    EmbeddedPlatformOptions,
    'iterations' | 'iterationSeconds' | 'warmupSeconds' | 'objective' | 'seed' | 'target' | 'jitAvailable'
  >,
  at: number,
): PersistedState {
  return {
    version: 1,
    apiKey: randomUUID(),
    databaseId: randomUUID(),
    port: 0,
    settings: {
      iterations: options.iterations,
      iterationSeconds: options.iterationSeconds,
      warmupSeconds: options.warmupSeconds,
      objective: options.objective,
      seed: (options.seed ?? randomInt(0, 2 ** 31)) >>> 0,
    },
    target: options.target ?? null,
    phase: 'waiting-for-agent',
    startedAt: at,
    finishedAt: null,
    facts: { ...emptyFacts(), jitAvailable: options.jitAvailable ?? null },
    knobMeta: {},
    session: null,
    lastActive: null,
    pending: null,
    samples: [],
    notes: {},
    final: null,
    lastError: null,
  };
}

export function writeAtomic(file: string, text: string): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  syncDirectory(dir);
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function stateText(state: PersistedState): string {
  return `${JSON.stringify(state, null, 1)}\n`;
}

export function writeStateText(stateDir: string, text: string): void {
  writeAtomic(path.join(stateDir, STATE_FILE), text);
}

export function saveState(stateDir: string, state: PersistedState): void {
  writeStateText(stateDir, stateText(state));
}

/** The saved state, or null when the directory holds none. A damaged file is an error, never overwritten. */
export function loadState(stateDir: string): PersistedState | null {
  const file = path.join(stateDir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`embedded platform: state: ${file} is not valid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  const problem = checkState(parsed);
  if (problem) throw new Error(`embedded platform: state: ${file}: ${problem}`);
  return parsed as PersistedState;
}

function checkState(v: unknown): string | null {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const s = v as Partial<PersistedState>;
  if (s.version !== 1) return `unsupported version ${String(s.version)}`;
  if (typeof s.apiKey !== 'string' || typeof s.databaseId !== 'string') return 'no credentials';
  if (typeof s.settings !== 'object' || s.settings === null) return 'no settings';
  if (!Array.isArray(s.samples) || typeof s.phase !== 'string') return 'incomplete';
  return null;
}

export function saveReport(stateDir: string, report: unknown): void {
  writeAtomic(path.join(stateDir, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`);
}
