/** docs/PERFORMANCE.md section and target rows for bench/tuner-quality.ts. */
import { formatKnobValue } from '../../src/embedded/demo/knob-format.js';
import { readResult, type BenchResult } from './bench.js';
import type { KnobEffectsData } from '../knob-effects.js';
import { reachable } from './knob-effects-summary.js';
import type { TargetRow } from './report.js';
import { fmt, fmtRange } from './stats.js';
import { TARGET_VS_DEFAULTS, type RatioStats, type TunerQualityData } from './tuner-quality-data.js';

const pct = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : `${v >= 0 ? '+' : ''}${fmt(v, digits)} %`;

const ratioText = (r: RatioStats): string =>
  `×${fmt(r.ofMedians, 2)} (per round ×${fmt(r.paired.min, 2)}–×${fmt(r.paired.max, 2)})`;

function shown(setting: string | undefined, unit: string | null | undefined): string {
  if (setting === undefined) return '—';
  const n = Number(setting);
  return setting.trim() !== '' && Number.isFinite(n) ? formatKnobValue(n, unit) : setting;
}

function knobTable(d: TunerQualityData): string[] {
  const eff = d.compare.outcome.effective;
  const names = [...new Set(d.compare.configs.flatMap((c) => Object.keys(c.knobs)))].sort();
  const rows = ['| knob | defaults | PGTune-style | tuner best |', '|---|---:|---:|---:|'];
  for (const n of names) {
    const cell = (key: string) => {
      const e = eff[key]?.[n];
      const set = d.compare.configs.find((c) => c.key === key)?.knobs[n] !== undefined;
      const text = shown(e?.setting, e?.unit);
      return set && key !== 'defaults' ? `**${text}**` : text;
    };
    rows.push(`| ${n} | ${cell('defaults')} | ${cell('pgtune')} | ${cell('tuner')} |`);
  }
  return rows;
}

function sessionLines(d: TunerQualityData): string[] {
  const s = d.session;
  const p = s.plan;
  return [
    `**Phase 1 — tune.** One \`dbtune-agent demo\` session run in-process (\`runDemo\`): PostgreSQL ` +
      `${s.pgVersion ?? '?'} with fsync on, \`pgbench -i -s ${p.scale}\`, pgbench ${p.clients} clients for the ` +
      `whole session, embedded platform + agent (restarts allowed), ${p.iterations} iterations × ` +
      `${p.iterationSeconds} s (+${p.warmupSeconds} s warm-up), seed ${p.seed}, ${Math.round(s.wallSeconds / 60)} min. ` +
      `Machine as the tuner saw it: ${s.machine.cpus} CPUs, ${fmt(s.machine.memoryBytes / 1024 ** 3, 1)} GiB.`,
    '',
    '| session | |',
    '|---|---|',
    `| baseline (iteration 0) | ${fmt(s.baseline.tps ?? Number.NaN, 1)} tps |`,
    `| best | ${fmt(s.best?.tps ?? Number.NaN, 1)} tps at iteration ${s.best?.iteration ?? '—'} (measured ${pct(s.improvementPct)}) |`,
    `| session's own estimate | ${pct(s.estimatedImprovementPct)} (noise sd ${fmt(s.noiseSdPct ?? Number.NaN, 1)} %, threshold ${fmt(s.thresholdPct ?? Number.NaN, 1)} %) |`,
    `| kept at the end | ${s.finalSource ?? 'n/a'}${s.decisionReason ? ` — ${s.decisionReason}` : ''} |`,
    `| TPS per iteration | ${s.iterationTps.map((t) => (t === null ? '✗' : fmt(t, 0))).join(', ')} |`,
  ];
}

