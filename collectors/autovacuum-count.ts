// https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM
import { defineRowsCollector, type RowOf } from './define.js';

const columns = { count: 'int' } as const;
export type AutovacuumCountRow = RowOf<typeof columns>;

/**
 * Running autovacuum workers. The Go agent matches `query LIKE 'autovacuum:%'`, which counts 0 for
 * a monitoring role without pg_read_all_stats (other roles' query text reads
 * `<insufficient privilege>`); `backend_type` is visible to every role, so it is used instead.
 */
export const autovacuumCount = defineRowsCollector({
  name: 'autovacuum_count',
  docs: 'https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM',
  intervalSeconds: 5,
  cost: { weight: 'light' },
  columns,
  sql: `SELECT count(*) AS count FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'`,
});
