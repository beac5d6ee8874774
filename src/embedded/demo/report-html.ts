/**
 * report.html: one self-contained page (inline CSS and SVG; no scripts, fonts or links), so it can
 * be mailed or opened offline. Chart of the objective per iteration with the baseline as a dashed
 * line, then tables: baseline vs best, the knobs that changed, every iteration.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatKnobValue, type KnobConfig } from './knob-format.js';
import { objectiveOf, type DemoReport } from './report-json.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const num = (v: number | null, digits = 1): string => (v === null ? '–' : v.toFixed(digits));
/** The platform reports 0 ms when it had no pg_stat_statements sample for the window. */
const ms = (v: number | null): string => (v === null || !(v > 0) ? '–' : v.toFixed(2));
const signed = (v: number | null): string => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`);

const W = 720;
const H = 280;
const M = { left: 56, right: 16, top: 16, bottom: 36 };

/** Inline SVG: one `<circle class="pt">` per iteration (unmeasured ones on the x axis, in red). */
export function chartSvg(r: DemoReport): string {
  const label = r.objective_detail.short;
  const points = r.iterations.map((it) => ({
    it,
    value: it.measurement ? objectiveOf(r.objective, it.measurement) : null,
  }));
  const base = objectiveOf(r.objective, r.baseline);
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (base !== null) values.push(base);
  let lo = values.length ? Math.min(...values) : 0;
  let hi = values.length ? Math.max(...values) : 1;
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.05 || 1;
  lo = Math.max(0, lo - pad);
  hi += pad;
  const n = Math.max(1, points.length - 1);
  const x = (i: number) => M.left + ((W - M.left - M.right) * i) / n;
  const y = (v: number) => H - M.bottom - ((H - M.top - M.bottom) * (v - lo)) / (hi - lo);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`,
      `<text class="axis" x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(v >= 100 ? 0 : 1)}</text>`,
    );
  }
  if (base !== null) {
    parts.push(
      `<line class="baseline" x1="${M.left}" x2="${W - M.right}" y1="${y(base).toFixed(1)}" y2="${y(base).toFixed(1)}"/>`,
      `<text class="axis" x="${W - M.right}" y="${(y(base) - 5).toFixed(1)}" text-anchor="end">baseline ${base.toFixed(1)}</text>`,
    );
  }
  const measured = points.flatMap((p, i) =>
    p.value === null ? [] : [`${x(i).toFixed(1)},${y(p.value).toFixed(1)}`],
  );
  if (measured.length > 1) parts.push(`<polyline class="line" points="${measured.join(' ')}"/>`);
  points.forEach((p, i) => {
    const best = r.best?.iteration === p.it.iteration;
    const cls = ['pt', p.it.outcome, best ? 'best' : ''].filter(Boolean).join(' ');
    const cy = p.value === null ? H - M.bottom : y(p.value);
    const tip = `iteration ${p.it.iteration} (${p.it.kind}, ${p.it.outcome}): ${p.value === null ? 'no measurement' : `${p.value.toFixed(1)} ${label}`}`;
    parts.push(
      `<circle class="${cls}" data-iteration="${p.it.iteration}" cx="${x(i).toFixed(1)}" cy="${cy.toFixed(1)}" r="${best ? 6 : 4}"><title>${escapeHtml(tip)}</title></circle>`,
      `<text class="axis" x="${x(i).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${p.it.iteration}</text>`,
    );
  });
  parts.push(
    `<text class="axis" x="${(M.left + W - M.right) / 2}" y="${H - 4}" text-anchor="middle">iteration</text>`,
  );
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)} per iteration">${parts.join('')}</svg>`;
}

function configCell(config: KnobConfig, r: DemoReport): string {
  const changed = Object.entries(config).filter(([k, v]) => String(r.baseline.config[k]) !== String(v));
  if (changed.length === 0) return '<span class="muted">baseline</span>';
  return changed
    .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(formatKnobValue(v, unitOf(r, k)))}`)
    .join('<br>');
}

function unitOf(r: DemoReport, name: string): string | null {
  return r.knob_units[name] ?? null;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}.muted{color:#6b7280}
.headline{font-size:1.25rem;margin:1rem 0}.gain{color:#047857;font-weight:600}.loss{color:#b91c1c;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto;background:#fafafa;border:1px solid #e5e7eb}
.grid{stroke:#e5e7eb}.axis{font-size:11px;fill:#6b7280}.baseline{stroke:#6b7280;stroke-dasharray:6 4}
.line{fill:none;stroke:#2563eb;stroke-width:1.5}.pt{fill:#2563eb}.pt.reverted{fill:#9ca3af}
.pt.infeasible{fill:#dc2626}.pt.best{fill:#047857;stroke:#064e3b;stroke-width:2}`;