function compareLines(d: TunerQualityData): string[] {
  const c = d.compare;
  const p = c.plan;
  const order = c.outcome.order.map((k) => ({ defaults: 'A', pgtune: 'B', tuner: 'C' })[k] ?? k).join(' ');
  const rows = [
    `**Phase 2 — compare.** One fresh PostgreSQL ${c.pgVersion} cluster (fsync on, as the demo), ` +
      `\`pgbench -i -s ${c.scale}\`. Before every run: \`ALTER SYSTEM RESET ALL\`, \`ALTER SYSTEM SET\` the ` +
      `configuration's knobs, restart, check pg_settings, ${p.warmupSeconds} s pgbench warm-up (steady state: past the full-page-image burst after the restart's checkpoint); then ` +
      `\`pgbench -c ${p.clients} -j ${p.threads} -T ${p.measureSeconds} -n\`. ${p.rounds} interleaved rounds, ` +
      `order ${order} (A defaults, B PGTune-style, C tuner best). PGTune-style = \`pgtuneValues\` (OLTP) for ` +
      `${c.pgtuneInfo.cpuCount} CPUs, ${fmt(c.pgtuneInfo.memoryBytes / 1024 ** 3, 1)} GiB, max_connections ` +
      `${c.pgtuneInfo.maxConnections}, restart knobs included.`,
    '',
    '| configuration | median TPS (min–max) | runs | noise ± | vs defaults | vs PGTune-style |',
    '|---|---:|---|---:|---:|---:|',
  ];
  const runsOf = (key: string) =>
    c.outcome.runs
      .filter((r) => r.key === key)
      .map((r) => fmt(r.tps, 0))
      .join(', ');
  const cell = (key: string, vsD: string, vsP: string) =>
    `| ${c.configs.find((x) => x.key === key)?.label ?? key} | ${d.tps[key] ? fmtRange(d.tps[key], 1) : 'n/a'} | ` +
    `${runsOf(key)} | ${fmt(d.noisePct[key] ?? Number.NaN, 1)} % | ${vsD} | ${vsP} |`;
  rows.push(
    cell('defaults', '×1', '—'),
    cell('pgtune', ratioText(d.ratios.pgtuneVsDefaults), '×1'),
    cell('tuner', ratioText(d.ratios.tunerVsDefaults), ratioText(d.ratios.tunerVsPgtune)),
  );
  return rows;
}

function verdictLines(d: TunerQualityData): string[] {
  const vsD = d.ratios.tunerVsDefaults;
  const vsP = d.ratios.tunerVsPgtune;
  const both = d.met.vsDefaults && d.met.vsPgtune;
  const noise = Math.max(...Object.values(d.noisePct));
  const lines = [
    `**Target** (tuner best ≥ ${fmt((TARGET_VS_DEFAULTS - 1) * 100, 0)} % more TPS than defaults and more than ` +
      `PGTune-style, ratio of medians): **${both ? 'met' : 'missed'}** — ×${fmt(vsD.ofMedians, 2)} vs defaults ` +
      `(${d.met.vsDefaults ? 'met' : 'missed'}), ×${fmt(vsP.ofMedians, 2)} vs PGTune-style ` +
      `(${d.met.vsPgtune ? 'met' : 'missed'}).`,
    '',
    `**Noise.** Repeated runs of one configuration spread by up to ±${fmt(noise, 1)} % (half min–max over median); ` +
      `the per-round ratios above pair runs that ran next to each other. The box has 2 cores shared with other ` +
      `engineers' runs, and pgbench itself takes a core, so every figure moves with the neighbours (load average at ` +
      `start and end in the line above).`,
  ];
  if (vsP.paired.min <= 1 && vsP.paired.max >= 1)
    lines.push(
      '',
      'Tuner vs PGTune-style: the per-round ratios straddle ×1, so the difference is within the noise.',
    );
  if (!d.met.vsDefaults) lines.push('', ...whyMissed(d));
  if (d.compare.outcome.mismatches.length)
    lines.push('', `Settings that did not take effect: ${d.compare.outcome.mismatches.join('; ')}.`);
  return lines;
}

