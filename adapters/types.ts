/**
 * The adapter contract (docs/ARCHITECTURE.md "Adapter module"). An adapter owns only its platform's
 * verbs; scheduling, timeouts, crash isolation, health gating and error reporting live in src/agent.
 */
import type { Db } from '../src/pg/pool.js';
import type { ServerVersion } from '../src/pg/version.js';
import type { Logger } from '../src/log.js';
import type { Config } from '../src/config/index.js';
import type { ConfigRow, Metric } from '../src/platform/types.js';
import type { ApplyEngine } from '../src/apply/index.js';
import type { MemoryReading } from '../guardrails/types.js';

export const ADAPTER_IDS = [
  'aiven',
  'aurora',
  'azure-flex',
  'cloudsql',
  'cnpg',
  'docker',
  'local',
  'patroni',
  'rds',
] as const;
export type AdapterId = (typeof ADAPTER_IDS)[number];

/** A hardware metric collector (`hardware`, `cpu_utilization`, …), run every 5 s by the runner. */
export interface MetricCollector {
  readonly key: string;
  collect(signal: AbortSignal): Promise<Metric[]>;
}

export interface AdapterContext {
  config: Config;
  /** Agent pool (read-write; used by apply). */
  db: Db;
  pgVersion: ServerVersion;
  log: Logger;
  /** Process environment (for detection and SDK credentials); injectable for tests. */
  env: NodeJS.ProcessEnv;
}

export interface Adapter {
  readonly id: AdapterId;
  /** All-or-nothing: resolve the complete list or throw; never a partial list. */
  systemInfo(signal: AbortSignal): Promise<Metric[]>;
  /** Rows of the active configuration as the platform expects them (§1.7). */
  activeConfig(signal: AbortSignal): Promise<ConfigRow[]>;
  /**
   * The apply engine over this platform's settings backend (src/apply): plans, applies, verifies
   * and restores. Throws an AgentError on refusal/failure; `idle()` is what shutdown waits on.
   */
  readonly settings: ApplyEngine;
  /** The same instances on every call: collectors keep state between ticks (e.g. disk I/O deltas). */
  hardwareCollectors(): MetricCollector[];
  /** Memory reading for the guardrail; must not wait on the database. null = no reading. */
  guardrailReading(signal: AbortSignal): Promise<MemoryReading | null>;
  /**
   * Throws a failover_detected AgentError when the primary changed since the last call (the runner
   * calls it on every config tick, before any apply). Adapters without failover omit it.
   */
  checkFailover?(signal: AbortSignal): Promise<void>;
  /** Collector names this platform cannot serve (Aurora: pg_stat_wal, pg_stat_wal_receiver). */
  readonly disabledCollectors?: readonly string[];
  close?(): Promise<void>;
}

/**
 * An adapter module (`adapters/<id>/index.ts`). Its flag, YAML section, detection env vars and
 * description live once, in the registry (`adapters/index.ts`).
 */
export interface AdapterModule {
  readonly id: AdapterId;
  /**
   * Checks that need no connection (required keys, restart method, files that must exist); throws a
   * ConfigError naming each key and its env var. `run`, `check` and `config` all call it first, so
   * they refuse the same configurations with the same message. `create` may rely on it having run.
   */
  preflight?(config: Config, env: NodeJS.ProcessEnv): void;
  create(ctx: AdapterContext): Promise<Adapter>;
  /**
   * Optional: the password of every database connection the agent opens, from a provider (e.g.
   * Microsoft Entra tokens on Azure). Called once, before the pools exist; undefined keeps the
   * connection URL's password. Throws a ConfigError for bad settings.
   */
  databasePassword?(ctx: DatabasePasswordContext): (() => Promise<string>) | undefined;
}

export interface DatabasePasswordContext {
  config: Config;
  log: Logger;
  env: NodeJS.ProcessEnv;
}
