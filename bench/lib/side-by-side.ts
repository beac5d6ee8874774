/**
 * The installed agent and prometheus-postgres-exporter side by side on one database, over wall-clock
 * windows: the built CLI (`--local`, default intervals, fake platform) and the exporter scraped every
 * 15 s (a common Prometheus scrape interval) run at the same time, each under its own login role, so
 * pg_stat_statements tells their statements apart on every major. Snapshots of pg_stat_statements at
 * the window edges give each side's time inside PostgreSQL (execution + planning) per statement.
 *
 * Windows, from the agent's start: "including bootstrap" is the first 2 minutes (startup, the
 * bootstrap set, the first fire of every collector); "steady" is what follows, long enough to hold
 * the first steady fire of the 5-minute collectors (ddl, pg_attribute, pg_constraint, pg_type,
 * pg_index), and is scaled to 2 minutes. That over-weights the 5-minute collectors (one fire in the
 * window instead of 0.4 per 2 minutes), so the steady figure errs against the agent.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type pg from 'pg';
import { withAgent } from './agent.js';
import { AGENT_ROLE, EXPORTER_ROLE } from './cluster.js';
import type { RunningExporter } from './exporter.js';
import { sampleProcess } from './proc.js';
import { sleep, summarize, type Summary } from './stats.js';

export const BOOTSTRAP_WINDOW_S = 120;
export const SCRAPE_EVERY_S = 15;

export interface StatementCost {
  role: 'agent' | 'exporter';
  query: string;
  calls: number;
  totalMs: number;
}

export interface WindowCost {
  seconds: number;
  /** Scaled to 2 minutes. */
  agentMs: number;
  agentCalls: number;
  exporterMs: number;
  exporterCalls: number;
  /** Every statement of either side that ran in the window, by total time (not scaled). */
  statements: StatementCost[];
}

export interface SideBySide {
  bootstrap: WindowCost;
  steady: WindowCost;
  /** Agent VmRSS each second after its first 5 s, and VmHWM at the end. */
  agentRss: Summary;
  agentPeakHwm: number;
  scrapes: number;
  agentRequests: number;
  /**
   * pg_stat_statements entries at the end (every role): what the agent's 5 s read walks. Absent in
   * results recorded before 2026-12-04.
   */
  pgssEntries?: number;
  loadavg: { start: string; end: string };
}

type Snapshot = Map<string, { role: 'agent' | 'exporter'; query: string; calls: number; ms: number }>;

async function snapshot(admin: pg.Client): Promise<Snapshot> {
  const { rows } = await admin.query<{ role: string; k: string; q: string; calls: string; ms: number }>(
    `SELECT userid::regrole::text AS role, userid::text || ':' || queryid::text AS k,
            left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS q, calls::text AS calls,
            (total_exec_time + total_plan_time)::float8 AS ms
     FROM pg_stat_statements WHERE userid IN ($1::regrole, $2::regrole)`,
    [AGENT_ROLE, EXPORTER_ROLE],
  );
  return new Map(
    rows.map((r) => [
      r.k,
      { role: r.role === AGENT_ROLE ? 'agent' : 'exporter', query: r.q, calls: Number(r.calls), ms: r.ms },
    ]),
  );
}

function diff(a: Snapshot, b: Snapshot, seconds: number): WindowCost {
  const statements: StatementCost[] = [];
  for (const [k, v] of b) {
    const before = a.get(k);
    const calls = v.calls - (before?.calls ?? 0);
    if (calls <= 0) continue;
    statements.push({ role: v.role, query: v.query, calls, totalMs: v.ms - (before?.ms ?? 0) });
  }
  statements.sort((x, y) => y.totalMs - x.totalMs);
  const scale = 120 / seconds;
  const total = (role: string, f: (s: StatementCost) => number) =>
    statements.filter((s) => s.role === role).reduce((t, s) => t + f(s), 0) * scale;
  return {
    seconds,
    agentMs: total('agent', (s) => s.totalMs),
    agentCalls: total('agent', (s) => s.calls),
    exporterMs: total('exporter', (s) => s.totalMs),
    exporterCalls: total('exporter', (s) => s.calls),
    statements,
  };
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/**
 * Run both for BOOTSTRAP_WINDOW_S + `steadySeconds`. pg_stat_statements must be large enough to
 * keep every entry for the whole run (the caller sizes pg_stat_statements.max).
 */
export async function sideBySide(
  admin: pg.Client,
  agentUrl: string,
  exporter: RunningExporter,
  steadySeconds: number,
  log: (line: string) => void,
): Promise<SideBySide> {
  const start = loadavg();
  let scrapes = 0;
  const stop = new AbortController();
  const scraper = (async () => {
    while (!stop.signal.aborted) {
      await exporter.scrape();
      scrapes++;
      await sleepFor(SCRAPE_EVERY_S * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  })();
  try {
    return await withAgent(agentUrl, async (agent, fake) => {
      const s0 = await snapshot(admin);
      const sampler = sampleProcess(agent.child.pid!, 1_000);
      await sleep(BOOTSTRAP_WINDOW_S * 1000);
      const s1 = await snapshot(admin);
      log(`side by side: bootstrap window done; steady window ${steadySeconds} s`);
      await sleep(steadySeconds * 1000);
      const s2 = await snapshot(admin);
      const { rows } = await admin.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stat_statements');
      const samples = sampler.stop().filter((x) => x.t >= 5);
      if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.stderr().slice(-1000)}`);
      return {
        bootstrap: diff(s0, s1, BOOTSTRAP_WINDOW_S),
        steady: diff(s1, s2, steadySeconds),
        agentRss: summarize(samples.map((x) => x.rss)),
        agentPeakHwm: Math.max(...samples.map((x) => x.hwm)),
        scrapes,
        agentRequests: fake.requests().length,
        pgssEntries: Number(rows[0]?.n),
        loadavg: { start, end: loadavg() },
      };
    });
  } finally {
    stop.abort();
    await scraper;
  }
}
