/**
 * The objective per iteration as inline SVG (no script, no external resource): one `circle.pt` per
 * iteration at its measured value, the baseline (mean of the baseline, revert and recheck measurements) as a
 * dashed line, the best configuration ringed and labelled, guardrail hits in red with a cross.
 * An iteration with no measurement (a guardrail fired before it was measured) sits on the x axis.
 *
 * Values are plotted as measured; the axis title says which way is better. Label, unit and
 * direction come from the report's objective (the registry entry, src/embedded/tuner/objectives.ts).
 */
import { measuresBaseline } from '../tuner/session-types.js';
import { markup, type Markup } from './report-markup.js';
import { objectiveOf, type DemoReport } from './report-json.js';

const W = 760;
const H = 300;
const M = { left: 64, right: 24, top: 34, bottom: 44 };

/** A number for people: 1 decimal from 100 up, 2 from 1, 3 significant digits below. */
export function formatAmount(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(1);
  if (a >= 1 || a === 0) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Round tick values (steps of 1, 2, 2.5 or 5 × 10^k) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): { lo: number; hi: number; ticks: number[] } {
  const span = hi - lo > 0 ? hi - lo : Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let k = 0; first + k * step <= last + step * 1e-9; k++) {
    ticks.push(Number((first + k * step).toPrecision(12)));
  }
  if (ticks.length < 2) ticks.push(Number((first + step).toPrecision(12)));
  return { lo: ticks[0] ?? first, hi: ticks.at(-1) ?? last, ticks };
}

export interface ChartPoint {
  readonly iteration: number;
  readonly kind: string;
  readonly outcome: string;
  readonly guardrail: string | null;
  /** The objective's measured value; null when the iteration was not measured. */
  readonly value: number | null;
  readonly best: boolean;
  readonly kept: boolean;
}

export function chartPoints(r: DemoReport): ChartPoint[] {
  const bestIteration = r.best?.iteration ?? null;
  return r.iterations.map((it) => ({
    iteration: it.iteration,
    kind: it.kind,
    outcome: it.outcome,
    guardrail: it.guardrail,
    value: it.measurement ? objectiveOf(r.objective, it.measurement) : null,
    best: it.iteration === bestIteration,
    kept: it.iteration === bestIteration && r.session.final_source === 'best',
  }));
}

/** CSS classes of a point, legend swatch or table row: what was measured, and how it ended. */
export function pointClasses(p: { kind: string; outcome: string; best: boolean }): string {
  const role = measuresBaseline(p.kind) ? 'base' : 'tuned';
  return [role, p.outcome === 'infeasible' ? 'hit' : '', p.best ? 'best' : ''].filter(Boolean).join(' ');
}

/** A point's tooltip: iteration, kind, outcome (guardrail), best/kept, value with unit. */
function tooltip(p: ChartPoint, unit: string): string {
  const outcome = p.guardrail ? `${p.outcome}: ${p.guardrail} guardrail` : p.outcome;
  const value = p.value === null ? 'not measured' : `${formatAmount(p.value)} ${unit}`;
  const tags = [p.best ? 'best' : '', p.kept ? 'kept' : ''].filter(Boolean).join(', ');
  return `iteration ${p.iteration} (${p.kind}, ${outcome}${tags ? `, ${tags}` : ''}): ${value}`;
}

const f = (v: number): string => v.toFixed(1);
const cross = (x: number, y: number, s: number): string =>
  `M${f(x - s)},${f(y - s)}L${f(x + s)},${f(y + s)}M${f(x - s)},${f(y + s)}L${f(x + s)},${f(y - s)}`;

export function chartSvg(r: DemoReport): Markup {
  const o = r.objective_detail;
  const points = chartPoints(r);
  const base = objectiveOf(r.objective, r.baseline);
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (base !== null) values.push(base);
  const min = values.length ? Math.min(...values) : 0;
  const max = values.length ? Math.max(...values) : 1;
  const pad = (max - min) * 0.08 || Math.abs(max) * 0.05 || 1;
  const scale = niceTicks(Math.max(0, min - pad), max + pad);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = points.length;
  // One slot per iteration, each point centred in its slot (a single iteration sits mid-chart).
  const x = (i: number) => M.left + (plotW * (i + 0.5)) / Math.max(1, n);
  const y = (v: number) => M.top + plotH - (plotH * (v - scale.lo)) / (scale.hi - scale.lo);
  const axisY = M.top + plotH;

  const grid = scale.ticks.map(
    (v) =>
      markup`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${f(y(v))}" y2="${f(y(v))}"/><text class="axis" x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${String(v)}</text>`,
  );
  const baseline =
    base === null
      ? ''
      : markup`<line class="baseline" x1="${M.left}" x2="${W - M.right}" y1="${f(y(base))}" y2="${f(y(base))}"/><text class="baseline-label" x="${W - M.right - 4}" y="${f(y(base) - 6)}" text-anchor="end">baseline ${formatAmount(base)}</text>`;
  const measured = points.flatMap((p, i) => (p.value === null ? [] : [`${f(x(i))},${f(y(p.value))}`]));
  const trace = measured.length > 1 ? markup`<polyline class="trace" points="${measured.join(' ')}"/>` : '';
  // Label every iteration while they fit (about 22 px each), else every k-th and the last.
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 22))));
  const marks = points.map((p, i) => {
    const cx = x(i);
    const cy = p.value === null ? axisY : y(p.value);
    const classes = `pt ${pointClasses(p)}${p.value === null ? ' unmeasured' : ''}`;
    const circle = markup`<circle class="${classes}" data-iteration="${p.iteration}" data-outcome="${p.outcome}" cx="${f(cx)}" cy="${f(cy)}" r="${p.best ? 7 : p.outcome === 'infeasible' ? 6 : 5}"><title>${tooltip(p, o.unit)}</title></circle>`;
    const hit = p.outcome === 'infeasible' ? markup`<path class="hit-mark" d="${cross(cx, cy, 3.5)}"/>` : '';
    const tick =
      i % every === 0 || i === n - 1
        ? markup`<text class="axis" x="${f(cx)}" y="${axisY + 16}" text-anchor="middle">${p.iteration}</text>`
        : '';
    return markup`${circle}${hit}${tick}`;
  });
  const bestIndex = points.findIndex((p) => p.best);
  const best = points[bestIndex];
  const bestLabel =
    best !== undefined && best.value !== null
      ? markup`<text class="best-label" x="${f(x(bestIndex))}" y="${f(y(best.value) - 12)}" text-anchor="middle">${best.kept ? 'best, kept' : 'best'}</text>`
      : '';
  const title = `${o.short} per iteration (${o.direction} is better)`;
  return markup`<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${title}"><title>${title}</title>
<rect class="plot" x="${M.left}" y="${M.top}" width="${plotW}" height="${plotH}"/>
${grid}
<text class="axis-title" x="${M.left}" y="${M.top - 12}">${o.short} · ${o.direction} is better</text>
${baseline}
${trace}
${marks}
${bestLabel}
<text class="axis" x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">iteration</text>
</svg>`;
}
