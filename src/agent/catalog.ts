/**
 * Catalog collector scheduling (docs/PROTOCOL.md §2.4, §3.2): version gating, the bootstrap set run once
 * (one at a time, starts at least 200 ms apart) before steady state, staggered tickers,
 * skip-unchanged with a forced send every 30th unchanged round, error reporting as `<name>_error`.
 * Before a collector runs, its declared cost model decides whether the last reading stands in for
 * a new one (cost-gate.ts); what reaches the platform is the same either way.
 */
import type { CollectContext, CollectorDefinition, CollectorInstance } from '../../collectors/types.js';
import type { Db } from '../pg/pool.js';
import type { Logger } from '../log.js';
import type { PlatformClient } from '../platform/client.js';
import type { CatalogPayload } from '../platform/types.js';
import { encodeJson, sha256Hex } from '../platform/json.js';
import { isConnectionError, isRecoveryError, sqlState } from '../pg/sqlstate.js';
import { errorMessage } from '../errors.js';
import type { CrashGuard } from './crash-guard.js';
import type { HealthGate } from './health-gate.js';
import type { Intervals } from './intervals.js';
import type { FailureLog } from './failure-log.js';
import { sleep } from './deadline.js';
import type { Scheduler } from './scheduler.js';
import { CostGate } from './cost-gate.js';

/** Every 30th unchanged collection is sent anyway, as a liveness signal (§3.2). */
export const FORCED_SEND_EVERY = 30;

export interface ScheduledCollector {
  def: CollectorDefinition;
  instance: CollectorInstance;
  intervalMs: number;
}

export interface CatalogDeps {
  collectors: ScheduledCollector[];
  /** Names of the bootstrap set in launch order. */
  bootstrap: readonly string[];
  db: Db;
  pgMajor: number;
  platform: PlatformClient;
  gate: HealthGate;
  guard: CrashGuard;
  failures: FailureLog;
  intervals: Intervals;
  log: Logger;
  /** Wall clock in ms (injectable for tests); default Date.now. */
  nowMs?: () => number;
}

/** Which collectors run: enabled, not disabled by the adapter, supported by this server major. */
export function selectCollectors(
  registry: readonly CollectorDefinition[],
  opts: {
    pgMajor: number;
    enabled: (name: string) => boolean;
    disabledByAdapter: readonly string[];
    intervalSeconds: (def: CollectorDefinition) => number;
    options: (def: CollectorDefinition) => unknown;
    scale: number;
  },
): ScheduledCollector[] {
  return registry
    .filter((def) => (def.configurable === false ? true : opts.enabled(def.name)))
    .filter((def) => !opts.disabledByAdapter.includes(def.name))
    .filter((def) => def.minPgVersion === undefined || opts.pgMajor >= def.minPgVersion)
    .map((def) => ({
      def,
      instance: def.create(opts.options(def)),
      intervalMs: Math.max(50, Math.round(opts.intervalSeconds(def) * 1000 * opts.scale)),
    }));
}

class SkipTracker {
  private last: string | undefined;
  private unchanged = 0;
  /** True when this payload should be sent. */
  shouldSend(payload: CatalogPayload): boolean {
    const subject = 'rows' in payload ? payload.rows : 'ddl_hash' in payload ? payload.ddl_hash : payload;
    const hash = sha256Hex(encodeJson(subject));
    if (hash !== this.last) {
      this.last = hash;
      this.unchanged = 0;
      return true;
    }
    this.unchanged++;
    if (this.unchanged % FORCED_SEND_EVERY === 0) return true;
    return false;
  }

  /** True when an unchanged payload this round would be sent anyway (the forced liveness send). */
  forcedRoundDue(): boolean {
    return this.last !== undefined && (this.unchanged + 1) % FORCED_SEND_EVERY === 0;
  }

  /** Count a round skipped before collecting because nothing changed (see cost-gate.ts). */
  skippedUnchanged(): void {
    this.unchanged++;
  }
}

export class CatalogRunner {
  private readonly skips = new Map<string, SkipTracker>();
  private readonly gates = new Map<string, CostGate>();
  private readonly nowMs: () => number;

  constructor(private readonly d: CatalogDeps) {
    this.nowMs = d.nowMs ?? Date.now;
  }

  private tracker(name: string): SkipTracker {
    let t = this.skips.get(name);
    if (!t) this.skips.set(name, (t = new SkipTracker()));
    return t;
  }

