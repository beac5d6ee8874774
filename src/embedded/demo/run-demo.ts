/**
 * `dbtune-agent demo`, start to finish: PostgreSQL → the workload's dataset → embedded platform →
 * agent (in-process, --local) → the workload for the whole session → live progress → reports. The
 * workload (dataset and driver) comes from the registry in ./workloads.
 *
 * Everything started registers its cleanup first, so an interrupt (the caller aborts `signal` on
 * SIGINT/SIGTERM) at any point stops the workload, the agent, the platform and PostgreSQL (unless
 * --keep) and removes the temporary directory.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createLogger } from '../../log.js';
import { startEmbeddedPlatform } from '../platform/server.js';
import { readJitAvailable } from '../server-facts.js';
import type { SessionReport } from '../platform/types.js';
import { startInProcessAgent } from './agent-in-process.js';
import { keepRunning, readUnits, serverVersionText, startDemoCluster } from './cluster-setup.js';
import type { DemoOptions } from './options.js';
import { findPgbench } from './pgbench.js';
import { createProgressView } from './progress.js';
import { buildDemoReport, writeJsonReport, type DemoReport } from './report-json.js';
import { writeHtmlReport } from './report-html.js';
import { writeRestartScript } from './restart-script.js';
import { summaryText } from './summary.js';
import { Teardown } from './teardown.js';
import { classReport } from './workload-report.js';
import { chooseDriver, workloadSpec } from './workloads/index.js';
import { objective } from '../tuner/index.js';

export interface DemoIo {
  out(text: string): void;
  err(text: string): void;
  /** Where the progress bar goes (a bar only when it is a TTY). */
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export type DemoOutcome =
  | { readonly kind: 'done'; readonly report: DemoReport; readonly json: string; readonly html: string }
  | { readonly kind: 'interrupted' };

class Interrupted extends Error {}

/** Generous: a stalled session fails instead of hanging the demo forever. */
export function sessionDeadlineMs(o: DemoOptions): number {
  const perIteration = o.iterationSeconds + o.warmupSeconds + 20; // apply, restart, config poll
  return (3 * o.iterations * perIteration + 120) * 1000;
}

