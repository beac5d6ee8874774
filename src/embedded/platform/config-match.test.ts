import { describe, expect, it } from 'vitest';
import { parseProposal } from '../../apply/parse.js';
import { decodeRecommendation } from '../../platform/format.js';
import { parseJsonLossless } from '../../platform/json-parse.js';
import { buildSpace, type SystemInfo } from '../tuner/index.js';
import {
  baselineConfig,
  buildRecommendation,
  convertUnit,
  isApplied,
  missingKnobs,
  readActiveConfig,
  sameSetting,
  type ActiveSnapshot,
} from './config-match.js';

const INFO: SystemInfo = {
  memoryBytes: 8 * 1024 ** 3,
  cpuCount: 4,
  maxConnections: 100,
  pgMajor: 16,
  restartsAllowed: false,
};
const space = buildSpace(INFO);

const SETTINGS: Record<string, number | string> = {
  effective_cache_size: 524288,
  work_mem: 4096,
  maintenance_work_mem: 65536,
  max_wal_size: 1024,
  min_wal_size: 80,
  checkpoint_timeout: 300,
  checkpoint_completion_target: 0.9,
  random_page_cost: 4,
  seq_page_cost: 1,
  effective_io_concurrency: 1,
  default_statistics_target: 100,
  bgwriter_delay: 200,
  bgwriter_lru_maxpages: 100,
  bgwriter_lru_multiplier: 2,
  max_parallel_workers_per_gather: 2,
  max_parallel_workers: 8,
  commit_delay: 0,
  commit_siblings: 5,
  wal_compression: 'off',
  jit: 'on',
};

/** An active-config POST body as the agent sends it (docs/PROTOCOL.md §1.7). */
function activeBody(over: Record<string, number | string> = {}, units: Record<string, string> = {}): unknown {
  const config = space.knobs.map((k) => ({
    name: k.name,
    setting: over[k.name] ?? SETTINGS[k.name],
    unit: units[k.name] ?? k.unit,
    vartype: { int: 'integer', real: 'real', enum: 'enum', bool: 'bool' }[k.type],
    context: k.name === 'work_mem' ? 'user' : 'sighup',
  }));
  config.push({
    name: 'shared_buffers',
    setting: 16384,
    unit: '8kB',
    vartype: 'integer',
    context: 'postmaster',
  });
  return { config, hash: 'x' };
}

const snapshot = (
  over: Record<string, number | string> = {},
  units: Record<string, string> = {},
): ActiveSnapshot => readActiveConfig(activeBody(over, units)) as ActiveSnapshot;

describe('reading the active config', () => {
  it('takes every knob of the space as the baseline, in the tuner units', () => {
    const active = snapshot({}, { max_wal_size: 'kB' });
    // A service reporting max_wal_size in kB: 1048576 kB is the tuner's 1024 MB.
    const a2 = snapshot({ max_wal_size: 1048576 }, { max_wal_size: 'kB' });
    expect(missingKnobs(space, active)).toEqual([]);
    expect(baselineConfig(space, a2).max_wal_size).toBe(1024);
    expect(baselineConfig(space, snapshot()).work_mem).toBe(4096);
  });

  it('lists knobs the agent did not report', () => {
    const body = activeBody() as { config: { name: string }[] };
    body.config = body.config.filter((r) => r.name !== 'jit');
    expect(missingKnobs(space, readActiveConfig(body) as ActiveSnapshot)).toEqual(['jit']);
    expect(readActiveConfig({ nope: 1 })).toBeNull();
  });

  it('converts memory and time units', () => {
    expect(convertUnit(2, 'MB', 'kB')).toBe(2048);
    expect(convertUnit(16384, '8kB', 'MB')).toBe(128);
    expect(convertUnit(1, 's', 'ms')).toBe(1000);
    expect(convertUnit(5, null, 'kB')).toBe(5);
  });
});

