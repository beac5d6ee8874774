import { describe, expect, it } from 'vitest';
import { parseProgress } from './pgbench.js';
import { tpcbStatements } from './tpcb-driver.js';
import { tpcbData, tpcbDdl } from './tpcb-load.js';
import { RateWindow, sleep } from './workload.js';

describe('pgbench progress lines', () => {
  it('parses tps and latency from pgbench -P output (15+ and older formats)', () => {
    expect(parseProgress('progress: 12.0 s, 1234.5 tps, lat 6.412 ms stddev 2.100, 0 failed')).toEqual({
      tps: 1234.5,
      latencyMs: 6.412,
    });
    expect(parseProgress('progress: 1.0 s, 99.0 tps, lat 80.000 ms stddev 1.0')).toEqual({
      tps: 99,
      latencyMs: 80,
    });
    expect(parseProgress('client 3 aborted in command 4 (SQL) of script 0')).toBeNull();
  });
});

describe('RateWindow', () => {
  it('rates over the window from cumulative counters', () => {
    const w = new RateWindow(5_000);
    expect(w.rate()).toBeNull();
    w.add(0, 0, 0);
    expect(w.rate()).toBeNull();
    w.add(1_000, 100, 500);
    expect(w.rate()).toEqual({ tps: 100, latencyMs: 5 });
    for (let t = 2; t <= 10; t++) w.add(t * 1_000, 100 + (t - 1) * 300, 500 + (t - 1) * 300);
    // Only the last ~5 s count: 300 tx/s at 1 ms each.
    expect(w.rate()!.tps).toBeCloseTo(300);
    expect(w.rate()!.latencyMs).toBeCloseTo(1);
  });

  it('goes stale when no sample arrived for 3 s (the workload is down)', () => {
    const w = new RateWindow();
    w.add(0, 0, 0);
    w.add(1_000, 100, 100);
    expect(w.rate(2_000)).toEqual({ tps: 100, latencyMs: 1 });
    expect(w.rate(4_500)).toBeNull();
  });

  it('reads zero latency when nothing completed', () => {
    const w = new RateWindow();
    w.add(0, 10, 10);
    w.add(1_000, 10, 10);
    expect(w.rate()).toEqual({ tps: 0, latencyMs: 0 });
  });
});

describe('TPC-B SQL', () => {
  it('the driver runs the tpcb-like script: 3 updates, a select, an insert in one transaction', () => {
    const s = tpcbStatements(17, 1, 3, -42);
    expect(s[0]).toBe('BEGIN');
    expect(s.at(-1)).toBe('END');
    expect(s.filter((q) => q.startsWith('UPDATE'))).toHaveLength(3);
    expect(s).toContain('SELECT abalance FROM pgbench_accounts WHERE aid = 17');
    expect(s[5]).toMatch(
      /^INSERT INTO pgbench_history \(tid, bid, aid, delta, mtime\) VALUES \(3, 1, 17, -42, CURRENT_TIMESTAMP\)$/,
    );
  });

  it('the loader creates the four pgbench tables and scale × rows', () => {
    const ddl = tpcbDdl(3).join('\n');
    for (const t of ['pgbench_history', 'pgbench_tellers', 'pgbench_accounts', 'pgbench_branches']) {
      expect(ddl).toContain(`CREATE TABLE ${t} (`);
    }
    expect(ddl).toContain('aid int not null');
    expect(tpcbDdl(20_000).join('\n')).toContain('aid bigint not null');
    const data = tpcbData(3).join('\n');
    expect(data).toContain('generate_series(1, 3) AS bid');
    expect(data).toContain('generate_series(1, 30) AS tid');
    expect(data).toContain('generate_series(1, 300000) AS aid');
  });
});

describe('sleep', () => {
  it('ends early when aborted', async () => {
    const c = new AbortController();
    const t0 = Date.now();
    const p = sleep(10_000, c.signal);
    c.abort();
    await p;
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
