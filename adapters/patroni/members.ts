/**
 * Reading settings on every member. Patroni applies `/config` on each member by itself, so the
 * agent checks each member's own pg_settings: it connects to the member's PostgreSQL address from
 * `GET /cluster` (`host`, `port`) with the credentials of `postgresql.connection_url`.
 */
import { createDb, type Db } from '../../src/pg/pool.js';
import { sameValue } from '../../src/apply/value.js';
import type { PatroniMember } from './client.js';

export interface Expected {
  name: string;
  vartype: string;
  /** pg_settings.setting in the base unit. */
  value: string;
  /** A postmaster-context parameter: only a restart makes it live. */
  restart: boolean;
}

/** `postgresql.connection_url` pointed at another member (host and port replaced). */
export function memberUrl(connectionUrl: string, m: Pick<PatroniMember, 'host' | 'port'>): string {
  const u = new URL(connectionUrl);
  u.hostname = m.host.includes(':') ? `[${m.host}]` : m.host;
  u.port = String(m.port);
  // A libpq `host=` query parameter (a unix socket directory) would override the address.
  u.searchParams.delete('host');
  u.searchParams.delete('port');
  return u.toString();
}

/** Where a member stands on the expected values. */
export interface MemberView {
  /** Expected values not live yet, `name is X (expected Y)`; empty when all are live. */
  differ: string[];
  /** Whether some expected value is written but waits for a restart (pending_restart). */
  pendingRestart: boolean;
  /** Whether every value is live or pending a restart (the member has reloaded its configuration). */
  loaded: boolean;
}

interface Row extends Record<string, unknown> {
  name: string;
  setting: string;
  pending_restart: boolean;
}

/** A member's live values (pg_settings.setting) of `names`. */
export async function memberSettings(db: Db, names: readonly string[]): Promise<Map<string, string>> {
  const res = await db.query<Row>(
    'SELECT name, setting, pending_restart FROM pg_settings WHERE name = ANY($1)',
    [names],
  );
  return new Map(res.rows.map((r) => [r.name, r.setting]));
}

export async function memberView(db: Db, expected: readonly Expected[]): Promise<MemberView> {
  const res = await db.query<Row>(
    'SELECT name, setting, pending_restart FROM pg_settings WHERE name = ANY($1)',
    [expected.map((e) => e.name)],
  );
  const rows = new Map(res.rows.map((r) => [r.name, r]));
  const differ: string[] = [];
  let pendingRestart = false;
  let loaded = true;
  for (const e of expected) {
    const row = rows.get(e.name);
    if (!row) {
      differ.push(`${e.name} is missing`);
      loaded = false;
      continue;
    }
    if (row.pending_restart) pendingRestart = true;
    if (!sameValue(e.vartype, row.setting, e.value)) {
      differ.push(`${e.name} is ${row.setting} (expected ${e.value})`);
      if (!(e.restart && row.pending_restart)) loaded = false;
    }
  }
  return { differ, pendingRestart, loaded };
}

/** Sessions to each member: the agent's own pool for this node, a one-connection pool for others. */
export class MemberSessions {
  private readonly pools = new Map<string, Db>();
  constructor(
    private readonly self: { name: string; db: Db },
    private readonly connectionUrl: string,
  ) {}

  db(m: PatroniMember): Db {
    if (m.name === this.self.name) return this.self.db;
    const key = `${m.name}@${m.host}:${m.port}`;
    let db = this.pools.get(key);
    if (!db) {
      db = createDb({ connectionUrl: memberUrl(this.connectionUrl, m), max: 1, connectTimeoutMs: 3_000 });
      this.pools.set(key, db);
    }
    return db;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  }
}
