/**
 * Connections to the watched database.
 *
 * Every session the agent opens identifies itself (`application_name`) and is bounded
 * (`statement_timeout`, `lock_timeout`), so an agent query can never hold a lock queue or run away.
 * Every statement is prefixed with `/*dbtune*\/` so pg_stat_statements collection can exclude agent
 * traffic (the Go agent's convention). Collector sessions are additionally read-only.
 */
import pg from 'pg';
import { toClientConfig } from './connection.js';
import type { Logger } from '../log.js';

export interface PoolOptions {
  connectionUrl: string;
  /** Pool cap (default 3). */
  max?: number;
  /** statement_timeout in ms (default 10 000). */
  statementTimeoutMs?: number;
  /** lock_timeout in ms (default 1 000). */
  lockTimeoutMs?: number;
  /** Connect timeout in ms (default 5 000). */
  connectTimeoutMs?: number;
  /** default_transaction_read_only=on for every session (collectors). */
  readOnly?: boolean;
  applicationName?: string;
  /** Async password provider (Azure Entra tokens, IAM auth). */
  password?: () => Promise<string>;
  log?: Logger;
  /** Custom type parsers (collectors use src/pg/types.ts for the wire JSON conventions). */
  types?: pg.CustomTypesConfig;
}

export const AGENT_SQL_TAG = '/*dbtune*/';
export const APPLICATION_NAME = 'dbtune-agent';

/**
 * Tag an agent statement so pg_stat_statements collection can exclude agent traffic (idempotent).
 *
 * The Go agent prefixes `/*dbtune*\/ `, but PostgreSQL 18 stores pg_stat_statements text from the
 * statement's first token, dropping a leading comment; a comment INSIDE the statement is kept on
 * every major. So the tag goes after the first keyword (`SELECT /*dbtune*\/ …`), and the
 * pg_stat_statements filter matches it anywhere in the text.
 */
export function tagSql(sql: string): string {
  const trimmed = sql.trim();
  if (trimmed.includes(AGENT_SQL_TAG)) return trimmed;
  const m = /^([A-Za-z]+)(\s+)/.exec(trimmed);
  if (!m) return `${AGENT_SQL_TAG} ${trimmed}`;
  return `${m[1]} ${AGENT_SQL_TAG}${m[2]}${trimmed.slice(m[0].length)}`;
}

export type QueryValues = readonly unknown[];

/** The narrow interface collectors, apply and adapters use: tagged queries only. */
export interface Db {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    sql: string,
    values?: QueryValues,
  ): Promise<pg.QueryResult<R>>;
  /** Run `fn` on one dedicated session (e.g. ALTER SYSTEM, which cannot run in a transaction block). */
  withClient<T>(fn: (client: Db) => Promise<T>): Promise<T>;
  /** A cheap round trip (`SELECT 1`) with a short deadline. */
  ping(timeoutMs?: number): Promise<void>;
  /** Sessions currently open (for tests and soak reports). */
  readonly totalCount: number;
  end(): Promise<void>;
}

function sessionOptions(o: PoolOptions): string {
  const parts = [
    `-c statement_timeout=${o.statementTimeoutMs ?? 10_000}`,
    `-c lock_timeout=${o.lockTimeoutMs ?? 1_000}`,
    // A role or database may carry its own DateStyle; the timestamp parsers read ISO only.
    '-c DateStyle=ISO',
    // Idle-in-transaction can only be the agent's bug; do not let it hold snapshots.
    `-c idle_in_transaction_session_timeout=${Math.max(60_000, (o.statementTimeoutMs ?? 10_000) * 2)}`,
  ];
  if (o.readOnly) parts.push('-c default_transaction_read_only=on');
  return parts.join(' ');
}

class PoolDb implements Db {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log?: Logger,
  ) {
    // An idle client erroring (server restart) must not crash the process.
    pool.on('error', (err) => this.log?.debug({ err: err.message }, 'idle database connection closed'));
  }

  query<R extends Record<string, unknown>>(sql: string, values?: QueryValues): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(tagSql(sql), values as unknown[] | undefined);
  }

  async withClient<T>(fn: (client: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (e: Error) => (broken = e);
    client.on('error', onError);
    const session: Db = {
      query: <R extends Record<string, unknown>>(sql: string, values?: QueryValues) =>
        client.query<R>(tagSql(sql), values as unknown[] | undefined),
      withClient: (inner) => inner(session),
      ping: async () => {
        await client.query(tagSql('SELECT 1'));
      },
      get totalCount() {
        return 1;
      },
      end: async () => {},
    };
    try {
      return await fn(session);
    } finally {
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  async ping(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`ping: connection timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.pool.query(tagSql('SELECT 1')), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  get totalCount(): number {
    return this.pool.totalCount;
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}

/** Open a small, bounded pool. Nothing connects until the first query. */
export function createDb(o: PoolOptions): Db {
  const target = toClientConfig(o.connectionUrl);
  const pool = new pg.Pool({
    max: o.max ?? 3,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
    ...target,
    application_name: target.application_name ?? o.applicationName ?? APPLICATION_NAME,
    // The connection string's own `options` come first; the agent's session settings follow.
    options: [target.options, sessionOptions(o)].filter(Boolean).join(' '),
    ...(o.password ? { password: o.password } : {}),
    ...(o.types ? { types: o.types } : {}),
  });
  return new PoolDb(pool, o.log);
}