  private costGateFor(c: ScheduledCollector): CostGate {
    let g = this.gates.get(c.def.name);
    if (!g)
      this.gates.set(c.def.name, (g = new CostGate(c.def.cost, c.def.skipUnchanged === true, this.nowMs)));
    return g;
  }

  /** One collect + send. Errors are handled here; returns true when it completed without error. */
  async tick(c: ScheduledCollector, signal: AbortSignal): Promise<boolean> {
    const { gate, guard, failures, log, platform, intervals } = this.d;
    const name = c.def.name;
    if (!gate.isOpen) return false;
    const ctx = (s: AbortSignal): CollectContext => ({
      db: this.d.db,
      pgMajor: this.d.pgMajor,
      log,
      signal: s,
      now: () => new Date(this.nowMs()),
    });
    const costGate = this.costGateFor(c);
    const outcome = await guard.run(
      name,
      intervals.catalogCollectDeadlineMs,
      async (s) => {
        const tracker = c.def.skipUnchanged ? this.tracker(name) : undefined;
        const decision = await costGate.before(
          this.d.db,
          new Date(this.nowMs()),
          tracker?.forcedRoundDue() ?? false,
        );
        if (decision.kind === 'unchanged') {
          tracker?.skippedUnchanged();
          return 'unchanged' as const;
        }
        const payload = decision.kind === 'reuse' ? decision.payload : await c.instance.collect(ctx(s));
        if (!payload) {
          costGate.collected(decision, null);
          return 'empty' as const;
        }
        if (tracker && !tracker.shouldSend(payload)) {
          costGate.collected(decision, payload);
          return 'unchanged' as const;
        }
        await platform.sendCatalog(name, payload, { signal: s });
        costGate.collected(decision, payload);
        return 'sent' as const;
      },
      signal,
    );
    if (outcome.ok) {
      failures.succeeded(name);
      return true;
    }
    const err = outcome.error;
    if (signal.aborted) return false;
    if (gate.report(err) || isConnectionError(err) || isRecoveryError(err)) {
      log.debug({ collector: name, err: errorMessage(err) }, 'collector skipped: database unavailable');
      return false;
    }
    if (outcome.panic) return false; // already reported as <name>_panic
    failures.failed(name, err);
    if (sqlState(err)) {
      // A collector's own SQL failed: tell the platform (Go: `<name>_error`).
      await platform
        .reportError(`${name}_error`, `Failed to collect ${name}: ${errorMessage(err)}`, new Date(), {
          signal,
        })
        .catch((e: unknown) => log.debug({ err: errorMessage(e) }, 'collector error report failed'));
    }
    return false;
  }

  /**
   * Bootstrap set: one collect+send each, collector i starting no earlier than i × stagger (§2.4).
   * Unlike the Go agent, which runs them concurrently, one at a time: the set holds the largest
   * catalog reads (pg_attribute, pg_index_inventory, pg_stats), and holding all their result sets
   * at once set the agent's peak memory at 1,000 tables (docs/PERFORMANCE.md); it also puts one
   * catalog query at a time on the database while it is being looked at for the first time.
   */
  async bootstrap(signal: AbortSignal): Promise<Set<string>> {
    const byName = new Map(this.d.collectors.map((c) => [c.def.name, c]));
    const set = this.d.bootstrap.map((n) => byName.get(n)).filter((c): c is ScheduledCollector => !!c);
    const done = new Set<string>();
    const start = Date.now();
    for (const [i, c] of set.entries()) {
      await sleep(Math.max(0, start + i * this.d.intervals.catalogStaggerMs - Date.now()), signal);
      if (signal.aborted) break;
      if (await this.tick(c, signal)) done.add(c.def.name);
      else
        this.d.log.warn({ collector: c.def.name }, 'bootstrap collection failed; will retry on its interval');
    }
    return done;
  }

  /** Steady state: collector i starts after i × stagger; bootstrapped ones skip their first fire. */
  schedule(scheduler: Scheduler, bootstrapped: Set<string>): void {
    this.d.collectors.forEach((c, i) => {
      scheduler.every(
        c.intervalMs,
        { immediate: !bootstrapped.has(c.def.name), delayMs: i * this.d.intervals.catalogStaggerMs },
        async (signal) => {
          await this.tick(c, signal);
        },
      );
    });
  }
}
