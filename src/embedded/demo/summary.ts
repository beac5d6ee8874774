/** The end-of-demo text for the terminal: baseline vs best, the knob diff, the chart. */
import { asciiChart } from './ascii-chart.js';
import { formatKnobDiff } from './knob-format.js';
import { objectiveOf, type DemoReport } from './report-json.js';

const num = (v: number | null | undefined, digits: number): string =>
  v === null || v === undefined ? '–' : v.toFixed(digits);
/** The platform reports 0 ms when it had no pg_stat_statements sample for the window. */
const ms = (v: number | null | undefined): string =>
  v === null || v === undefined || !(v > 0) ? '–' : v.toFixed(2);
const signed = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);

function change(from: number | null, to: number | null): number | null {
  return from === null || to === null || !(from > 0) || !(to > 0) ? null : (to / from - 1) * 100;
}

/** `metric | baseline | best | change` rows, columns aligned. */
export function comparisonTable(r: DemoReport): string[] {
  const rows: string[][] = [
    ['', 'baseline', 'best', 'change'],
    ['TPS', num(r.baseline.tps, 1), num(r.best?.tps, 1), signed(change(r.baseline.tps, r.best?.tps ?? null))],
    [
      'latency (ms)',
      ms(r.baseline.latency_ms),
      ms(r.best?.latency_ms),
      signed(change(r.baseline.latency_ms, r.best?.latency_ms ?? null)),
    ],
  ];
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   '),
  );
}

export function summaryText(r: DemoReport): string {
  const lines: string[] = ['', 'Result'];
  lines.push(...comparisonTable(r).map((l) => `  ${l}`));
  if (r.best === null) {
    lines.push('', '  No tuned configuration was measured without a guardrail; the baseline stays.');
  } else {
    const what = r.objective_detail.label;
    lines.push(
      '',
      `  Best: iteration ${r.best.iteration}, ${signed(r.improvement_pct)} ${what} vs baseline (measured).`,
    );
  }
  const s = r.session;
  if (s.final_source) {
    const estimate =
      s.estimated_improvement_pct === null ? '' : `; estimated gain ${signed(s.estimated_improvement_pct)}`;
    const noise = s.noise_sd_pct === null ? '' : `, noise ±${s.noise_sd_pct.toFixed(1)}%`;
    lines.push(`  Kept: the ${s.final_source} configuration${estimate}${noise}.`);
  }
  lines.push('', `Knobs changed (baseline → best)`);
  const diff = formatKnobDiff(r.knob_diff);
  lines.push(...(diff.length ? diff.map((l) => `  ${l}`) : ['  (none)']));
  const points = r.iterations.map((it) => ({
    iteration: it.iteration,
    value: it.measurement ? objectiveOf(r.objective, it.measurement) : null,
    infeasible: it.outcome === 'infeasible',
  }));
  lines.push('');
  lines.push(
    asciiChart(points, {
      baseline: objectiveOf(r.objective, r.baseline),
      label: r.objective_detail.short,
    }),
  );
  return `${lines.join('\n')}\n`;
}
