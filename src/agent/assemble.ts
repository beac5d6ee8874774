/**
 * Wiring: from a validated config, a selected adapter and open pools to a ready Runner. Kept apart
 * from the CLI so tests can build an agent in-process.
 */
import type { Adapter } from '../../adapters/types.js';
import type { CollectorDefinition } from '../../collectors/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Db } from '../pg/pool.js';
import type { PlatformClient } from '../platform/client.js';
import { CatalogRunner, selectCollectors } from './catalog.js';
import type { ApprovalFlow } from './approval-flow.js';
import { CommonAgent, type AgentObserver } from './common-agent.js';
import { CrashGuard } from './crash-guard.js';
import { FailureLog } from './failure-log.js';
import { HealthGate } from './health-gate.js';
import type { Intervals } from './intervals.js';
import { Runner } from './runner.js';

export interface AssembleOptions {
  config: Config;
  adapter: Adapter;
  platform: PlatformClient;
  /** Agent pool: health pings. */
  db: Db;
  /** Read-only collector pool. */
  collectorDb: Db;
  pgMajor: number;
  registry: readonly CollectorDefinition[];
  bootstrap: readonly string[];
  intervals: Intervals;
  log: Logger;
  agentVersion: string;
  startTime?: Date;
  printPlan?: (text: string) => void;
  /** apply_mode: approve. */
  approval?: ApprovalFlow;
  /** Service metrics: every guarded run, apply outcomes, guardrail signals. */
  observeRun?: (name: string, seconds: number, ok: boolean) => void;
  observer?: AgentObserver;
}

export interface Assembled {
  runner: Runner;
  agent: CommonAgent;
  gate: HealthGate;
  guard: CrashGuard;
}

export function assembleAgent(o: AssembleOptions): Assembled {
  const { config, log, platform } = o;
  const guard = new CrashGuard(log, (type, message) => platform.reportError(type, message), o.observeRun);
  const gate = new HealthGate({ ping: () => o.db.ping(5_000), log });
  const failures = new FailureLog(log);
  const agent = new CommonAgent({
    config,
    adapter: o.adapter,
    platform,
    guard,
    intervals: o.intervals,
    log,
    agentVersion: o.agentVersion,
    startTime: o.startTime ?? new Date(),
    printPlan: o.printPlan,
    ...(o.approval ? { approval: o.approval } : {}),
    ...(o.observer ? { observer: o.observer } : {}),
  });
  const collectors = selectCollectors(o.registry, {
    pgMajor: o.pgMajor,
    enabled: (name) => config.collectors[name]?.enabled ?? true,
    disabledByAdapter: o.adapter.disabledCollectors ?? [],
    intervalSeconds: (def) => config.collectors[def.name]?.interval_seconds ?? def.intervalSeconds,
    options: (def) => config.collectors[def.name]?.options ?? def.optionsSchema?.parse({}),
    scale: o.intervals.catalogScale,
  });
  const catalog = new CatalogRunner({
    collectors,
    bootstrap: o.bootstrap,
    db: o.collectorDb,
    pgMajor: o.pgMajor,
    platform,
    gate,
    guard,
    failures,
    intervals: o.intervals,
    log,
  });
  const runner = new Runner({ agent, catalog, gate, guard, failures, intervals: o.intervals, log });
  log.info({ collectors: collectors.length, adapter: o.adapter.id }, 'agent assembled');
  return { runner, agent, gate, guard };
}
