/** Markdown for bench/collection.ts results. */
import type { CollectionData, SizeResult } from '../collection.js';
import type { BenchResult } from './bench.js';
import type { TargetRow } from './report.js';
import { fmt, fmtBytes, fmtRange, spreadPct, type Summary } from './stats.js';
import { renderSideBySide, sideBySideTargets } from './side-by-side-report.js';

const MB = 1024 * 1024;
const label = (s: SizeResult) =>
  `${s.tables.toLocaleString('en-US')} / ${s.statements.toLocaleString('en-US')}`;
const mb = (s: Summary): Summary => ({
  ...s,
  median: s.median / MB,
  min: s.min / MB,
  max: s.max / MB,
  p95: s.p95 / MB,
});
const kib = (s: Summary): string => `${fmtBytes(s.median)}`;
const ratio = (a: number, b: number) => (b > 0 ? `${fmt(a / b, 1)}×` : 'n/a');

function target(r: BenchResult<CollectionData>): SizeResult | undefined {
  return r.data.sizes.find((s) => s.tables === 1_000) ?? r.data.sizes.at(-1);
}

export function collectionTargets(r: BenchResult<CollectionData>): TargetRow[] {
  const s = target(r);
  if (!s) return [];
  const pgss = s.collectors.find((c) => c.name === 'pg_stat_statements');
  const at = `at ${label(s)}`;
  return [
    {
      metric: `whole round, wall (${at})`,
      target: '≤ 1 s',
      measured: `${fmtRange(s.round.wallMs, 0)} ms`,
      met: s.round.wallMs.median <= 1000,
    },
    {
      metric: `pg_stat_statements collector, wall (${at})`,
      target: '≤ 100 ms',
      measured: pgss ? `${fmtRange(pgss.wallMs, 1)} ms` : 'n/a',
      met: pgss ? pgss.wallMs.median <= 100 : null,
    },
    {
      metric: `agent process RSS, peak VmHWM over ${s.agentProcess.seconds} s (${at})`,
      target: '≤ 100 MB, read as MiB (104.9 MB)',
      measured: `${fmt(s.agentProcess.peakHwm / MB, 0)} MiB = ${fmt(s.agentProcess.peakHwm / 1e6, 1)} MB (VmRSS ${fmtRange(mb(s.agentProcess.rss), 0)} MiB)`,
      met: s.agentProcess.peakHwm <= 100 * MB,
    },
    {
      metric: `RSS after a round, in-process bench incl. tsx (${at})`,
      target: '(diagnostic)',
      measured: `${fmtRange(mb(s.rss), 0)} MiB (${fmt(s.rssBaseline / MB, 0)} MiB before the first round)`,
      met: null, // diagnostic: the benchmark process, not the agent
    },
    ...sideBySideTargets(r.data.sizes),
  ];
}

function collectorTable(s: SizeResult): string {
  const rows = [...s.collectors].sort((a, b) => b.wallMs.median - a.wallMs.median);
  const out = [
    '| collector | interval | wall ms | in PostgreSQL ms | statements | payload | gzipped | cold round wall ms / payload |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of rows) {
    const sent =
      c.nullRounds === s.steadyRounds
        ? ' (nothing sent)'
        : c.nullRounds
          ? ` (nothing sent ${c.nullRounds}×)`
          : '';
    const err = c.errors.length ? ` — error: ${c.errors.join('; ').replace(/\|/g, '\\|').slice(0, 120)}` : '';
    out.push(
      `| ${c.name}${err} | ${c.intervalSeconds} s | ${fmtRange(c.wallMs, 1)} | ${fmtRange(c.pgMs, 1)} | ${fmt(c.statements, 0)} | ` +
        `${kib(c.rawBytes)}${sent} | ${kib(c.gzipBytes)} | ${fmt(c.cold.wallMs, 1)} / ${fmtBytes(c.cold.rawBytes)} |`,
    );
  }
  return out.join('\n');
}

