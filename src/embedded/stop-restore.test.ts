import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../adapters/types.js';
import type { Logger } from '../log.js';
import { restoreOnStop, splitRestartKnobs } from './stop-restore.js';

const noop = (): void => undefined;
const warnings: unknown[] = [];
const log = {
  debug: noop,
  info: noop,
  warn: (o: unknown) => warnings.push(o),
  error: noop,
} as unknown as Logger;

const recommendation = {
  config: [
    { name: 'work_mem', setting: 4096, unit: 'kB', vartype: 'integer', context: 'user' },
    { name: 'shared_buffers', setting: 16384, unit: '8kB', vartype: 'integer', context: 'postmaster' },
  ],
  knobs_overrides: ['work_mem', 'shared_buffers'],
  knob_application: 'restart',
};

describe('splitRestartKnobs', () => {
  it('puts postmaster knobs in a restart proposal and the rest in a reload one', () => {
    const { reload, restart } = splitRestartKnobs({
      config: recommendation.config,
      knobs_overrides: recommendation.knobs_overrides,
      knob_application: 'restart',
    });
    expect(reload.config.map((r) => r.name)).toEqual(['work_mem']);
    expect(reload.knob_application).toBe('reload');
    expect(restart.knobs_overrides).toEqual(['shared_buffers']);
  });
});

describe('restoreOnStop without restarts', () => {
  it('restores the reload knobs and names the restart-only knob that stays', async () => {
    const applied: unknown[] = [];
    const adapter = {
      settings: {
        backend: { canRestart: true },
        plan: () => Promise.reject(new Error('apply: validate: restart is not allowed')),
        apply: (p: unknown) => {
          applied.push(p);
          return Promise.resolve({ action: 'reload', plan: { changes: [{ name: 'work_mem' }] } });
        },
      },
    } as unknown as Pick<Adapter, 'settings'>;
    const platform = {
      stopRestore: () => ({ source: 'baseline' as const, recommendation: [recommendation][0] }),
    };
    const r = await restoreOnStop(platform, adapter, { allowRestart: false, dryRun: false, log });
    expect(r).toEqual({ source: 'baseline', action: 'reload', pendingRestart: ['shared_buffers'] });
    expect(applied).toEqual([
      { config: [recommendation.config[0]], knobs_overrides: ['work_mem'], knob_application: 'reload' },
    ]);
    expect(warnings).toHaveLength(1);
  });

  it('does nothing in a dry run or when the session changed nothing', async () => {
    const adapter = { settings: { apply: () => Promise.reject(new Error('must not apply')) } };
    const some = { stopRestore: () => ({ source: 'baseline' as const, recommendation }) };
    const none = { stopRestore: () => null };
    const opts = { allowRestart: true, dryRun: true, log };
    expect((await restoreOnStop(some, adapter as never, opts)).action).toBe('none');
    expect((await restoreOnStop(none, adapter as never, { ...opts, dryRun: false })).action).toBe('none');
  });
});
