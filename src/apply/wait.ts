/**
 * Waiting for PostgreSQL: readiness after a restart, and read-back after pg_reload_conf (which only
 * signals the postmaster; backends pick the new values up asynchronously,
 * https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADMIN-SIGNAL).
 */
import pg from 'pg';
import { toClientConfig } from '../pg/connection.js';
import type { Db } from '../pg/pool.js';
import { tagSql } from '../pg/pool.js';
import { SETTINGS_SQL } from './settings-read.js';
import type { SettingRow } from './types.js';
import { sameValue } from './value.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One readiness probe: a fresh connection when a URL is known, else a pooled ping. */
export async function probe(db: Db, connectionUrl: string | undefined, timeoutMs: number): Promise<void> {
  if (!connectionUrl) return db.ping(timeoutMs);
  const client = new pg.Client({ ...toClientConfig(connectionUrl), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined); // a server going away mid-probe must not crash the process
  try {
    await client.connect();
    await client.query(tagSql('SELECT 1'));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Poll `SELECT 1` until it succeeds or `timeoutMs` passes. Returns whether PostgreSQL is up. */
export async function waitReady(
  db: Db,
  opts: { connectionUrl?: string; timeoutMs: number; intervalMs: number },
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const remaining = deadline - Date.now();
    try {
      await probe(db, opts.connectionUrl, Math.max(250, Math.min(2_000, remaining)));
      return true;
    } catch {
      if (Date.now() + opts.intervalMs > deadline) return false;
      await sleep(opts.intervalMs);
    }
  }
}

export interface Expectation {
  name: string;
  vartype: string;
  /** Canonical base-unit value pg_settings.setting must show. */
  value: string;
}

/**
 * Poll pg_settings until every knob shows its expected value with pending_restart = false, or throw
 * after `timeoutMs` naming each mismatch.
 */
export async function readBack(
  db: Db,
  expected: readonly Expectation[],
  opts: { timeoutMs: number; intervalMs: number; step: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const names = expected.map((e) => e.name);
  let last: string;
  // A short settle before the first look: the reload signal needs a moment to propagate.
  await sleep(Math.min(100, opts.intervalMs));
  for (;;) {
    try {
      const res = await db.query<Record<string, unknown> & SettingRow>(SETTINGS_SQL, [names]);
      const rows = new Map(res.rows.map((r) => [r.name, r]));
      const bad: string[] = [];
      for (const e of expected) {
        const row = rows.get(e.name);
        if (!row) bad.push(`${e.name} is missing`);
        else if (!sameValue(e.vartype, row.setting, e.value))
          bad.push(`${e.name} is ${row.setting} (expected ${e.value})`);
        else if (row.pending_restart) bad.push(`${e.name} is pending a restart`);
      }
      if (bad.length === 0) return;
      last = bad.join(', ');
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() + opts.intervalMs > deadline) {
      throw new Error(`apply: ${opts.step}: read-back after ${opts.timeoutMs} ms: ${last}`);
    }
    await sleep(opts.intervalMs);
  }
}