export function renderCollection(r: BenchResult<CollectionData>): string {
  const d = r.data;
  const sizes = d.sizes;
  const out: string[] = [];
  out.push(
    `PostgreSQL ${d.pgVersion} (embedded binaries, \`fsync=off\`, \`pg_stat_statements.track_planning=on\`); ` +
      `${d.exporterVersion.replace(/^postgres_exporter, /, 'prometheus-postgres-exporter ')}, flags \`${d.exporterFlags.filter((f) => !f.startsWith('--web')).join(' ')}\`.`,
    '',
    'Method. Each size gets a fresh cluster: N tables (primary key + 2 indexes, 20 rows, analysed) and M distinct ' +
      'statements run once, so pg_stat_statements holds M workload entries. Every one of the 42 collectors is ' +
      'created once with its default options and called in start order, in this process, over a read-only ' +
      'pool exactly as the agent opens it; a round is one call of each (the runner calls most of them less ' +
      'often: see the interval column). Before each round 2 % of the statements (at least 50) run again, so ' +
      'the pg_stat_statements collector has deltas to compute. The first round is cold (first read of ' +
      'pg_stat_statements, first backfill page) and reported apart; the figures are the median (min–max) of ' +
      `the ${sizes[0]?.steadyRounds ?? '?'} rounds after it. "In PostgreSQL" is execution + planning time of the statements the agent's ` +
      'own login role ran, from pg_stat_statements (a role of its own identifies agent statements on every ' +
      'major, including PG 18, which drops the leading `/*dbtune*/` comment from the stored text). Payload ' +
      'is `encodeJson` output, gzipped at the default level as the platform client sends it. RSS is this ' +
      "benchmark process's `process.memoryUsage().rss` after a round (it includes the tsx loader; the " +
      'agent process itself is measured in [memory](#memory)). The exporter runs under a role of its own, ' +
      "is scraped (`GET /metrics`, identity encoding) once per round, before or after the agent's round in " +
      'alternation.',
    '',
    '### Agent round vs exporter scrape',
    '',
    '| tables / statements | pgss entries | agent round wall ms | exporter scrape ms | ratio | agent in PG ms | exporter in PG ms | ratio | agent payload (gzip) | exporter body (gzip) | agent RSS MiB | exporter RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of sizes) {
    const e = s.exporter;
    out.push(
      `| ${label(s)} | ${s.pgssEntries.toLocaleString('en-US')} | ${fmtRange(s.round.wallMs, 0)} | ${fmtRange(e.wallMs, 1)} | ` +
        `${ratio(s.round.wallMs.median, e.wallMs.median)} | ${fmtRange(s.round.pgMs, 0)} | ${fmtRange(e.pgMs, 1)} | ` +
        `${ratio(s.round.pgMs.median, e.pgMs.median)} | ${fmtBytes(s.round.rawBytes.median)} (${fmtBytes(s.round.gzipBytes.median)}) | ` +
        `${fmtBytes(e.bytes.median)} (${fmtBytes(e.gzipBytes.median)}) | ${fmtRange(mb(s.rss), 0)} | ${fmtRange(mb(e.rss), 0)} |`,
    );
  }
  out.push(
    '',
    'The comparison is of cost, not of coverage: the exporter (0.11, default collectors) reads server-wide ' +
      `views only (${sizes.map((s) => `${s.exporter.series.toLocaleString('en-US')} series at ${s.tables.toLocaleString('en-US')} tables`).join(', ')}); ` +
      'it reads no per-table, per-index, per-statement or schema data, which is most of what the agent sends.',
    '',
    '| tables / statements | cold first round wall ms | 5 s collectors only, wall ms | agent time in PostgreSQL per minute at default intervals | exporter per minute at a 15 s scrape interval | agent process RSS MiB (peak) | in-process RSS before the first round MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const s of sizes) {
    out.push(
      `| ${label(s)} | ${fmt(s.round.coldWallMs, 0)} | ${fmtRange(s.tick5sWallMs, 1)} | ${fmt(s.pgMsPerMinute, 0)} ms | ` +
        `${fmt(s.exporter.pgMs.median * 4, 0)} ms | ${fmtRange(mb(s.agentProcess.rss), 0)} (${fmt(s.agentProcess.peakHwm / MB, 0)}) | ${fmt(s.rssBaseline / MB, 0)} |`,
    );
  }
  out.push(
    '',
    '"Agent process RSS" is the built CLI started as the installed bin is (through its `#!/usr/bin/env -S` launcher line with V8 memory flags; `--local`, default intervals, fake platform) run against the same ' +
      `database after the rounds for ${sizes[0]?.agentProcess.seconds ?? '?'} s (startup, bootstrap, every collector of ≤ 60 s interval at ` +
      'least once), VmRSS sampled each second and VmHWM at the end. The in-process RSS columns above are the ' +
      "benchmark process (tsx loader, pg, the bench's own bookkeeping, 42 collector instances), an upper bound.",
  );
  out.push('', renderSideBySide(sizes));
  out.push('', '### Most expensive collectors (steady-state wall time, median)', '');
  for (const s of sizes) {
    const top = [...s.collectors].sort((a, b) => b.wallMs.median - a.wallMs.median).slice(0, 5);
    out.push(
      `- ${label(s)}: ` +
        top
          .map((c) => `${c.name} ${fmt(c.wallMs.median, 1)} ms (${fmt(c.pgMs.median, 1)} ms in PG)`)
          .join(', '),
    );
  }
  out.push(
    '',
    '### Most expensive agent statements (time inside PostgreSQL over all rounds, cold included)',
    '',
  );
  for (const s of sizes) {
    out.push(
      `<details><summary>${label(s)}</summary>`,
      '',
      '| total ms | calls | mean ms | statement (first 200 characters) |',
      '|---:|---:|---:|---|',
    );
    for (const t of s.topStatements ?? []) {
      out.push(
        `| ${fmt(t.totalMs, 0)} | ${t.calls} | ${fmt(t.meanMs, 1)} | \`${t.query.replace(/\|/g, '\\|').replace(/`/g, "'")}\` |`,
      );
    }
    out.push('', '</details>', '');
  }
  const noise = sizes.map(
    (s) =>
      `${label(s)}: ±${fmt(spreadPct(s.round.wallMs), 0)} % agent, ±${fmt(spreadPct(s.exporter.wallMs), 0)} % exporter`,
  );
  out.push(
    '',
    `Noise: half the min–max spread of the round wall time relative to its median — ${noise.join('; ')}.`,
    'Single collector timings of a few milliseconds move by more than that between rounds on this shared 2-core machine.',
    '',
  );
  for (const s of sizes) {
    out.push(
      `<details><summary>Every collector at ${label(s)} (sorted by wall time)</summary>`,
      '',
      collectorTable(s),
      '',
      '</details>',
      '',
    );
  }
  return out.join('\n');
}
