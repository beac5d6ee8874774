/** docs/PERFORMANCE.md section and target rows for bench/tuner-quality.ts on a registered workload. */
import { formatKnobValue } from '../../src/embedded/demo/knob-format.js';
import { objective } from '../../src/embedded/tuner/index.js';
import { readResult, type BenchResult } from './bench.js';
import type { WorkloadEffectsData } from '../knob-effects.js';
import type { TargetRow } from './report.js';
import { fmt, fmtRange, summarize } from './stats.js';
import {
  TARGETS,
  targetsMet,
  type GainStats,
  type RatioStats,
  type WorkloadQualityData,
} from './tuner-quality-workload.js';

const pct = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${v >= 0 ? '+' : ''}${fmt(v, digits)} %`;

const gainText = (g: GainStats): string =>
  `${pct(g.ofMedians)} (per round ${pct(g.paired.min)} to ${pct(g.paired.max)})`;

const ratioText = (r: RatioStats): string =>
  `×${fmt(r.ofMedians, 2)} (per round ×${fmt(r.paired.min, 2)}–×${fmt(r.paired.max, 2)})`;

function shown(setting: string | undefined, unit: string | null | undefined): string {
  if (setting === undefined) return '—';
  const n = Number(setting);
  return setting.trim() !== '' && Number.isFinite(n) ? formatKnobValue(n, unit) : setting;
}

function sessionLines(d: WorkloadQualityData): string[] {
  const s = d.session;
  const p = s.plan;
  const goal = objective(d.objective);
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${fmt(v, 3)} ms`);
  const tps = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${fmt(v, 0)} tps`);
  return [
    `**Phase 1 — tune.** One \`dbtune-agent demo --workload ${d.workload}\` session run in-process (\`runDemo\`): ` +
      `PostgreSQL ${s.pgVersion ?? '?'} with fsync on, the ${d.workload} dataset at scale ${p.scale}, ${p.clients} ` +
      `main-class clients for the whole session, embedded platform + agent (restarts allowed), objective ` +
      `${goal.label}, ${p.iterations} iterations × ${p.iterationSeconds} s (+${p.warmupSeconds} s warm-up; the ` +
      `demo's default length), seed ${p.seed}, ${Math.round(s.wallSeconds / 60)} min. Machine as the tuner saw it: ` +
      `${s.machine.cpus} CPUs, ${fmt(s.machine.memoryBytes / 1024 ** 3, 1)} GiB.`,
    '',
    '| session | |',
    '|---|---|',
    `| baseline (iteration 0) | ${ms(s.baseline.latencyMs)}, ${tps(s.baseline.tps)} |`,
    `| best window | ${ms(s.best?.latencyMs)}, ${tps(s.best?.tps)} at iteration ${s.best?.iteration ?? '—'} (measured ${pct(s.improvementPct)} on the objective) |`,
    `| session's own estimate | ${pct(s.estimatedImprovementPct)} (noise sd ${fmt(s.noiseSdPct ?? Number.NaN, 1)} %, threshold ${pct(s.thresholdPct)}) |`,
    `| kept at the end | ${s.finalSource ?? 'n/a'}${s.decisionReason ? ` — ${s.decisionReason}` : ''} |`,
    `| ${goal.short} per iteration | ${(s.iterationLatencyMs ?? []).map((v) => (v === null ? '✗' : fmt(v, 3))).join(', ')} |`,
    `| TPS per iteration | ${s.iterationTps.map((t) => (t === null ? '✗' : fmt(t, 0))).join(', ')} |`,
  ];
}

