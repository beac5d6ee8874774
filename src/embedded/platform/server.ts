/**
 * The embedded platform: an HTTP server on 127.0.0.1 that speaks the DBtune agent API and runs the
 * built-in tuner behind it, so the unchanged agent tunes a database with no account and no network.
 *
 * State lives in `stateDir` and is saved after every change; starting again on the same directory
 * resumes the session with the same API key and database id (and the same port when it is free), so
 * an agent that keeps running, or is restarted with the same settings, carries on.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describeTarget, sameTarget } from '../target.js';
import { isObjective, objectiveIds } from '../tuner/index.js';
import { Orchestrator, type OrchestratorEvent } from './orchestrator.js';
import { sessionReport, sessionStatus } from './report.js';
import { createRequestHandler } from './routes.js';
import { initialState, loadState, saveReport, stateText, writeStateText } from './state-store.js';
import type {
  EmbeddedPlatform,
  EmbeddedPlatformOptions,
  IterationReport,
  SessionReport,
  SessionStatus,
} from './types.js';

/** Status events at least this often while something is going on (the agent posts every 5 s). */
const STATUS_EVERY_MS = 5_000;

export async function startEmbeddedPlatform(options: EmbeddedPlatformOptions): Promise<EmbeddedPlatform> {
  validateOptions(options);
  const now = options.now ?? Date.now;
  const log = options.log;
  const resumed = loadState(options.stateDir);
  if (resumed && options.target && (!resumed.target || !sameTarget(resumed.target, options.target))) {
    // The caller keeps one directory per target; reaching this is a moved or copied state directory.
    throw new Error(
      `embedded platform: ${options.stateDir} holds a session for ${resumed.target ? describeTarget(resumed.target) : 'an unknown database'}, not ${describeTarget(options.target)}`,
    );
  }
  const state = resumed ?? initialState(options, now());
  if (resumed) {
    log.info(
      { stateDir: options.stateDir, phase: resumed.phase, settings: resumed.settings },
      'embedded platform: resuming the saved session',
    );
  }
  const orchestrator = new Orchestrator(state, {
    log,
    now,
    applyTimeoutMs: (options.applyTimeoutSeconds ?? 600) * 1000,
    heartbeatGraceMs: (options.heartbeatGraceSeconds ?? 20) * 1000,
  });

  const iterationListeners: ((r: IterationReport) => void)[] = [];
  const statusListeners: ((s: SessionStatus) => void)[] = [];
  const done = deferred<SessionReport>();
  let lastStatusKey = '';
  let lastSaved = '';
  let lastStatusAt = 0;

  const call = <T>(fns: readonly ((v: T) => void)[], value: T): void => {
    for (const fn of fns) {
      try {
        fn(value);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'embedded platform: event listener threw');
      }
    }
  };
  /** On a change of phase, iteration, sample count or error, and at least every 5 s. */
  const emitStatus = (): void => {
    const s = sessionStatus(state, now());
    const key = JSON.stringify([s.phase, s.iteration, s.window?.samples, s.window?.warmingUp, s.lastError]);
    if (key === lastStatusKey && now() - lastStatusAt < STATUS_EVERY_MS) return;
    lastStatusKey = key;
    lastStatusAt = now();
    call(statusListeners, s);
  };
  const settle = (events: readonly OrchestratorEvent[]): void => {
    for (const e of events) {
      if (e.type === 'iteration') call(iterationListeners, e.report);
      else if (e.type === 'finished') {
        const report = sessionReport(state);
        saveReport(options.stateDir, report);
        done.resolve(report);
      } else done.reject(new Error(`embedded platform: session failed: ${e.error}`));
    }
  };
  /** Save (when anything changed), then tell listeners: an event is never about a state a crash could lose. */
  const persist = (): void => {
    const text = stateText(state);
    if (text === lastSaved) return;
    writeStateText(options.stateDir, text);
    lastSaved = text;
  };
  const afterChange = (): void => {
    persist();
    settle(orchestrator.drainEvents());
    emitStatus();
  };
  /**
   * Run one session step. A throw is a bug in the session or tuner; going on would repeat it on every
   * request, so the session fails visibly (done() rejects) and the agent keeps its configuration.
   */
  const step = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (err) {
      orchestrator.fail(`internal error: ${(err as Error).message}`);
      return fallback;
    }
  };

  // A session that already ended before this start resolves (or rejects) at once.
  if (state.phase === 'done') done.resolve(sessionReport(state));
  if (state.phase === 'failed')
    done.reject(new Error(`embedded platform: session failed: ${state.lastError ?? ''}`));

  const o = orchestrator;
  const server = http.createServer(
    createRequestHandler({
      apiKey: state.apiKey,
      databaseId: state.databaseId,
      log,
      handlers: {
        heartbeat: (b) => step(() => o.heartbeat(b), undefined),
        metrics: (b) => step(() => o.metrics(b), undefined),
        systemInfo: (b) => step(() => o.systemInfo(b), undefined),
        activeConfig: (b) => step(() => o.activeConfig(b), undefined),
        recommendation: () => step(() => o.recommendation(), []),
        guardrail: (b) => step(() => o.guardrail(b), undefined),
        logEntry: (b) => step(() => o.logEntry(b), undefined),
        catalog: (name, b) => step(() => o.catalog(name, b), undefined),
      },
      afterChange,
    }),
  );
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  state.port = await listen(server, state.port);
  persist();
  const url = `http://127.0.0.1:${state.port}`;
  log.info({ url, stateDir: options.stateDir, phase: state.phase }, 'embedded platform listening');

  const timer = setInterval(() => {
    step(() => orchestrator.tick(), undefined);
    afterChange();
  }, options.tickMs ?? 1000);
  timer.unref();
  let closed = false;

  return {
    url,
    apiKey: state.apiKey,
    databaseId: state.databaseId,
    stateDir: options.stateDir,
    status: () => sessionStatus(state, now()),
    on(
      event: 'iteration' | 'status',
      fn: ((r: IterationReport) => void) | ((s: SessionStatus) => void),
    ): void {
      if (event === 'iteration') iterationListeners.push(fn as (r: IterationReport) => void);
      else statusListeners.push(fn as (s: SessionStatus) => void);
    },
    done: () => done.promise,
    report: () => sessionReport(state),
    stopRestore() {
      const restore = step(() => orchestrator.stopRestore(), null);
      persist();
      return restore;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      const stopped = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await stopped;
      persist();
      done.reject(new Error('embedded platform: closed before the session finished'));
    },
  };
}

