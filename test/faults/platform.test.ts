/**
 * Platform faults against the built agent (10× faster schedule: heartbeat 1.5 s, metrics and
 * config 0.5 s) and a real cluster. Each fault starts once the agent is up, lasts a few seconds and
 * ends; in every case the agent must stay up, keep trying, not storm, never print a secret, and
 * catch up once the platform is back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatform } from '../harness/fake-platform.js';
import type { AgentProcess } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { createAgentRole } from './lib/agent-role.js';
import { expectAlive, expectCleanStop, expectNoSecrets, launchAgent, logsWith } from './lib/agent-run.js';
import { note, secs } from './lib/observed.js';
import { rssMb } from './lib/proc.js';
import { startTlsFront, type TlsFront } from './lib/tls-front.js';
import { sleep, until } from './lib/wait.js';

const FAULT_MS = 6_000;
const ENDPOINTS = [
  'heartbeat',
  'metrics',
  'system-info',
  'configurations',
  'guardrails',
  'log-entries',
  'catalog',
  'raw-logs',
];

let pg: PgCluster;
let url: string;
let fake: FakePlatform | undefined;
let agent: AgentProcess | undefined;
let tls: TlsFront | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  url = await createAgentRole(pg);
});

afterEach(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  await tls?.close();
  agent = undefined;
  fake = undefined;
  tls = undefined;
});

afterAll(async () => {
  await pg?.destroy();
});

/** Start a fake and the agent, and wait until the agent is shipping metrics. */
async function upAndRunning(
  extra: Record<string, string> = {},
): Promise<{ fake: FakePlatform; agent: AgentProcess }> {
  fake = await FakePlatform.start();
  agent = launchAgent(fake, url, extra);
  await fake.waitFor((r) => r.some((x) => x.endpoint === 'metrics'), 30_000);
  return { fake, agent };
}

const after = (f: FakePlatform, target: string, t: number) => f.requests(target).filter((r) => r.at > t);

/** A fault has ended: heartbeats and metrics are accepted again within `withinMs`. */
async function expectRecovery(f: FakePlatform, since: number, withinMs: number): Promise<void> {
  await until('a heartbeat after the fault', () => after(f, 'heartbeat', since).length > 0, withinMs);
  await until('metrics after the fault', () => after(f, 'metrics', since).length > 0, withinMs);
  await until(
    'an active-config POST after the fault',
    () => after(f, 'POST configurations', since).length > 0,
    withinMs,
  );
  const first = (t: string) => (after(f, t, since)[0]?.at ?? since) - since;
  note(
    `recovered: heartbeat +${secs(first('heartbeat'))}, metrics +${secs(first('metrics'))}, config +${secs(first('POST configurations'))}`,
  );
}

