/**
 * `tpcb`: pgbench's TPC-B-like transactions only, on `pgbench -i` data (or the built-in generator
 * and driver when pgbench is not installed). CPU-bound with the data in RAM, so few knobs move its
 * throughput; tuned for TPS.
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-BUILTIN-SCRIPTS
 */
import { pgbenchInit, PgbenchWorkload } from '../pgbench.js';
import { TpcbDriver } from '../tpcb-driver.js';
import { loadTpcb } from '../tpcb-load.js';
import { ClassedWorkload } from '../workload.js';
import type { WorkloadSpec } from './types.js';

export const tpcb: WorkloadSpec = {
  id: 'tpcb',
  title: 'TPC-B: pgbench tpcb-like transactions',
  defaultObjective: 'tps',
  scale: { full: 10, quick: 2 },
  drivers: ['pgbench', 'builtin'],
  async setup(ctx) {
    if (ctx.pgbench) await pgbenchInit(ctx.pgbench, ctx.connection, ctx.scale, ctx.signal);
    else await loadTpcb(ctx.url, ctx.scale, ctx.signal);
  },
  classes: (_scale, clients) => [
    { name: 'transactions', clients, scripts: ['tpcb-like (built in)'], rate: null, think_ms: 0 },
  ],
  driver(ctx) {
    const load =
      ctx.driver === 'pgbench' && ctx.pgbench
        ? new PgbenchWorkload({
            bin: ctx.pgbench,
            connection: ctx.connection,
            clients: ctx.clients,
            durationSeconds: ctx.durationSeconds,
            log: ctx.log,
          })
        : new TpcbDriver({ url: ctx.url, scale: ctx.scale, clients: ctx.clients });
    return new ClassedWorkload(ctx.driver, [{ name: 'transactions', load }]);
  },
};
