-- The reporting class's script: one refresh of a bank's branch dashboard (five panels), then the
-- user's think time before the next refresh (-D think_ms=<ms>). One script, not one per panel, so
-- every measurement window sees the same mix of panels.

-- Dashboard panel: activity per branch and day over the last week (volume, net flow, active accounts).
SELECT bid, date_trunc('day', mtime) AS day, count(*) AS transfers, count(DISTINCT aid) AS accounts,
       sum(delta) AS net, sum(abs(delta)) AS volume
  FROM pgbench_history
 WHERE mtime >= localtimestamp - interval '7 days'
 GROUP BY bid, day
 ORDER BY bid, day;

-- Dashboard panel: the accounts with the largest net inflow over the last 30 days, with their branch and balance.
SELECT h.aid, a.bid, a.abalance, count(*) AS transfers, sum(h.delta) AS net
  FROM pgbench_history h
  JOIN pgbench_accounts a ON a.aid = h.aid
 WHERE h.mtime >= localtimestamp - interval '30 days'
 GROUP BY h.aid, a.bid, a.abalance
 ORDER BY net DESC
 LIMIT 50;

-- Dashboard panel: each branch's three busiest tellers over the last 30 days.
SELECT bid, tid, transfers, volume, rank
  FROM (SELECT t.bid, h.tid, count(*) AS transfers, sum(abs(h.delta)) AS volume,
               rank() OVER (PARTITION BY t.bid ORDER BY sum(abs(h.delta)) DESC) AS rank
          FROM pgbench_history h
          JOIN pgbench_tellers t ON t.tid = h.tid
         WHERE h.mtime >= localtimestamp - interval '30 days'
         GROUP BY t.bid, h.tid) AS ranked
 WHERE rank <= 3
 ORDER BY bid, rank;

-- Report: the balance distribution per branch (median, 95th percentile, overdrawn accounts).
SELECT bid, count(*) AS accounts, round(avg(abalance), 2) AS mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY abalance) AS median,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY abalance) AS p95,
       count(*) FILTER (WHERE abalance < 0) AS overdrawn
  FROM pgbench_accounts
 GROUP BY bid
 ORDER BY bid;

-- Report: accounts per branch with money on them and no transfer in the last 30 days.
SELECT a.bid, count(*) AS dormant, sum(a.abalance) AS balance
  FROM pgbench_accounts a
 WHERE a.abalance > 0
   AND NOT EXISTS (SELECT 1 FROM pgbench_history h
                    WHERE h.aid = a.aid AND h.mtime >= localtimestamp - interval '30 days')
 GROUP BY a.bid
 ORDER BY a.bid;

\sleep :think_ms ms
