import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IterationReport, SessionReport } from '../platform/types.js';
import { registerObjective } from '../tuner/index.js';
import { buildDemoReport, improvementPct, writeJsonReport, type DemoFacts } from './report-json.js';
import { chartSvg, escapeHtml, renderHtml, writeHtmlReport } from './report-html.js';
import { comparisonTable, summaryText } from './summary.js';

const BASE = { shared_buffers: 16384, work_mem: 4096, random_page_cost: 4, jit: 'on' };
const BEST = { shared_buffers: 131072, work_mem: 4096, random_page_cost: 1.1, jit: 'off' };

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
  units: { shared_buffers: '8kB', work_mem: 'kB', random_page_cost: null, jit: null },
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
      final_source: 'best',
      estimated_improvement_pct: 15.2,
      noise_sd_pct: 3,
      threshold_pct: 6,
      decision_reason: 'best beat the baseline',
    });
    expect(r.iterations.map((i) => i.outcome)).toEqual(['ok', 'ok', 'infeasible', 'reverted', 'infeasible']);
    expect(r.iterations[4]!.measurement).toBeNull();
    expect(r.pg_version).toBe('17.10');
    // The agent's facts (from the platform) win over the demo's own reading of this host.
    expect(r.machine).toEqual({ cpus: 2, memory_bytes: 8 * 1024 ** 3 });
    expect(r.knob_diff.map((c) => c.name)).toEqual(['jit', 'random_page_cost', 'shared_buffers']);
    expect(r.knob_units).toEqual({
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
  const html = renderHtml(buildDemoReport(session(), FACTS));

  it('has an inline SVG chart with one point per iteration and a baseline line', () => {
    const svg = chartSvg(buildDemoReport(session(), FACTS));
    expect(html).toContain('<svg');
    expect(html).toContain(svg);
    const points = [...svg.matchAll(/<circle class="pt[^"]*" data-iteration="(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(points).toEqual([0, 1, 2, 3, 4]);
    expect(svg).toMatch(/<line class="baseline"/);
    expect(svg).toMatch(/<circle class="pt ok best" data-iteration="1"/);
    expect(svg).toMatch(/<circle class="pt infeasible" data-iteration="4"/);
  });

  it('places higher TPS higher on the chart', () => {
    const svg = chartSvg(buildDemoReport(session(), FACTS));
    const cy = (i: number) =>
      Number(new RegExp(`data-iteration="${i}" cx="[\\d.]+" cy="([\\d.]+)"`).exec(svg)![1]);
    expect(cy(1)).toBeLessThan(cy(0)); // 1200 above 1000 (SVG y grows downwards)
    expect(cy(0)).toBeLessThan(cy(2));
  });

  it('is self-contained: no external URL, script, stylesheet link or image', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('shows baseline vs best, the knob diff in readable units, and escapes text', () => {
    expect(html).toContain('990.0');
    expect(html).toContain('1200.0');
    expect(html).toMatch(/shared_buffers<\/td><td class="n">128MB<\/td><td class="n">1GB/);
    expect(html).toContain(escapeHtml('bo <reason> & more'));
    expect(html).not.toContain('<reason>');
    expect(escapeHtml(`<a href="x">'&`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  });

  it('writes <dir>/report.html', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'demo-report-test-'));
    try {
      const file = writeHtmlReport(dir, buildDemoReport(session(), FACTS));
      expect(readFileSync(file, 'utf8')).toContain('<svg');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
  it('an objective registered here appears in report.json and report.html with its label, unit and direction', () => {
    registerObjective({
      id: 'test_tx_per_runtime_ms',
      label: 'transactions per millisecond of runtime',
      short: 'tx/ms',
      unit: 'tx per ms',
      direction: 'higher',
      metric: 'tps',
      value: (m) => (m.latencyMs > 0 ? m.tps / m.latencyMs : 0),
    });
    const r = buildDemoReport(session({ objective: 'test_tx_per_runtime_ms' }), FACTS);
    expect(r.objective).toBe('test_tx_per_runtime_ms');
    expect(r.objective_detail).toEqual({
      id: 'test_tx_per_runtime_ms',
      label: 'transactions per millisecond of runtime',
      short: 'tx/ms',
      unit: 'tx per ms',
      direction: 'higher',
      tps_floor: null,
    });
    // (1200 / 6.67) / (990 / 8.08) − 1, in the objective's direction.
    expect(r.improvement_pct).toBeCloseTo((1200 / 6.67 / (990 / 8.08) - 1) * 100, 6);
    const html = renderHtml(r);
    expect(html).toContain('transactions per millisecond of runtime (tx per ms, higher is better)');
    expect(html).toContain('<h2>tx/ms per iteration</h2>');
    expect(chartSvg(r)).toContain('tx/ms');
    expect(summaryText(r)).toContain('transactions per millisecond of runtime vs baseline');
  });

  it('the latency objective carries its TPS guardrail into the reports', () => {
    const r = buildDemoReport(session({ objective: 'latency' }), FACTS);
    expect(r.objective_detail.tps_floor).toBe(0.95);
    expect(renderHtml(r)).toContain('TPS kept ≥ 95 % of the baseline');
  });
});
