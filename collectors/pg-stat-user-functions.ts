// https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-USER-FUNCTIONS-VIEW
import { defineRowsCollector, type RowOf } from './define.js';

const columns = {
  funcid: 'oid',
  schemaname: 'text',
  funcname: 'text',
  calls: 'int',
  total_time: 'float',
  self_time: 'float',
} as const;
export type PgStatUserFunctionsRow = RowOf<typeof columns>;

/** The 500 most-called user functions (needs track_functions = pl or all to have rows). */
export const pgStatUserFunctions = defineRowsCollector({
  name: 'pg_stat_user_functions',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#MONITORING-PG-STAT-USER-FUNCTIONS-VIEW',
  intervalSeconds: 60,
  cost: { weight: 'light' },
  source: 'pg_stat_user_functions',
  columns,
  sql: 'SELECT * FROM pg_stat_user_functions WHERE calls > 0 ORDER BY calls DESC, funcid LIMIT 500',
});
