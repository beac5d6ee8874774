/**
 * `dbtune-agent [--<adapter>]`: run the agent until SIGTERM/SIGINT.
 *
 * Shutdown: stop scheduling, let an in-flight apply finish or roll back (bounded), flush the raw
 * logs, close the pools, exit 0 — all within 10 s.
 */
import type { Adapter } from '../../../adapters/types.js';
import { BOOTSTRAP, collectorsInOrder } from '../../../collectors/index.js';
import { assembleAgent } from '../../agent/assemble.js';
import { AGENT_IDENTIFIER, buildHeartbeat } from '../../agent/common-agent.js';
import { sleep } from '../../agent/deadline.js';
import { runStartupChecks } from '../../agent/startup.js';
import { scaledIntervals } from '../../agent/intervals.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { createDb, type Db } from '../../pg/pool.js';
import { collectorTypes } from '../../pg/types.js';
import { serverVersion, type ServerVersion } from '../../pg/version.js';
import type { RawLogForwarder } from '../../platform/raw-logs.js';
import { connectPlatform } from '../platform.js';
import type { GlobalOptions, Io } from '../program.js';
import { resolveAdapter } from '../adapter.js';
import { setup } from '../setup.js';
import { AGENT_VERSION } from '../version.js';
import { EXIT_OK, EXIT_RUNTIME } from '../exit-codes.js';

const SHUTDOWN_GRACE_MS = 7_000;

export async function runCommand(g: GlobalOptions, io: Io): Promise<number> {
  // The logger exists before the platform client, so raw-log lines reach the forwarder once it does.
  const sink: { forwarder?: RawLogForwarder } = {};
  const { loaded, config, log } = setup(g, io, (line) => sink.forwarder?.push(line));
  const { selection, module } = await resolveAdapter(g, io, loaded, config);
  const stop = shutdownSignal();
  const platform = await connectPlatform(config, log, io).catch((err: unknown) => {
    stop.dispose();
    throw err;
  });
  sink.forwarder = platform.forwarder;
  const db = createDb({
    connectionUrl: config.postgresql.connection_url,
    max: config.postgresql.pool_max,
    statementTimeoutMs: config.postgresql.statement_timeout_ms,
    lockTimeoutMs: config.postgresql.lock_timeout_ms,
    log,
  });
  const collectorDb = createDb({
    connectionUrl: config.postgresql.connection_url,
    max: config.postgresql.pool_max,
    statementTimeoutMs: config.postgresql.statement_timeout_ms,
    lockTimeoutMs: config.postgresql.lock_timeout_ms,
    readOnly: true,
    types: collectorTypes,
    log,
  });
  let adapter: Adapter | undefined;
  try {
    log.info(
      {
        version: AGENT_VERSION,
        adapter: selection.id,
        selectedBy: selection.reason,
        agentId: AGENT_IDENTIFIER,
        platform: platform.label,
      },
      'dbtune-agent starting',
    );
    const startTime = new Date();
    if (!config.disable_checks) {
      try {
        await runStartupChecks(db, platform.client, buildHeartbeat(config, AGENT_VERSION, startTime));
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'startup check failed');
        io.err(`dbtune-agent: ${errorMessage(err)}\n`);
        return EXIT_RUNTIME;
      }
      log.info('startup checks passed');
    }
    const version = await waitForVersion(db, log, stop.signal);
    if (!version) return EXIT_OK;
    adapter = await module.create({ config, db, pgVersion: version, log, env: io.env });
    const { runner } = assembleAgent({
      config,
      adapter,
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
      printPlan: (text) => io.out(`${text}\n`),
    });
    runner.start();
    // An embedded session that ends (DBT_EMBEDDED_ON_FINISH=exit) stops the agent like a signal does.
    const ended = platform.session?.ended ?? new Promise<number>(() => undefined);
    const sessionCode = await Promise.race([stop.wait.then(() => null), ended]);
    log.info({ signal: stop.received, sessionEnded: sessionCode !== null }, 'shutting down');
    const finished = await runner.stop(SHUTDOWN_GRACE_MS);
    if (!finished) log.warn('shutdown: some work was still running at the deadline');
    // Stopped mid-session: the experimental configuration must not outlive the agent.
    if (sessionCode === null) await platform.session?.restoreOnStop(adapter);
    return sessionCode ?? EXIT_OK;
  } finally {
    stop.dispose();
    await platform.forwarder.stop();
    await adapter?.close?.().catch(() => undefined);
    await Promise.allSettled([db.end(), collectorDb.end()]);
    await platform.close();
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

interface ShutdownSignal {
  signal: AbortSignal;
  wait: Promise<void>;
  received: string | undefined;
  dispose(): void;
}

function shutdownSignal(): ShutdownSignal {
  const controller = new AbortController();
  const state: ShutdownSignal = {
    signal: controller.signal,
    received: undefined,
    wait: new Promise<void>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(), { once: true }),
    ),
    dispose: () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
  function onSignal(name: NodeJS.Signals) {
    if (controller.signal.aborted) return;
    state.received = name;
    controller.abort();
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return state;
}
