/**
 * `mixed` (the demo's default): a bank's OLTP transactions and its dashboards over the same data,
 * side by side, each class with its own clients and its own pgbench process.
 *
 * - transactions: transfers (pgbench's tpcb-like, transfer.sql) and account statements
 *   (account-statement.sql), 7:3, at a fixed arrival rate (pgbench -R) as a user population
 *   produces them, not as fast as the clients can go;
 * - reporting: dashboard refreshes (dashboard.sql: aggregates, joins, sorts, percentiles and an
 *   anti-join over hundreds of thousands to millions of rows), each client pausing THINK_MS between
 *   refreshes.
 *
 * Both classes arrive at a pace of their own, so a faster configuration shows as shorter queries
 * rather than more of them; the average query runtime weighted by calls (the `latency` objective)
 * then follows the dashboards' runtime, while TPS (the guardrail) stays at the offered rate unless a
 * configuration cannot keep up with it. On PostgreSQL's defaults the dashboards' sorts, hash joins
 * and hash aggregates spill to temporary files (work_mem 4 MB) and the planner prices random reads
 * as on spinning disks (random_page_cost 4); what changing those is worth on a given machine is what
 * bench/knob-effects.ts measures (docs/PERFORMANCE.md, "Knob effects").
 */
import { pgbenchClasses } from '../scripts.js';
import type { WorkloadSpec } from '../types.js';
import { loadMixed } from './dataset.js';

/** Transactions per second the OLTP class offers. */
export const OLTP_RATE = 200;
export const REPORTING_CLIENTS = 2;
/** Pause between one client's dashboard refreshes. */
export const THINK_MS = 4_000;

export const mixed: WorkloadSpec = {
  id: 'mixed',
  title: 'mixed: OLTP transfers and statements plus dashboard queries on the same data',
  defaultObjective: 'latency',
  scale: { full: 10, quick: 2 },
  drivers: ['pgbench'],
  setup: (ctx) => loadMixed(ctx.url, ctx.scale, ctx.signal),
  classes: (_scale, clients) => [
    {
      name: 'transactions',
      clients,
      scripts: ['mixed/transfer.sql@7', 'mixed/account-statement.sql@3'],
      rate: OLTP_RATE,
      think_ms: 0,
    },
    {
      name: 'reporting',
      clients: REPORTING_CLIENTS,
      scripts: ['mixed/dashboard.sql'],
      rate: null,
      think_ms: THINK_MS,
    },
  ],
  driver: (ctx) => pgbenchClasses(mixed.classes(ctx.scale, ctx.clients), ctx, mixed.id),
};
