import { describe, expect, it } from 'vitest';
import {
  fromNormalised,
  isNumeric,
  toNormalised,
  type NumericKnob,
} from '../../../src/embedded/tuner/knobs.js';
import { pgtuneProposal } from '../../../src/embedded/tuner/pgtune.js';
import { createRng } from '../../../src/embedded/tuner/rng.js';
import { buildSpace, type Space } from '../../../src/embedded/tuner/space.js';
import { GiB, machine, PG_DEFAULTS } from './fixtures.js';

const RESTART_KNOBS = ['shared_buffers', 'wal_buffers', 'max_worker_processes'];

function numeric(space: Space, name: string): NumericKnob {
  const k = space.knob(name);
  if (!k || !isNumeric(k)) throw new Error(`no numeric knob ${name}`);
  return k;
}

describe('search space', () => {
  it('scales memory bounds with RAM (1, 8, 64 GiB)', () => {
    const spaces = [1, 8, 64].map((g) => buildSpace(machine(g)));
    // Log-scaled bounds are rounded down onto a grid of 16–32 steps per doubling: within 1/16 below.
    const near = (actual: number, bound: number): void => {
      expect(actual).toBeLessThanOrEqual(bound);
      expect(actual).toBeGreaterThan(bound * (1 - 1 / 16));
    };
    [1, 8, 64].forEach((g, i) => {
      const s = spaces[i]!;
      // shared_buffers: 40 % of RAM in 8 kB pages; effective_cache_size up to 90 %.
      near(numeric(s, 'shared_buffers').max, (0.4 * g * GiB) / 8192);
      near(numeric(s, 'effective_cache_size').max, (0.9 * g * GiB) / 8192);
      // work_mem ceiling: (0.8 RAM − 128 MB) / (100 connections × 2), in kB, never below the
      // 4 MB default (1 GiB: the box is the default alone).
      const ceiling = (0.8 * g * GiB - 128 * 1024 ** 2) / 200 / 1024;
      if (ceiling > 4096) near(numeric(s, 'work_mem').max, ceiling);
      else expect(numeric(s, 'work_mem').max).toBe(4096);
      expect(numeric(s, 'shared_buffers').min).toBe(16384);
    });
    // maintenance_work_mem: RAM/8 capped at 2 GB (kB); powers of two sit on the grid exactly.
    expect(spaces.map((s) => numeric(s, 'maintenance_work_mem').max)).toEqual([131072, 1048576, 2097152]);
    const wm = spaces.map((s) => numeric(s, 'work_mem').max);
    expect(wm[0]).toBeLessThan(wm[1]!);
    expect(wm[1]).toBeLessThan(wm[2]!);
  });

  it("never searches memory below PostgreSQL's default or the baseline, whichever is lower", () => {
    const floors = (current: Record<string, number>) => {
      const s = buildSpace({ ...machine(8), currentSettings: current });
      return ['shared_buffers', 'work_mem', 'maintenance_work_mem', 'wal_buffers'].map(
        (n) => numeric(s, n).min,
      );
    };
    // Defaults: 128 MB, 4 MB, 64 MB, 4 MB (the -1 default resolves to shared_buffers/32 = 512 pages).
    expect(floors({})).toEqual([16384, 4096, 65536, 512]);
    expect(
      floors({ shared_buffers: 131072, work_mem: 65536, maintenance_work_mem: 1048576, wal_buffers: 2048 }),
    ).toEqual([16384, 4096, 65536, 512]);
    expect(
      floors({ shared_buffers: 8192, work_mem: 2048, maintenance_work_mem: 16384, wal_buffers: 256 }),
    ).toEqual([8192, 2048, 16384, 256]);
    // On a small machine with many connections the floors alone exceed the memory budget: they stay
    // admissible (the budget becomes what they claim) and repair never goes below them.
    const tiny = buildSpace(machine(1, { maxConnections: 400 }));
    expect(numeric(tiny, 'work_mem').min).toBe(4096);
    const repaired = tiny.repair({ ...tiny.fromNormalised(tiny.knobs.map(() => 1)) });
    expect(Number(repaired.work_mem)).toBeGreaterThanOrEqual(4096);
    expect(Number(repaired.shared_buffers)).toBeGreaterThanOrEqual(16384);
  });

  it('reports pg_settings base units and never searches durability knobs', () => {
    const space = buildSpace(machine(8));
    const units = Object.fromEntries(space.knobs.map((k) => [k.name, k.unit]));
    expect(units).toMatchObject({
      shared_buffers: '8kB',
      work_mem: 'kB',
      max_wal_size: 'MB',
      checkpoint_timeout: 's',
      bgwriter_delay: 'ms',
    });
    expect(space.knob('synchronous_commit')).toBeUndefined();
    expect(space.knob('fsync')).toBeUndefined();
    expect(space.dims).toBe(space.knobs.length);
  });

  it('omits restart knobs when restarts are not allowed', () => {
    const reload = buildSpace(machine(8, { restartsAllowed: false }));
    const restart = buildSpace(machine(8));
    for (const name of RESTART_KNOBS) {
      expect(reload.knob(name)).toBeUndefined();
      expect(restart.knob(name)?.restart).toBe(true);
    }
    expect(reload.knobs.every((k) => !k.restart)).toBe(true);
    expect(restart.dims - reload.dims).toBe(RESTART_KNOBS.length);
  });

  it('round-trips values through [0, 1] for every knob', () => {
    const rng = createRng(7);
    for (const space of [buildSpace(machine(1)), buildSpace(machine(64, { pgMajor: 13 }))]) {
      for (const knob of space.knobs) {
        for (let i = 0; i < 200; i++) {
          const v = fromNormalised(knob, rng.next());
          expect(fromNormalised(knob, toNormalised(knob, v))).toBe(v);
          if (isNumeric(knob)) {
            expect(v).toBeGreaterThanOrEqual(knob.min);
            expect(v).toBeLessThanOrEqual(knob.max);
            if (knob.type === 'int') expect(Number.isInteger(v)).toBe(true);
          }
        }
        expect(fromNormalised(knob, 0)).toBe(isNumeric(knob) ? knob.min : knob.values[0]);
      }
      const x = space.knobs.map(() => rng.next());
      const config = space.fromNormalised(x);
      expect(space.fromNormalised(space.toNormalised(config))).toEqual(config);
    }
  });

  it('accepts PostgreSQL spellings of booleans and wal_compression', () => {
    const pg16 = buildSpace(machine(8));
    const pg13 = buildSpace(machine(8, { pgMajor: 13 }));
    expect(toNormalised(pg16.knob('wal_compression')!, 'on')).toBe(
      toNormalised(pg16.knob('wal_compression')!, 'pglz'),
    );
    expect(toNormalised(pg13.knob('jit')!, 'true')).toBe(toNormalised(pg13.knob('jit')!, 'on'));
    expect(() => toNormalised(pg16.knob('jit')!, 'maybe')).toThrow(/jit/);
  });

  it('repair enforces every cross-knob constraint on random points', () => {
    const rng = createRng(11);
    const machines = [
      machine(1),
      machine(8),
      machine(64),
      machine(8, { restartsAllowed: false }),
      machine(1, { maxConnections: 500 }),
    ];
    let repairedSomething = 0;
    for (const info of machines) {
      const space = buildSpace({ ...info, currentSettings: PG_DEFAULTS });
      const fixed = (c: Record<string, number | string>, name: string): number =>
        Number(c[name] ?? PG_DEFAULTS[name]);
      for (let i = 0; i < 300; i++) {
        const x = space.knobs.map(() => rng.next());
        const raw: Record<string, number | string> = {};
        space.knobs.forEach((k, d) => (raw[k.name] = fromNormalised(k, x[d]!)));
        const c = space.fromNormalised(x);
        if (JSON.stringify(c) !== JSON.stringify(raw)) repairedSomething++;
        expect(space.memoryClaimBytes(c)).toBeLessThanOrEqual(space.memoryBudgetBytes);
        expect(fixed(c, 'effective_cache_size')).toBeGreaterThanOrEqual(fixed(c, 'shared_buffers'));
        expect(fixed(c, 'min_wal_size')).toBeLessThanOrEqual(fixed(c, 'max_wal_size') / 2);
        expect(fixed(c, 'max_parallel_workers_per_gather')).toBeLessThanOrEqual(
          fixed(c, 'max_parallel_workers'),
        );
        expect(fixed(c, 'max_parallel_workers')).toBeLessThanOrEqual(fixed(c, 'max_worker_processes'));
        expect(fixed(c, 'random_page_cost')).toBeGreaterThanOrEqual(fixed(c, 'seq_page_cost'));
        for (const k of space.knobs) {
          if (!isNumeric(k)) continue;
          expect(Number(c[k.name])).toBeGreaterThanOrEqual(k.min);
          expect(Number(c[k.name])).toBeLessThanOrEqual(k.max);
        }
      }
    }
    // The constraints bind on a good share of random points, so the checks above are not vacuous.
    expect(repairedSomething).toBeGreaterThan(300);
  });

  it('leaves unreported knobs out and uses PostgreSQL defaults for their constraints', () => {
    const space = buildSpace({ ...machine(16), unreported: ['max_wal_size', 'seq_page_cost'] });
    expect(space.knob('max_wal_size')).toBeUndefined();
    expect(space.excluded).toEqual([
      { name: 'max_wal_size', reason: 'the server does not report it' },
      { name: 'seq_page_cost', reason: 'the server does not report it' },
    ]);
    const { max_wal_size: _mws, seq_page_cost: _spc, ...config } = PG_DEFAULTS;
    const repaired = space.repair({ ...config, min_wal_size: 4096, random_page_cost: 0.5 });
    expect(repaired.min_wal_size).toBeLessThanOrEqual(512); // max_wal_size default 1024 / 2
    expect(repaired.random_page_cost).toBeGreaterThanOrEqual(1); // seq_page_cost default
    expect(space.fromNormalised(space.toNormalised(config))).not.toHaveProperty('max_wal_size');
    expect(pgtuneProposal(space)).not.toHaveProperty('max_wal_size');
  });

  it('adds a current enum value to the choices and round-trips it', () => {
    const space = buildSpace({ ...machine(16), currentSettings: { wal_compression: 'zstd' } });
    const knob = space.knob('wal_compression')!;
    expect(knob).toMatchObject({ values: ['off', 'pglz', 'zstd'] });
    expect(fromNormalised(knob, toNormalised(knob, 'zstd'))).toBe('zstd');
    expect(pgtuneProposal(space).wal_compression).toBe('pglz');
    const bad = buildSpace({ ...machine(16), currentSettings: { jit: 'maybe', wal_compression: 'l z4' } });
    expect(bad.excluded.map((e) => e.name)).toEqual(['wal_compression', 'jit']);
  });

  it('leaves jit out when pg_jit_available() is false, and only then', () => {
    const without = buildSpace({ ...machine(16), jitAvailable: false });
    expect(without.knob('jit')).toBeUndefined();
    expect(without.excluded).toEqual([
      { name: 'jit', reason: 'pg_jit_available() is false: the server cannot JIT-compile' },
    ]);
    expect(without.dims).toBe(buildSpace(machine(16)).dims - 1);
    const point = without.fromNormalised(new Array<number>(without.dims).fill(1));
    expect(point).not.toHaveProperty('jit');
    expect(pgtuneProposal(without)).not.toHaveProperty('jit');
    // Available, or unknown (a server that could not be asked): jit stays searchable.
    for (const info of [{ ...machine(16), jitAvailable: true }, machine(16)]) {
      const space = buildSpace(info);
      expect(space.knob('jit')).toMatchObject({ type: 'bool', values: ['off', 'on'] });
      expect(space.excluded).toEqual([]);
    }
  });

  it('repair lowers work_mem before shared_buffers', () => {
    const space = buildSpace(machine(8));
    const sb = numeric(space, 'shared_buffers').max;
    const c = space.repair({ ...PG_DEFAULTS, shared_buffers: sb, work_mem: numeric(space, 'work_mem').max });
    expect(c.shared_buffers).toBe(sb);
    expect(Number(c.work_mem)).toBeLessThan(numeric(space, 'work_mem').max);
    expect(space.memoryClaimBytes(c)).toBeLessThanOrEqual(space.memoryBudgetBytes);
  });
});
