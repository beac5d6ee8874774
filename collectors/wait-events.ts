// https://www.postgresql.org/docs/current/monitoring-stats.html#WAIT-EVENT-TABLE
/**
 * wait_events: how many sessions currently wait, per wait-event type. The fixed types are always
 * sent (0 when none wait), followed by a `TOTAL` row counting every waiting session, including
 * types outside the fixed list (e.g. InjectionPoint on PG 17+).
 */
import { goTimeJson } from '../src/pg/types.js';
import type { CollectorDefinition } from './types.js';

export const WAIT_EVENT_TYPES = [
  'Activity',
  'BufferPin',
  'Client',
  'Extension',
  'IO',
  'IPC',
  'Lock',
  'LWLock',
  'Timeout',
] as const;

export interface WaitEventRow {
  wait_event_type: string;
  current_count: number;
}

/** Fixed-type rows (0-filled) plus TOTAL, from per-type counts. */
export function waitEventRows(counts: ReadonlyMap<string, number>): WaitEventRow[] {
  const rows: WaitEventRow[] = WAIT_EVENT_TYPES.map((t) => ({
    wait_event_type: t,
    current_count: counts.get(t) ?? 0,
  }));
  let total = 0;
  for (const n of counts.values()) total += n;
  rows.push({ wait_event_type: 'TOTAL', current_count: total });
  return rows;
}

export const waitEvents: CollectorDefinition<Record<string, never>> = {
  name: 'wait_events',
  docs: 'https://www.postgresql.org/docs/current/monitoring-stats.html#WAIT-EVENT-TABLE',
  intervalSeconds: 5,
  cost: { weight: 'light' },
  configurable: true,
  create: () => ({
    async collect(ctx) {
      const now = ctx.now();
      const { rows } = await ctx.db.query<{ wait_event_type: string; n: number }>(
        'SELECT wait_event_type, count(*)::int AS n FROM pg_stat_activity ' +
          'WHERE wait_event_type IS NOT NULL GROUP BY wait_event_type',
      );
      const counts = new Map(rows.map((r) => [r.wait_event_type, Number(r.n)]));
      return { collected_at: goTimeJson(now), rows: waitEventRows(counts) };
    },
  }),
};
