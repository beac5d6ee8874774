import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IterationReport, SessionReport } from '../platform/types.js';
import { objective as objectiveSpec, registerObjective } from '../tuner/index.js';
import { buildDemoReport, improvementPct, writeJsonReport, type DemoFacts } from './report-json.js';
import { chartSvg, niceTicks } from './report-chart.js';
import { renderHtml, writeHtmlReport } from './report-html.js';
import { escapeHtml, markup } from './report-markup.js';
import { comparisonTable, summaryText } from './summary.js';

const BASE = {
  shared_buffers: 16384,
  effective_cache_size: 524288,
  work_mem: 4096,
  random_page_cost: 4,
  bgwriter_delay: 200,
  checkpoint_timeout: 300,
  jit: 'on',
};
const BEST = {
  shared_buffers: 131072,
  effective_cache_size: 524288,
  work_mem: 4096,
  random_page_cost: 1.1,
  bgwriter_delay: 50,
  checkpoint_timeout: 900,
  jit: 'off',
};

function iteration(
  i: number,
  kind: IterationReport['kind'],
  tps: number | null,
  outcome: IterationReport['outcome'],
  config: Record<string, number | string> = BASE,
): IterationReport {
  return {
    iteration: i,
    kind,
    config,
    restart: config.shared_buffers !== BASE.shared_buffers,
    measurement: tps === null ? null : { tps, latency_ms: 8000 / tps, samples: [tps] },
    outcome,
    guardrail: outcome === 'infeasible' ? 'throughput' : null,
    reason: `${kind} <reason> & more`,
  };
}

function session(overrides: Partial<SessionReport> = {}): SessionReport {
  const iterations = [
    iteration(0, 'baseline', 1000, 'ok'),
    iteration(1, 'pgtune', 1200, 'ok', BEST),
    iteration(2, 'bo', 40, 'infeasible', { ...BASE, work_mem: 1024 }),
    iteration(3, 'revert', 980, 'reverted'),
    iteration(4, 'bo', null, 'infeasible', { ...BASE, work_mem: 2048 }),
  ];
  return {
    objective: 'tps',
    phase: 'done',
    iterations_planned: 5,
    iteration_seconds: 8,
    warmup_seconds: 2,
    baseline: { config: BASE, tps: 990, latency_ms: 8.08 },
    best: { iteration: 1, config: BEST, tps: 1200, latency_ms: 6.67 },
    final: { source: 'best', iteration: 1, config: BEST },
    improvement_pct: 15.2,
    decision_reason: 'best beat the baseline',
    noise: { sd_pct: 3, threshold_pct: 6 },
    iterations,
    pg_version: '17.10',
    machine: { cpus: 2, memory_bytes: 8 * 1024 ** 3 },
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:02:00.000Z',
    last_error: null,
    ...overrides,
  };
}

const FACTS: DemoFacts = {
  agentVersion: '0.1.0',
  pgVersion: '17.10',
  machine: { cpus: 4, memoryBytes: 16 * 1024 ** 3 },
  workload: {
    id: 'tpcb',
    tool: 'pgbench',
    scale: 2,
    clients: 8,
    iterations: 5,
    iteration_seconds: 8,
    warmup_seconds: 2,
    seed: 7,
    classes: [
      {
        name: 'transactions',
        clients: 8,
        scripts: ['tpcb-like (built in)'],
        rate: null,
        think_ms: 0,
        transactions: 52_000,
        tps: 1_000,
        latency_ms: 7.9,
      },
    ],
  },
  units: {
    shared_buffers: '8kB',
    effective_cache_size: '8kB',
    work_mem: 'kB',
    random_page_cost: null,
    bgwriter_delay: 'ms',
    checkpoint_timeout: 's',
    jit: null,
  },
  wallSeconds: 123.456,
  now: new Date('2026-01-01T00:02:01.000Z'),
};

