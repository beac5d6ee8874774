// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-VIEW
/**
 * database_transactions: committed transactions summed over all databases and the rate since the
 * previous tick (docs/PROTOCOL.md §3.5). The first tick, and any tick after the sum went backwards (stats
 * reset, failover), sends `xact_commit` alone; `tps` is omitted when 0, like the Go agent's
 * omitempty.
 */
import { goTimeJson, parseInt8 } from '../src/pg/types.js';
import type { CollectorDefinition } from './types.js';

export interface TpsSample {
  xactCommit: number | bigint;
  /** Collection time, ms since the epoch. */
  at: number;
}

export interface DatabaseTransactionsRow {
  xact_commit: number | bigint;
  tps?: number;
}

/** The row for `cur`, given the previous sample (null on the first tick). */
export function tpsRow(prev: TpsSample | null, cur: TpsSample): DatabaseTransactionsRow {
  const row: DatabaseTransactionsRow = { xact_commit: cur.xactCommit };
  if (!prev) return row;
  const seconds = (cur.at - prev.at) / 1000;
  const diff = BigInt(cur.xactCommit) - BigInt(prev.xactCommit);
  if (diff < 0n || seconds <= 0) return row;
  const tps = Number(diff) / seconds;
  if (tps !== 0) row.tps = tps;
  return row;
}

export const databaseTransactions: CollectorDefinition<Record<string, never>> = {
  name: 'database_transactions',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-DATABASE-VIEW',
  intervalSeconds: 5,
  cost: { weight: 'light' },
  configurable: true,
  create() {
    let prev: TpsSample | null = null;
    return {
      async collect(ctx) {
        const now = ctx.now();
        // Read as text so the sum stays exact whatever the session's type parsers are.
        const { rows } = await ctx.db.query<{ xact_commit: string | null }>(
          'SELECT SUM(xact_commit)::bigint::text AS xact_commit FROM pg_stat_database',
        );
        const cur: TpsSample = { xactCommit: parseInt8(rows[0]?.xact_commit ?? '0'), at: now.getTime() };
        const row = tpsRow(prev, cur);
        prev = cur;
        return { collected_at: goTimeJson(now), rows: [row] };
      },
    };
  },
};
