/**
 * report.html: one self-contained page (inline CSS and SVG; no script, font, image or link), so it
 * can be mailed or opened offline. Top to bottom: the verdict with the session's noise estimate,
 * the objective per iteration (report-chart.ts), baseline vs best, the knob diff in the units
 * `SHOW` uses (knob-format.ts), and every iteration.
 *
 * The objective's label, unit and direction come from the report (the registry entry,
 * src/embedded/tuner/objectives.ts); every text goes through the escaping `markup` template.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SIGNIFICANCE } from '../tuner/session-final.js';
import { formatKnobValue, type KnobChange, type KnobConfig, type KnobValue } from './knob-format.js';
import { chartSvg, formatAmount, pointClasses } from './report-chart.js';
import { objectiveOf, type DemoReport } from './report-json.js';
import { Markup, markup } from './report-markup.js';

const DASH = '–';
const amount = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? DASH : formatAmount(v);
/** The platform reports 0 ms when it had no pg_stat_statements sample for the window. */
const ms = (v: number | null | undefined): string =>
  v === null || v === undefined || !(v > 0) ? DASH : formatAmount(v);
const pct = (v: number): string => `${Math.abs(v).toFixed(1)} %`;
const signed = (v: number | null): string => (v === null ? DASH : `${v >= 0 ? '+' : '−'}${pct(v)}`);

function change(from: number | null, to: number | null): number | null {
  return from === null || to === null || !(from > 0) || !(to > 0) ? null : (to / from - 1) * 100;
}

/** A gain in the objective's direction, in words: "12.0 % lower (better)", "3.1 % higher (worse)". */
function gainWords(r: DemoReport, gain: number): string {
  const better = r.objective_detail.direction;
  const worse = better === 'higher' ? 'lower' : 'higher';
  return gain >= 0 ? `${pct(gain)} ${better} (better)` : `${pct(gain)} ${worse} (worse)`;
}

function verdict(r: DemoReport): Markup {
  const o = r.objective_detail;
  const s = r.session;
  const measured = r.improvement_pct === null ? 'not measured' : gainWords(r, r.improvement_pct);
  let state: string;
  let headline: Markup;
  if (s.final_source === 'best' && r.best) {
    state = 'kept-best';
    headline = markup`Kept the tuned configuration of iteration ${r.best.iteration}: ${o.label} ${measured} than the baseline.`;
  } else if (s.final_source === 'baseline') {
    state = 'kept-baseline';
    headline = r.best
      ? markup`Kept the baseline configuration: the best tuned one, iteration ${r.best.iteration} with ${o.label} ${measured}, did not beat it by more than the noise.`
      : markup`Kept the baseline configuration: no tuned configuration was measured without a guardrail.`;
  } else {
    state = 'pending';
    const where = s.phase === 'failed' ? 'failed' : `is ${s.phase.replaceAll('-', ' ')}`;
    headline = markup`No verdict yet: the session ${where} after ${r.iterations.length} of ${s.iterations_planned} iterations.`;
  }
  const details: Markup[] = [];
  // A baseline kept without comparing anything (nothing measured) carries zeros, not an estimate.
  const compared = s.noise_sd_pct !== null && s.noise_sd_pct > 0;
  if (compared && s.estimated_improvement_pct !== null) {
    // The session's figure: the best's measurement, or the GP's prediction there when lower.
    details.push(
      markup`<dt>Session estimate</dt><dd class="estimate">${o.label} ${gainWords(r, s.estimated_improvement_pct)} than the mean of the baseline measurements, as the session estimates the best (its measurement, or the model's prediction there when less favourable)</dd>`,
    );
  }
  if (compared && s.noise_sd_pct !== null) {
    const needed =
      s.threshold_pct === null
        ? ''
        : `; to be kept, the gain had to exceed ${pct(s.threshold_pct)} (${SIGNIFICANCE} standard errors)`;
    details.push(
      markup`<dt>Noise</dt><dd class="noise">±${pct(s.noise_sd_pct)} per iteration (standard deviation)${needed}</dd>`,
    );
  }
  if (s.decision_reason) details.push(markup`<dt>Session log</dt><dd>${s.decision_reason}</dd>`);
  return markup`<section id="verdict" class="verdict ${state}" data-final="${s.final_source ?? 'none'}">
<h2>Verdict</h2>
<p class="headline">${headline}</p>
${details.length ? markup`<dl>${details}</dl>` : ''}
</section>`;
}

function legend(): Markup {
  const swatch = (classes: string, label: string, hit = false) =>
    markup`<li><svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true"><circle class="sw ${classes}" cx="8" cy="8" r="5"/>${hit ? markup`<path class="hit-mark" d="M5,5L11,11M5,11L11,5"/>` : ''}</svg>${label}</li>`;
  return markup`<ul class="legend">
${swatch('tuned', 'tuned configuration')}
${swatch('base', 'baseline, revert or recheck (the baseline measured again)')}
${swatch('tuned best', 'best tuned configuration')}
${swatch('tuned hit', 'guardrail hit (hollow, on the axis, when not measured)', true)}
<li><svg width="24" height="16" aria-hidden="true"><line class="baseline" x1="0" x2="24" y1="8" y2="8"/></svg>baseline mean</li>
</ul>`;
}

