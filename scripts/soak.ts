/**
 * Soak: the built agent (`dist/src/cli/main.js --local`, intervals 10× faster) against a real
 * cluster and a counting fake platform for N minutes, with PostgreSQL restarted every 5 minutes,
 * light pgbench load and a reload-knob recommendation that changes every 2 minutes. Samples the
 * agent's RSS, open fds and sessions, and writes its verdict into docs/RELIABILITY.md.
 *
 *   npx tsx scripts/soak.ts --minutes 30 [--major 17] [--no-docs]
 *
 * Exit code: 0 when every target held (RSS growth ≤ 10 %, sessions ≤ cap, clean exit, no secret
 * in the output, no bad request), 1 otherwise.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_INTERVALS, scaledIntervals } from '../src/agent/intervals.js';
import { startAgent } from '../test/harness/agent-process.js';
import { DEFAULT_MAJOR, startPostgres } from '../test/harness/postgres.js';
import { AGENT_PASSWORD, createAgentRole } from '../test/faults/lib/agent-role.js';
import { CountingPlatform } from './soak-lib/counting-platform.js';
import { RELIABILITY_DOC, replaceSection } from './soak-lib/doc-section.js';
import { pgbenchInit, pgbenchLoad } from './soak-lib/pgbench.js';
import { fdCount, rssKb } from './soak-lib/proc.js';
import { soakMarkdown, verdict, type Sample, type SoakRun } from './soak-lib/report.js';

const SCALE = 0.1;
const POOL_CAP = 2 * 3; // two pools (agent, collectors) × pool_max 3: src/cli/commands/run.ts
const RESTART_EVERY_MS = 5 * 60_000;
const RECOMMENDATION_EVERY_MS = 2 * 60_000;
const SAMPLE_EVERY_MS = 10_000;
const CONN_PROBE_EVERY_MS = 2_000;
const RANDOM_PAGE_COSTS = [1.1, 1.5, 2, 3];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function agentSessions(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const r = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtune-agent'",
    );
    return r.rows[0]?.n;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function recommendation(cost: number): unknown {
  return [
    {
      config: [{ name: 'random_page_cost', setting: cost, unit: null, vartype: 'real', context: 'user' }],
      knobs_overrides: ['random_page_cost'],
      knob_application: 'reload',
    },
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      major: { type: 'string', default: String(DEFAULT_MAJOR) },
      'no-docs': { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const major = Number(values.major);
  if (!(minutes > 0)) throw new Error('--minutes must be a positive number');
  const log = (msg: string) => console.log(`[soak ${new Date().toISOString()}] ${msg}`);

  const cluster = await startPostgres({ major });
  const platform = await CountingPlatform.start();
  let load: ReturnType<typeof pgbenchLoad> | undefined;
  let agent: ReturnType<typeof startAgent> | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    const url = await createAgentRole(cluster);
    pgbenchInit({ port: cluster.port, user: 'postgres', database: 'postgres' });
    load = pgbenchLoad(
      { port: cluster.port, user: 'postgres', database: 'postgres' },
      { clients: 2, tps: 20 },
    );
    let costIndex = 0;
    platform.setRecommendation(recommendation(RANDOM_PAGE_COSTS[0]!));
    agent = startAgent(['--local'], {
      DBT_POSTGRESQL_CONNECTION_URL: url,
      DBT_DBTUNE_SERVER_URL: platform.url,
      DBT_DBTUNE_API_KEY: platform.apiKey,
      DBT_DBTUNE_DATABASE_ID: platform.databaseId,
      DBTUNE_AGENT_INTERVAL_SCALE: String(SCALE),
    });
    const pid = agent.child.pid!;
    const started = Date.now();
    const endAt = started + minutes * 60_000;
    log(`agent pid ${pid}, PostgreSQL ${major} on port ${cluster.port}, ${minutes} min`);

    const samples: Sample[] = [];
    const connProbe: number[] = [];
    let restarts = 0;
    let changes = 0;
    timers.push(
      setInterval(() => {
        void agentSessions(cluster.url).then((n) => n !== undefined && connProbe.push(n));
      }, CONN_PROBE_EVERY_MS),
      setInterval(() => {
        costIndex = (costIndex + 1) % RANDOM_PAGE_COSTS.length;
        platform.setRecommendation(recommendation(RANDOM_PAGE_COSTS[costIndex]!));
        changes++;
      }, RECOMMENDATION_EVERY_MS),
    );
    let nextRestart = started + RESTART_EVERY_MS;
    let nextSample = started + SAMPLE_EVERY_MS; // not at t=0: the process is still loading
    while (Date.now() < endAt) {
      if (agent.child.exitCode !== null) throw new Error(`agent exited early with ${agent.child.exitCode}`);
      if (Date.now() >= nextSample) {
        nextSample += SAMPLE_EVERY_MS;
        const s: Sample = {
          t: Math.round((Date.now() - started) / 1000),
          rssKb: rssKb(pid),
          fds: fdCount(pid),
          conns: await agentSessions(cluster.url),
          heartbeats: platform.count('heartbeat'),
        };
        samples.push(s);
        if (samples.length % 6 === 1) {
          log(`t=${s.t}s rss=${s.rssKb} kB fds=${s.fds} sessions=${s.conns} heartbeats=${s.heartbeats}`);
        }
      }
      if (Date.now() >= nextRestart && Date.now() < endAt - 30_000) {
        nextRestart += RESTART_EVERY_MS;
        log('restarting PostgreSQL');
        await cluster.restart();
        restarts++;
      }
      await sleep(500);
    }
    for (const t of timers) clearInterval(t);
    const exit = await agent.stop();
    log(`agent stopped: exit ${exit.code} in ${exit.ms} ms`);
    const output = agent.stdout() + agent.stderr();
    const secretLeaks = [
      ...(output.includes(platform.apiKey) ? ['API key'] : []),
      ...(output.includes(AGENT_PASSWORD) ? ['database password'] : []),
    ];
    const agentLog = path.join(os.tmpdir(), `dbtune-soak-agent-${started}.log`);
    writeFileSync(agentLog, agent.stdout() + agent.stderr());
    log(`agent output kept in ${agentLog}`);
    const logs = agent.logs();
    const applied = logs.filter((l) => l.msg === 'configuration applied').map((l) => JSON.stringify(l.knobs));
    const run: SoakRun = {
      minutes,
      pgMajor: major,
      scale: SCALE,
      poolCap: POOL_CAP,
      samples,
      connProbe,
      heartbeatTimes: platform.heartbeatTimes,
      heartbeatIntervalMs: scaledIntervals(SCALE).heartbeatMs || DEFAULT_INTERVALS.heartbeatMs,
      restarts,
      recommendationChanges: changes,
      appliedLogLines: applied.length,
      repeatedApplies: applied.filter((k, i) => i > 0 && k === applied[i - 1]).length,
      pgbenchLaunches: load.launches(),
      requests: Object.fromEntries(platform.counts),
      badAuth: platform.badAuth,
      exit,
      secretLeaks,
      agentErrors: logs.filter((l) => typeof l.level === 'number' && l.level >= 50).length,
      startedAt: new Date(started).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    };
    const v = verdict(run);
    const md = soakMarkdown(run, v);
    console.log(md);
    if (!values['no-docs']) {
      replaceSection(RELIABILITY_DOC, 'soak', md);
      log(`wrote ${RELIABILITY_DOC}`);
    }
    return Object.values(v.pass).every(Boolean) ? 0 : 1;
  } finally {
    for (const t of timers) clearInterval(t);
    await agent?.stop('SIGKILL');
    await load?.stop();
    await platform.close();
    await cluster.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
