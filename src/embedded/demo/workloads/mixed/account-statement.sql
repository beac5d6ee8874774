-- OLTP: an account's balance and its last ten transfers (a customer opening their statement).
\set aid random(1, 100000 * :scale)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
SELECT mtime, tid, delta FROM pgbench_history WHERE aid = :aid ORDER BY mtime DESC LIMIT 10;
