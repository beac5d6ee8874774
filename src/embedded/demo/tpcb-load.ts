/**
 * Built-in TPC-B dataset generator, for machines without pgbench: the same four tables, columns,
 * fill factors, row counts and primary keys as `pgbench -i -s <scale>` with server-side generation
 * (pgbench's `-I dtGvp`, whose SQL this follows).
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-INIT-OPTIONS
 */
import pg from 'pg';

/** Rows per scale unit (pgbench.c: nbranches, ntellers, naccounts). */
export const TPCB_ROWS = { branches: 1, tellers: 10, accounts: 100_000 } as const;
export const TPCB_TABLES = [
  'pgbench_accounts',
  'pgbench_branches',
  'pgbench_history',
  'pgbench_tellers',
] as const;

/** pgbench uses bigint account ids from this scale on (pgbench.c: SCALE_32BIT_THRESHOLD). */
const SCALE_32BIT_THRESHOLD = 20_000;

export function tpcbDdl(scale: number): string[] {
  const aid = scale >= SCALE_32BIT_THRESHOLD ? 'bigint' : 'int';
  return [
    `DROP TABLE IF EXISTS ${TPCB_TABLES.join(', ')}`,
    'CREATE TABLE pgbench_history (tid int, bid int, aid ' +
      aid +
      ', delta int, mtime timestamp, filler char(22))',
    'CREATE TABLE pgbench_tellers (tid int not null, bid int, tbalance int, filler char(84)) WITH (fillfactor=100)',
    'CREATE TABLE pgbench_accounts (aid ' +
      aid +
      ' not null, bid int, abalance int, filler char(84)) WITH (fillfactor=100)',
    'CREATE TABLE pgbench_branches (bid int not null, bbalance int, filler char(88)) WITH (fillfactor=100)',
  ];
}

export function tpcbData(scale: number): string[] {
  const s = Math.trunc(scale);
  return [
    `INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, ${s * TPCB_ROWS.branches}) AS bid`,
    `INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT tid, (tid - 1) / ${TPCB_ROWS.tellers} + 1, 0 FROM generate_series(1, ${s * TPCB_ROWS.tellers}) AS tid`,
    `INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, (aid - 1) / ${TPCB_ROWS.accounts} + 1, 0, '' FROM generate_series(1, ${s * TPCB_ROWS.accounts}) AS aid`,
  ];
}

export const TPCB_FINISH = [
  'VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history',
  'ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)',
  'ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)',
  'ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)',
];

/**
 * Load a dataset into the database at `url`: the statements `build(scale)` gives, `inTransaction`
 * in one transaction with the DDL, like pgbench, so a half-loaded set never stays; then `after` one
 * by one (VACUUM cannot run inside a transaction block). Abort closes the connection.
 */
export async function loadDataset(
  url: string,
  scale: number,
  build: (scale: number) => { inTransaction: readonly string[]; after: readonly string[] },
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(scale) || scale < 1)
    throw new Error(`demo: load: scale must be a positive integer, got ${scale}`);
  const statements = build(scale);
  const client = new pg.Client({ connectionString: url, application_name: 'dbtune-demo-load' });
  client.on('error', () => undefined); // a dropped connection surfaces through the failing query
  await client.connect();
  const abort = () => void client.end().catch(() => undefined);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    await client.query('BEGIN');
    for (const sql of statements.inTransaction) {
      signal?.throwIfAborted();
      await client.query(sql);
    }
    await client.query('COMMIT');
    for (const sql of statements.after) {
      signal?.throwIfAborted();
      await client.query(sql);
    }
  } finally {
    signal?.removeEventListener('abort', abort);
    await client.end().catch(() => undefined);
  }
}

/** Create and fill the TPC-B tables in the database at `url`; replaces existing ones. */
export async function loadTpcb(url: string, scale: number, signal?: AbortSignal): Promise<void> {
  const build = (s: number) => ({ inTransaction: [...tpcbDdl(s), ...tpcbData(s)], after: TPCB_FINISH });
  await loadDataset(url, scale, build, signal);
}
