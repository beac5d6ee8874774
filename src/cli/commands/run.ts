/**
 * `dbtune-agent [--<adapter>]`: run the agent until SIGTERM/SIGINT.
 *
 * SIGHUP reloads the configuration: an invalid one is logged and the running one kept; a changed
 * one restarts the agent session in-process (src/cli/session.ts); if the new session cannot
 * start, the previous configuration is started again. The service endpoints (`health.listen`),
 * the metrics registry (loaded when the endpoints first open) and pending approvals live for the
 * whole process.
 *
 * Shutdown: stop scheduling, let an in-flight apply finish or roll back (bounded), flush the raw
 * logs, close the pools, exit 0 — all within 10 s. With the embedded platform, a stop mid-session
 * first restores the baseline (bounded, src/embedded/stop-restore.ts), and a session that ends
 * (DBT_EMBEDDED_ON_FINISH=exit) stops the agent as a signal does, with the session's exit code.
 */
import { ApprovalQueue } from '../../agent/approval.js';
import { ApprovalFlow } from '../../agent/approval-flow.js';
import { StartupCheckError } from '../../agent/startup.js';
import { StartupTimeoutError } from '../../agent/startup-retry.js';
import type { LoadResult } from '../../config/index.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RawLogForwarder } from '../../platform/raw-logs.js';
import { MetricsRecorder } from '../../service/metrics-recorder.js';
import { Readiness } from '../../service/readiness.js';
import { startService, type Service } from '../../service/server.js';
import { EXIT_OK, EXIT_RUNTIME } from '../exit-codes.js';
import type { GlobalOptions, Io } from '../program.js';
import { reloadConfig } from '../reload.js';
import { resolveAdapter } from '../adapter.js';
import { startSession, type Session, type SessionInputs } from '../session.js';
import { setup } from '../setup.js';
import { processSignals } from '../signals.js';
import { AGENT_VERSION } from '../version.js';

const SHUTDOWN_GRACE_MS = 7_000;

export async function runCommand(g: GlobalOptions, io: Io): Promise<number> {
  // The logger exists before the platform client, so raw-log lines reach the forwarder once it does.
  const sink: { forwarder?: RawLogForwarder } = {};
  const first = setup(g, io, (line) => sink.forwarder?.push(line));
  const { log } = first;
  // An adapter that is not built, or a configuration it refuses, is a usage error before anything starts.
  await resolveAdapter(g, io, first.loaded, first.config);
  const signals = processSignals();
  const readiness = new Readiness();
  const queue = new ApprovalQueue({ expiryMs: first.config.approval.expiry_minutes * 60_000 });
  const metrics = new MetricsRecorder(AGENT_VERSION, {
    gateOpen: () => readiness.gateOpen(),
    ready: () => readiness.report().ready,
    pendingProposals: () => queue.pendingCount(),
  });
  const approval = new ApprovalFlow({ queue, log, count: (o) => metrics.apply(o) });
  let current: LoadResult = first.loaded;
  const startTime = new Date();
  const format = g.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const inputs = (loaded: LoadResult): SessionInputs => ({
    g,
    io,
    loaded,
    log,
    sink,
    stop: signals.stop,
    startTime,
    // JSON logs: the plan is a structured log record; only a terminal also gets the table (stderr).
    ...(format === 'pretty' ? { printPlan: (text: string) => io.err(`${text}\n`) } : {}),
    ...(loaded.config.apply_mode === 'approve' ? { approval } : {}),
    onPlatformCall: (o) => {
      readiness.platformCall(o);
      metrics.platformCall(o.endpoint, o.ok, o.at);
    },
    observeRun: (name, seconds, ok) => metrics.run(name, seconds, ok),
    observer: {
      apply: (outcome, action) => metrics.apply(outcome, action),
      guardrail: (type) => metrics.guardrail(type),
    },
  });
  const approvalApi = () =>
    current.config.apply_mode === 'approve' ? { queue, token: current.config.approval.token } : undefined;
  let service: Service | undefined;
  const serve = async (listen: string) => {
    await service?.close();
    service = undefined;
    if (listen !== '') {
      service = await startService({
        listen,
        metrics: await metrics.open(),
        readiness: () => readiness.report(),
        approval: approvalApi,
        log,
      });
    }
  };
  let session: Session | undefined;
  try {
    await serve(current.config.health.listen);
    const started = await start(inputs(current));
    if ('error' in started) return failed(started.error, log, io);
    session = started.session;
    if (session === undefined) return EXIT_OK;
    readiness.attach(session.gate, 'running');
    let sessionCode: number | null = null;
    for (;;) {
      const event = await Promise.race([signals.next(), sessionEnd(session)]);
      if (event === 'stop') break;
      if (typeof event === 'number') {
        sessionCode = event;
        break;
      }
      const reloaded = reloadConfig(g, io, current, log);
      metrics.reload(reloaded.kind === 'changed' ? 'applied' : reloaded.kind);
      if (reloaded.kind !== 'changed') continue;
      log.warn({ changed: reloaded.changed }, 'reload: configuration changed; restarting the agent session');
      readiness.attach(undefined, 'reloading');
      await session.close(SHUTDOWN_GRACE_MS);
      session = undefined;
      const previous = current;
      current = reloaded.loaded;
      log.level = current.config.debug ? 'debug' : 'info';
      queue.setExpiry(current.config.approval.expiry_minutes * 60_000);
      if (current.config.health.listen !== previous.config.health.listen) {
        await serve(current.config.health.listen);
      }
      let next = await start(inputs(current));
      let configuration: 'new' | 'previous' = 'new';
      if ('error' in next) {
        configuration = 'previous';
        metrics.reload('failed');
        log.error(
          { err: errorMessage(next.error) },
          'reload: the new configuration did not start; starting the previous one again',
        );
        current = previous;
        log.level = current.config.debug ? 'debug' : 'info';
        if (current.config.health.listen !== reloaded.loaded.config.health.listen) {
          await serve(current.config.health.listen);
        }
        next = await start(inputs(current));
        if ('error' in next) return failed(next.error, log, io);
      }
      if (next.session === undefined) break; // shutdown arrived during the restart
      session = next.session;
      readiness.attach(session.gate, 'running');
      log.info({ adapter: session.adapterId, configuration }, 'reload: agent session restarted');
    }
    log.info({ signal: signals.received, sessionEnded: sessionCode !== null }, 'shutting down');
    readiness.attach(undefined, 'starting');
    if (session) {
      const finished = await session.close(SHUTDOWN_GRACE_MS, { restore: sessionCode === null });
      if (!finished) log.warn('shutdown: some work was still running at the deadline');
    }
    return sessionCode ?? EXIT_OK;
  } finally {
    signals.dispose();
    await service?.close();
  }
}

/** The embedded tuning session's exit code when it ends; never for the SaaS. */
function sessionEnd(session: Session): Promise<number> {
  return session.ended ?? new Promise<number>(() => undefined);
}

async function start(inputs: SessionInputs): Promise<{ session: Session | undefined } | { error: unknown }> {
  try {
    return { session: await startSession(inputs) };
  } catch (error) {
    return { error };
  }
}

/** A startup check that failed for good is logged and printed, and exits 1; anything else goes to runCli. */
function failed(err: unknown, log: Logger, io: Io): number {
  if (!(err instanceof StartupCheckError || err instanceof StartupTimeoutError)) throw err;
  log.error({ err: errorMessage(err) }, 'startup check failed');
  io.err(`dbtune-agent: ${errorMessage(err)}\n`);
  return EXIT_RUNTIME;
}
