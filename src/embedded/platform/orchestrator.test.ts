import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../log.js';
import { buildSpace, type Config } from '../tuner/index.js';
import { Orchestrator, RESTART_WARMUP_FACTOR } from './orchestrator.js';
import { sessionStatus } from './report.js';
import { initialState, loadState, saveState, STATE_FILE, type PersistedState } from './state-store.js';
import { PG_DEFAULTS } from '../../../test/unit/tuner/fixtures.js';

const noop = (): void => undefined;
const log = { debug: noop, info: noop, warn: noop, error: noop } as unknown as Logger;
const MEMORY = 8 * 1024 ** 3;
const KNOBS = buildSpace({
  memoryBytes: MEMORY,
  cpuCount: 4,
  maxConnections: 100,
  pgMajor: 16,
  restartsAllowed: true,
}).knobs;
const DEFAULTS: Config = PG_DEFAULTS;

const systemInfo = {
  system_info: {
    node_memory_total: { type: 'bytes', value: MEMORY },
    node_cpu_count: { type: 'int', value: 4 },
    pg_max_connections: { type: 'int', value: 100 },
    pg_version: { type: 'string', value: '16.4' },
  },
};

class Harness {
  t = 1_700_000_000_000;
  settings: Config = { ...DEFAULTS };
  readonly o: Orchestrator;

  constructor(
    state: PersistedState = initialState(
      { iterations: 5, iterationSeconds: 10, warmupSeconds: 5, objective: 'tps', seed: 3 },
      0,
    ),
    applyTimeoutMs = 60_000,
  ) {
    this.o = new Orchestrator(state, { log, now: () => this.t, applyTimeoutMs, heartbeatGraceMs: 20_000 });
  }

  postActive(): void {
    this.o.activeConfig({
      config: KNOBS.map((k) => ({
        name: k.name,
        setting: this.settings[k.name],
        unit: k.unit,
        vartype: k.type === 'int' ? 'integer' : k.type,
        context: k.restart ? 'postmaster' : 'sighup',
      })),
    });
  }

  start(allowRestart: boolean | null = true): void {
    if (allowRestart !== null) this.o.heartbeat({ allow_restart: allowRestart });
    this.o.systemInfo(systemInfo);
    this.postActive();
  }

  /** The agent's config tick: fetch, apply everything, post the active config. */
  agentTick(): Config | null {
    const rec = this.o.recommendation()[0] as
      { config: { name: string; setting: number | string }[] } | undefined;
    if (rec) for (const r of rec.config) this.settings[r.name] = r.setting;
    this.postActive();
    return rec ? Object.fromEntries(rec.config.map((r) => [r.name, r.setting])) : null;
  }

  sample(tps: number): void {
    this.o.catalog('database_transactions', {
      collected_at: new Date(this.t).toISOString(),
      rows: [{ xact_commit: 1, tps }],
    });
  }

  /** Advance the clock by `ms` in 1 s steps, one TPS sample per step; the agent ticks too when `agent`. */
  run(ms: number, tps = 100, agent = true): void {
    for (let i = 0; i < ms; i += 1000) {
      this.t += 1000;
      if (agent) this.agentTick();
      this.sample(tps);
      this.o.tick();
    }
  }
}