function comparison(r: DemoReport): Markup {
  const o = r.objective_detail;
  const base = objectiveOf(r.objective, r.baseline);
  const best = r.best ? objectiveOf(r.objective, r.best) : null;
  const gain = r.improvement_pct;
  const gainClass = gain === null ? 'n' : gain >= 0 ? 'n gain' : 'n loss';
  const floor =
    o.tps_floor === null
      ? ''
      : markup`<tr class="guardrail"><td>TPS guardrail</td><td class="n" colspan="3">kept configurations must hold ≥ ${Math.round(o.tps_floor * 100)} % of the baseline${r.baseline.tps === null ? '' : ` (${formatAmount(r.baseline.tps * o.tps_floor)})`}</td></tr>`;
  const bestHead = r.best ? `best (iteration ${r.best.iteration})` : 'best';
  return markup`<table class="comparison"><thead><tr><th></th><th class="n">baseline</th><th class="n">${bestHead}</th><th class="n">change</th></tr></thead><tbody>
<tr class="objective"><td>${o.short} <span class="muted">(objective, ${o.unit})</span></td><td class="n">${amount(base)}</td><td class="n">${amount(best)}</td><td class="${gainClass}">${gain === null ? DASH : gainWords(r, gain)}</td></tr>
<tr><td>TPS</td><td class="n">${amount(r.baseline.tps)}</td><td class="n">${amount(r.best?.tps)}</td><td class="n">${signed(change(r.baseline.tps, r.best?.tps ?? null))}</td></tr>
<tr><td>average query runtime (ms)</td><td class="n">${ms(r.baseline.latency_ms)}</td><td class="n">${ms(r.best?.latency_ms)}</td><td class="n">${signed(change(r.baseline.latency_ms, r.best?.latency_ms ?? null))}</td></tr>
${floor}
</tbody></table>`;
}

/** "×8", "÷3.6" between two positive numbers; nothing for other values. */
function ratio(from: KnobValue | null, to: KnobValue | null): string {
  if (typeof from !== 'number' || typeof to !== 'number' || !(from > 0) || !(to > 0)) return '';
  const q = to / from;
  return q >= 1 ? `×${Number(q.toPrecision(2))}` : `÷${Number((1 / q).toPrecision(2))}`;
}

function knobSection(r: DemoReport): Markup {
  const s = r.session;
  const it = r.best?.iteration;
  const [heading, column] =
    s.final_source === 'best'
      ? [`Knobs changed: baseline → kept (iteration ${it})`, 'kept']
      : s.final_source === 'baseline'
        ? [`Knobs of the best tuned configuration (iteration ${it ?? DASH}), not kept`, 'best, not kept']
        : [`Knobs: baseline → best so far${it === undefined ? '' : ` (iteration ${it})`}`, 'best so far'];
  const show = (c: KnobChange, v: KnobValue | null) => (v === null ? 'unset' : formatKnobValue(v, c.unit));
  const rows = r.knob_diff.length
    ? r.knob_diff.map(
        (c) =>
          markup`<tr class="knob" data-knob="${c.name}"><td>${c.name}</td><td class="n">${show(c, c.baseline)}</td><td class="n">${show(c, c.best)}</td><td class="n muted">${ratio(c.baseline, c.best)}</td></tr>\n`,
      )
    : markup`<tr class="empty"><td colspan="4" class="muted">no knob differs</td></tr>`;
  return markup`<section id="knobs"><h2>${heading}</h2>
<table id="knob-diff"><thead><tr><th>knob</th><th class="n">baseline</th><th class="n">${column}</th><th class="n"></th></tr></thead><tbody>
${rows}</tbody></table></section>`;
}

/** The knobs an iteration changed from the baseline; more than a few fold into a summary line. */
function configCell(config: KnobConfig, r: DemoReport): Markup {
  const changed = Object.entries(config).filter(([k, v]) => String(r.baseline.config[k]) !== String(v));
  if (changed.length === 0) return markup`<span class="muted">baseline</span>`;
  const list = changed.map(
    ([k, v]) => markup`<span class="kv">${k} = ${formatKnobValue(v, r.knob_units[k] ?? null)}</span>`,
  );
  if (changed.length <= 3) return markup`${list}`;
  return markup`<details><summary>${changed.length} knobs changed</summary>${list}</details>`;
}

function iterationRows(r: DemoReport): Markup[] {
  return r.iterations.map((it) => {
    const value = it.measurement ? objectiveOf(r.objective, it.measurement) : null;
    const outcome = it.guardrail ? `${it.outcome} (${it.guardrail})` : it.outcome;
    const classes = pointClasses({ ...it, best: it.iteration === r.best?.iteration });
    return markup`<tr class="${classes}"><td class="n">${it.iteration}</td><td>${it.kind}</td><td>${outcome}</td><td class="n">${amount(value)}</td><td class="n">${amount(it.measurement?.tps)}</td><td class="n">${ms(it.measurement?.latency_ms)}</td><td>${configCell(it.config, r)}</td><td>${it.reason}</td></tr>\n`;
  });
}