describe('report.json', () => {
  it('carries objective, baseline/best (config, tps, latency_ms), improvement, iterations, version and machine', () => {
    const r = buildDemoReport(session(), FACTS);
    expect(r.objective).toBe('tps');
    expect(r.baseline).toEqual({ config: BASE, tps: 990, latency_ms: 8.08 });
    expect(r.best).toEqual({ iteration: 1, config: BEST, tps: 1200, latency_ms: 6.67 });
    expect(r.improvement_pct).toBeCloseTo((1200 / 990 - 1) * 100, 9);
    expect(r.session).toEqual({
      phase: 'done',
      iterations_planned: 5,
      final_source: 'best',
      estimated_improvement_pct: expect.closeTo(15.2, 9),
      noise_sd_pct: 3,
      threshold_pct: expect.closeTo(6, 9),
      decision_reason: 'best beat the baseline',
    });
    expect(r.iterations.map((i) => i.outcome)).toEqual(['ok', 'ok', 'infeasible', 'reverted', 'infeasible']);
    expect(r.iterations[4]!.measurement).toBeNull();
    expect(r.pg_version).toBe('17.10');
    // The agent's facts (from the platform) win over the demo's own reading of this host.
    expect(r.machine).toEqual({ cpus: 2, memory_bytes: 8 * 1024 ** 3 });
    expect(r.knob_diff.map((c) => c.name)).toEqual([
      'bgwriter_delay',
      'checkpoint_timeout',
      'jit',
      'random_page_cost',
      'shared_buffers',
    ]);
    expect(r.knob_units).toEqual({
      bgwriter_delay: 'ms',
      checkpoint_timeout: 's',
      effective_cache_size: '8kB',
      jit: null,
      random_page_cost: null,
      shared_buffers: '8kB',
      work_mem: 'kB',
    });
    expect(r.wall_seconds).toBe(123.5);
    expect(r.workload?.tool).toBe('pgbench');
  });

  it('falls back to the host when the platform has no machine facts, and survives a session without best', () => {
    const r = buildDemoReport(
      session({ best: null, machine: { cpus: null, memory_bytes: null }, pg_version: null }),
      FACTS,
    );
    expect(r.best).toBeNull();
    expect(r.improvement_pct).toBeNull();
    expect(r.knob_diff).toEqual([]);
    expect(r.machine).toEqual({ cpus: 4, memory_bytes: 16 * 1024 ** 3 });
    expect(r.pg_version).toBe('17.10');
  });

  it('improvement is positive when better: more TPS, or less latency', () => {
    expect(improvementPct('tps', 100, 125)).toBeCloseTo(25);
    expect(improvementPct('latency', 10, 8)).toBeCloseTo(20);
    expect(improvementPct('latency', 10, 12)).toBeCloseTo(-20);
    expect(improvementPct('tps', 0, 10)).toBeNull();
    expect(improvementPct('latency', 10, 0)).toBeNull(); // 0 ms = no latency sample
  });

  it('writes parseable JSON to <dir>/report.json', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-report-test-'));
    try {
      const file = writeJsonReport(dir, buildDemoReport(session(), FACTS));
      expect(file).toBe(path.join(dir, 'report.json'));
      const parsed = JSON.parse(readFileSync(file, 'utf8'));
      expect(Object.keys(parsed)).toEqual(
        expect.arrayContaining([
          'objective',
          'baseline',
          'best',
          'improvement_pct',
          'iterations',
          'pg_version',
          'machine',
        ]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('report.html', () => {
  const report = buildDemoReport(session(), FACTS);
  const page = renderHtml(report);
  const svg = chartSvg(report).text;
  const cy = (markup: string, i: number) =>
    Number(new RegExp(`data-iteration="${i}"[^>]* cy="([\\d.]+)"`).exec(markup)![1]);

  it('charts one point per iteration, the baseline, the best and the guardrail hits', () => {
    expect(page).toContain(svg);
    const points = [...svg.matchAll(/<circle class="pt[ "][^>]*data-iteration="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(points).toEqual([0, 1, 2, 3, 4]);
    expect(svg).toMatch(/<line class="baseline"[^>]*\/><text class="baseline-label"[^>]*>baseline 990\.0</);
    expect(svg).toMatch(/<circle class="pt tuned best" data-iteration="1"/);
    expect(svg).toContain('>best, kept</text>');
    expect(svg).toMatch(/<circle class="pt tuned hit" data-iteration="2"/);
    // Not measured: on the x axis, hollow; both hits carry a cross.
    expect(svg).toMatch(/<circle class="pt tuned hit unmeasured" data-iteration="4"/);
    expect(svg.match(/<path class="hit-mark"/g)).toHaveLength(2);
    expect(svg).toContain('iteration 2 (bo, infeasible: throughput guardrail): 40.00 transactions/s');
    expect(svg).toContain('iteration 4 (bo, infeasible: throughput guardrail): not measured');
    expect(svg).toContain('TPS · higher is better');
  });

  it('plots values as measured: higher TPS higher on the chart', () => {
    expect(cy(svg, 1)).toBeLessThan(cy(svg, 0)); // 1200 above 1000 (SVG y grows downwards)
    expect(cy(svg, 0)).toBeLessThan(cy(svg, 2));
  });

  it('is self-contained: no external URL, script, stylesheet link or image', () => {
    expect(page).not.toMatch(/https?:\/\//i);
    expect(page).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(page.startsWith('<!doctype html>')).toBe(true);
  });

  it('states the verdict with the measured gain, the session estimate and its noise', () => {
    expect(page).toMatch(/<section id="verdict" class="verdict kept-best" data-final="best">/);
    expect(page).toContain(
      'Kept the tuned configuration of iteration 1: throughput 21.2 % higher (better) than the baseline.',
    );
    expect(page).toContain('throughput 15.2 % higher (better) than the mean of the baseline measurements');
    expect(page).toContain(
      '±3.0 % per iteration (standard deviation); to be kept, the gain had to exceed 6.0 % (2 standard errors)',
    );
    expect(page).toContain('<dt>Session log</dt><dd>best beat the baseline</dd>');
  });

  it('says when the baseline was kept, and when there is no verdict yet', () => {
    const kept = renderHtml(
      buildDemoReport(
        session({ final: { source: 'baseline', iteration: 0, config: BASE }, improvement_pct: 1.2 }),
        FACTS,
      ),
    );
    expect(kept).toContain('data-final="baseline"');
    expect(kept).toContain(
      'Kept the baseline configuration: the best tuned one, iteration 1 with throughput 21.2 % higher (better), did not beat it by more than the noise.',
    );
    expect(kept).toContain('Knobs of the best tuned configuration (iteration 1), not kept');
    const running = renderHtml(
      buildDemoReport(
        session({
          phase: 'measuring',
          final: null,
          improvement_pct: null,
          noise: null,
          decision_reason: null,
        }),
        FACTS,
      ),
    );
    expect(running).toContain('No verdict yet: the session is measuring after 5 of 5 iterations.');
    const waiting = renderHtml(buildDemoReport(session({ phase: 'waiting-for-agent', final: null }), FACTS));
    expect(waiting).toContain('the session is waiting for agent after');
    // Nothing tuned was measured: the session kept the baseline without an estimate (all zeros).
    const nothing = renderHtml(
      buildDemoReport(
        session({
          best: null,
          final: { source: 'baseline', iteration: 0, config: BASE },
          improvement_pct: 0,
          noise: { sd_pct: 0, threshold_pct: 0 },
          decision_reason: 'baseline: no tuned configuration was measured without a guardrail',
        }),
        FACTS,
      ),
    );
    expect(nothing).toContain(
      'Kept the baseline configuration: no tuned configuration was measured without a guardrail.',
    );
    expect(nothing).not.toMatch(/<dt>(Session estimate|Noise)<\/dt>/);
    expect(nothing).toContain('<tr class="empty"><td colspan="4" class="muted">no knob differs</td></tr>');
    expect(running).not.toContain('<dl>');
    expect(running).toContain('Knobs: baseline → best so far (iteration 1)');
  });

  it('shows the knob diff baseline → kept in the units SHOW uses', () => {
    const row = (name: string) =>
      new RegExp(`<tr class="knob" data-knob="${name}">(.*?)</tr>`).exec(page)?.[1];
    expect(page).toContain('<h2>Knobs changed: baseline → kept (iteration 1)</h2>');
    expect(row('shared_buffers')).toBe(
      '<td>shared_buffers</td><td class="n">128MB</td><td class="n">1GB</td><td class="n muted">×8</td>',
    );
    expect(row('bgwriter_delay')).toContain('<td class="n">200ms</td><td class="n">50ms</td>');
    expect(row('checkpoint_timeout')).toContain('<td class="n">5min</td><td class="n">15min</td>');
    expect(row('jit')).toContain('<td class="n">on</td><td class="n">off</td><td class="n muted"></td>');
    expect(row('random_page_cost')).toContain(
      '<td class="n">4</td><td class="n">1.1</td><td class="n muted">÷3.6</td>',
    );
    expect(page).not.toContain('data-knob="work_mem"'); // unchanged
    expect(page).not.toContain('data-knob="effective_cache_size"');
    // The iteration table names the changed knobs the same way.
    expect(page).toContain('<span class="kv">shared_buffers = 1GB</span>');
  });

  it('escapes every text from the session', () => {
    expect(page).toContain(escapeHtml('bo <reason> & more'));
    expect(page).not.toContain('<reason>');
    const hostile = 'x"><img src=x onerror=alert(1)>';
    const r = buildDemoReport(
      session({
        iterations: [
          iteration(0, 'baseline', 1000, 'ok'),
          iteration(1, 'bo', 1200, 'ok', { ...BEST, [hostile]: `'<b>'` }),
        ],
        pg_version: '<i>17</i>',
      }),
      FACTS,
    );
    const out = renderHtml(r);
    expect(out).not.toMatch(/<img|<i>|<b>/);
    expect(out).toContain(escapeHtml(hostile));
    expect(escapeHtml(`<a href="x">'&`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
    expect(markup`<a title="${'"t'}">${['<', markup`<b>`, 3, null]}</a>`.text).toBe(
      '<a title="&#34;t">&#60;<b>3</a>',
    );
  });

  it('writes <dir>/report.html', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-report-test-'));
    try {
      const file = writeHtmlReport(dir, report);
      expect(readFileSync(file, 'utf8')).toBe(page);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws finite coordinates for an empty session, a single iteration and a long one', () => {
    const empty = chartSvg(
      buildDemoReport(session({ iterations: [], best: null, baseline: null, final: null }), FACTS),
    ).text;
    const one = chartSvg(
      buildDemoReport(session({ iterations: [iteration(0, 'baseline', 1000, 'ok')], best: null }), FACTS),
    ).text;
    const long = chartSvg(
      buildDemoReport(
        session({
          iterations: Array.from({ length: 60 }, (_, i) =>
            iteration(i, i === 0 ? 'baseline' : 'bo', 900 + ((i * 37) % 200), 'ok'),
          ),
        }),
        FACTS,
      ),
    ).text;
    for (const svg of [empty, one, long]) expect(svg).not.toMatch(/NaN|Infinity/);
    expect(empty.match(/<circle class="pt/g)).toBeNull();
    expect(one).toMatch(/data-iteration="0"[^>]* cx="400\.0"/); // mid-plot: 64 + 672 / 2
    expect(long.match(/<circle class="pt/g)).toHaveLength(60);
    // Iteration numbers thinned to fit (about 22 px each), the last one always shown.
    const labels = [...long.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(labels.length).toBeLessThan(40);
    expect(labels.at(-1)).toBe(59);
  });

  it('puts round numbers on the axis', () => {
    expect(niceTicks(36, 1320).ticks).toEqual([0, 500, 1000, 1500]);
    expect(niceTicks(6.1, 8.6).ticks).toEqual([6, 6.5, 7, 7.5, 8, 8.5, 9]);
    expect(niceTicks(5, 5).ticks.length).toBeGreaterThanOrEqual(2);
  });
});

describe('terminal summary', () => {
  it('tabulates baseline vs best with the change', () => {
    const rows = comparisonTable(buildDemoReport(session(), FACTS));
    expect(rows[0]).toMatch(/baseline\s+best\s+change/);
    expect(rows[1]).toMatch(/^TPS\s+990\.0\s+1200\.0\s+\+21\.2%$/);
    expect(rows[2]).toMatch(/^latency \(ms\)\s+8\.08\s+6\.67\s+-17\.5%$/);
  });

  it('prints the knob diff and the chart, and no latency when the platform had none', () => {
    const text = summaryText(
      buildDemoReport(session({ baseline: { config: BASE, tps: 990, latency_ms: 0 } }), FACTS),
    );
    expect(text).toMatch(/shared_buffers\s+128MB → 1GB/);
    expect(text).toMatch(/jit\s+on → off/);
    expect(text).not.toMatch(/work_mem\s/); // unchanged
    expect(text).toMatch(/latency \(ms\)\s+–\s+6\.67\s+–/);
    expect(text).toContain('Kept: the best configuration; estimated gain +15.2%, noise ±3.0%.');
    expect(text).toContain('TPS per iteration');
  });
});

describe('the objective registry drives the reports', () => {
  // Registered here only: no report code knows these ids. The agent sends no p99, so the test's
  // "p99" is a stand-in derived from the average runtime; what matters is that its label, unit and
  // direction reach both reports.
  const unregister = [
    registerObjective({
      id: 'test_p99_latency',
      label: 'p99 latency',
      short: 'p99 (ms)',
      unit: 'ms',
      direction: 'lower',
      metric: 'latency',
      value: (m) => m.latencyMs * 2.5,
    }),
    registerObjective({
      id: 'test_tx_per_runtime_ms',
      label: 'transactions per millisecond of runtime',
      short: 'tx/ms',
      unit: 'tx per ms',
      direction: 'higher',
      metric: 'tps',
      value: (m) => (m.latencyMs > 0 ? m.tps / m.latencyMs : 0),
    }),
    registerObjective({
      id: 'test_hostile',
      label: '<script>alert("label")</script>',
      short: '<b>short</b>',
      unit: '<i>unit</i>',
      direction: 'higher',
      metric: 'tps',
      value: (m) => m.tps,
    }),
  ];
  afterAll(() => unregister.forEach((remove) => remove()));

  it('a p99 latency objective (ms, lower is better) appears in report.json and report.html', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-report-test-'));
    try {
      const r = buildDemoReport(session({ objective: 'test_p99_latency' }), FACTS);
      const json = JSON.parse(readFileSync(writeJsonReport(dir, r), 'utf8'));
      expect(json.objective).toBe('test_p99_latency');
      expect(json.objective_detail).toEqual({
        id: 'test_p99_latency',
        label: 'p99 latency',
        short: 'p99 (ms)',
        unit: 'ms',
        direction: 'lower',
        tps_floor: null,
      });
      // Lower is better: 8.08 → 6.67 ms average is a 17.5 % gain, whatever the scale of the stand-in.
      expect(json.improvement_pct).toBeCloseTo((1 - 6.67 / 8.08) * 100, 6);
      // The session's figures (expm1 of log-score differences: the baseline took 1.152× as long)
      // on the same scale: 1 − 1/1.152 = 13.2 % lower. The noise is relative either way.
      expect(json.session.estimated_improvement_pct).toBeCloseTo((1 - 1 / 1.152) * 100, 6);
      expect(json.session.threshold_pct).toBeCloseTo((1 - 1 / 1.06) * 100, 6);
      expect(json.session.noise_sd_pct).toBe(3);

      const page = readFileSync(writeHtmlReport(dir, r), 'utf8');
      expect(page).toContain('<span class="objective-label">p99 latency (ms, lower is better)</span>');
      expect(page).toContain('<title>dbtune-agent tuning report: p99 latency</title>');
      expect(page).toContain('<h2>p99 (ms) per iteration</h2>');
      expect(page).toContain('aria-label="p99 (ms) per iteration (lower is better)"');
      expect(page).toContain('p99 (ms) · lower is better');
      expect(page).toContain('p99 latency 17.5 % lower (better) than the baseline');
      expect(page).toContain('p99 latency 13.2 % lower (better) than the mean of the baseline measurements');
      // The objective row: the baseline's 8.08 ms average as the stand-in p99 (× 2.5).
      expect(page).toMatch(
        /<tr class="objective"><td>p99 \(ms\) <span class="muted">\(objective, ms\)<\/span><\/td><td class="n">20\.20<\/td>/,
      );
      expect(page).toContain('baseline 20.20');
      expect(page).toContain('iteration 1 (pgtune, ok, best, kept): 16.6');
      // Plotted as measured: the lower (better) value sits lower on the chart.
      const svg = chartSvg(r).text;
      const cy = (i: number) => Number(new RegExp(`data-iteration="${i}"[^>]* cy="([\\d.]+)"`).exec(svg)![1]);
      expect(cy(1)).toBeGreaterThan(cy(0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a derived objective gets its gain from its own values', () => {
    const r = buildDemoReport(session({ objective: 'test_tx_per_runtime_ms' }), FACTS);
    // (1200 / 6.67) / (990 / 8.08) − 1, in the objective's direction.
    expect(r.improvement_pct).toBeCloseTo((1200 / 6.67 / (990 / 8.08) - 1) * 100, 6);
    const page = renderHtml(r);
    expect(page).toContain('transactions per millisecond of runtime (tx per ms, higher is better)');
    expect(page).toContain('<h2>tx/ms per iteration</h2>');
    expect(summaryText(r)).toContain('transactions per millisecond of runtime vs baseline');
  });

  it("an objective's label, short label and unit are escaped like any other text", () => {
    const page = renderHtml(buildDemoReport(session({ objective: 'test_hostile' }), FACTS));
    expect(page).not.toMatch(/<script|<b>|<i>/);
    expect(page).toContain(escapeHtml('<script>alert("label")</script>'));
  });

  it('the latency objective carries its TPS guardrail into the reports', () => {
    const r = buildDemoReport(session({ objective: 'latency' }), FACTS);
    expect(r.objective_detail.tps_floor).toBe(0.95);
    const page = renderHtml(r);
    expect(page).toContain('TPS kept ≥ 95 % of the baseline');
    expect(page).toContain('kept configurations must hold ≥ 95 % of the baseline (940.5)');
  });

  it('an unregistered objective is gone again', () => {
    const remove = registerObjective({ ...objectiveSpec('tps'), id: 'test_transient' });
    remove();
    expect(() => buildDemoReport(session({ objective: 'test_transient' }), FACTS)).toThrow(
      /unknown objective test_transient/,
    );
  });
});
