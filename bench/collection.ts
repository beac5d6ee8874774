/**
 * Collection cost: every catalog collector, in process, against a database of 100 / 1,000 / 10,000
 * tables (3 indexes each) and 500 / 5,000 / 50,000 distinct pg_stat_statements entries; and
 * prometheus-postgres-exporter scraping the same database in the same run, interleaved. Then the
 * installed agent and the exporter side by side for 2 + 3.5 minutes (bench/lib/side-by-side.ts) on
 * issue 19's reference database (pgbench scale 10 + the N tables, before the synthetic statement
 * set runs), under a light pgbench load; after the rounds, the agent process's RSS at the full
 * statement set; and at 1,000 tables pgbench TPS with vs without the agent.
 *
 * Per collector and round: wall time of `collect()`, time inside PostgreSQL (execution + planning
 * of the agent role's statements, from pg_stat_statements deltas), payload bytes (encodeJson, and
 * gzipped as the platform client sends it) and this process's RSS after the round.
 *
 * Run: npx tsx bench/collection.ts [--quick]; BENCH_SIZES=1000 (table counts, comma-separated)
 * measures only those sizes and keeps the others from the previous result (each size stays within
 * ~15 minutes on the shared 2-core machine; all three in one run would not).
 */
import pg from 'pg';
import { gzipSync } from 'node:zlib';
import { collectorsInOrder } from '../collectors/index.js';
import type { CollectorDefinition, CollectorInstance } from '../collectors/types.js';
import { CostGate } from '../src/agent/cost-gate.js';
import { silentLogger } from '../src/log.js';
import { createDb, type Db } from '../src/pg/pool.js';
import { collectorTypes } from '../src/pg/types.js';
import { encodeJson } from '../src/platform/json.js';
import { isMain, type BenchResult, type RunOptions } from './lib/bench.js';
import { failed, runFromCli } from './lib/cli.js';
import { AGENT_ROLE, EXPORTER_ROLE, withBenchCluster } from './lib/cluster.js';
import { startExporter, type RunningExporter } from './lib/exporter.js';
import type { ReportedBenchmark } from './lib/report.js';
import { renderCollection, collectionTargets } from './lib/collection-report.js';
import { sleep, summarize, type Summary } from './lib/stats.js';
import { sampleProcess } from './lib/proc.js';
import { requireBuiltCli, withAgent } from './lib/agent.js';
import { createSchema, runStatements } from './lib/workload.js';
import { sideBySide, type SideBySide } from './lib/side-by-side.js';
import { tpsPairs, type TpsPairs } from './lib/tps-pairs.js';
import { pgbenchInit, pgbenchRun } from './lib/pgbench.js';
import { readResult } from './lib/bench.js';

export interface Size {
  tables: number;
  statements: number;
}

export const SIZES: readonly Size[] = [
  { tables: 100, statements: 500 },
  { tables: 1_000, statements: 5_000 },
  { tables: 10_000, statements: 50_000 },
];

/** pgbench TPS pairs are measured at this size (issue 19's reference database). */
const TPS_AT_TABLES = 1_000;
const STEADY_WINDOW_S = 210;
/** The agent process at the full statement set, after the in-process rounds (RSS). */
const AGENT_RSS_SECONDS = 75;
const PGBENCH_SCALE = 10;
/** The light pgbench load under which the side-by-side runs (as in bench/memory.ts). */
const LIGHT_LOAD = { clients: 2, threads: 1, rate: 50 };

export interface CollectorStats {
  name: string;
  intervalSeconds: number;
  /** Steady rounds (after the first). */
  wallMs: Summary;
  pgMs: Summary;
  /** Statements the collector ran per round (median). */
  statements: number;
  rawBytes: Summary;
  gzipBytes: Summary;
  /** The first round (cold: bootstrap, first pg_stat_statements read, first page of backfills). */
  cold: { wallMs: number; pgMs: number; rawBytes: number };
  /** Rounds in which the collector sent nothing (null payload: version gate, empty, unchanged). */
  nullRounds: number;
  errors: string[];
}