/** Baseline warm-up (RESTART_WARMUP_FACTOR × 5 s) plus its 10 s window. */
const BASELINE_MS = RESTART_WARMUP_FACTOR * 5_000 + 10_000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('orchestrator', () => {
  it('starts with the baseline and discards samples of the warm-up', () => {
    const h = new Harness();
    h.start();
    expect(h.o.state.phase).toBe('measuring'); // the baseline is what runs: confirmed at once
    // The baseline warms up RESTART_WARMUP_FACTOR × 5 s: the session's first window is a cold start.
    h.t += RESTART_WARMUP_FACTOR * 5000 - 1000;
    h.sample(1); // inside the warm-up
    h.t += 2000;
    h.sample(100);
    expect(h.o.state.samples.map((s) => s.value)).toEqual([100]);
    h.t += 9000;
    h.sample(200);
    expect(h.o.state.session?.history[0]?.measurement).toMatchObject({ tps: 150, samples: [100, 200] });
    expect(h.o.state.phase).toBe('applying');
    expect(h.o.state.pending).toMatchObject({ iteration: 1, target: 'iteration' });
  });

  it('warms up RESTART_WARMUP_FACTOR times longer after a proposal that changes a restart knob', () => {
    const h = new Harness();
    h.start();
    h.run(BASELINE_MS); // baseline measured; iteration 1 (PGTune-style: shared_buffers moves) is pending
    expect(h.o.state.pending).toMatchObject({ iteration: 1, coldStart: true });
    h.agentTick(); // applied (a restart in real life): the warm-up starts now
    const appliedAt = h.o.state.pending!.appliedAt!;
    expect(h.o.state.pending!.measureFrom).toBe(appliedAt + RESTART_WARMUP_FACTOR * 5_000);
    expect(sessionStatus(h.o.state, h.t).window?.warmingUp).toBe(true);
    h.t = appliedAt + 5_000 + 1_000;
    h.sample(1); // past the normal warm-up, inside the restart one: discarded
    expect(h.o.state.samples).toEqual([]);
  });

  it('keeps the normal warm-up when no restart knob changes', () => {
    const h = new Harness();
    h.start(false); // restarts not allowed: reload knobs only
    h.run(BASELINE_MS);
    expect(h.o.state.pending).toMatchObject({ iteration: 1, coldStart: false });
    h.agentTick();
    const pending = h.o.state.pending!;
    expect(pending.measureFrom).toBe(pending.appliedAt! + 5_000);
  });

  it('waits for a heartbeat, then starts without restart knobs', () => {
    const h = new Harness();
    h.start(null);
    expect(h.o.state.phase).toBe('waiting-for-agent');
    h.t += 20_000;
    h.o.tick();
    expect(h.o.state.phase).toBe('measuring');
    expect(h.o.space?.knob('shared_buffers')).toBeUndefined();
  });

  it('ignores a guardrail while applying and records one while measuring', () => {
    const h = new Harness();
    h.start();
    h.run(BASELINE_MS);
    expect(h.o.state.phase).toBe('applying');
    h.o.guardrail({ level: 'critical', type: 'memory' });
    expect(h.o.state.session?.history[1]?.outcome).toBeUndefined();
    h.agentTick();
    expect(h.o.state.phase).toBe('measuring');
    h.o.guardrail({ level: 'critical', type: 'memory' });
    expect(h.o.state.session?.history[1]).toMatchObject({ outcome: 'infeasible', guardrail: 'memory' });
    expect(h.agentTick()).toMatchObject({ work_mem: 4096, shared_buffers: 16384 });
  });

  it('after stopRestore, a late active config or sample of the iteration leaves it rewound to applying', () => {
    const h = new Harness();
    h.start();
    h.run(BASELINE_MS);
    h.agentTick(); // iteration 1 applied: measuring
    h.run(2_000);
    expect(h.o.state.phase).toBe('measuring');
    const restore = h.o.stopRestore();
    expect(restore?.source).toBe('baseline');
    expect(h.o.state.phase).toBe('applying');
    expect(h.o.state.pending).toMatchObject({ iteration: 1, appliedAt: null, firstServedAt: null });
    // In flight when the agent stopped: the active config still shows iteration 1, samples of it.
    h.postActive();
    h.run(20_000, 100, false);
    h.o.guardrail({ level: 'critical', type: 'memory' });
    expect(h.o.recommendation()).toEqual([]);
    expect(h.o.state.phase).toBe('applying');
    expect(h.o.state.pending).toMatchObject({ iteration: 1, appliedAt: null, firstServedAt: null });
    expect(h.o.state.samples).toEqual([]);
    expect(h.o.state.session?.history[1]?.measurement).toBeUndefined();
  });

  it('counts a proposal as unappliable after an apply error or a timeout, never before it was served', () => {
    const h = new Harness(undefined, 30_000);
    h.start();
    h.run(BASELINE_MS);
    const error = { error_type: 'restart_not_allowed', error_message: 'Failed to apply configuration: no' };
    h.o.logEntry(error); // not fetched yet: about something else
    expect(h.o.state.session?.history[1]?.outcome).toBeUndefined();
    // The agent's settings drifted from the baseline meanwhile, so the revert is not applied at once.
    h.settings.work_mem = 1234;
    h.postActive();
    h.o.recommendation();
    h.o.logEntry(error);
    expect(h.o.state.session?.history[1]).toMatchObject({ outcome: 'infeasible', guardrail: 'apply_failed' });
    expect(h.o.state.notes['1']).toBe('not applied: restart_not_allowed: no');
    expect(h.o.state.session?.history[2]?.reason).toBe('revert: configuration not applied at iteration 1');
    // The revert is served; the agent never shows it: after the timeout it is abandoned too.
    h.o.recommendation();
    h.t += 29_000;
    h.postActive();
    h.o.tick();
    expect(h.o.state.session?.history[2]?.outcome).toBeUndefined();
    h.t += 1000;
    h.postActive();
    h.o.tick();
    expect(h.o.state.session?.history[2]).toMatchObject({
      kind: 'revert',
      outcome: 'infeasible',
      guardrail: 'apply_failed',
    });
    expect(h.o.state.notes['2']).toMatch(/did not show the proposal within 30 s/);
  });

  it('falls back to the baseline when the best configuration cannot be applied at the end', () => {
    const h = new Harness(
      initialState({ iterations: 2, iterationSeconds: 10, warmupSeconds: 0, objective: 'tps', seed: 3 }, 0),
    );
    h.start();
    h.run(10_000, 100);
    h.agentTick();
    // The settings are changed behind the platform's back: the final (PGTune) is not active, and fails.
    h.settings = { ...DEFAULTS };
    h.postActive();
    h.run(10_000, 200, false); // PGTune doubles throughput: clearly the best
    expect(h.o.state.phase).toBe('finalising');
    expect(h.o.state.final?.source).toBe('best');
    h.o.recommendation();
    h.o.logEntry({ error_type: 'config_apply_error', error_message: 'x' });
    expect(h.o.state.final).toMatchObject({
      source: 'baseline',
      iteration: 0,
      config: h.o.state.session?.baseline,
    });
    expect(h.o.state.final?.reason).toMatch(
      /^baseline: the best configuration \(iteration 1\) was not applied/,
    );
    // The agent already runs the baseline: confirmed on the spot.
    expect(h.o.state.phase).toBe('done');
  });

  it('resumes from the saved state with the same pending proposal', () => {
    const h = new Harness();
    h.start();
    h.run(BASELINE_MS);
    h.agentTick();
    // Iteration 1 restarts (shared_buffers): its longer warm-up, then the 10 s window.
    h.run(RESTART_WARMUP_FACTOR * 5_000 + 11_000, 120, false);
    expect(h.o.state.pending).toMatchObject({ iteration: 2, appliedAt: null });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrator-'));
    dirs.push(dir);
    const before = h.o.recommendation();
    saveState(dir, h.o.state);
    const loaded = loadState(dir);
    expect(loaded).toEqual(JSON.parse(JSON.stringify(h.o.state)));
    const resumed = new Orchestrator(loaded!, {
      log,
      now: () => h.t,
      applyTimeoutMs: 60_000,
      heartbeatGraceMs: 0,
    });
    expect(resumed.recommendation()).toEqual(before);
    expect(resumed.state.session?.history.length).toBe(3);
  });

  it('refuses a damaged state file instead of starting over', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'orchestrator-'));
    dirs.push(dir);
    expect(loadState(dir)).toBeNull();
    writeFileSync(path.join(dir, STATE_FILE), '{"version":1,');
    expect(() => loadState(dir)).toThrow(/not valid JSON/);
    writeFileSync(path.join(dir, STATE_FILE), '{"version":2}');
    expect(() => loadState(dir)).toThrow(/unsupported version 2/);
    saveState(
      dir,
      initialState({ iterations: 3, iterationSeconds: 1, warmupSeconds: 0, objective: 'latency' }, 5),
    );
    expect(JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8'))).toMatchObject({
      phase: 'waiting-for-agent',
    });
  });
});
