// https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CONTROLDATA
/**
 * server_uptime: minutes since the postmaster started, plus the cluster identity (docs/PROTOCOL.md §3.6).
 *
 * `system_identifier` is sent as an unsigned decimal string (pg_control_system() returns it as a
 * signed bigint); it and `timeline_id` are cached for 10 minutes and re-read as soon as the
 * postmaster start time changes (a restart). On managed services the pg_control_* functions may
 * be denied: the identity fields are then omitted and the failure is logged once per streak.
 */
import { goTimeJson } from '../src/pg/types.js';
import type { CollectorDefinition } from './types.js';

export const IDENTITY_TTL_MS = 10 * 60_000;

export interface Identity {
  system_identifier: string;
  timeline_id: number;
}

export interface IdentityCache {
  identity: Identity;
  startTime: string;
  readAt: number;
}

/** Whether the cached identity must be read again. */
export function identityStale(cache: IdentityCache | null, startTime: string, nowMs: number): boolean {
  return !cache || cache.startTime !== startTime || nowMs - cache.readAt >= IDENTITY_TTL_MS;
}

export interface ServerUptimeRow {
  uptime_minutes: number;
  system_identifier?: string;
  timeline_id?: number;
  postmaster_start_time?: string;
}

const UPTIME_SQL = `
  SELECT (EXTRACT(EPOCH FROM (current_timestamp - pg_postmaster_start_time())) / 60)::float8 AS uptime_minutes,
         to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start_time`;

// Unsigned reinterpretation of the int8 (Go: uint64(int64)).
const IDENTITY_SQL = `
  SELECT CASE WHEN s.system_identifier < 0
              THEN (s.system_identifier::numeric + 18446744073709551616)::text
              ELSE s.system_identifier::text END AS system_identifier,
         (pg_control_checkpoint()).timeline_id AS timeline_id
  FROM pg_control_system() s`;

export const serverUptime: CollectorDefinition<Record<string, never>> = {
  name: 'server_uptime',
  docs: 'https://www.postgresql.org/docs/current/functions-info.html#FUNCTIONS-INFO-CONTROLDATA',
  intervalSeconds: 5,
  cost: { weight: 'light' },
  configurable: true,
  create() {
    let cache: IdentityCache | null = null;
    let failing = false;
    return {
      async collect(ctx) {
        const now = ctx.now();
        const { rows } = await ctx.db.query<{ uptime_minutes: number; start_time: string }>(UPTIME_SQL);
        const up = rows[0];
        if (!up) throw new Error('server_uptime: no row returned');
        if (identityStale(cache, up.start_time, now.getTime())) {
          try {
            const res = await ctx.db.query<{ system_identifier: string; timeline_id: number }>(IDENTITY_SQL);
            const id = res.rows[0];
            cache = id
              ? {
                  identity: { system_identifier: id.system_identifier, timeline_id: Number(id.timeline_id) },
                  startTime: up.start_time,
                  readAt: now.getTime(),
                }
              : null;
            failing = false;
          } catch (err) {
            cache = null;
            if (!failing) ctx.log.warn({ collector: 'server_uptime', err }, 'cluster identity unavailable');
            failing = true;
          }
        }
        const row: ServerUptimeRow = { uptime_minutes: Number(up.uptime_minutes) };
        if (cache) {
          row.system_identifier = cache.identity.system_identifier;
          row.timeline_id = cache.identity.timeline_id;
        }
        row.postmaster_start_time = up.start_time;
        return { collected_at: goTimeJson(now), rows: [row] };
      },
    };
  },
};
