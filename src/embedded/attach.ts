/**
 * `dbtune.server_url: embedded` (or `--platform embedded`): start the embedded platform in-process
 * and hand the agent a PlatformClient pointed at it. The agent's loop, apply pipeline, allowlist,
 * restart policy and guardrails are unchanged; only the far end of the HTTP calls is local.
 *
 * A session belongs to one database (src/embedded/target.ts): it is saved under
 * `<state dir>/sessions/<target>/` and resumed only by an agent connected to the same server,
 * database, host and port. Explicit settings that differ from a saved session's are refused (exit 2)
 * rather than silently ignored; `dbtune-agent embedded reset` starts afresh.
 *
 * Environment (all optional):
 * - `DBT_EMBEDDED_STATE_DIR`: where sessions and their reports are kept
 *   (default `$XDG_STATE_HOME/dbtune-agent/embedded`, else `~/.local/state/dbtune-agent/embedded`);
 * - `DBT_EMBEDDED_ITERATIONS`: session length, baseline included (default 30, DBtune's);
 * - `DBT_EMBEDDED_ITERATION_SECONDS`: measurement window per iteration (default 120);
 * - `DBT_EMBEDDED_WARMUP_SECONDS`: discarded after each applied configuration (default 30);
 * - `DBT_EMBEDDED_OBJECTIVE`: `tps` (default) or `latency` (average query runtime);
 * - `DBT_EMBEDDED_ON_FINISH`: `exit` (default: log the verdict and the reports, exit 0) or `monitor`
 *   (keep the agent running with the kept configuration).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Adapter } from '../../adapters/types.js';
import { retryStartup } from '../agent/startup-retry.js';
import type { PlatformOptions } from '../cli/platform.js';
import type { Io } from '../cli/program.js';
import { UsageError } from '../cli/usage-error.js';
import { AGENT_VERSION } from '../cli/version.js';
import type { Config } from '../config/index.js';
import { errorMessage } from '../errors.js';
import { registerSecret, type Logger } from '../log.js';
import { createDb } from '../pg/pool.js';
import { PlatformClient } from '../platform/client.js';
import { RawLogForwarder } from '../platform/raw-logs.js';
import { startEmbeddedPlatform, type EmbeddedPlatform } from './platform/index.js';
import { loadState, type SessionSettings } from './platform/state-store.js';
import { writeSessionReports } from './session-report.js';
import { legacyStateFile, reportPaths, sessionDir } from './sessions.js';
import { readJitAvailable } from './server-facts.js';
import { restoreOnStop } from './stop-restore.js';
import { describeTarget, readTarget, type SessionTarget } from './target.js';
import { isObjective, objectiveIds, type Objective } from './tuner/index.js';

export const EMBEDDED_ENV = {
  stateDir: 'DBT_EMBEDDED_STATE_DIR',
  iterations: 'DBT_EMBEDDED_ITERATIONS',
  iterationSeconds: 'DBT_EMBEDDED_ITERATION_SECONDS',
  warmupSeconds: 'DBT_EMBEDDED_WARMUP_SECONDS',
  objective: 'DBT_EMBEDDED_OBJECTIVE',
  onFinish: 'DBT_EMBEDDED_ON_FINISH',
} as const;

type TunedSetting = 'iterations' | 'iterationSeconds' | 'warmupSeconds' | 'objective';

/** A session setting given explicitly (env var or flag), checked against a saved session's. */
export interface ExplicitSetting {
  readonly key: TunedSetting;
  /** `DBT_EMBEDDED_ITERATIONS` or `--iterations`. */
  readonly source: string;
  readonly value: number | string;
}

export interface EmbeddedSettings {
  readonly stateDir: string;
  readonly iterations: number;
  readonly iterationSeconds: number;
  readonly warmupSeconds: number;
  readonly objective: Objective;
  readonly onFinish: 'exit' | 'monitor';
  readonly explicit: readonly ExplicitSetting[];
}

export const EMBEDDED_DEFAULTS = { iterations: 30, iterationSeconds: 120, warmupSeconds: 30 } as const;

