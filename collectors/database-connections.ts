// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  active_connections: 'int',
  idle_connections: 'int',
  idle_in_transaction_connections: 'int',
  idle_in_transaction_aborted_connections: 'int',
  /** Sum of the four states above (background processes have no state and are not counted). */
  total_connections: 'int',
} as const;
export type DatabaseConnectionsRow = RowOf<typeof columns>;

/** Client backends per state, cluster-wide. */
export const databaseConnections = defineRowsCollector({
  name: 'database_connections',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-ACTIVITY-VIEW',
  intervalSeconds: 5,
  cost: { weight: 'light' },
  columns,
  sql: `
    SELECT count(*) FILTER (WHERE state = 'active') AS active_connections,
           count(*) FILTER (WHERE state = 'idle') AS idle_connections,
           count(*) FILTER (WHERE state = 'idle in transaction') AS idle_in_transaction_connections,
           count(*) FILTER (WHERE state = 'idle in transaction (aborted)') AS idle_in_transaction_aborted_connections,
           count(*) FILTER (WHERE state IN ('active', 'idle', 'idle in transaction', 'idle in transaction (aborted)'))
             AS total_connections
    FROM pg_stat_activity`,
});
