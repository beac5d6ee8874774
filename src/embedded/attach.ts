/**
 * `dbtune.server_url: embedded` (or `--platform embedded`): start the embedded platform in-process
 * and hand the agent a PlatformClient pointed at it. The agent's loop, apply pipeline, allowlist,
 * restart policy and guardrails are unchanged; only the far end of the HTTP calls is local.
 *
 * Environment (all optional):
 * - `DBT_EMBEDDED_STATE_DIR`: session state and report.json
 *   (default `$XDG_STATE_HOME/dbtune-agent/embedded`, else `~/.local/state/dbtune-agent/embedded`);
 *   a saved session there is resumed, a finished one stays finished (delete the directory to tune anew);
 * - `DBT_EMBEDDED_ITERATIONS`: session length, baseline included (default 30, DBtune's);
 * - `DBT_EMBEDDED_ITERATION_SECONDS`: measurement window per iteration (default 120);
 * - `DBT_EMBEDDED_WARMUP_SECONDS`: discarded after each applied configuration (default 30);
 * - `DBT_EMBEDDED_OBJECTIVE`: `tps` (default) or `latency` (average query runtime).
 * Session settings only apply to a new session: a resumed one keeps those it started with.
 */
import os from 'node:os';
import path from 'node:path';
import type { ConnectedPlatform, PlatformHooks } from '../cli/platform.js';
import type { Io } from '../cli/program.js';
import { UsageError } from '../cli/usage-error.js';
import { AGENT_VERSION } from '../cli/version.js';
import type { Config } from '../config/index.js';
import { registerSecret, type Logger } from '../log.js';
import { PlatformClient } from '../platform/client.js';
import { RawLogForwarder } from '../platform/raw-logs.js';
import { startEmbeddedPlatform } from './platform/index.js';
import type { Objective } from './tuner/index.js';

export const EMBEDDED_ENV = {
  stateDir: 'DBT_EMBEDDED_STATE_DIR',
  iterations: 'DBT_EMBEDDED_ITERATIONS',
  iterationSeconds: 'DBT_EMBEDDED_ITERATION_SECONDS',
  warmupSeconds: 'DBT_EMBEDDED_WARMUP_SECONDS',
  objective: 'DBT_EMBEDDED_OBJECTIVE',
} as const;

export interface EmbeddedSettings {
  readonly stateDir: string;
  readonly iterations: number;
  readonly iterationSeconds: number;
  readonly warmupSeconds: number;
  readonly objective: Objective;
}

export const EMBEDDED_DEFAULTS = { iterations: 30, iterationSeconds: 120, warmupSeconds: 30 } as const;

/** Settings from the environment; every invalid value is reported at once (exit code 2). */
export function embeddedSettings(env: NodeJS.ProcessEnv, home: string = os.homedir()): EmbeddedSettings {
  const problems: string[] = [];
  const number = (name: string, fallback: number, min: number, integer: boolean): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      problems.push(`${name}=${raw}: must be ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
      return fallback;
    }
    return n;
  };
  const iterations = number(EMBEDDED_ENV.iterations, EMBEDDED_DEFAULTS.iterations, 2, true);
  const iterationSeconds = number(
    EMBEDDED_ENV.iterationSeconds,
    EMBEDDED_DEFAULTS.iterationSeconds,
    1,
    false,
  );
  const warmupSeconds = number(EMBEDDED_ENV.warmupSeconds, EMBEDDED_DEFAULTS.warmupSeconds, 0, false);
  const rawObjective = env[EMBEDDED_ENV.objective]?.trim() || 'tps';
  if (rawObjective !== 'tps' && rawObjective !== 'latency') {
    problems.push(`${EMBEDDED_ENV.objective}=${rawObjective}: must be tps or latency`);
  }
  if (problems.length > 0) throw new UsageError(`embedded platform: ${problems.join('; ')}`);
  const stateHome = env.XDG_STATE_HOME?.trim() || path.join(home, '.local', 'state');
  return {
    stateDir: env[EMBEDDED_ENV.stateDir]?.trim() || path.join(stateHome, 'dbtune-agent', 'embedded'),
    iterations,
    iterationSeconds,
    warmupSeconds,
    objective: rawObjective === 'latency' ? 'latency' : 'tps',
  };
}

export async function startEmbeddedForAgent(
  config: Config,
  log: Logger,
  io: Io,
  hooks: PlatformHooks = {},
): Promise<ConnectedPlatform> {
  const settings = embeddedSettings(io.env);
  if (config.tuning.dry_run) {
    log.warn(
      'tuning.dry_run: proposals are validated but never applied, so the embedded session cannot advance',
    );
  }
  const platform = await startEmbeddedPlatform({ ...settings, log });
  registerSecret(platform.apiKey);
  const status = platform.status();
  log.info(
    {
      stateDir: platform.stateDir,
      phase: status.phase,
      iterations: status.iterations,
      objective: status.objective,
      allowRestart: config.postgresql.allow_restart,
    },
    status.phase === 'done' || status.phase === 'failed'
      ? 'embedded platform: the saved session has ended; delete the state directory to start a new one'
      : 'embedded platform: tuning session',
  );
  const client = new PlatformClient({
    serverUrl: platform.url,
    apiKey: platform.apiKey,
    databaseId: platform.databaseId,
    log,
    agentVersion: AGENT_VERSION,
    ...(hooks.onCall ? { onCall: hooks.onCall } : {}),
  });
  const forwarder = new RawLogForwarder({ client, log });
  return { client, forwarder, label: 'embedded', close: () => platform.close() };
}
