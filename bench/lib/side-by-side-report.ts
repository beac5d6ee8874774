/** Markdown and targets for the side-by-side part of bench/collection.ts (issue 19). */
import type { SizeResult } from '../collection.js';
import type { TargetRow } from './report.js';
import type { StatementCost, WindowCost } from './side-by-side.js';
import { fmt, fmtRange } from './stats.js';

const MB = 1024 * 1024;
const label = (s: SizeResult) =>
  `${s.tables.toLocaleString('en-US')} / ${s.statements.toLocaleString('en-US')}`;
const x = (a: number, b: number) => (b > 0 ? `${fmt(a / b, 2)}×` : 'n/a');
const cell = (q: string) => `\`${q.replace(/\|/g, '\\|').replace(/`/g, "'")}\``;

function windowRow(s: SizeResult, name: string, w: WindowCost): string {
  return (
    `| ${label(s)} | ${name} (${w.seconds} s) | ${fmt(w.agentMs, 0)} ms / ${fmt(w.agentCalls, 0)} | ` +
    `${fmt(w.exporterMs, 0)} ms / ${fmt(w.exporterCalls, 0)} | ${x(w.agentMs, w.exporterMs)} |`
  );
}

function statementTable(rows: readonly StatementCost[], seconds: number): string[] {
  const out = [
    '| side | total ms | calls | mean ms | statement (first 160 characters) |',
    '|---|---:|---:|---:|---|',
  ];
  for (const r of rows)
    out.push(
      `| ${r.role} | ${fmt(r.totalMs, 1)} | ${r.calls} | ${fmt(r.totalMs / r.calls, 2)} | ${cell(r.query)} |`,
    );
  out.push('', `(${seconds} s window, not scaled.)`);
  return out;
}

export function renderSideBySide(sizes: readonly SizeResult[]): string {
  const measured = sizes.filter((s) => s.sideBySide);
  if (measured.length === 0) return '';
  const out: string[] = [
    '### Installed agent vs exporter: time inside PostgreSQL per 2 minutes',
    '',
    "Issue 19's reference database: pgbench scale 10 plus the N benchmark tables, measured before the " +
      'synthetic statement set runs (pg_stat_statements is reset after the set-up, so it holds only what pgbench, the agent and the exporter run; ' +
      'the per-collector tables below show what the pg_stat_statements collector costs at M statements). ' +
      'The built CLI (`--local`, default intervals, fake platform, started through its launcher line as the ' +
      'installed bin is) and the exporter scraped every 15 s run at the same time on the same database, under ' +
      'a light pgbench load (`-c 2 -R 50`), each under its own ' +
      "login role; pg_stat_statements snapshots at the window edges give each side's execution + planning " +
      'time per statement. "Including bootstrap" is the first 2 minutes from the agent\'s start; "steady" is ' +
      'the 3.5 minutes after it, scaled to 2 minutes — it holds the first steady fire of the 5-minute ' +
      'collectors, which over-weights them (1 fire instead of 0.4 per 2 minutes), so it errs against the agent. ' +
      'Calls are statements per 2 minutes.',
    '',
    '| tables / statements | window | agent ms / calls | exporter ms / calls | agent ÷ exporter |',
    '|---|---|---:|---:|---:|',
  ];
  for (const s of measured) {
    const b = s.sideBySide!;
    out.push(windowRow(s, 'including bootstrap', b.bootstrap), windowRow(s, 'steady', b.steady));
  }
  out.push(
    '',
    '| tables / statements | agent VmRSS MiB, median (min–max) | agent VmHWM MiB | scrapes | agent requests | pg_stat_statements entries at the end | load average at start → end |',
    '|---|---:|---:|---:|---:|---:|---|',
  );
  for (const s of measured) {
    const b = s.sideBySide!;
    const rss = {
      ...b.agentRss,
      median: b.agentRss.median / MB,
      min: b.agentRss.min / MB,
      max: b.agentRss.max / MB,
    };
    out.push(
      `| ${label(s)} | ${fmtRange(rss, 1)} | ${fmt(b.agentPeakHwm / MB, 1)} | ${b.scrapes} | ${b.agentRequests} | ${b.pgssEntries === undefined ? 'not recorded' : b.pgssEntries.toLocaleString('en-US')} | ${b.loadavg.start} → ${b.loadavg.end} |`,
    );
  }
  for (const s of measured.filter((m) => m.tps)) {
    const t = s.tps!;
    out.push(
      '',
      `pgbench TPS with vs without the agent at ${label(s)} (${t.pairs.length} interleaved pairs of ${t.seconds} s, ` +
        `\`-c 4 -j 2\`, order alternating): ratio median ${fmt(t.ratio.median, 3)} (${fmt(t.ratio.min, 3)}–${fmt(t.ratio.max, 3)}); ` +
        t.pairs.map((p) => `${fmt(p.without, 0)} → ${fmt(p.with, 0)}`).join(', ') +
        '.',
    );
  }
  out.push('', '#### Per-statement cost, side by side', '');
  for (const s of measured) {
    const b = s.sideBySide!;
    for (const [name, w] of [
      ['including bootstrap', b.bootstrap],
      ['steady', b.steady],
    ] as const) {
      out.push(
        `<details><summary>${label(s)}, ${name}: every statement of either side</summary>`,
        '',
        ...statementTable(w.statements, w.seconds),
        '',
        '</details>',
        '',
      );
    }
  }
  return out.join('\n');
}

