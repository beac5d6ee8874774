import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../adapters/types.js';
import type { Config } from '../config/index.js';
import { FailoverDetectedError, RestartNotAllowedError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { PlatformClient } from '../platform/client.js';
import type { ConfigRow, Proposal } from '../platform/types.js';
import type { ApplyResult } from '../apply/types.js';
import { CommonAgent } from './common-agent.js';
import { CrashGuard } from './crash-guard.js';
import { DEFAULT_INTERVALS } from './intervals.js';

const config = {
  postgresql: { allow_restart: false },
  guardrail_settings: { memory_threshold: 90 },
  tuning: { dry_run: false, allowlist_add: [], allowlist_remove: [] },
} as unknown as Config;

const rowsBefore: ConfigRow[] = [
  { name: 'work_mem', setting: 4096, unit: 'kB', vartype: 'integer', context: 'user' },
];
const rowsAfter: ConfigRow[] = [
  { name: 'work_mem', setting: 8192, unit: 'kB', vartype: 'integer', context: 'user' },
];
const proposal: Proposal = {
  config: [{ name: 'work_mem', setting: 8192 }],
  knobs_overrides: ['work_mem'],
  knob_application: 'reload',
};

function fakes(opts: { apply?: () => Promise<ApplyResult>; proposal?: Proposal | null; usedPct?: number }) {
  const calls: string[] = [];
  let applied = false;
  const platform = {
    fetchRecommendation: () => {
      calls.push('fetch');
      return Promise.resolve(opts.proposal ?? null);
    },
    sendActiveConfig: (rows: ConfigRow[]) => {
      calls.push(`send:${String(rows[0]!.setting)}`);
      return Promise.resolve({ hash: 'h' });
    },
    reportError: (type: string) => {
      calls.push(`error:${type}`);
      return Promise.resolve();
    },
    sendGuardrail: () => {
      calls.push('guardrail');
      return Promise.resolve();
    },
  } as unknown as PlatformClient;
  const adapter = {
    id: 'local',
    activeConfig: () => {
      calls.push('read');
      return Promise.resolve(applied ? rowsAfter : rowsBefore);
    },
    settings: {
      apply: async () => {
        calls.push('apply');
        const r = await (
          opts.apply ?? (() => Promise.resolve({ plan: { changes: [{}] }, action: 'reload' } as ApplyResult))
        )();
        applied = r.action !== 'none';
        return r;
      },
    },
    guardrailReading: () =>
      Promise.resolve({ usedBytes: (opts.usedPct ?? 50) * 10, limitBytes: 1000, source: 'host' }),
  } as unknown as Adapter;
  return { calls, platform, adapter };
}

function agent(f: ReturnType<typeof fakes>, pauseMs = DEFAULT_INTERVALS.guardrailPauseMs) {
  const log = silentLogger();
  return new CommonAgent({
    config,
    adapter: f.adapter,
    platform: f.platform,
    guard: new CrashGuard(log, () => Promise.resolve()),
    intervals: { ...DEFAULT_INTERVALS, guardrailPauseMs: pauseMs },
    log,
    agentVersion: 'test',
    startTime: new Date(),
  });
}

const signal = new AbortController().signal;

describe('CommonAgent config task (docs/PROTOCOL.md §2.2)', () => {
  it('fetches the proposal before sending, applies it, and sends the re-read config', async () => {
    const f = fakes({ proposal });
    await agent(f).syncConfig(signal);
    expect(f.calls).toEqual(['read', 'fetch', 'apply', 'read', 'send:8192']);
  });

  it('without a proposal it only reads and sends', async () => {
    const f = fakes({ proposal: null });
    await agent(f).syncConfig(signal);
    expect(f.calls).toEqual(['read', 'fetch', 'send:4096']);
  });

  it('a failed apply is reported with its type, the pre-apply config is sent, and the same proposal is not retried at once', async () => {
    const f = fakes({
      proposal,
      apply: () => Promise.reject(new RestartNotAllowedError('restart is not allowed')),
    });
    const a = agent(f);
    await a.syncConfig(signal);
    expect(f.calls).toEqual(['read', 'fetch', 'apply', 'error:restart_not_allowed', 'send:4096']);
    f.calls.length = 0;
    await a.syncConfig(signal);
    expect(f.calls).toEqual(['read', 'fetch', 'send:4096']);
  });
});

describe('CommonAgent failover handling', () => {
  /** An adapter whose checkFailover throws what `failover()` returns (undefined: no failover). */
  function withFailover(f: ReturnType<typeof fakes>, failover: () => Error | undefined) {
    (f.adapter as { checkFailover?: () => Promise<void> }).checkFailover = () => {
      f.calls.push('failover?');
      const err = failover();
      return err ? Promise.reject(err) : Promise.resolve();
    };
    return f;
  }

  it('checks for a failover before reading the config and again right before applying', async () => {
    const f = withFailover(fakes({ proposal }), () => undefined);
    await agent(f).syncConfig(signal);
    expect(f.calls).toEqual(['failover?', 'read', 'fetch', 'failover?', 'apply', 'read', 'send:8192']);
  });

  it('a new failover is reported once and the tick applies nothing; recovery ticks skip quietly', async () => {
    let state: Error | undefined = new FailoverDetectedError('primary changed from pg-1 to pg-2', {
      fresh: true,
    });
    const f = withFailover(fakes({ proposal }), () => state);
    const a = agent(f);
    await a.syncConfig(signal);
    expect(f.calls).toEqual(['failover?', 'error:failover_detected']);
    f.calls.length = 0;
    state = new FailoverDetectedError('cluster recovering', { fresh: false });
    await a.syncConfig(signal);
    expect(f.calls).toEqual(['failover?']);
    f.calls.length = 0;
    state = undefined;
    await a.syncConfig(signal);
    expect(f.calls).toContain('apply');
  });

  it('a failover seen between the config read and the apply stops the apply', async () => {
    let n = 0;
    const f = withFailover(fakes({ proposal }), () =>
      ++n === 2 ? new FailoverDetectedError('primary changed', { fresh: true }) : undefined,
    );
    await agent(f).syncConfig(signal);
    expect(f.calls).not.toContain('apply');
    expect(f.calls).toContain('error:failover_detected');
  });

  it('other errors from the check propagate to the runner', async () => {
    const f = withFailover(fakes({ proposal }), () => new Error('kubernetes API unreachable'));
    await expect(agent(f).syncConfig(signal)).rejects.toThrow('kubernetes API unreachable');
  });
});

describe('CommonAgent guardrail (docs/PROTOCOL.md §2.3)', () => {
  it('signals at most once per pause window while memory stays high', async () => {
    const f = fakes({ usedPct: 95 });
    const a = agent(f, 300);
    const until = Date.now() + 1_000;
    while (Date.now() < until) {
      await a.guardrail(signal);
      await new Promise((r) => setTimeout(r, 20));
    }
    const n = f.calls.filter((c) => c === 'guardrail').length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(4);
  });

  it('stays quiet below the threshold', async () => {
    const f = fakes({ usedPct: 80 });
    const a = agent(f, 300);
    for (let i = 0; i < 10; i++) await a.guardrail(signal);
    expect(f.calls.filter((c) => c === 'guardrail')).toHaveLength(0);
  });
});
