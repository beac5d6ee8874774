/**
 * One agent session: from a validated configuration to a running Runner, and back down. `run`
 * starts one at launch and, after a SIGHUP with a changed configuration, stops it and starts the
 * next, so the adapter, the database pools, the platform client and the schedules all follow the
 * new settings while the process, its service endpoint and pending approvals stay.
 *
 * Startup rides out a transient outage (src/agent/startup-retry.ts): platform 5xx, refused or
 * timed-out connections and a database still starting up (57P03) are retried for
 * `startup_timeout`; anything that needs a fix fails at once.
 *
 * With the embedded platform the session also carries its tuning session: `ended` resolves when it
 * finishes (DBT_EMBEDDED_ON_FINISH=exit), and a close on SIGTERM/SIGINT puts the baseline back
 * (src/embedded/stop-restore.ts) before the adapter and the platform are closed. A close for a
 * reload does not: the next session resumes the tuning session where it stopped.
 */
import type { Adapter } from '../../adapters/types.js';
import { BOOTSTRAP, collectorsInOrder } from '../../collectors/index.js';
import type { ApprovalFlow } from '../agent/approval-flow.js';
import { assembleAgent } from '../agent/assemble.js';
import { AGENT_IDENTIFIER, buildHeartbeat, type AgentObserver } from '../agent/common-agent.js';
import { sleep } from '../agent/deadline.js';
import { scaledIntervals } from '../agent/intervals.js';
import type { Runner } from '../agent/runner.js';
import { runStartupChecks } from '../agent/startup.js';
import { retryStartup } from '../agent/startup-retry.js';
import type { Config, LoadResult } from '../config/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { createDb, type Db } from '../pg/pool.js';
import { collectorTypes } from '../pg/types.js';
import { serverVersion, type ServerVersion } from '../pg/version.js';
import type { CallOutcome } from '../platform/client.js';
import type { RawLogForwarder } from '../platform/raw-logs.js';
import type { GateView } from '../service/readiness.js';
import { resolveAdapter } from './adapter.js';
import { connectPlatform, type ConnectedPlatform } from './platform.js';
import type { GlobalOptions, Io } from './program.js';
import { AGENT_VERSION } from './version.js';

export interface SessionInputs {
  g: GlobalOptions;
  io: Io;
  loaded: LoadResult;
  log: Logger;
  /** Where warn-or-worse log lines go once a platform client exists (raw-log forwarding). */
  sink: { forwarder?: RawLogForwarder };
  /** Process shutdown: abandon startup. */
  stop: AbortSignal;
  /** When the process started: the heartbeat's agent_start_time stays the same across reloads. */
  startTime: Date;
  printPlan?: (text: string) => void;
  approval?: ApprovalFlow;
  onPlatformCall?: (outcome: CallOutcome) => void;
  observeRun?: (name: string, seconds: number, ok: boolean) => void;
  observer?: AgentObserver;
}

export interface Session {
  readonly config: Config;
  readonly adapterId: string;
  readonly gate: GateView;
  readonly runner: Runner;
  /** The embedded tuning session's end: resolves with the exit code (absent for the SaaS). */
  readonly ended?: Promise<number>;
  /**
   * Stop scheduling, wait (bounded) for in-flight work, close everything. `restore`: the agent is
   * stopping mid-session, so an embedded session's experimental configuration is rolled back first.
   */
  close(graceMs: number, opts?: { restore?: boolean }): Promise<boolean>;
}

function pools(
  config: Config,
  log: Logger,
  password: (() => Promise<string>) | undefined,
): { db: Db; collectorDb: Db } {
  const common = {
    connectionUrl: config.postgresql.connection_url,
    max: config.postgresql.pool_max,
    statementTimeoutMs: config.postgresql.statement_timeout_ms,
    lockTimeoutMs: config.postgresql.lock_timeout_ms,
    password,
    log,
  };
  return {
    db: createDb(common),
    collectorDb: createDb({ ...common, readOnly: true, types: collectorTypes }),
  };
}

/**
 * Start a session. Resolves undefined when shutdown arrived during startup; throws when a startup
 * check fails for good (the caller maps it to exit 1) or the adapter cannot be created.
 */
