import { describe, expect, it } from 'vitest';
import { emptyFacts, readSystemInfo, startSession, tunerSystemInfo, type AgentFacts } from './agent-facts.js';
import type { ActiveSnapshot } from './config-match.js';
import { initialState } from './state-store.js';
import { buildSpace } from '../tuner/index.js';
import { isNumeric } from '../tuner/knobs.js';

const GiB = 1024 ** 3;

const facts = (extra: Partial<AgentFacts> = {}): AgentFacts => ({
  memoryBytes: 16 * GiB,
  cpuCount: 4,
  maxConnections: 100,
  pgVersion: '17.10',
  allowRestart: false,
  ...extra,
});

/** The agent's active config: every knob of the space the facts give, at its lowest value. */
function activeFor(f: AgentFacts): ActiveSnapshot {
  const space = buildSpace(tunerSystemInfo(f, { values: {}, meta: {} }));
  const values = space.knobs.map((k) => [k.name, isNumeric(k) ? k.min : (k.values[0] ?? '')] as const);
  return { values: Object.fromEntries(values), meta: {} };
}

describe('agent facts: pg_jit_available()', () => {
  it('keeps jit out of the session space when the server cannot JIT-compile', () => {
    const settings = { iterations: 5, iterationSeconds: 10, warmupSeconds: 2, objective: 'tps', seed: 1 };
    const active = activeFor(facts({ jitAvailable: true }));
    const off = startSession(facts({ jitAvailable: false }), active, settings);
    if ('error' in off) throw new Error(off.error);
    expect(off.space.knob('jit')).toBeUndefined();
    expect(off.space.excluded.map((e) => e.name)).toEqual(['jit']);
    expect(off.session.space.knob('jit')).toBeUndefined();
    for (const known of [true, null, undefined]) {
      const on = startSession(facts({ jitAvailable: known }), active, settings);
      if ('error' in on) throw new Error(on.error);
      expect(on.space.knob('jit')).toBeDefined();
    }
  });

  it('passes only a known answer to the tuner', () => {
    const empty = { values: {}, meta: {} };
    expect(tunerSystemInfo(facts({ jitAvailable: false }), empty).jitAvailable).toBe(false);
    expect(tunerSystemInfo(facts({ jitAvailable: true }), empty).jitAvailable).toBe(true);
    expect(tunerSystemInfo(facts({ jitAvailable: null }), empty)).not.toHaveProperty('jitAvailable');
    // State saved before the field existed.
    const { jitAvailable: _omitted, ...old } = facts();
    expect(tunerSystemInfo(old, empty)).not.toHaveProperty('jitAvailable');
  });

  it('a new session records what the platform was told, and system info does not overwrite it', () => {
    const base = { iterations: 5, iterationSeconds: 10, warmupSeconds: 2, objective: 'tps' } as const;
    const state = initialState({ ...base, jitAvailable: false }, 0);
    expect(state.facts.jitAvailable).toBe(false);
    expect(initialState(base, 0).facts).toEqual(emptyFacts());
    const body = { system_info: { node_cpu_count: { value: 2 }, pg_version: { value: '17.10' } } };
    expect(readSystemInfo(state.facts, body)).toMatchObject({ cpuCount: 2, jitAvailable: false });
  });
});
