import { describe, expect, it } from 'vitest';
import type { IterationReport, SessionStatus } from '../platform/types.js';
import { barPayload, bestText, createProgressView, iterationLine, phaseText } from './progress.js';

function status(over: Partial<SessionStatus> = {}): SessionStatus {
  return {
    phase: 'measuring',
    iteration: 3,
    iterations: 6,
    kind: 'bo',
    objective: 'tps',
    window: { tps: 1100, latencyMs: 0.8, samples: 1, elapsedSeconds: 3, warmingUp: false },
    baseline: { tps: 1000, latencyMs: 0.9 },
    best: { iteration: 1, tps: 1234.4, latencyMs: 0.75 },
    lastError: null,
    ...over,
  };
}

const rec: IterationReport = {
  iteration: 2,
  kind: 'bo',
  config: {},
  restart: true,
  measurement: { tps: 987.6, latency_ms: 1.234, samples: [987.6] },
  outcome: 'ok',
  guardrail: null,
  reason: 'bo',
};

describe('progress text', () => {
  it('best so far with its gain over the baseline, in the objective direction', () => {
    expect(bestText(status())).toBe('best 1234 tps / 0.75 ms (+23.4%, it. 1)');
    expect(bestText(status({ objective: 'latency' }))).toBe('best 0.75 ms / 1234 tps (+16.7%, it. 1)');
    expect(bestText(status({ objective: 'latency', best: null }))).toBe('baseline 0.90 ms');
    expect(bestText(status({ best: null }))).toBe('baseline 1000 tps');
    expect(bestText(status({ best: null, baseline: null }))).toBe('best –');
  });

  it('names the phase', () => {
    expect(phaseText(status())).toBe('measuring iteration 3 (bo)');
    expect(phaseText(status({ window: { ...status().window!, warmingUp: true } }))).toBe(
      'warming up iteration 3 (bo)',
    );
    expect(phaseText(status({ phase: 'applying' }))).toBe('applying iteration 3 (bo)');
    expect(phaseText(status({ phase: 'waiting-for-agent', iteration: null, kind: null }))).toBe(
      'waiting for the agent',
    );
  });

  it('one line per iteration: k/N, measurement, outcome, restart, best', () => {
    expect(iterationLine(rec, status())).toBe(
      '[3/6] iteration 2 (bo): 988 tps / 1.23 ms, ok, restarted · best 1234 tps / 0.75 ms (+23.4%, it. 1)',
    );
    expect(
      iterationLine({ ...rec, measurement: null, outcome: 'infeasible', restart: false }, status()),
    ).toMatch(/iteration 2 \(bo\): no measurement, infeasible ·/);
  });

  it('bar payload shows the workload rate now, or a dash before the first reading', () => {
    expect(barPayload(status(), { tps: 1111.2, latencyMs: 7.2 }).now).toBe('1111 tps 7.20 ms');
    expect(barPayload(status(), null).now).toBe('–');
  });

  it('plain lines when stdout is not a terminal: phases once, and every iteration', () => {
    const out: string[] = [];
    const view = createProgressView({ isTTY: false } as NodeJS.WriteStream, (t) => out.push(t));
    view.note('Starting');
    view.update(status(), null);
    view.update(status(), null); // same phase: no new line
    view.iteration(rec, status());
    view.stop();
    expect(out).toEqual([
      'Starting\n',
      '  measuring iteration 3 (bo) for TPS…\n',
      `${iterationLine(rec, status())}\n`,
    ]);
  });
});