/** Our reading of a missed target, from the figures of this run and of the latest knob-effects run. */
function whyMissed(d: TunerQualityData): string[] {
  const s = d.session;
  const datasetMiB = d.compare.scale * 15; // pgbench: about 15 MiB per scale unit with indexes
  const effects = readResult<KnobEffectsData>('knob-effects-tpcb');
  const reach = effects ? reachable(effects.data, effects.startedAt) : null;
  const lines = ['**Why we think the target was missed.**', ''];
  if (reach) {
    const wal = reach.wal
      ? `; cutting WAL from ${fmt(reach.wal.defaultsWalMiB, 0)} to ${fmt(reach.wal.walMiB, 0)} MiB a minute ` +
        `(max_wal_size 16 GB, checkpoint_timeout 30 min: no checkpoint in the run) gave ×${fmt(reach.wal.ratio, 2)}`
      : '';
    const busy =
      reach.defaultsBusyPct !== null
        ? ` The machine's CPUs were ${fmt(reach.defaultsBusyPct, 0)} % busy under the defaults.`
        : '';
    lines.push(
      `- No configuration the tuner may set is known to reach ×${fmt(TARGET_VS_DEFAULTS, 2)} here. ` +
        `[Knob effects on TPC-B](#knob-effects-tpcb) (${reach.startedAt} UTC, PostgreSQL ${reach.pgVersion}, same workload, same ` +
        `steady-state method) measured the best hand-picked configuration (${reach.best.label}) at ` +
        `×${fmt(reach.best.ratio, 2)} vs defaults${wal}.${busy}`,
    );
    if (reach.upperBound !== null && reach.upperBound >= TARGET_VS_DEFAULTS) {
      lines.push(
        `- What does move TPS on this box is the commit's wait for its WAL flush: synchronous_commit off gave ` +
          `×${fmt(reach.upperBound, 2)}, but it loses the last commits on a crash, so the tuner may never set it. ` +
          'With the CPUs nearly all busy and almost no iowait, the cost is in the commit path (a flush call per ' +
          'commit group, backends sleeping and waking on 2 cores), not in the disk. The levers on it that keep ' +
          'durability are group commit (commit_delay, commit_siblings: searched, no gain found) and ' +
          'wal_sync_method, which cannot help here: `pg_test_fsync -s 2` on this disk (2026-11-25) puts ' +
          'every method within 94–105 µs per 8 kB write.',
      );
    } else {
      lines.push(
        `- pgbench and PostgreSQL share 2 cores and the dataset (~${fmt(datasetMiB, 0)} MiB) fits in RAM many ` +
          'times over, so TPS is bounded by the CPU work per transaction, which none of the searched knobs ' +
          'changes much' +
          (reach.upperBound !== null
            ? ` (even synchronous_commit off, never set by the tuner, gave only ×${fmt(reach.upperBound, 2)}).`
            : '.'),
      );
    }
  }
  const threshold = fmt(s.thresholdPct ?? Number.NaN, 1);
  if (s.finalSource === 'baseline') {
    lines.push(
      `- The session agreed: its best window measured ${pct(s.improvementPct)} over the baseline, its ` +
        `noise-aware estimate was ${pct(s.estimatedImprovementPct)} against a threshold of ${threshold} %, so it ` +
        'kept the baseline. "Tuner best" above is the configuration of that best window, which the session ' +
        'measured but did not leave applied.',
    );
  } else if (d.ratios.tunerVsDefaults.ofMedians < 1) {
    lines.push(
      `- Inside the session the best window measured ${pct(s.improvementPct)} and the session's own estimate ` +
        `was ${pct(s.estimatedImprovementPct)} (threshold ${threshold} %); it kept that configuration, but ` +
        're-measured in steady state the gain is gone. Windows of a few tens of seconds see the time since the ' +
        'last checkpoint and restart as much as the knobs; the session credited time, not knobs.',
    );
  } else {
    lines.push(
      `- Inside the session the best window measured ${pct(s.improvementPct)} (estimate ` +
        `${pct(s.estimatedImprovementPct)}, threshold ${threshold} %); in steady state it is ` +
        `×${fmt(d.ratios.tunerVsDefaults.ofMedians, 2)}.`,
    );
  }
  lines.push(
    '- 2 shared cores: pgbench, 8 backends and other tenants compete for the CPU, which caps TPS for every ' +
      'configuration alike and shrinks ratios; the per-round ratios show how much one round can swing.',
  );
  return lines;
}

export function renderQuality(r: BenchResult<TunerQualityData>): string {
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

export function qualityTargets(r: BenchResult<TunerQualityData>): TargetRow[] {
  const d = r.data;
  return [
    {
      metric: 'tuner best vs defaults, pgbench TPS',
      target: `≥ ×${fmt(TARGET_VS_DEFAULTS, 2)}`,
      measured: ratioText(d.ratios.tunerVsDefaults),
      met: d.met.vsDefaults,
    },
    {
      metric: 'tuner best vs PGTune-style, pgbench TPS',
      target: '> ×1',
      measured: ratioText(d.ratios.tunerVsPgtune),
      met: d.met.vsPgtune,
    },
  ];
}