function compareLines(d: WorkloadQualityData): string[] {
  const c = d.compare;
  const p = c.plan;
  const goal = objective(d.objective);
  const letters = Object.fromEntries(c.configs.map((x, i) => [x.key, String.fromCharCode(65 + i)]));
  const order = c.outcome.order.map((k) => letters[k] ?? k).join(' ');
  const legend = c.configs.map((x) => `${letters[x.key]} ${x.label}`).join(', ');
  const cls = c.classes
    .map(
      (x) =>
        `${x.name}: ${x.clients} clients` +
        (x.rate === null ? '' : ` at ${x.rate} transactions/s`) +
        (x.think_ms > 0 ? `, ${x.think_ms / 1000} s think time` : ''),
    )
    .join('; ');
  const names = c.classes.map((x) => x.name);
  const rows = [
    `**Phase 2 — re-measure the kept configuration.** One fresh PostgreSQL ${c.pgVersion} cluster (fsync on, as ` +
      `the demo), the ${d.workload} dataset at scale ${c.scale} (${cls}). Before every run: \`ALTER SYSTEM RESET ALL\`, ` +
      `\`ALTER SYSTEM SET\` the configuration's knobs, restart, check pg_settings, start the workload's driver, ` +
      `${p.warmupSeconds} s warm-up; then ${p.measureSeconds} s measured (the objective from pg_stat_statements, ` +
      `TPS from pg_stat_database, as the embedded platform measures them). ${p.rounds} interleaved rounds, order ` +
      `${order} (${legend}). PGTune-style = \`pgtuneValues\` (OLTP) for ${c.pgtuneInfo.cpuCount} CPUs, ` +
      `${fmt(c.pgtuneInfo.memoryBytes / 1024 ** 3, 1)} GiB, max_connections ${c.pgtuneInfo.maxConnections}, restart ` +
      `knobs included. Class latencies are pgbench's, medians over the runs.`,
    '',
    `| configuration | ${goal.short}: median (min–max) | runs | gain vs defaults | gain vs PGTune-style | TPS median (min–max) | TPS vs defaults | ${names.map((n) => `${n} latency (ms)`).join(' | ')} |`,
    `|---|---:|---|---:|---:|---:|---:|${names.map(() => '---:|').join('')}`,
  ];
  const base = d.objectiveStats.defaults?.median ?? null;
  const pgt = d.objectiveStats.pgtune?.median ?? null;
  const baseTps = d.tps.defaults?.median ?? Number.NaN;
  for (const x of c.configs) {
    const runs = c.outcome.runs.filter((r) => r.key === x.key);
    if (runs.length === 0) continue;
    const v = d.objectiveStats[x.key];
    const t = d.tps[x.key];
    if (!v || !t) continue;
    const vsD =
      x.key === 'defaults'
        ? '—'
        : x.key === 'tuner'
          ? gainText(d.gains.tunerVsDefaults)
          : x.key === 'pgtune'
            ? gainText(d.gains.pgtuneVsDefaults)
            : pct(gainOf(d, base, v.median));
    const vsP =
      x.key === 'pgtune' || x.key === 'defaults'
        ? '—'
        : x.key === 'tuner'
          ? gainText(d.gains.tunerVsPgtune)
          : pct(gainOf(d, pgt, v.median));
    const classMs = names.map((n) => {
      const ms = runs.flatMap((r) => {
        const l = r.classes?.find((k) => k.name === n)?.latencyMs;
        return l === null || l === undefined ? [] : [l];
      });
      return ms.length ? fmt(summarize(ms).median, 1) : 'n/a';
    });
    const tpsVs =
      x.key === 'tuner' ? ratioText(d.tpsRatios.tunerVsDefaults) : `×${fmt(t.median / baseTps, 2)}`;
    rows.push(
      `| ${x.label} | ${fmtRange(v, 3)} | ${runs.map((r) => fmt(r.objective ?? Number.NaN, 3)).join(', ')} | ${vsD} | ${vsP} | ` +
        `${fmtRange(t, 0)} | ${tpsVs} | ${classMs.join(' | ')} |`,
    );
  }
  return rows;
}

function gainOf(d: WorkloadQualityData, from: number | null, to: number): number | null {
  const goal = objective(d.objective);
  if (from === null || !(from > 0) || !(to > 0)) return null;
  return goal.direction === 'higher' ? (to / from - 1) * 100 : (1 - to / from) * 100;
}

