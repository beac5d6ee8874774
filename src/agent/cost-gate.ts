/**
 * The runner's side of the collectors' cost model (`CollectorCost` in collectors/types.ts): before
 * a collector runs, decide whether its last reading can stand in for a new one.
 *
 * - `reuseSeconds`: the last payload is sent again with a fresh `collected_at` until it is that
 *   old (system_db_size: `pg_database_size()` stats every file of the cluster, so it is computed
 *   once a minute and reported on every 5 s tick, as the Go agent reports it).
 * - `changeMarker`: the collection is skipped when the listed catalogs' insert/update/delete
 *   counters are what they were at the last collection the platform has. These collectors are
 *   de-duplicated by hash anyway (`skipUnchanged`), so skipping changes nothing on the wire; it
 *   only spares the database a catalog scan whose result would have been dropped.
 *
 * Why those counters are a sound marker. Every transactional change to a catalog row (CREATE,
 * ALTER, DROP, RENAME, COMMENT-free DDL in general) is an insert, update or delete of that row and
 * is counted per table in the cumulative statistics — for system catalogs as for user tables
 * (https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-STATS-FUNCS-TABLE,
 * `pg_stat_get_tuples_*` underlie pg_stat_all_tables' n_tup_ins / n_tup_upd / n_tup_del). The
 * counts are published after the change commits, so a marker that moved means a collection will
 * see the change; one that has not moved yet is caught on the next tick. pg_stat_reset() moves the
 * marker (the counters drop to zero), which costs one extra collection and is harmless. With
 * `track_counts = off` the counters never move, so the marker is null and the collector always
 * runs. In-place (non-transactional) updates, which VACUUM and ANALYZE use for pg_class' size and
 * freeze fields, are not counted; no marker-gated collector reads those fields. On PG 13–14 the
 * statistics collector works over UDP and may drop a message under load; the forced send every
 * 30th unchanged round (src/agent/catalog.ts) bounds how long a change can go unseen, exactly as
 * it bounds a payload lost by the platform.
 *
 * Reading the marker costs one lookup per listed catalog (microseconds on PG 15+, where
 * statistics live in shared memory; on PG 13–14 it reads the database's statistics snapshot,
 * which the collector query it replaces would also do for stats views).
 */
import type { CollectorCost } from '../../collectors/types.js';
import type { Db } from '../pg/pool.js';
import type { CatalogPayload } from '../platform/types.js';
import { goTimeJson } from '../pg/types.js';

/** One text per call: `oid:changes,…` over the listed catalogs, or NULL when track_counts is off. */
export const CHANGE_MARKER_SQL = `
  SELECT CASE WHEN current_setting('track_counts')::bool THEN
           string_agg(r.oid::oid::text || ':' || (pg_stat_get_tuples_inserted(r.oid)
             + pg_stat_get_tuples_updated(r.oid) + pg_stat_get_tuples_deleted(r.oid))::text, ','
             ORDER BY r.oid::oid)
         END AS marker
  FROM unnest($1::text[]::regclass[]) AS r(oid)`;

export async function readChangeMarker(db: Db, catalogs: readonly string[]): Promise<string | null> {
  const { rows } = await db.query<{ marker: string | null }>(CHANGE_MARKER_SQL, [catalogs]);
  return rows[0]?.marker ?? null;
}

/** What the runner does this tick. */
export type GateDecision =
  /** Send this payload (the last reading, restamped); do not query. */
  | { kind: 'reuse'; payload: CatalogPayload }
  /** Nothing changed since the platform's copy: neither query nor send. */
  | { kind: 'unchanged' }
  /** Collect as usual; hand `marker` back to `collected()` when the tick completes. */
  | { kind: 'collect'; marker: string | null };

export class CostGate {
  private reading: { payload: CatalogPayload; atMs: number } | undefined;
  /** Marker at the last completed collection (undefined: none, or it must not be trusted). */
  private marker: string | undefined;

  constructor(
    private readonly cost: CollectorCost,
    private readonly skipUnchanged: boolean,
    private readonly nowMs: () => number,
  ) {}

  /**
   * Decide before the collector runs. `forcedRoundDue`: the de-duplication would send this round's
   * payload even if unchanged (liveness), so the collection must run.
   */
  async before(db: Db, now: Date, forcedRoundDue: boolean): Promise<GateDecision> {
    const { reuseSeconds, changeMarker } = this.cost;
    if (
      reuseSeconds !== undefined &&
      this.reading &&
      this.nowMs() - this.reading.atMs < reuseSeconds * 1000
    ) {
      return { kind: 'reuse', payload: restamp(this.reading.payload, now) };
    }
    if (!changeMarker || !this.skipUnchanged) return { kind: 'collect', marker: null };
    const marker = await readChangeMarker(db, changeMarker);
    if (marker !== null && marker === this.marker && !forcedRoundDue) return { kind: 'unchanged' };
    return { kind: 'collect', marker };
  }

  /** The tick completed (payload sent, de-duplicated or empty): remember what it was computed from. */
  collected(decision: GateDecision, payload: CatalogPayload | null): void {
    if (decision.kind !== 'collect') return;
    this.marker = decision.marker ?? undefined;
    if (this.cost.reuseSeconds !== undefined && payload) this.reading = { payload, atMs: this.nowMs() };
  }
}

/** The same payload with a new `collected_at` (key order kept, so the wire bytes differ only there). */
export function restamp(payload: CatalogPayload, now: Date): CatalogPayload {
  return 'collected_at' in payload ? { ...payload, collected_at: goTimeJson(now) } : payload;
}