export async function runDemo(
  o: DemoOptions,
  io: DemoIo,
  signal: AbortSignal,
  agentVersion: string,
): Promise<DemoOutcome> {
  const started = Date.now();
  const teardown = new Teardown();
  const checkpoint = () => {
    if (signal.aborted) throw new Interrupted();
  };
  mkdirSync(o.outDir, { recursive: true });
  const logFile = path.join(o.outDir, 'dbtune-demo.log');
  const log = createLogger({ format: 'json', destination: pino.destination({ dest: logFile, sync: true }) });
  const note = (text: string) => io.out(`${text}\n`);
  try {
    const tempDir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-demo-'));
    teardown.add({ name: 'temp dir', run: () => rmSync(tempDir, { recursive: true, force: true }) });
    const spec = workloadSpec(o.workload);
    const { kind: driver, pgbench } = chooseDriver(spec, o.driver, () => findPgbench(io.env));

    note(`Starting PostgreSQL ${o.pgMajor}…`);
    const cluster = await startDemoCluster(o.pgMajor);
    teardown.add({
      name: 'postgres',
      timeoutMs: 30_000,
      run: async () => {
        if (o.keep) {
          const kept = await keepRunning(cluster);
          note(
            `PostgreSQL left running (--keep): ${kept.url}\n  data: ${kept.dataDir}\n  stop: ${kept.stopCommand}`,
          );
        } else {
          await cluster.destroy();
        }
      },
    });
    log.info({ tempDir, dataDir: cluster.dataDir, port: cluster.port }, 'demo: PostgreSQL started');
    const version = await serverVersionText(cluster);
    note(`PostgreSQL ${version} at ${cluster.url} (data dir ${cluster.dataDir})`);
    checkpoint();

    const connection = { host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' };
    note(`Loading the ${spec.id} workload's dataset, scale ${o.scale}…`);
    await spec.setup({ url: cluster.url, connection, scale: o.scale, pgbench, signal });
    checkpoint();
    const units = await readUnits(cluster);
    const restartScript = writeRestartScript(tempDir, cluster);

    const jitAvailable = await readJitAvailable((sql) => cluster.sql(sql));
    const platform = await startEmbeddedPlatform({
      stateDir: path.join(tempDir, 'platform'),
      jitAvailable,
      iterations: o.iterations,
      iterationSeconds: o.iterationSeconds,
      warmupSeconds: o.warmupSeconds,
      objective: o.objective,
      seed: o.seed,
      log,
    });
    teardown.add({ name: 'platform', run: () => platform.close() });
    const done = platform.done();
    done.catch(() => undefined); // close() rejects it; the race below reads the outcome
    checkpoint();

    const workload = spec.driver({
      url: cluster.url,
      connection,
      driver,
      pgbench,
      scale: o.scale,
      clients: o.clients,
      durationSeconds: Math.ceil(sessionDeadlineMs(o) / 1000),
      log,
    });
    const loadStarted = Date.now();
    workload.start();
    teardown.add({ name: 'workload', run: () => workload.stop() });

    note(`Starting the agent (--local, restarts allowed) against the embedded platform at ${platform.url}…`);
    const agent = await startInProcessAgent({
      connectionUrl: cluster.url,
      platform,
      restartScriptPath: restartScript,
      log,
      agentVersion,
    });
    teardown.add({ name: 'agent', run: () => agent.stop() });
    checkpoint();

    const classes = spec.classes(o.scale, o.clients);
    note(
      `Tuning for ${objective(o.objective).label}: ${o.iterations} iterations × ${o.iterationSeconds} s ` +
        `(+${o.warmupSeconds} s warm-up), workload ${spec.title} ` +
        `(${driver === 'pgbench' ? 'pgbench' : 'built-in driver'}; ${classes.map((c) => `${c.name} ${c.clients} clients`).join(', ')})`,
    );
    const view = createProgressView(io.stdout, (text) => io.out(text));
    platform.on('iteration', (rec) => view.iteration(rec, platform.status()));
    const ticker = setInterval(() => view.update(platform.status(), workload.live()), 1_000);
    teardown.add({ name: 'progress', run: () => (clearInterval(ticker), view.stop()) });

    const report = await waitForSession(done, signal, sessionDeadlineMs(o), () => platform.report());
    await teardown.runStep('progress');
    await teardown.runStep('workload');
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    await teardown.runStep('agent');

    const demo = buildDemoReport(report, {
      agentVersion,
      pgVersion: version,
      machine: { cpus: os.availableParallelism(), memoryBytes: os.totalmem() },
      workload: {
        id: spec.id,
        tool: workload.kind,
        scale: o.scale,
        clients: o.clients,
        iterations: o.iterations,
        iteration_seconds: o.iterationSeconds,
        warmup_seconds: o.warmupSeconds,
        seed: o.seed,
        classes: classReport(classes, workload.classes(), loadSeconds),
      },
      units,
      wallSeconds: (Date.now() - started) / 1000,
      now: new Date(),
    });
    const json = writeJsonReport(o.outDir, demo);
    const html = writeHtmlReport(o.outDir, demo);
    io.out(summaryText(demo));
    note(`\nReports:\n  ${json}\n  ${html}\nAgent and platform log: ${logFile}`);
    return { kind: 'done', report: demo, json, html };
  } catch (err) {
    if (err instanceof Interrupted || signal.aborted) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'demo interrupted');
      return { kind: 'interrupted' };
    }
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'demo failed');
    throw err;
  } finally {
    await teardown.runStep('progress'); // the bar first, so the lines below do not garble it
    if (signal.aborted) note('\nInterrupted: stopping the workload, the agent, the platform and PostgreSQL…');
    const failures = await teardown.run();
    for (const f of failures) {
      io.err(`dbtune-agent demo: cleanup: ${f}\n`);
      log.error({ step: f }, 'demo cleanup step failed');
    }
    log.flush();
  }
}

async function waitForSession(
  done: Promise<SessionReport>,
  signal: AbortSignal,
  deadlineMs: number,
  partial: () => SessionReport,
): Promise<SessionReport> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => {
      const r = partial();
      reject(
        new Error(
          `demo: the tuning session did not finish within ${Math.round(deadlineMs / 1000)} s ` +
            `(phase ${r.phase}, ${r.iterations.length} iterations done${r.last_error ? `, last error: ${r.last_error}` : ''})`,
        ),
      );
    }, deadlineMs);
  });
  try {
    return await Promise.race([done, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