describe('confirmation matching', () => {
  it('tolerates %.6g formatting and "1.0" read back as 1, but not a real difference', () => {
    const k = space.knob('checkpoint_completion_target');
    expect(sameSetting(k, 0.9, 0.9000000000000001)).toBe(true);
    expect(sameSetting(space.knob('bgwriter_lru_multiplier'), 1.2345678, 1.23457)).toBe(true);
    expect(sameSetting(space.knob('random_page_cost'), 1, '1.0')).toBe(true);
    expect(sameSetting(k, 0.9, 0.85)).toBe(false);
    expect(sameSetting(space.knob('work_mem'), 4096, 4097)).toBe(false);
  });

  it('compares categoricals through their aliases', () => {
    expect(sameSetting(space.knob('wal_compression'), 'pglz', 'on')).toBe(true);
    expect(sameSetting(space.knob('jit'), 'on', 'true')).toBe(true);
    expect(sameSetting(space.knob('jit'), 'on', 'off')).toBe(false);
    expect(sameSetting(space.knob('wal_compression'), 'off', 'lz4')).toBe(false);
  });

  it('confirms a proposal only when every knob shows its value, in any unit', () => {
    const proposal = { ...baselineConfig(space, snapshot()), work_mem: 8192, max_wal_size: 2048 };
    expect(isApplied(space, proposal, snapshot({ work_mem: 8192 }))).toBe(false);
    expect(isApplied(space, proposal, snapshot({ work_mem: 8192, max_wal_size: 2048 }))).toBe(true);
    expect(
      isApplied(space, proposal, snapshot({ work_mem: 8, max_wal_size: 2048 }, { work_mem: 'MB' })),
    ).toBe(true);
  });
});

describe('recommendation payload', () => {
  const proposal = {
    ...baselineConfig(space, snapshot()),
    work_mem: 8192,
    checkpoint_completion_target: 0.75,
  };

  it('decodes with the agent decoder and parses with the apply pipeline', () => {
    const rec = buildRecommendation(space, proposal, snapshot().meta, snapshot(), false);
    const wire = parseJsonLossless(JSON.stringify([rec]));
    const decoded = decodeRecommendation(wire);
    expect(decoded?.knob_application).toBe('reload');
    expect(decoded?.knobs_overrides.sort()).toEqual(['checkpoint_completion_target', 'work_mem']);
    expect(decoded?.config).toHaveLength(space.dims);
    expect(decoded?.config.find((r) => r.name === 'work_mem')).toEqual({
      name: 'work_mem',
      setting: 8192,
      unit: 'kB',
      vartype: 'integer',
      context: 'user',
    });
    const knobs = parseProposal(decoded!).knobs;
    expect(knobs).toContainEqual({ name: 'checkpoint_completion_target', value: '0.75' });
    expect(knobs).toContainEqual({ name: 'work_mem', value: '8192' });
  });

  it('writes settings in the unit the agent reported', () => {
    const active = snapshot({ work_mem: 4 }, { work_mem: 'MB' });
    const rec = buildRecommendation(space, proposal, active.meta, active, false);
    expect(rec.config.find((r) => r.name === 'work_mem')).toMatchObject({ setting: 8, unit: 'MB' });
  });

  it('lists every knob as an override without an active config and asks a restart for restart knobs', () => {
    const restartSpace = buildSpace({ ...INFO, restartsAllowed: true });
    const base = {
      ...baselineConfig(space, snapshot()),
      shared_buffers: 16384,
      wal_buffers: 512,
      max_worker_processes: 8,
    };
    const noActive = buildRecommendation(restartSpace, base, {}, null, true);
    expect(noActive.knobs_overrides).toHaveLength(restartSpace.dims);
    expect(noActive.knob_application).toBe('restart');
    const active = readActiveConfig({
      config: [
        ...(activeBody() as { config: unknown[] }).config,
        { name: 'wal_buffers', setting: 512, unit: '8kB', vartype: 'integer', context: 'postmaster' },
        { name: 'max_worker_processes', setting: 8, unit: null, vartype: 'integer', context: 'postmaster' },
      ],
    }) as ActiveSnapshot;
    const same = buildRecommendation(restartSpace, { ...base, work_mem: 8192 }, active.meta, active, true);
    expect(same).toMatchObject({ knobs_overrides: ['work_mem'], knob_application: 'reload' });
    const bigger = buildRecommendation(
      restartSpace,
      { ...base, shared_buffers: 32768 },
      active.meta,
      active,
      false,
    );
    expect(bigger).toMatchObject({ knobs_overrides: ['shared_buffers'], knob_application: 'restart' });
  });
});