export function renderHtml(r: DemoReport): string {
  const o = r.objective_detail;
  const objectiveLabel = `${o.label} (${o.unit}, ${o.direction} is better${o.tps_floor === null ? '' : `; TPS kept ≥ ${Math.round(o.tps_floor * 100)} % of the baseline`})`;
  const gain = r.improvement_pct;
  const headline =
    gain === null || r.best === null
      ? 'No tuned configuration was measured without a guardrail.'
      : `Best configuration (iteration ${r.best.iteration}): <span class="${gain >= 0 ? 'gain' : 'loss'}">${signed(gain)}</span> ${escapeHtml(o.label)} vs baseline`;
  const rows = r.iterations
    .map(
      (it) =>
        `<tr><td class="n">${it.iteration}</td><td>${escapeHtml(it.kind)}</td><td>${escapeHtml(it.outcome)}</td>` +
        `<td class="n">${num(it.measurement?.tps ?? null)}</td><td class="n">${ms(it.measurement?.latency_ms ?? null)}</td>` +
        `<td>${configCell(it.config, r)}</td><td>${escapeHtml(it.reason)}</td></tr>`,
    )
    .join('\n');
  const diff = r.knob_diff.length
    ? r.knob_diff
        .map(
          (c) =>
            `<tr><td>${escapeHtml(c.name)}</td><td class="n">${c.baseline === null ? '–' : escapeHtml(formatKnobValue(c.baseline, c.unit))}</td>` +
            `<td class="n">${c.best === null ? '–' : escapeHtml(formatKnobValue(c.best, c.unit))}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="3" class="muted">no knob differs</td></tr>';
  const s = r.session;
  const decision = s.final_source
    ? `The session kept the <b>${escapeHtml(s.final_source)}</b> configuration` +
      (s.estimated_improvement_pct === null
        ? ''
        : ` (estimated gain ${signed(s.estimated_improvement_pct)}`) +
      (s.noise_sd_pct === null
        ? ''
        : `, noise ±${s.noise_sd_pct.toFixed(1)}%, needed ${signed(s.threshold_pct)}`) +
      (s.estimated_improvement_pct === null ? '' : ')') +
      (s.decision_reason ? `: ${escapeHtml(s.decision_reason)}` : '.')
    : 'The session did not reach a final decision.';
  const gib = (r.machine.memory_bytes / 1024 ** 3).toFixed(1);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dbtune-agent demo report</title><style>${CSS}</style></head><body>
<h1>dbtune-agent demo: tuning report</h1>
<p class="muted">PostgreSQL ${escapeHtml(r.pg_version ?? '?')} · ${r.machine.cpus} CPUs, ${gib} GiB memory ·
${workloadLine(r)} ·
objective ${escapeHtml(objectiveLabel)} · ${escapeHtml(r.generated_at)} · ${r.wall_seconds} s wall time</p>
<p class="headline">${headline}</p>
<h2>${escapeHtml(o.short)} per iteration</h2>
${chartSvg(r)}
<h2>Baseline vs best</h2>
<table><tr><th></th><th class="n">baseline</th><th class="n">best</th><th class="n">change</th></tr>
<tr><td>TPS</td><td class="n">${num(r.baseline.tps)}</td><td class="n">${num(r.best?.tps ?? null)}</td><td class="n">${signed(pct(r.baseline.tps, r.best?.tps ?? null))}</td></tr>
<tr><td>latency (ms)</td><td class="n">${ms(r.baseline.latency_ms)}</td><td class="n">${ms(r.best?.latency_ms ?? null)}</td><td class="n">${signed(pct(r.baseline.latency_ms, r.best?.latency_ms ?? null))}</td></tr></table>
<p>${decision}</p>
<h2>Knobs changed (baseline → best)</h2>
<table><tr><th>knob</th><th class="n">baseline</th><th class="n">best</th></tr>
${diff}</table>
<h2>Iterations</h2>
<table><tr><th class="n">#</th><th>kind</th><th>outcome</th><th class="n">TPS</th><th class="n">latency ms</th><th>knobs vs baseline</th><th>reason</th></tr>
${rows}</table>
</body></html>
`;
}

function workloadLine(r: DemoReport): string {
  const w = r.workload;
  if (!w) return `the database's own workload, ${r.iterations.length} iterations`;
  return (
    `${escapeHtml(w.tool)} TPC-B, scale ${w.scale}, ${w.clients} clients · ` +
    `${w.iterations} iterations × ${w.iteration_seconds} s (+${w.warmup_seconds} s warm-up)`
  );
}

function pct(from: number | null, to: number | null): number | null {
  return from === null || to === null || !(from > 0) || !(to > 0) ? null : (to / from - 1) * 100;
}

export function writeHtmlReport(dir: string, report: DemoReport): string {
  const file = path.join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  return file;
}
