import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.js';
import type { ApplyEngine } from './engine.js';
import { skippingManaged, splitManaged, withoutManaged } from './managed.js';

const isManaged = (n: string) => n === 'max_connections' || n === 'wal_level';

describe('managed parameters', () => {
  it('are split off a proposal', () => {
    const { proposal, skipped } = splitManaged(
      {
        config: [
          { name: 'max_connections', setting: 500 },
          { name: 'work_mem', setting: 8192 },
        ],
        knobs_overrides: ['max_connections', 'work_mem'],
        knob_application: 'restart',
      },
      isManaged,
    );
    expect(skipped).toEqual(['max_connections']);
    expect(proposal).toEqual({
      config: [{ name: 'work_mem', setting: 8192 }],
      knobs_overrides: ['work_mem'],
      knob_application: 'restart',
    });
  });

  it('are left out of the active configuration', () => {
    const row = (name: string) => ({
      name,
      setting: 1,
      unit: null,
      vartype: 'integer',
      context: 'postmaster',
    });
    expect(withoutManaged([row('wal_level'), row('shared_buffers')], isManaged)).toEqual([
      row('shared_buffers'),
    ]);
  });

  it('never reach the engine, and the skip is logged once with the names', async () => {
    const seen: unknown[] = [];
    const engine = {
      backend: { id: 'test' },
      idle: () => Promise.resolve(),
      plan: (p: unknown) => {
        seen.push(p);
        return Promise.resolve({ changes: [] });
      },
      apply: (p: unknown) => {
        seen.push(p);
        return Promise.resolve({ action: 'none' });
      },
    } as unknown as ApplyEngine;
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown, msg: string) => warnings.push([fields, msg]) } as unknown as Logger;
    const wrapped = skippingManaged(engine, { isManaged, manager: 'Patroni', log });
    const proposal = {
      config: [
        { name: 'wal_level', setting: 'logical' },
        { name: 'work_mem', setting: 8192 },
      ],
      knobs_overrides: ['wal_level', 'work_mem'],
      knob_application: 'reload' as const,
    };
    await wrapped.apply(proposal);
    await wrapped.plan({ ...proposal, config: [proposal.config[1]!], knobs_overrides: ['work_mem'] });
    expect(seen).toEqual([
      { ...proposal, config: [{ name: 'work_mem', setting: 8192 }], knobs_overrides: ['work_mem'] },
      { ...proposal, config: [{ name: 'work_mem', setting: 8192 }], knobs_overrides: ['work_mem'] },
    ]);
    expect(warnings).toEqual([[{ knobs: ['wal_level'], manager: 'Patroni' }, 'managed parameters skipped']]);
    expect(wrapped.backend).toBe(engine.backend);
  });
});