/** Settings from the environment; every invalid value is reported at once (exit code 2). */
export function embeddedSettings(env: NodeJS.ProcessEnv, home: string = os.homedir()): EmbeddedSettings {
  const problems: string[] = [];
  const explicit: ExplicitSetting[] = [];
  const number = (
    key: TunedSetting,
    name: string,
    fallback: number,
    min: number,
    integer: boolean,
  ): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      problems.push(`${name}=${raw}: must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
      return fallback;
    }
    explicit.push({ key, source: name, value: n });
    return n;
  };
  const E = EMBEDDED_ENV;
  const iterations = number('iterations', E.iterations, EMBEDDED_DEFAULTS.iterations, 2, true);
  const iterationSeconds = number(
    'iterationSeconds',
    E.iterationSeconds,
    EMBEDDED_DEFAULTS.iterationSeconds,
    1,
    false,
  );
  const warmupSeconds = number('warmupSeconds', E.warmupSeconds, EMBEDDED_DEFAULTS.warmupSeconds, 0, false);
  const rawObjective = env[E.objective]?.trim() || '';
  if (rawObjective !== '' && !isObjective(rawObjective)) {
    problems.push(`${E.objective}=${rawObjective}: must be one of ${objectiveIds().join(', ')}`);
  } else if (rawObjective !== '')
    explicit.push({ key: 'objective', source: E.objective, value: rawObjective });
  const rawFinish = env[E.onFinish]?.trim() || 'exit';
  if (rawFinish !== 'exit' && rawFinish !== 'monitor') {
    problems.push(`${E.onFinish}=${rawFinish}: must be exit or monitor`);
  }
  if (problems.length > 0) throw new UsageError(`embedded platform: ${problems.join('; ')}`);
  const stateHome = env.XDG_STATE_HOME?.trim() || path.join(home, '.local', 'state');
  return {
    stateDir: env[E.stateDir]?.trim() || path.join(stateHome, 'dbtune-agent', 'embedded'),
    iterations,
    iterationSeconds,
    warmupSeconds,
    objective: rawObjective || 'tps',
    onFinish: rawFinish === 'monitor' ? 'monitor' : 'exit',
    explicit,
  };
}

/** Explicit settings that differ from the saved session's, one message each. */
export function settingConflicts(saved: SessionSettings, explicit: readonly ExplicitSetting[]): string[] {
  return explicit
    .filter((e) => saved[e.key] !== e.value)
    .map((e) => `${e.source}=${e.value} but the saved session has ${e.key}=${saved[e.key]}`);
}

/** What `run` does with an embedded session besides talking to it. */
export interface EmbeddedSessionControl {
  /** Resolves with the exit code when the session ends and DBT_EMBEDDED_ON_FINISH is `exit`. */
  readonly ended: Promise<number>;
  /** After a signal: restore the baseline (or the kept configuration while finalising). */
  restoreOnStop(adapter: Pick<Adapter, 'settings'>): Promise<void>;
}

export interface EmbeddedConnection {
  readonly client: PlatformClient;
  readonly forwarder: RawLogForwarder;
  readonly label: string;
  readonly session?: EmbeddedSessionControl;
  close(): Promise<void>;
}

export async function startEmbeddedForAgent(
  config: Config,
  log: Logger,
  io: Io,
  options: PlatformOptions = {},
): Promise<EmbeddedConnection> {
  const settings = embeddedSettings(io.env);
  if (options.purpose === 'check') return startThrowaway(settings, log, options);
  if (config.tuning.dry_run) {
    log.warn(
      'tuning.dry_run: proposals are validated but never applied, so the embedded session cannot advance',
    );
  }
  const { target, jitAvailable } = await identifyTarget(config, log, options);
  const dir = sessionDir(settings.stateDir, target);
  const legacy = legacyStateFile(settings.stateDir);
  if (legacy) {
    log.warn(
      { file: legacy },
      'embedded platform: a session saved before sessions were bound to a database is not resumed; dbtune-agent embedded reset removes it',
    );
  }
  const saved = loadState(dir);
  if (saved) {
    const conflicts = settingConflicts(saved.settings, settings.explicit);
    if (conflicts.length > 0) {
      throw new UsageError(
        `embedded platform: the saved session for ${describeTarget(target)} (${dir}) was started with other settings: ` +
          `${conflicts.join('; ')}. Unset them to resume it, or run 'dbtune-agent embedded reset' to start a new session`,
      );
    }
  }
  const platform = await startEmbeddedPlatform({ ...settings, stateDir: dir, target, jitAvailable, log });
  registerSecret(platform.apiKey);
  const status = platform.status();
  const reports = reportPaths(dir);
  log.info(
    {
      stateDir: dir,
      target: describeTarget(target),
      phase: status.phase,
      iterations: status.iterations,
      objective: status.objective,
      allowRestart: config.postgresql.allow_restart,
      reports: [reports.json, reports.html],
    },
    saved ? 'embedded platform: resuming the tuning session' : 'embedded platform: new tuning session',
  );
  const client = embeddedClient(platform, log, options);
  const forwarder = new RawLogForwarder({ client, log });
  let closing = false;
  const session: EmbeddedSessionControl = {
    ended: sessionEnded(platform, dir, settings.onFinish, log, () => closing),
    restoreOnStop: async (adapter) => {
      await restoreOnStop(platform, adapter, {
        allowRestart: config.postgresql.allow_restart,
        dryRun: config.tuning.dry_run,
        log,
      });
    },
  };
  return {
    client,
    forwarder,
    label: 'embedded',
    session,
    close: () => {
      closing = true;
      return platform.close();
    },
  };
}

/**
 * The target and what the session needs to know about its server (src/embedded/server-facts.ts),
 * over the agent's own connection (the adapter's password provider included, e.g. Azure Entra
 * tokens). A database still starting up (57P03) is waited for like the startup checks wait for it,
 * up to `startup_timeout` (src/agent/startup-retry.ts).
 */
async function identifyTarget(
  config: Config,
  log: Logger,
  options: PlatformOptions,
): Promise<{ target: SessionTarget; jitAvailable: boolean | null }> {
  const url = config.postgresql.connection_url;
  const db = createDb({ connectionUrl: url, max: 1, password: options.password, log });
  try {
    const target = await retryStartup(() => readTarget(db, url, log), {
      timeoutMs: config.startup_timeout * 1000,
      log,
      signal: options.signal ?? new AbortController().signal,
    });
    if (target === undefined) throw new Error('stopped while waiting for the database');
    const jitAvailable = await readJitAvailable(async (sql) => (await db.query(sql)).rows);
    return { target, jitAvailable };
  } catch (err) {
    throw new Error(`embedded platform: cannot identify the database to tune: ${errorMessage(err)}`, {
      cause: err,
    });
  } finally {
    await db.end().catch(() => undefined);
  }
}

/**
 * Log the verdict and the reports when the session ends; resolve with the exit code unless the
 * agent should keep monitoring (then never).
 */
function sessionEnded(
  platform: EmbeddedPlatform,
  dir: string,
  onFinish: 'exit' | 'monitor',
  log: Logger,
  closing: () => boolean,
): Promise<number> {
  return new Promise<number>((resolve) => {
    const finish = (code: number): void => {
      if (onFinish === 'exit') resolve(code);
      else
        log.info(
          'embedded platform: the session has ended; the agent keeps monitoring (DBT_EMBEDDED_ON_FINISH=monitor)',
        );
    };
    const writeReports = (): { json: string; html: string } | null => {
      const state = loadState(dir);
      if (!state) return null;
      try {
        return writeSessionReports(dir, state, AGENT_VERSION, new Date());
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'embedded platform: could not write the reports');
        return null;
      }
    };
    platform.done().then(
      (report) => {
        const paths = writeReports();
        log.info(
          {
            kept: report.final?.source ?? null,
            estimatedImprovementPct: report.improvement_pct,
            reason: report.decision_reason,
            reports: paths ? [paths.json, paths.html] : [],
          },
          'embedded platform: session finished',
        );
        finish(0);
      },
      (err: unknown) => {
        if (closing()) return;
        const paths = writeReports();
        log.error(
          { err: errorMessage(err), reports: paths ? [paths.json, paths.html] : [] },
          'embedded platform: session failed; the agent keeps the configuration it has',
        );
        finish(1);
      },
    );
  });
}

/** `check`: a platform in a temporary directory, removed on close; no session is saved. */
async function startThrowaway(
  settings: EmbeddedSettings,
  log: Logger,
  options: PlatformOptions,
): Promise<EmbeddedConnection> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-embedded-check-'));
  try {
    const platform = await startEmbeddedPlatform({ ...settings, stateDir: dir, log });
    registerSecret(platform.apiKey);
    const client = embeddedClient(platform, log, options);
    return {
      client,
      forwarder: new RawLogForwarder({ client, log }),
      label: 'embedded',
      close: async () => {
        await platform.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The agent's platform client, pointed at an embedded platform. */
function embeddedClient(
  platform: { url: string; apiKey: string; databaseId: string },
  log: Logger,
  options: PlatformOptions,
): PlatformClient {
  return new PlatformClient({
    serverUrl: platform.url,
    apiKey: platform.apiKey,
    databaseId: platform.databaseId,
    log,
    agentVersion: AGENT_VERSION,
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
}