function workloadLine(r: DemoReport): string {
  const w = r.workload;
  if (!w) return `the database's own workload, ${r.iterations.length} iterations`;
  // Each class of clients as it ran (src/embedded/demo/workloads): `transactions 8 clients at 200/s`.
  const classes = w.classes.map(
    (c) =>
      `${c.name} ${c.clients} client${c.clients === 1 ? '' : 's'}` +
      (c.rate !== null ? ` at ${c.rate}/s` : '') +
      (c.think_ms > 0 ? `, ${c.think_ms / 1000} s think time` : ''),
  );
  return (
    `${w.id} workload (${w.tool}), scale ${w.scale}, ` +
    `${classes.length > 0 ? classes.join(' + ') : `${w.clients} clients`} · ` +
    `${w.iterations} iterations × ${w.iteration_seconds} s (+${w.warmup_seconds} s warm-up)`
  );
}

/** A constant of this file, hence markup as written (a <style> element's text is never unescaped). */
const CSS =
  new Markup(`body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:62rem;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}.muted{color:#6b7280}
.verdict{border-left:4px solid #6b7280;background:#f9fafb;padding:.2rem 1rem .6rem;margin:1.5rem 0}
.verdict.kept-best{border-color:#059669}.verdict.kept-baseline{border-color:#d97706}.verdict h2{margin-top:.6rem}
.headline{font-size:1.15rem;margin:.4rem 0}.verdict dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.4rem 0}
.verdict dt{color:#6b7280}.verdict dd{margin:0}.gain{color:#047857;font-weight:600}.loss{color:#b91c1c;font-weight:600}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.objective td{font-weight:600}.kv{display:block;white-space:nowrap}summary{cursor:pointer;color:#374151}
tr.hit td{background:#fef2f2}tr.best td{background:#ecfdf5}
svg.chart{max-width:100%;height:auto;border:1px solid #e5e7eb;background:#fff}.plot{fill:#fafafa}
.grid{stroke:#e5e7eb}.axis{font-size:11px;fill:#6b7280}.axis-title{font-size:12px;fill:#374151;font-weight:600}
.baseline{stroke:#6b7280;stroke-width:1.5;stroke-dasharray:6 4}.baseline-label{font-size:11px;fill:#4b5563}
.trace{fill:none;stroke:#93c5fd;stroke-width:1.5}.best-label{font-size:11px;fill:#047857;font-weight:600}
.pt,.sw{stroke:#fff;stroke-width:1}.tuned{fill:#2563eb}.base{fill:#9ca3af}.best{fill:#059669;stroke:#064e3b;stroke-width:2}
.hit{fill:#dc2626}.pt.unmeasured{fill:#fff;stroke:#dc2626;stroke-width:1.5}.hit-mark{stroke:#fff;stroke-width:1.6;pointer-events:none}
.pt.unmeasured+.hit-mark{stroke:#dc2626}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;color:#4b5563;font-size:12px}
.legend li{display:flex;align-items:center;gap:.35rem}footer{margin:2rem 0;color:#6b7280;font-size:12px}`);

export function renderHtml(r: DemoReport): string {
  const o = r.objective_detail;
  const guardrail =
    o.tps_floor === null ? '' : `; TPS kept ≥ ${Math.round(o.tps_floor * 100)} % of the baseline`;
  const objectiveLine = `${o.label} (${o.unit}, ${o.direction} is better${guardrail})`;
  const gib = (r.machine.memory_bytes / 1024 ** 3).toFixed(1);
  return markup`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>dbtune-agent tuning report: ${o.label}</title><style>${CSS}</style></head><body>
<header><h1>dbtune-agent tuning report</h1>
<p class="muted">PostgreSQL ${r.pg_version ?? '?'} · ${r.machine.cpus} CPUs, ${gib} GiB memory · ${workloadLine(r)}<br>
objective: <span class="objective-label">${objectiveLine}</span></p></header>
${verdict(r)}
<section id="chart"><h2>${o.short} per iteration</h2>
${chartSvg(r)}
${legend()}
</section>
<section id="comparison"><h2>Baseline vs best</h2>
<p class="muted">Baseline: mean of the baseline measurement, every revert and the recheck. Changes are as measured; the objective's is in its direction.</p>
${comparison(r)}
</section>
${knobSection(r)}
<section id="iterations"><h2>Iterations</h2>
<table><thead><tr><th class="n">#</th><th>kind</th><th>outcome</th><th class="n">${o.short}</th><th class="n">TPS</th><th class="n">runtime ms</th><th>knobs vs baseline</th><th>reason</th></tr></thead><tbody>
${iterationRows(r)}</tbody></table>
</section>
<footer>dbtune-agent ${r.agent_version} · generated ${r.generated_at} · ${r.wall_seconds} s wall time</footer>
</body></html>
`.text;
}

export function writeHtmlReport(dir: string, report: DemoReport): string {
  const file = path.join(dir, 'report.html');
  writeFileSync(file, renderHtml(report));
  return file;
}
