/**
 * The mixed workload's dataset: pgbench's four TPC-B tables (same columns, fill factors and keys as
 * `pgbench -i`, so the OLTP class can run pgbench's own tpcb-like transaction) with what a bank's
 * database has and a fresh `pgbench -i` lacks: balances spread around zero instead of all 0, and
 * 90 days of transaction history (`pgbench_history`, HISTORY_PER_ACCOUNT rows per account) indexed
 * by account and by time, for the account statements and the dashboards to read.
 *
 * Server-side generation (as pgbench's `-I G`), seeded so every run loads the same data.
 * https://www.postgresql.org/docs/current/pgbench.html#PGBENCH-INIT-OPTIONS
 */
import { loadDataset, TPCB_ROWS, tpcbDdl } from '../../tpcb-load.js';

/** Transactions in the history per account: 2 M history rows at scale 10. */
export const HISTORY_PER_ACCOUNT = 2;
/** The history covers this many days up to the load time. */
export const HISTORY_DAYS = 90;

export function mixedData(scale: number): string[] {
  const s = Math.trunc(scale);
  const accounts = s * TPCB_ROWS.accounts;
  return [
    'SELECT setseed(0.18)',
    `INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, ${s * TPCB_ROWS.branches}) AS bid`,
    `INSERT INTO pgbench_tellers (tid, bid, tbalance) SELECT tid, (tid - 1) / ${TPCB_ROWS.tellers} + 1, 0 FROM generate_series(1, ${s * TPCB_ROWS.tellers}) AS tid`,
    // Balances: mostly small, a long tail of large ones (the square of a uniform variable).
    `INSERT INTO pgbench_accounts (aid, bid, abalance, filler) SELECT aid, (aid - 1) / ${TPCB_ROWS.accounts} + 1, ` +
      `(sign(random() - 0.2) * 100000 * random() ^ 2)::int, '' FROM generate_series(1, ${accounts}) AS aid`,
    // Each history row: a random account, one of its branch's tellers, a signed amount, a time in the
    // last HISTORY_DAYS days; ordered by time as a table that grew by appends would be.
    `INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) SELECT (h.bid - 1) * ${TPCB_ROWS.tellers} + 1 + ` +
      `floor(random() * ${TPCB_ROWS.tellers})::int, h.bid, h.aid, h.delta, h.mtime FROM (SELECT a.aid, ` +
      `(a.aid - 1) / ${TPCB_ROWS.accounts} + 1 AS bid, (random() * 10000 - 5000)::int AS delta, ` +
      `localtimestamp - random() * interval '${HISTORY_DAYS} days' AS mtime FROM (SELECT 1 + floor(random() * ${accounts})::int AS aid ` +
      `FROM generate_series(1, ${accounts * HISTORY_PER_ACCOUNT})) AS a) AS h ORDER BY h.mtime`,
  ];
}

export const MIXED_FINISH = [
  'ALTER TABLE pgbench_branches ADD PRIMARY KEY (bid)',
  'ALTER TABLE pgbench_tellers ADD PRIMARY KEY (tid)',
  'ALTER TABLE pgbench_accounts ADD PRIMARY KEY (aid)',
  'CREATE INDEX pgbench_history_aid_mtime ON pgbench_history (aid, mtime)',
  'CREATE INDEX pgbench_history_mtime ON pgbench_history (mtime)',
  'VACUUM ANALYZE pgbench_branches, pgbench_tellers, pgbench_accounts, pgbench_history',
];

/** Create and fill the mixed workload's tables in the database at `url`; replaces existing ones. */
export async function loadMixed(url: string, scale: number, signal?: AbortSignal): Promise<void> {
  const build = (s: number) => ({ inTransaction: [...tpcbDdl(s), ...mixedData(s)], after: MIXED_FINISH });
  await loadDataset(url, scale, build, signal);
}
