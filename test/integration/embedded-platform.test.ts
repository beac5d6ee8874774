/**
 * The embedded platform driven by the REAL PlatformClient (no database): a simulated agent posts
 * system info, active configs and catalog payloads whose TPS depends on the applied configuration.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  REPORT_FILE,
  startEmbeddedPlatform,
  type EmbeddedPlatform,
  type EmbeddedPlatformOptions,
  type IterationReport,
  type SessionStatus,
} from '../../src/embedded/platform/index.js';
import type { Proposal } from '../../src/platform/index.js';
import { DEFAULTS, SimAgent, silentLogger, type SimOptions } from './embedded-platform-agent.js';

const platforms: EmbeddedPlatform[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(platforms.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'embedded-platform-'));
  dirs.push(d);
  return d;
}

async function start(
  stateDir: string,
  over: Partial<EmbeddedPlatformOptions> = {},
): Promise<EmbeddedPlatform> {
  const p = await startEmbeddedPlatform({
    stateDir,
    iterations: 6,
    iterationSeconds: 0.5,
    warmupSeconds: 0,
    objective: 'tps',
    seed: 7,
    log: silentLogger(),
    tickMs: 50,
    ...over,
  });
  platforms.push(p);
  return p;
}

function sim(p: EmbeddedPlatform, over: Partial<SimOptions> = {}): SimAgent {
  return new SimAgent({ url: p.url, apiKey: p.apiKey, databaseId: p.databaseId, ...over });
}

function valueOf(p: Proposal, name: string): unknown {
  return p.config.find((r) => r.name === name)?.setting;
}

describe('embedded platform with the real client', () => {
  it('runs a whole session to done and applies the final configuration', async () => {
    const p = await start(tempDir());
    const iterations: IterationReport[] = [];
    const statuses: SessionStatus[] = [];
    p.on('iteration', (r) => iterations.push(r));
    p.on('status', (s) => statuses.push(s));
    const agent = sim(p);
    await agent.start();
    let finished = false;
    const done = p.done().then((r) => ((finished = true), r));
    await agent.runUntil(() => finished, 25_000);
    const report = await done;

    expect(report.phase).toBe('done');
    expect(report.iterations.map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(report.iterations[0]?.kind).toBe('baseline');
    expect(report.iterations[1]?.kind).toBe('pgtune');
    expect(iterations).toHaveLength(6);
    expect(report.baseline?.tps).toBeCloseTo(1000, 0);
    expect(report.baseline?.config.work_mem).toBe(4096);
    expect(report.pg_version).toBe('16.4');
    expect(report.machine).toEqual({ cpus: 8, memory_bytes: 16 * 1024 ** 3 });
    expect(report.final).not.toBeNull();
    expect(report.finished_at).not.toBeNull();
    expect(typeof report.improvement_pct).toBe('number');
    // The agent's settings show the final configuration.
    for (const [name, v] of Object.entries(report.final?.config ?? {})) {
      if (typeof v === 'number') expect(agent.value(name)).toBeCloseTo(v, 5);
      else expect(agent.settings.get(name)).toBe(v);
    }
    // PGTune raises work_mem, which the synthetic workload rewards.
    expect(report.best?.tps ?? 0).toBeGreaterThan(1000);
    expect(statuses.at(-1)?.phase).toBe('done');
    expect(statuses.some((s) => s.phase === 'measuring')).toBe(true);
    expect(JSON.parse(readFileSync(path.join(p.stateDir, REPORT_FILE), 'utf8'))).toMatchObject({
      phase: 'done',
      objective: 'tps',
    });
    // Once done, nothing is recommended any more.
    expect(await agent.client.fetchRecommendation()).toBeNull();
  });

  it('serves the baseline on the very next poll after a memory guardrail', async () => {
    const p = await start(tempDir(), { iterationSeconds: 30 });
    const agent = sim(p);
    await agent.start();
    // A 30 s window: every step below happens long before a window could end on its own.
    await agent.runUntil(() => p.status().phase === 'measuring', 5_000);
    expect(p.status().iteration).toBe(0);
    // A guardrail during the baseline is recorded too; the next proposal is then PGTune's.
    await agent.client.sendGuardrail({ level: 'critical', type: 'memory' });
    const next = await agent.client.fetchRecommendation();
    expect(p.report().iterations[0]).toMatchObject({ outcome: 'infeasible', guardrail: 'memory' });
    expect(next).not.toBeNull();
    expect(p.status().kind).toBe('pgtune');
    // Apply PGTune's proposal, then a guardrail during its measurement: the baseline comes back.
    await agent.runUntil(() => p.status().phase === 'measuring' && p.status().iteration === 1, 5_000);
    expect(agent.value('work_mem')).toBeGreaterThan(4096);
    await agent.client.sendGuardrail({ level: 'critical', type: 'memory' });
    const revert = await agent.client.fetchRecommendation();
    expect(revert).not.toBeNull();
    expect(valueOf(revert!, 'work_mem')).toBe(DEFAULTS.work_mem);
    expect(valueOf(revert!, 'shared_buffers')).toBe(DEFAULTS.shared_buffers);
    expect(revert!.knob_application).toBe('restart');
    expect(p.status()).toMatchObject({ iteration: 2, kind: 'revert', phase: 'applying' });
    expect(p.report().iterations[1]).toMatchObject({ outcome: 'infeasible', guardrail: 'memory' });
  });

  it('records an unappliable proposal as infeasible and moves on', async () => {
    const p = await start(tempDir(), { iterations: 4 });
    // Refuse PGTune's proposal (it changes work_mem) the way the agent reports a failed apply.
    const agent = sim(p, {
      refuse: (prop) => (valueOf(prop, 'work_mem') !== DEFAULTS.work_mem ? 'config_apply_error' : null),
    });
    await agent.start();
    await agent.runUntil(() => (p.status().iteration ?? 0) >= 2, 10_000);
    const it1 = p.report().iterations[1];
    expect(it1).toMatchObject({ kind: 'pgtune', outcome: 'infeasible', measurement: null });
    expect(it1?.reason).toMatch(/^not applied: config_apply_error/);
    expect(agent.refused).toEqual(['config_apply_error']);
    expect(p.status().kind).toBe('revert');
  });

  it('resumes the same session after a restart on the same state directory', async () => {
    const dir = tempDir();
    const first = await start(dir, { iterations: 5 });
    const agent = sim(first);
    await agent.start();
    await agent.runUntil(
      () => (first.status().iteration ?? 0) >= 2 && first.status().phase === 'applying',
      15_000,
    );
    const before = first.status();
    const pending = await agent.client.fetchRecommendation();
    const { apiKey, databaseId, url } = first;
    await first.close();
    platforms.splice(platforms.indexOf(first), 1);

    const second = await start(dir, { iterations: 5 });
    expect([second.apiKey, second.databaseId]).toEqual([apiKey, databaseId]);
    expect(second.url).toBe(url); // the port was free again, so the running agent keeps its URL
    expect(second.status()).toMatchObject({
      iteration: before.iteration,
      kind: before.kind,
      phase: 'applying',
    });
    expect(await agent.client.fetchRecommendation()).toEqual(pending);
    let finished = false;
    const done = second.done().then((r) => ((finished = true), r));
    await agent.runUntil(() => finished, 20_000);
    const report = await done;
    expect(report.iterations.map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4]);
    expect(existsSync(path.join(dir, REPORT_FILE))).toBe(true);
  });
});
