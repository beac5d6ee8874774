import { describe, expect, it } from 'vitest';
import { MetricsRecorder } from './metrics-recorder.js';

const state = { gateOpen: () => true, ready: () => true, pendingProposals: () => 2 };

describe('MetricsRecorder', () => {
  it('drops records until the registry is opened, then counts into it, and opens it once', async () => {
    const r = new MetricsRecorder('9.9.9', state);
    r.apply('applied', 'reload');
    r.platformCall('metrics', true, new Date(0));
    expect(r.opened).toBe(false);
    const m = await r.open();
    expect(r.opened).toBe(true);
    expect(await r.open()).toBe(m);
    r.apply('applied', 'reload');
    r.guardrail('memory');
    r.reload('unchanged');
    r.run('config', 0.02, false);
    const text = await m.registry.metrics();
    expect(text).toContain('dbtune_agent_apply_total{outcome="applied",action="reload"} 1');
    expect(text).toContain('dbtune_agent_guardrail_signals_total{type="memory"} 1');
    expect(text).toContain('dbtune_agent_task_errors_total{task="config"} 1');
    expect(text).toContain('dbtune_agent_pending_proposals 2');
    expect(text).not.toContain('endpoint="metrics"');
  });
});