export interface SizeResult extends Size {
  pgssEntries: number;
  steadyRounds: number;
  changedPerRound: number;
  setupSeconds: number;
  collectors: CollectorStats[];
  round: { wallMs: Summary; pgMs: Summary; rawBytes: Summary; gzipBytes: Summary; coldWallMs: number };
  /** This process's RSS (bytes) after each round, and right after setup (before any collector ran). */
  rss: Summary;
  rssBaseline: number;
  heapUsed: Summary;
  /** The built agent process (`--local`) run against this database after the rounds: VmRSS samples each second. */
  agentProcess: { seconds: number; rss: Summary; peakHwm: number; requests: number };
  /** The collectors the runner calls every 5 s, once each (wall, summed per round). */
  tick5sWallMs: Summary;
  /** The agent role's most expensive statements over all rounds (cold included), by total time. */
  topStatements: { query: string; calls: number; totalMs: number; meanMs: number }[];
  /** The installed agent and the exporter side by side (absent in results before issue 19). */
  sideBySide?: SideBySide;
  /** pgbench TPS with vs without the agent (at TPS_AT_TABLES only). */
  tps?: TpsPairs;
  /** PostgreSQL time per minute at default intervals: Σ collector pgMs × 60 / interval. */
  pgMsPerMinute: number;
  exporter: {
    wallMs: Summary;
    pgMs: Summary;
    bytes: Summary;
    gzipBytes: Summary;
    series: number;
    rss: Summary;
  };
}

export interface CollectionData {
  pgMajor: number;
  pgVersion: string;
  exporterVersion: string;
  exporterFlags: string[];
  sizes: SizeResult[];
}

const PG_TIME_SQL =
  'SELECT coalesce(sum(total_exec_time + coalesce(total_plan_time, 0)), 0)::float8 AS ms, ' +
  'coalesce(sum(calls), 0)::float8 AS calls FROM pg_stat_statements(false) WHERE userid = $1::regrole';

/** Cumulative PostgreSQL time and calls of one role's statements. */
async function pgTime(admin: pg.Client, role: string): Promise<{ ms: number; calls: number }> {
  const { rows } = await admin.query<{ ms: number; calls: number }>(PG_TIME_SQL, [role]);
  return rows[0] ?? { ms: 0, calls: 0 };
}

interface Sample {
  wallMs: number;
  pgMs: number;
  calls: number;
  rawBytes: number;
  gzipBytes: number;
  isNull: boolean;
  error?: string;
}