function validateOptions(o: EmbeddedPlatformOptions): void {
  const problems: string[] = [];
  if (!Number.isInteger(o.iterations) || o.iterations < 2) problems.push('iterations must be an integer ≥ 2');
  if (!(o.iterationSeconds > 0)) problems.push('iterationSeconds must be > 0');
  if (!(o.warmupSeconds >= 0)) problems.push('warmupSeconds must be ≥ 0');
  if (!isObjective(o.objective)) problems.push(`objective must be one of ${objectiveIds().join(', ')}`);
  if (problems.length) throw new Error(`embedded platform: options: ${problems.join('; ')}`);
}

/** Listen on the saved port when it is free (a running agent keeps its URL), else on a new one. */
async function listen(server: http.Server, preferred: number): Promise<number> {
  const attempt = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        server.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, '127.0.0.1');
    });
  if (preferred > 0) {
    try {
      await attempt(preferred);
      return (server.address() as AddressInfo).port;
    } catch {
      // Taken by another process since: a new port; the caller hands the new URL to the agent.
    }
  }
  await attempt(0);
  return (server.address() as AddressInfo).port;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: Error): void;
}

function deferred<T>(): Deferred<T> {
  let settled = false;
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting on done(); a rejection must not become an unhandled one.
  promise.catch(() => undefined);
  return {
    promise,
    resolve: (v) => {
      if (settled) return;
      settled = true;
      resolve(v);
    },
    reject: (e) => {
      if (settled) return;
      settled = true;
      reject(e);
    },
  };
}