export async function startSession(s: SessionInputs): Promise<Session | undefined> {
  const { g, io, loaded, log } = s;
  const config = loaded.config;
  // Selection and preflight (src/cli/adapter.ts): what run refuses, a reload refuses too.
  const { selection, module } = await resolveAdapter(g, io, loaded, config);
  // The adapter may supply every connection's password (Azure Entra tokens).
  const password = module.databasePassword?.({ config, log, env: io.env });
  let platform: ConnectedPlatform;
  try {
    platform = await connectPlatform(config, log, io, {
      ...(s.onPlatformCall ? { onCall: s.onPlatformCall } : {}),
      ...(password ? { password } : {}),
      signal: s.stop,
    });
  } catch (err) {
    // The embedded platform waits for a database that is starting up; shutdown ends that wait.
    if (s.stop.aborted) return undefined;
    throw err;
  }
  s.sink.forwarder = platform.forwarder;
  const { db, collectorDb } = pools(config, log, password);
  let adapter: Adapter | undefined;
  const teardown = async () => {
    if (s.sink.forwarder === platform.forwarder) s.sink.forwarder = undefined;
    await platform.forwarder.stop();
    await adapter?.close?.().catch(() => undefined);
    await Promise.allSettled([db.end(), collectorDb.end()]);
    await platform.close();
  };
  try {
    log.info(
      {
        version: AGENT_VERSION,
        adapter: selection.id,
        selectedBy: selection.reason,
        agentId: AGENT_IDENTIFIER,
        platform: platform.label,
        applyMode: config.apply_mode,
      },
      'dbtune-agent starting',
    );
    const startTime = s.startTime;
    if (!config.disable_checks) {
      const heartbeat = buildHeartbeat(config, AGENT_VERSION, startTime);
      const passed = await retryStartup(
        () => runStartupChecks(db, platform.client, heartbeat).then(() => true),
        {
          timeoutMs: config.startup_timeout * 1000,
          log,
          signal: s.stop,
        },
      );
      if (passed === undefined) {
        await teardown();
        return undefined;
      }
      log.info('startup checks passed');
    }
    const version = await waitForVersion(db, log, s.stop);
    if (!version) {
      await teardown();
      return undefined;
    }
    const created = await module.create({ config, db, pgVersion: version, log, env: io.env });
    adapter = created;
    const { runner, gate } = assembleAgent({
      config,
      adapter: created,
      platform: platform.client,
      db,
      collectorDb,
      pgMajor: version.major,
      registry: collectorsInOrder(),
      bootstrap: BOOTSTRAP,
      intervals: scaledIntervals(Number(io.env.DBTUNE_AGENT_INTERVAL_SCALE ?? 1)),
      log,
      agentVersion: AGENT_VERSION,
      startTime,
      ...(s.printPlan ? { printPlan: s.printPlan } : {}),
      ...(s.approval ? { approval: s.approval } : {}),
      ...(s.observeRun ? { observeRun: s.observeRun } : {}),
      ...(s.observer ? { observer: s.observer } : {}),
    });
    runner.start();
    return {
      config,
      adapterId: selection.id,
      gate,
      runner,
      ...(platform.session ? { ended: platform.session.ended } : {}),
      close: async (graceMs, opts = {}) => {
        try {
          const finished = await runner.stop(graceMs);
          // Stopped mid-session: the experimental configuration must not outlive the agent.
          if (opts.restore) await platform.session?.restoreOnStop(created);
          return finished;
        } finally {
          await teardown();
        }
      },
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Read the server version; with the database down, retry quietly until it answers or we stop. */
async function waitForVersion(db: Db, log: Logger, signal: AbortSignal): Promise<ServerVersion | undefined> {
  let warned = false;
  let backoff = 1_000;
  while (!signal.aborted) {
    try {
      return await serverVersion(db);
    } catch (err) {
      if (!warned) log.warn({ err: errorMessage(err) }, 'database not reachable yet; waiting');
      warned = true;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, 30_000);
    }
  }
  return undefined;
}
