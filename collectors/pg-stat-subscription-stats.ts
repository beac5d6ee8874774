// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SUBSCRIPTION-STATS
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  subid: 'oid',
  subname: 'text',
  apply_error_count: 'int',
  sync_error_count: 'int',
  stats_reset: 'time',
} as const;
export type PgStatSubscriptionStatsRow = RowOf<typeof columns>;

export const pgStatSubscriptionStats = defineRowsCollector({
  name: 'pg_stat_subscription_stats',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-SUBSCRIPTION-STATS',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  minPgVersion: 15,
  skipUnchanged: true,
  source: 'pg_stat_subscription_stats',
  columns,
  sql: 'SELECT * FROM pg_stat_subscription_stats ORDER BY subid',
});
