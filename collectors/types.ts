/**
 * The catalog collector contract (docs/ARCHITECTURE.md "Catalog collector").
 *
 * A collector file declares its endpoint name, interval, version gate and SQL; the generic runner
 * (src/agent) schedules, times out, health-gates, de-duplicates (skipUnchanged) and sends.
 * A collector never retries, never sends, never catches connection errors: it throws and the
 * runner decides.
 */
import type { z } from 'zod';
import type { Db } from '../src/pg/pool.js';
import type { Logger } from '../src/log.js';
import type { CatalogPayload } from '../src/platform/types.js';

export interface CollectContext {
  /** Read-only, tagged, bounded sessions. */
  db: Db;
  /** Server major (13…18), read once at startup. */
  pgMajor: number;
  log: Logger;
  /** Aborted when the collector's deadline passes; long collectors should check it between queries. */
  signal: AbortSignal;
  /** Wall clock, injectable for tests. */
  now(): Date;
}

export interface CollectorInstance {
  /** The payload to send, or null when there is nothing to send this tick. */
  collect(ctx: CollectContext): Promise<CatalogPayload | null>;
}

/**
 * What a collection costs the watched server and how fresh its data must be (the cost model,
 * docs/PERFORMANCE.md "Collection cost"). The runner (src/agent/cost-gate.ts) acts on it; the
 * wire payloads do not change.
 */
export interface CollectorCost {
  /**
   * Time inside PostgreSQL per call, as measured at 1,000 tables / 5,000 statements:
   * `light` < 1 ms, `moderate` < 20 ms, `heavy` beyond (grows with the number of relations,
   * statements or files). The collection benchmark prints it next to the measurement.
   */
  readonly weight: 'light' | 'moderate' | 'heavy';
  /**
   * A reading stays good this long: until then the runner sends the last reading again with a
   * new `collected_at` instead of querying (the value changes more slowly than it is reported).
   */
  readonly reuseSeconds?: number;
  /**
   * Catalog tables whose contents the payload is computed from. A collection is skipped before
   * it runs when their insert/update/delete counters (`pg_stat_get_tuples_*`) are unchanged since
   * the last collection the platform has (the platform de-duplicates these payloads by hash,
   * `skipUnchanged`); it runs anyway on the forced 30th round. Only for `skipUnchanged`
   * collectors whose rows depend on nothing but these catalogs.
   */
  readonly changeMarker?: readonly string[];
}

export interface CollectorDefinition<O = unknown> {
  /** Endpoint path and config key, e.g. `pg_stat_bgwriter`. */
  readonly name: string;
  /** PostgreSQL docs page for the view. */
  readonly docs: string;
  /** Default interval in seconds (config can only make it slower). */
  readonly intervalSeconds: number;
  /** Not run (and not an error) below this server major. */
  readonly minPgVersion?: number;
  /** Part of the bootstrap set run once before steady state (§2.4). */
  readonly bootstrap?: boolean;
  /** Identical `rows` are not re-sent, except every 30th unchanged round (§3.2). */
  readonly skipUnchanged?: boolean;
  /** Cost and freshness (see CollectorCost). */
  readonly cost: CollectorCost;
  /** Configurable in `collectors:` (ddl and pg_index_inventory are always on). */
  readonly configurable?: boolean;
  /**
   * The typed extras of `collectors.<name>.*` (besides `enabled` and `interval_seconds`), with
   * their defaults and ranges; `optionsSchema.parse({})` yields the defaults. The config loader
   * builds the `collectors:` section from these, so the registry is the single source of truth.
   */
  readonly optionsSchema?: z.ZodType<O>;
  /** A fresh instance holds the collector's state (snapshots for deltas, paging offsets). */
  create(options: O): CollectorInstance;
}
