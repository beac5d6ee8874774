/**
 * The service endpoints in-process (src/service/server.ts): probe answers, the Prometheus
 * exposition from prom-client, and the approval API's token check and decisions. No database:
 * readiness is fed directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalQueue } from '../../src/agent/approval.js';
import { silentLogger } from '../../src/log.js';
import type { Proposal } from '../../src/platform/types.js';
import { AgentMetrics } from '../../src/service/metrics.js';
import { Readiness } from '../../src/service/readiness.js';
import { startService, type Service } from '../../src/service/server.js';

const TOKEN = 'service-test-token-abcdef';
const metrics = new AgentMetrics('9.9.9');
const readiness = new Readiness();
const queue = new ApprovalQueue({
  expiryMs: 60_000,
  newId: (() => {
    let n = 0;
    return () => `a${++n}`;
  })(),
});
let approvalOn = true;
let service: Service;
let base: string;
const gate = { isOpen: true };

beforeAll(async () => {
  metrics.bind({
    gateOpen: () => readiness.gateOpen(),
    ready: () => readiness.report().ready,
    pendingProposals: () => queue.pendingCount(),
  });
  service = await startService({
    listen: '127.0.0.1:0',
    metrics,
    readiness: () => readiness.report(),
    approval: () => (approvalOn ? { queue, token: TOKEN } : undefined),
    log: silentLogger(),
  });
  base = `http://${service.address}`;
});
afterAll(async () => {
  await service.close();
});

const call = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};
const auth = (token = TOKEN) => ({ Authorization: `Bearer ${token}` });

describe('probes', () => {
  it('/healthz is 200; /readyz follows the agent, the gate and the platform', async () => {
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(503); // starting
    readiness.attach(gate, 'running');
    expect(JSON.parse((await call('/readyz')).text)).toEqual({
      ready: false,
      checks: { agent: 'running', database: 'reachable', platform: 'unknown' },
    });
    readiness.platformCall({ endpoint: 'heartbeat', ok: true, transient: false, at: new Date() });
    expect((await call('/readyz')).status).toBe(200);
    readiness.platformCall({ endpoint: 'metrics', ok: false, transient: false, at: new Date() }); // a 4xx: reachable
    expect((await call('/readyz')).status).toBe(200);
    readiness.platformCall({ endpoint: 'metrics', ok: false, transient: true, at: new Date() }); // 5xx/refused
    expect((await call('/readyz')).status).toBe(503);
    readiness.platformCall({ endpoint: 'metrics', ok: true, transient: false, at: new Date() });
    gate.isOpen = false;
    expect(JSON.parse((await call('/readyz')).text).checks.database).toBe('unreachable');
    gate.isOpen = true;
  });
});

describe('/metrics', () => {
  it('serves dbtune_agent_ series in the Prometheus text format', async () => {
    metrics.run('metrics', 0.2, true);
    metrics.run('pg_stat_statements', 0.05, false);
    metrics.platformCall('metrics', true, new Date(1_700_000_000_000));
    metrics.apply('applied', 'reload');
    metrics.guardrail('memory');
    const r = await call('/metrics');
    expect(r.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.text).toContain('dbtune_agent_build_info{version="9.9.9",node_version="');
    expect(r.text).toContain('dbtune_agent_task_duration_seconds_count{name="metrics"} 1');
    expect(r.text).toContain('dbtune_agent_collector_errors_total{collector="pg_stat_statements"} 1');
    expect(r.text).toContain(
      'dbtune_agent_platform_last_success_timestamp_seconds{endpoint="metrics"} 1700000000',
    );
    expect(r.text).toContain('dbtune_agent_apply_total{outcome="applied",action="reload"} 1');
    expect(r.text).toContain('dbtune_agent_guardrail_signals_total{type="memory"} 1');
    expect(r.text).toContain('dbtune_agent_health_gate_open 1');
    expect(r.text).toContain('dbtune_agent_process_resident_memory_bytes');
    for (const line of r.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^dbtune_agent_[a-z0-9_]+(\{[^}]*\})? ([-+0-9.eE]+|NaN)$/);
    }
  });
});

describe('approval API', () => {
  it('needs the bearer token, and approves or rejects by id', async () => {
    queue.offer('h1', { knobs: [] } as unknown as Proposal, [], false);
    expect((await call('/proposals')).status).toBe(401);
    expect((await call('/proposals', { headers: auth('wrong') })).status).toBe(401);
    const list = JSON.parse((await call('/proposals', { headers: auth() })).text) as {
      proposals: { id: string }[];
    };
    expect(list.proposals.map((p) => p.id)).toEqual(['a1']);
    expect((await call('/proposals/a1/approve', { headers: auth() })).status).toBe(405);
    const ok = await call('/proposals/a1/approve', { method: 'POST', headers: auth() });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ id: 'a1', state: 'approved' });
    expect((await call('/proposals/a1/approve', { method: 'POST', headers: auth() })).status).toBe(409);
    expect((await call('/proposals/ffff/reject', { method: 'POST', headers: auth() })).status).toBe(404);
    const rejected = await call('/proposals/a1/reject', {
      method: 'POST',
      headers: { ...auth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'changed my mind' }),
    });
    expect(JSON.parse(rejected.text)).toMatchObject({ state: 'rejected', note: 'changed my mind' });
  });

  it('answers 404 when approval mode is off, and for unknown paths', async () => {
    approvalOn = false;
    expect((await call('/proposals', { headers: auth() })).status).toBe(404);
    approvalOn = true;
    expect((await call('/nope')).status).toBe(404);
  });
});