function knobTable(d: WorkloadQualityData): string[] {
  const c = d.compare;
  const eff = c.outcome.effective;
  const names = [...new Set(c.configs.flatMap((x) => Object.keys(x.knobs)))].sort();
  const rows = [
    `| knob | ${c.configs.map((x) => x.label).join(' | ')} |`,
    `|---|${c.configs.map(() => '---:|').join('')}`,
  ];
  for (const n of names) {
    const cells = c.configs.map((x) => {
      const e = eff[x.key]?.[n];
      const text = shown(e?.setting, e?.unit);
      return x.knobs[n] !== undefined && x.key !== 'defaults' ? `**${text}**` : text;
    });
    rows.push(`| ${n} | ${cells.join(' | ')} |`);
  }
  return rows;
}

function verdictLines(d: WorkloadQualityData): string[] {
  const met = targetsMet(d);
  const all = met.vsDefaults && met.vsPgtune && met.tps;
  const lines = [
    `**Targets** (ratio of medians): kept configuration ≥ ${pct(TARGETS.vsDefaultsPct, 0)} on the objective over the ` +
      `defaults, ≥ ${pct(TARGETS.vsPgtunePct, 0)} over PGTune-style, TPS ≥ ×${fmt(TARGETS.tpsFloor, 2)} the ` +
      `defaults': **${all ? 'met' : 'missed'}** — ${pct(d.gains.tunerVsDefaults.ofMedians)} vs defaults ` +
      `(${met.vsDefaults ? 'met' : 'missed'}), ${pct(d.gains.tunerVsPgtune.ofMedians)} vs PGTune-style ` +
      `(${met.vsPgtune ? 'met' : 'missed'}), TPS ×${fmt(d.tpsRatios.tunerVsDefaults.ofMedians, 2)} ` +
      `(${met.tps ? 'met' : 'missed'}).`,
  ];
  for (const [name, g] of [
    ['defaults', d.gains.tunerVsDefaults],
    ['PGTune-style', d.gains.tunerVsPgtune],
  ] as const)
    if (g.paired.n > 1 && g.paired.min < 0 && g.paired.max > 0)
      lines.push(
        '',
        `Kept configuration vs ${name}: the per-round gains straddle 0 (${pct(g.paired.min)} to ${pct(g.paired.max)}), ` +
          'so that difference is within the noise whatever the medians say.',
      );
  if (d.kept === 'baseline')
    lines.push(
      '',
      "The session kept its baseline, so the kept configuration is the defaults' values set explicitly " +
        '(same effective values as the defaults row, table above): its difference from the defaults row is ' +
        'what two measurements of one configuration differ by here, not a gain.',
    );
  if (!(met.vsDefaults && met.vsPgtune)) lines.push('', ...whyMissed(d));
  if (d.compare.outcome.mismatches.length)
    lines.push('', `Settings that did not take effect: ${d.compare.outcome.mismatches.join('; ')}.`);
  return lines;
}

