/**
 * `read-mostly`: customers reading their accounts far more often than they move money, as fast as
 * the clients go: account statements (a balance and the last ten transfers, by index) 9 : 1 with
 * transfers, on the mixed workload's dataset and scripts. Tuned for TPS.
 */
import { loadMixed } from './mixed/dataset.js';
import { pgbenchClasses } from './scripts.js';
import type { WorkloadSpec } from './types.js';

export const readMostly: WorkloadSpec = {
  id: 'read-mostly',
  title: 'read-mostly: account statements with a transfer in ten',
  defaultObjective: 'tps',
  scale: { full: 10, quick: 2 },
  drivers: ['pgbench'],
  setup: (ctx) => loadMixed(ctx.url, ctx.scale, ctx.signal),
  classes: (_scale, clients) => [
    {
      name: 'transactions',
      clients,
      scripts: ['mixed/account-statement.sql@9', 'mixed/transfer.sql@1'],
      rate: null,
      think_ms: 0,
    },
  ],
  driver: (ctx) => pgbenchClasses(readMostly.classes(ctx.scale, ctx.clients), ctx, readMostly.id),
};