export function sideBySideTargets(sizes: readonly SizeResult[]): TargetRow[] {
  const rows: TargetRow[] = [];
  const at1k = sizes.find((s) => s.tables === 1_000);
  const b = at1k?.sideBySide;
  if (at1k && b) {
    for (const [name, w] of [
      ['steady', b.steady],
      ['including bootstrap', b.bootstrap],
    ] as const) {
      rows.push({
        metric: `agent ÷ exporter time in PostgreSQL per 2 min, ${name} (at ${label(at1k)})`,
        target: '≤ 0.5×',
        measured: `${x(w.agentMs, w.exporterMs)} (${fmt(w.agentMs, 0)} vs ${fmt(w.exporterMs, 0)} ms)`,
        met: w.exporterMs > 0 ? w.agentMs / w.exporterMs <= 0.5 : null,
      });
    }
    rows.push({
      metric: `collection round with the cost model, steady, wall (at ${label(at1k)})`,
      target: '≤ 200 ms',
      measured: `${fmtRange(at1k.round.wallMs, 0)} ms`,
      met: at1k.round.wallMs.median <= 200,
    });
    rows.push({
      metric: `installed agent RSS, peak VmHWM over ${at1k.agentProcess.seconds} s (at ${label(at1k)})`,
      target: '≤ 64 MB (61.0 MiB)',
      measured: `${fmt(at1k.agentProcess.peakHwm / 1e6, 1)} MB (${fmt(b.agentPeakHwm / 1e6, 1)} MB over the ${120 + b.steady.seconds} s side by side)`,
      met: at1k.agentProcess.peakHwm <= 64e6,
    });
  }
  if (at1k?.tps) {
    rows.push({
      metric: `pgbench TPS with ÷ without the agent, median of ${at1k.tps.pairs.length} interleaved pairs (at ${label(at1k)})`,
      target: '≥ 0.99',
      measured:
        `${fmt(at1k.tps.ratio.median, 3)} (${fmt(at1k.tps.ratio.min, 3)}–${fmt(at1k.tps.ratio.max, 3)})` +
        ((at1k.tps.ratio.max - at1k.tps.ratio.min) / 2 > 0.05
          ? ': too noisy to resolve on this shared machine'
          : ''),
      // Pairs that disagree by more than ±5 % cannot resolve a 1 % effect: say so instead of a verdict.
      met: (at1k.tps.ratio.max - at1k.tps.ratio.min) / 2 > 0.05 ? null : at1k.tps.ratio.median >= 0.99,
    });
  }
  const big = sizes.find((s) => s.tables === 10_000);
  if (big) {
    rows.push({
      metric: `collection round with the cost model, steady, wall (at ${label(big)})`,
      target: '≤ 1 s',
      measured: `${fmtRange(big.round.wallMs, 0)} ms`,
      met: big.round.wallMs.median <= 1000,
    });
    rows.push({
      metric: `installed agent RSS, peak VmHWM over ${big.agentProcess.seconds} s (at ${label(big)})`,
      target: '≤ 64 MB (61.0 MiB)',
      measured: `${fmt(big.agentProcess.peakHwm / 1e6, 1)} MB`,
      met: big.agentProcess.peakHwm <= 64e6,
    });
  }
  return rows;
}