/** What the measurements of this run (and of the latest knob-effects run) say about a missed target. */
function whyMissed(d: WorkloadQualityData): string[] {
  const s = d.session;
  const lines = ['**What was measured about the miss.**', ''];
  if (s.finalSource === 'baseline') {
    const best = d.objectiveStats.best_not_kept;
    lines.push(
      `- The session kept its baseline: its best window measured ${pct(s.improvementPct)} on the objective, its ` +
        `noise-aware estimate ${pct(s.estimatedImprovementPct)} did not clear the threshold of ${pct(s.thresholdPct)}` +
        `${s.decisionReason ? ` (${s.decisionReason})` : ''}.` +
        (best
          ? ` The best window's configuration, re-measured in the same rounds, is ` +
            `${pct(gainOf(d, d.objectiveStats.defaults?.median ?? null, best.median))} vs the defaults.`
          : ''),
    );
  } else {
    lines.push(
      `- Inside the session the kept configuration (iteration ${s.best?.iteration}) measured ` +
        `${pct(s.improvementPct)} on the objective (estimate ${pct(s.estimatedImprovementPct)}, threshold ` +
        `${pct(s.thresholdPct)}); re-measured in steady state it is ${pct(d.gains.tunerVsDefaults.ofMedians)} ` +
        `vs the defaults (per round ${pct(d.gains.tunerVsDefaults.paired.min)} to ${pct(d.gains.tunerVsDefaults.paired.max)}).`,
    );
  }
  const effects = readResult<WorkloadEffectsData>('knob-effects');
  if (effects && effects.data.workload === d.workload) {
    const e = effects.data;
    const goal = objective(e.objective);
    const med = (key: string) =>
      summarize(e.outcome.runs.filter((r) => r.key === key).map((r) => r.objective ?? Number.NaN)).median;
    const base = med('defaults');
    let best: { label: string; gain: number } | null = null;
    for (const c of e.configs) {
      if (c.key === 'defaults') continue;
      const to = med(c.key);
      const g = goal.direction === 'higher' ? (to / base - 1) * 100 : (1 - to / base) * 100;
      if (Number.isFinite(g) && (best === null || g > best.gain)) best = { label: c.label, gain: g };
    }
    if (best)
      lines.push(
        `- [Knob effects on the ${d.workload} workload](#knob-effects) (${effects.startedAt.slice(0, 16).replace('T', ' ')} ` +
          `UTC, same workload and method) measured the best hand-picked configuration (${best.label}) at ` +
          `${pct(best.gain)} vs the defaults: the ${pct(TARGETS.vsDefaultsPct, 0)} target lies beyond every ` +
          'configuration measured on this box so far.',
      );
  }
  const repeated = Object.values(d.objectiveStats).filter((x) => x.n > 1 && x.median > 0);
  const noise = Math.max(...repeated.map((x) => ((x.max - x.min) / 2 / x.median) * 100));
  lines.push(
    (repeated.length
      ? `- Noise: repeated runs of one configuration spread by up to ±${fmt(noise, 1)} % on the objective (half ` +
        'min–max over median); the per-round figures pair runs that ran next to each other.'
      : '- Noise: one run per configuration, so no spread is measured.') +
      " The box has 2 cores shared with other engineers' runs; the load averages at start and end are in the " +
      'line above.',
  );
  return lines;
}

export function renderWorkloadQuality(r: BenchResult<WorkloadQualityData>): string {
  const d = r.data;
  return [
    ...sessionLines(d),
    '',
    ...compareLines(d),
    '',
    'Knob values in effect during the runs (pg_settings after the restart; **bold** = set by that configuration):',
    '',
    ...knobTable(d),
    '',
    ...verdictLines(d),
  ].join('\n');
}

export function workloadQualityTargets(r: BenchResult<WorkloadQualityData>): TargetRow[] {
  const d = r.data;
  const goal = objective(d.objective);
  const met = targetsMet(d);
  return [
    {
      metric: `kept configuration vs defaults, ${d.workload} ${goal.short}`,
      target: `≥ ${pct(TARGETS.vsDefaultsPct, 0)}`,
      measured: gainText(d.gains.tunerVsDefaults) + (d.kept === 'baseline' ? ' — kept its baseline' : ''),
      met: met.vsDefaults,
    },
    {
      metric: `kept configuration vs PGTune-style, ${d.workload} ${goal.short}`,
      target: `≥ ${pct(TARGETS.vsPgtunePct, 0)}`,
      measured: gainText(d.gains.tunerVsPgtune) + (d.kept === 'baseline' ? ' — kept its baseline' : ''),
      met: met.vsPgtune,
    },
    {
      metric: `kept configuration vs defaults, ${d.workload} TPS`,
      target: `≥ ×${fmt(TARGETS.tpsFloor, 2)}`,
      measured: ratioText(d.tpsRatios.tunerVsDefaults),
      met: met.tps,
    },
  ];
}