describe('platform faults (built CLI)', () => {
  it('connection refused: keeps running, resumes heartbeats and metrics when the platform is back', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    await f.down();
    await sleep(FAULT_MS);
    expectAlive(a);
    await f.up();
    const upAt = Date.now();
    // A call in its retry back-off (1, 2, 4 s …) succeeds on its next attempt.
    await expectRecovery(f, upAt, 15_000);
    expect(f.violations).toEqual([]);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('500 on every endpoint: keeps trying without a storm, one warning per task, recovers', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    const from = Date.now();
    for (const e of ENDPOINTS) f.reply(e, { status: 500, body: 'internal error' });
    await sleep(FAULT_MS);
    expectAlive(a);
    f.clearReplies();
    const clearedAt = Date.now();
    // Heartbeats kept being attempted during the fault (retries with back-off, not a tight loop).
    const beats = f.requests('heartbeat').filter((r) => r.at > from && r.at <= clearedAt);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.length).toBeLessThanOrEqual(12);
    const all = f.requests().filter((r) => r.at > from && r.at <= clearedAt);
    note(
      `${beats.length} heartbeat attempts, ${(all.length / (FAULT_MS / 1000)).toFixed(1)} requests/s during the fault`,
    );
    expect(all.length / (FAULT_MS / 1000)).toBeLessThan(60); // requests per second, all tasks together
    await expectRecovery(f, clearedAt, 25_000);
    // The failure log: the first failure warns, repeats are debug.
    expect(logsWith(a, 'task failed').filter((l) => l.task === 'metrics').length).toBeLessThanOrEqual(2);
    await until('task recovered logged', () => logsWith(a, 'task recovered').length > 0, 20_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('429 with Retry-After: 3 on heartbeats: waits the 3 s before retrying, then recovers', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    const from = Date.now();
    f.reply('heartbeat', { status: 429, retryAfter: 3, body: 'slow down' }, 2);
    await until(
      'two throttled heartbeats and a retry',
      () => after(f, 'heartbeat', from).length >= 3,
      20_000,
    );
    const [first, second, third] = after(f, 'heartbeat', from);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2_900);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(2_900);
    note(`retries after ${secs(second!.at - first!.at)} and ${secs(third!.at - second!.at)}`);
    // The third attempt was accepted (204); the schedule goes on.
    const t = third!.at;
    await until('the next scheduled heartbeat', () => after(f, 'heartbeat', t).length > 0, 10_000);
    expectAlive(a);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('a 4 s delay on every request: attempts time out and retry, nothing piles up, exit stays prompt', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    const from = Date.now();
    for (const e of ENDPOINTS) f.reply(e, { delayMs: 4_000 });
    f.reply('recommendation', { delayMs: 4_000 });
    await sleep(10_000);
    expectAlive(a);
    // Tasks never overlap themselves: at most one heartbeat in flight, so ≤ one attempt per 4 s timeout
    // plus the scheduled ones.
    const beats = f.requests('heartbeat').filter((r) => r.at > from);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.length).toBeLessThanOrEqual(6);
    note(`${beats.length} heartbeat attempts in 10 s of 4 s delays`);
    f.clearReplies();
    const clearedAt = Date.now();
    await expectRecovery(f, clearedAt, 20_000);
    // The hang again, then SIGTERM: the agent must not wait on the platform to exit.
    f.reply('heartbeat', { hang: true });
    f.reply('metrics', { hang: true });
    await sleep(3_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('malformed JSON from the recommendation endpoint: config task fails cleanly, everything else ships', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    f.reply('recommendation', { status: 200, body: '{"config": [ {"name": "work_mem", ' });
    const from = Date.now();
    await sleep(FAULT_MS);
    expectAlive(a);
    expect(after(f, 'heartbeat', from).length).toBeGreaterThanOrEqual(2);
    expect(after(f, 'metrics', from).length).toBeGreaterThanOrEqual(4);
    const failed = logsWith(a, 'task failed').filter((l) => l.task === 'config');
    expect(failed.length).toBe(1); // once, not every 0.5 s
    expect(String(failed[0]!.err)).toContain('cannot decode recommendation');
    note(
      `one 'task failed' warning for config; ${after(f, 'metrics', from).length} metrics POSTs during the fault`,
    );
    f.clearReplies();
    const clearedAt = Date.now();
    await expectRecovery(f, clearedAt, 15_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('a 50 MB response body: no crash, memory stays bounded, the body is not echoed, recovers', async () => {
    const { fake: f, agent: a } = await upAndRunning();
    const pid = a.child.pid!;
    const rssBefore = rssMb(pid)!;
    const huge = Buffer.alloc(50 * 1024 * 1024, 'x');
    f.reply('recommendation', { status: 200, body: huge }, 4);
    let peak = 0;
    const from = Date.now();
    while (Date.now() - from < 12_000) {
      peak = Math.max(peak, rssMb(pid) ?? 0);
      if (f.requests('recommendation').filter((r) => r.at > from).length > 4) break;
      await sleep(100);
    }
    expectAlive(a);
    expect(peak - rssBefore).toBeLessThan(500);
    note(`RSS ${rssBefore.toFixed(0)} → peak ${peak.toFixed(0)} MB`);
    // Error text stays small: an excerpt at most, never the 50 MB.
    const longest = Math.max(...(a.stdout() + a.stderr()).split('\n').map((l) => l.length));
    expect(longest).toBeLessThan(16_384);
    await expectRecovery(f, Date.now(), 15_000);
    expectNoSecrets(a, f.apiKey);
    await expectCleanStop(a);
  });

  it('untrusted TLS certificate at startup: exit 1 at once naming the certificate problem, no retry storm', async () => {
    fake = await FakePlatform.start();
    tls = await startTlsFront(fake.url, 'untrusted');
    const started = Date.now();
    agent = launchAgent({ ...fake, url: tls.url }, url);
    const code = await Promise.race([agent.exited(), sleep(30_000).then(() => 'timeout' as const)]);
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000); // a certificate error is not retried 31 times
    expect(agent.stderr()).toMatch(/startup check: platform: .*(self-signed|SELF_SIGNED|certificate)/i);
    expect(tls.proxied()).toBe(0);
    note(`exit ${code} after ${secs(Date.now() - started)}`);
    expect(fake.requests()).toHaveLength(0);
    expectNoSecrets(agent, fake.apiKey);
  });

  it('certificate turns untrusted while running: keeps running and collecting, resumes when it is fixed', async () => {
    fake = await FakePlatform.start();
    tls = await startTlsFront(fake.url, 'trusted');
    agent = launchAgent({ ...fake, url: tls.url }, url, { NODE_EXTRA_CA_CERTS: tls.caFile });
    await fake.waitFor((r) => r.some((x) => x.endpoint === 'metrics'), 30_000);
    tls.useCertificate('untrusted');
    const from = Date.now();
    const proxiedAt = tls.proxied();
    await sleep(FAULT_MS);
    expectAlive(agent);
    // Requests already past TLS may finish; no new request gets through an untrusted certificate.
    expect(tls.proxied() - proxiedAt).toBeLessThanOrEqual(3);
    note(`${tls.proxied() - proxiedAt} requests through TLS during the fault`);
    expect(logsWith(agent, 'task failed').some((l) => /certificate/i.test(String(l.err)))).toBe(true);
    tls.useCertificate('trusted');
    const fixedAt = Date.now();
    await expectRecovery(fake, fixedAt, 20_000);
    expect(fixedAt - from).toBeGreaterThanOrEqual(FAULT_MS);
    expectNoSecrets(agent, fake.apiKey);
    await expectCleanStop(agent);
  });
});