async function agentRound(
  admin: pg.Client,
  db: Db,
  pgMajor: number,
  instances: { name: string; inst: CollectorInstance; gate: CostGate }[],
): Promise<Map<string, Sample>> {
  const log = silentLogger();
  const out = new Map<string, Sample>();
  let before = await pgTime(admin, AGENT_ROLE);
  for (const { name, inst, gate } of instances) {
    const ctx = { db, pgMajor, log, signal: AbortSignal.timeout(10_000), now: () => new Date() };
    let payload: unknown = null;
    let error: string | undefined;
    const t0 = performance.now();
    try {
      // As the runner does (src/agent/catalog.ts): the cost model first, then the collector.
      const decision = await gate.before(db, new Date(), false);
      if (decision.kind === 'reuse') payload = decision.payload;
      else if (decision.kind === 'collect') {
        const p = await inst.collect(ctx);
        gate.collected(decision, p);
        payload = p;
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const wallMs = performance.now() - t0;
    const after = await pgTime(admin, AGENT_ROLE);
    const raw = payload === null ? null : Buffer.from(encodeJson(payload));
    out.set(name, {
      wallMs,
      pgMs: after.ms - before.ms,
      calls: after.calls - before.calls,
      rawBytes: raw?.length ?? 0,
      gzipBytes: raw ? gzipSync(raw).length : 0,
      isNull: payload === null,
      ...(error ? { error } : {}),
    });
    before = after;
  }
  return out;
}

async function exporterRound(admin: pg.Client, exporter: RunningExporter) {
  const before = await pgTime(admin, EXPORTER_ROLE);
  const s = await exporter.scrape();
  const after = await pgTime(admin, EXPORTER_ROLE);
  return { ...s, pgMs: after.ms - before.ms, rss: exporter.rss() };
}

async function topStatements(admin: pg.Client): Promise<SizeResult['topStatements']> {
  const { rows } = await admin.query<{ query: string; calls: string; ms: number }>(
    `SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query, calls::text AS calls, ` +
      `(total_exec_time + total_plan_time)::float8 AS ms FROM pg_stat_statements ` +
      `WHERE userid = $1::regrole ORDER BY ms DESC LIMIT 8`,
    [AGENT_ROLE],
  );
  return rows.map((r) => ({
    query: r.query,
    calls: Number(r.calls),
    totalMs: r.ms,
    meanMs: r.ms / Number(r.calls),
  }));
}

/** Run the built agent against the database for `seconds` and sample its memory every second. */
async function agentProcessMemory(agentUrl: string, seconds: number): Promise<SizeResult['agentProcess']> {
  return withAgent(agentUrl, async (agent, fake) => {
    const sampler = sampleProcess(agent.child.pid!, 1_000);
    await sleep(seconds * 1000);
    // The first seconds are Node starting up (a few MB), not the agent at work.
    const samples = sampler.stop().filter((x) => x.t >= 5);
    if (agent.child.exitCode !== null) throw new Error(`agent exited: ${agent.stderr().slice(-1000)}`);
    return {
      seconds,
      rss: summarize(samples.map((x) => x.rss)),
      peakHwm: Math.max(...samples.map((x) => x.hwm)),
      requests: fake.requests().length,
    };
  });
}

const sum = (xs: Iterable<number>) => [...xs].reduce((a, b) => a + b, 0);

async function measureSize(
  size: Size,
  steadyRounds: number,
  steadySeconds: number,
  tps: { pairs: number; seconds: number } | null,
  o: RunOptions,
): Promise<{ size: SizeResult; meta: Omit<CollectionData, 'sizes'> }> {
  const pgssMax = Math.max(10_000, Math.ceil(size.statements * 1.5));
  const settings = {
    'pg_stat_statements.max': pgssMax,
    'pg_stat_statements.track_planning': 'on',
    max_locks_per_transaction: 256,
  };
  return withBenchCluster(settings, async (bc) => {
    const t0 = Date.now();
    const admin = new pg.Client({ connectionString: bc.cluster.url });
    await admin.connect();
    let db: Db | undefined;
    let exporter: RunningExporter | undefined;
    try {
      o.log(
        `${size.tables} tables / ${size.statements} statements: pgbench -i -s ${PGBENCH_SCALE}, creating schema`,
      );
      await pgbenchInit(bc.cluster, PGBENCH_SCALE);
      await createSchema(admin, size.tables);
      // Issue 19's reference database first: pgbench tables + N tables, pg_stat_statements holding
      // only what the agent, the exporter and pgbench run (the synthetic statement set comes after).
      // The set-up's own statements go: each table's CREATE TABLE, CREATE INDEX and INSERT is an
      // entry of its own (4 per table), and until 2026-12-04 they stayed, so the side by side read
      // a pg_stat_statements of ~4 × N entries its method says it does not hold.
      await admin.query('SELECT pg_stat_statements_reset()');
      let sideBySideResult: SideBySide | undefined;
      const exporter0 = await startExporter(bc.exporterUrl, bc.cluster.major);
      o.log(
        `side by side: agent and exporter for ${120 + steadySeconds} s under pgbench -R ${LIGHT_LOAD.rate}`,
      );
      const load = new AbortController();
      const light = pgbenchRun(
        bc.cluster,
        { ...LIGHT_LOAD, seconds: 120 + steadySeconds + 60 },
        load.signal,
      ).catch(() => undefined);
      try {
        sideBySideResult = await sideBySide(admin, bc.agentUrl, exporter0, steadySeconds, o.log);
      } finally {
        load.abort();
        await light;
        await exporter0.stop();
      }
      await admin.query('SELECT pg_stat_statements_reset()');
      await runStatements(admin, 0, size.statements, size.statements, size.tables);
      const entries = Number(
        (
          await admin.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_statements WHERE query LIKE 'SELECT % FROM bt%'",
          )
        ).rows[0]?.n,
      );
      const setupSeconds = (Date.now() - t0) / 1000;
      o.log(`setup ${setupSeconds.toFixed(0)} s; ${entries} workload entries in pg_stat_statements`);
      const pgMajor = bc.cluster.major;
      db = createDb({ connectionUrl: bc.agentUrl, readOnly: true, types: collectorTypes });
      const defs = collectorsInOrder();
      const instances = defs.map((d: CollectorDefinition) => ({
        name: d.name,
        inst: d.create(d.optionsSchema?.parse({}) ?? {}),
        gate: new CostGate(d.cost, d.skipUnchanged === true, Date.now),
      }));
      exporter = await startExporter(bc.exporterUrl, pgMajor);
      const changed = Math.max(50, Math.round(size.statements / 50));
      const rssBaseline = process.memoryUsage().rss;
      const agentRounds: Map<string, Sample>[] = [];
      const rss: number[] = [];
      const heap: number[] = [];
      const exp: Awaited<ReturnType<typeof exporterRound>>[] = [];
      let cursor = 0;
      for (let r = 0; r <= steadyRounds; r++) {
        // The active part of the workload between rounds: pg_stat_statements deltas to compute.
        await runStatements(admin, cursor, changed, size.statements, size.tables);
        cursor += changed;
        // Interleave: alternate which side goes first so drift in machine load hits both alike.
        const agentFirst = r % 2 === 0;
        if (!agentFirst) exp.push(await exporterRound(admin, exporter));
        agentRounds.push(await agentRound(admin, db, pgMajor, instances));
        rss.push(process.memoryUsage().rss);
        heap.push(process.memoryUsage().heapUsed);
        if (agentFirst) exp.push(await exporterRound(admin, exporter));
        const last = agentRounds.at(-1)!;
        o.log(
          `round ${r}${r === 0 ? ' (cold)' : ''}: agent ${sum([...last.values()].map((s) => s.wallMs)).toFixed(0)} ms, ` +
            `exporter ${exp.at(-1)!.ms.toFixed(0)} ms`,
        );
      }
      const [cold, ...steady] = agentRounds;
      const collectors: CollectorStats[] = defs.map((d) => {
        const pick = (f: (s: Sample) => number) => steady.map((m) => f(m.get(d.name)!));
        const c = cold!.get(d.name)!;
        return {
          name: d.name,
          intervalSeconds: d.intervalSeconds,
          wallMs: summarize(pick((s) => s.wallMs)),
          pgMs: summarize(pick((s) => s.pgMs)),
          statements: summarize(pick((s) => s.calls)).median,
          rawBytes: summarize(pick((s) => s.rawBytes)),
          gzipBytes: summarize(pick((s) => s.gzipBytes)),
          cold: { wallMs: c.wallMs, pgMs: c.pgMs, rawBytes: c.rawBytes },
          nullRounds: steady.filter((m) => m.get(d.name)!.isNull).length,
          errors: [...new Set(agentRounds.flatMap((m) => m.get(d.name)?.error ?? []))],
        };
      });
      const roundTotal = (f: (s: Sample) => number) => steady.map((m) => sum([...m.values()].map(f)));
      const steadyExp = exp.slice(1);
      const tick5s = defs.filter((d) => d.intervalSeconds === 5).map((d) => d.name);
      const result: SizeResult = {
        ...size,
        pgssEntries: entries,
        steadyRounds,
        changedPerRound: changed,
        setupSeconds,
        collectors,
        round: {
          wallMs: summarize(roundTotal((s) => s.wallMs)),
          pgMs: summarize(roundTotal((s) => s.pgMs)),
          rawBytes: summarize(roundTotal((s) => s.rawBytes)),
          gzipBytes: summarize(roundTotal((s) => s.gzipBytes)),
          coldWallMs: sum([...cold!.values()].map((s) => s.wallMs)),
        },
        rss: summarize(rss),
        rssBaseline,
        agentProcess: { seconds: 0, rss: summarize([]), peakHwm: Number.NaN, requests: 0 },
        sideBySide: sideBySideResult,
        topStatements: await topStatements(admin),
        tick5sWallMs: summarize(steady.map((m) => sum(tick5s.map((n) => m.get(n)!.wallMs)))),
        heapUsed: summarize(heap),
        pgMsPerMinute: sum(collectors.map((c) => (c.pgMs.median * 60) / c.intervalSeconds)),
        exporter: {
          wallMs: summarize(steadyExp.map((e) => e.ms)),
          pgMs: summarize(steadyExp.map((e) => e.pgMs)),
          bytes: summarize(steadyExp.map((e) => e.bytes)),
          gzipBytes: summarize(steadyExp.map((e) => e.gzipBytes)),
          series: steadyExp.at(-1)?.series ?? 0,
          rss: summarize(steadyExp.map((e) => e.rss)),
        },
      };
      await exporter.stop();
      o.log(`agent process at ${size.statements} statements for ${AGENT_RSS_SECONDS} s`);
      result.agentProcess = await agentProcessMemory(bc.agentUrl, AGENT_RSS_SECONDS);
      if (tps) {
        o.log(`pgbench TPS with vs without the agent: ${tps.pairs} pairs of ${tps.seconds} s`);
        result.tps = await tpsPairs(bc.cluster, bc.agentUrl, tps.pairs, tps.seconds, o.log);
      }
      return {
        size: result,
        meta: {
          pgMajor,
          pgVersion: bc.version,
          exporterVersion: exporter.version,
          exporterFlags: exporter.flags,
        },
      };
    } finally {
      await exporter?.stop();
      await db?.end().catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
  });
}

export const collection: ReportedBenchmark<CollectionData> = {
  name: 'collection',
  title: 'Collection cost per collector and per round',
  async run(o) {
    requireBuiltCli();
    const only = (process.env.BENCH_SIZES ?? '').split(',').filter(Boolean).map(Number);
    const all = o.quick ? SIZES.slice(0, 1) : SIZES;
    const sizes = only.length ? all.filter((s) => only.includes(s.tables)) : all;
    if (sizes.length === 0) throw new Error(`bench: BENCH_SIZES=${process.env.BENCH_SIZES} matches no size`);
    const steadyRounds = o.quick ? 3 : 5;
    const results: SizeResult[] = [];
    let meta: Omit<CollectionData, 'sizes'> | undefined;
    for (const s of sizes) {
      const tps = s.tables === TPS_AT_TABLES ? { pairs: o.quick ? 2 : 4, seconds: o.quick ? 15 : 30 } : null;
      const r = await measureSize(s, steadyRounds, o.quick ? 60 : STEADY_WINDOW_S, tps, o);
      results.push(r.size);
      meta = r.meta;
    }
    // Sizes not measured this time come from the previous result, so one document covers all three.
    const previous = only.length && !o.quick ? readResult<CollectionData>('collection') : null;
    const kept = (previous?.data.sizes ?? []).filter(
      // Only sizes measured by this version of the benchmark (with the side by side) are kept.
      (p) =>
        p.sideBySide &&
        SIZES.some((s) => s.tables === p.tables) &&
        !results.some((r) => r.tables === p.tables),
    );
    const merged = [...kept, ...results].sort((a, b) => a.tables - b.tables);
    return { ...meta!, sizes: merged };
  },
  render: (r: BenchResult<CollectionData>) => renderCollection(r),
  targets: (r: BenchResult<CollectionData>) => collectionTargets(r),
};

// Not awaited: the module must finish evaluating before runFromCli imports the registry (which imports it).
if (isMain(import.meta.url)) runFromCli([collection], 'bench/collection.ts').catch(failed);
