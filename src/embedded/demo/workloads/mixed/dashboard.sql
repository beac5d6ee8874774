-- The reporting class's script: one refresh of a bank's branch dashboard (six panels), then the
-- user's think time before the next refresh (-D think_ms=<ms>). One script, not one per panel, so
-- every measurement window sees the same mix of panels. The panels read complete days only (before
-- current_date): the transfers the OLTP class inserts today never change how much they read, so a
-- configuration tried late in a session reads as much as one tried early.

-- Activity per branch and day over the last 7 complete days (volume, net flow, active accounts).
SELECT bid, date_trunc('day', mtime) AS day, count(*) AS transfers, count(DISTINCT aid) AS accounts,
       sum(delta) AS net, sum(abs(delta)) AS volume
  FROM pgbench_history
 WHERE mtime >= current_date - 7 AND mtime < current_date
 GROUP BY bid, day
 ORDER BY bid, day;

-- The 50 accounts with the largest net inflow over the last 7 complete days, with branch and balance.
SELECT h.aid, a.bid, a.abalance, count(*) AS transfers, sum(h.delta) AS net
  FROM pgbench_history h
  JOIN pgbench_accounts a ON a.aid = h.aid
 WHERE h.mtime >= current_date - 7 AND h.mtime < current_date
 GROUP BY h.aid, a.bid, a.abalance
 ORDER BY net DESC
 LIMIT 50;

-- Yesterday's transfers by the balance band of the account they touched.
SELECT width_bucket(a.abalance, -100000, 100000, 10) AS band, count(*) AS transfers, sum(h.delta) AS net
  FROM pgbench_history h
  JOIN pgbench_accounts a ON a.aid = h.aid
 WHERE h.mtime >= current_date - 1 AND h.mtime < current_date
 GROUP BY band
 ORDER BY band;

-- Each branch's three busiest tellers over the last 30 complete days.
SELECT bid, tid, transfers, volume, rank
  FROM (SELECT t.bid, h.tid, count(*) AS transfers, sum(abs(h.delta)) AS volume,
               rank() OVER (PARTITION BY t.bid ORDER BY sum(abs(h.delta)) DESC) AS rank
          FROM pgbench_history h
          JOIN pgbench_tellers t ON t.tid = h.tid
         WHERE h.mtime >= current_date - 30 AND h.mtime < current_date
         GROUP BY t.bid, h.tid) AS ranked
 WHERE rank <= 3
 ORDER BY bid, rank;

-- The balance distribution per branch (median, 95th percentile, overdrawn accounts).
SELECT bid, count(*) AS accounts, round(avg(abalance), 2) AS mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY abalance) AS median,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY abalance) AS p95,
       count(*) FILTER (WHERE abalance < 0) AS overdrawn
  FROM pgbench_accounts
 GROUP BY bid
 ORDER BY bid;

-- Accounts per branch with money on them and no transfer in the last 30 complete days.
SELECT a.bid, count(*) AS dormant, sum(a.abalance) AS balance
  FROM pgbench_accounts a
 WHERE a.abalance > 0
   AND NOT EXISTS (SELECT 1 FROM pgbench_history h
                    WHERE h.aid = a.aid AND h.mtime >= current_date - 30 AND h.mtime < current_date)
 GROUP BY a.bid
 ORDER BY a.bid;

\sleep :think_ms ms
