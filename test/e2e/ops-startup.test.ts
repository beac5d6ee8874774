/**
 * End-to-end (issue 16): starting through a platform outage, failing fast on a wrong API key, and
 * every platform request going through the HTTPS_PROXY (a recording CONNECT proxy) with a custom
 * CA from NODE_EXTRA_CA_CERTS. The built CLI against one real PostgreSQL and the fake platform.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { startConnectProxy, type ConnectProxy } from '../harness/connect-proxy.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { startHttpsFront, type HttpsFront } from '../harness/https-front.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';
import { startStartingPostgres } from '../harness/starting-postgres.js';

let pg: PgCluster;
let agent: AgentProcess | undefined;
let fake: FakePlatform | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.destroy();
});
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
  await fake?.close();
  fake = undefined;
  for (const close of closers.splice(0)) await close();
});

function env(f: FakePlatform, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: f.url,
    DBT_DBTUNE_API_KEY: f.apiKey,
    DBT_DBTUNE_DATABASE_ID: f.databaseId,
    ...extra,
  };
}

describe('start-up through outages', () => {
  it('keeps starting while the platform answers 503 for 20 s, then ships metrics within one interval', async () => {
    fake = await FakePlatform.start();
    fake.reply('*', { status: 503, body: 'maintenance' });
    agent = startAgent(['--local'], env(fake));
    const warned = await agent.waitForLog(
      (l) => l.msg === 'startup: dependency not ready; retrying with back-off',
      15_000,
    );
    expect(warned.class).toBe('platform unavailable');
    await fake.waitFor((rs) => rs.some((r) => r.at - rs[0]!.at >= 19_000), 25_000);
    expect(agent.child.exitCode).toBeNull();
    fake.clearReplies();
    const back = Date.now();
    const all = await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics' && r.at > back), 15_000);
    const first = all.find((r) => r.endpoint === 'metrics' && r.at > back)!;
    // One 5 s metrics interval, plus at most one back-off step of the heartbeat in flight.
    expect(first.at - back).toBeLessThan(9_000);
    // One warning for the outage, not one per attempt.
    expect(
      agent.logs().filter((l) => l.msg === 'startup: dependency not ready; retrying with back-off'),
    ).toHaveLength(1);
    expect(agent.logs().some((l) => l.msg === 'startup: dependencies reachable; continuing')).toBe(true);
    expect(agent.stdout() + agent.stderr()).not.toContain(fake.apiKey);
  }, 60_000);

  it('waits for a database that is starting up (57P03), then runs', async () => {
    fake = await FakePlatform.start();
    const starting = await startStartingPostgres({ host: '127.0.0.1', port: pg.port });
    closers.push(() => starting.close());
    agent = startAgent(
      ['--local'],
      env(fake, { DBT_POSTGRESQL_CONNECTION_URL: `postgres://postgres@127.0.0.1:${starting.port}/postgres` }),
    );
    const warned = await agent.waitForLog(
      (l) => l.msg === 'startup: dependency not ready; retrying with back-off',
      15_000,
    );
    expect(warned.class).toBe('database starting up');
    expect(String(warned.err)).toContain('the database system is starting up');
    await expect.poll(() => starting.refused(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    starting.ready();
    const up = Date.now();
    await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'metrics' && r.at > up), 15_000);
    expect(agent.child.exitCode).toBeNull();
    expect(
      agent.logs().filter((l) => l.msg === 'startup: dependency not ready; retrying with back-off'),
    ).toHaveLength(1);
  }, 40_000);

  it('exits 1 at once with a wrong API key, naming what to fix', async () => {
    fake = await FakePlatform.start({ enforceApiKey: true });
    const started = Date.now();
    agent = startAgent(
      ['--local'],
      env(fake, { DBT_DBTUNE_API_KEY: '11111111-2222-4333-8444-555555555555' }),
    );
    expect(await agent.exited()).toBe(1);
    // "At once": no start-up retry (which would run for minutes); the bound leaves room for a
    // loaded machine starting Node, as the heartbeat count below is the exact check.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(agent.stderr()).toMatch(/startup check: platform: .*status 401.*dbtune\.api_key/);
    expect(fake.requests('heartbeat')).toHaveLength(1); // no retry of a 401
  }, 30_000);
});

describe('proxies and TLS', () => {
  let proxy: ConnectProxy;
  let front: HttpsFront;

  it('sends every platform request through the HTTPS_PROXY tunnel, trusting NODE_EXTRA_CA_CERTS', async () => {
    fake = await FakePlatform.start();
    // `platform.test` resolves only inside the proxy: the agent cannot reach it any other way.
    front = await startHttpsFront(fake.url, 'platform.test');
    proxy = await startConnectProxy({ 'platform.test': '127.0.0.1' });
    closers.push(
      () => proxy.close(),
      () => front.close(),
    );
    agent = startAgent(
      ['--local'],
      env(fake, {
        DBT_DBTUNE_SERVER_URL: `https://platform.test:${front.port}`,
        HTTPS_PROXY: proxy.url,
        NO_PROXY: 'internal.example',
        NODE_EXTRA_CA_CERTS: front.caFile,
        DBTUNE_AGENT_INTERVAL_SCALE: '0.2',
      }),
    );
    await fake.waitFor(
      (rs) =>
        ['heartbeat', 'metrics', 'configurations', 'catalog'].every((e) => rs.some((r) => r.endpoint === e)),
      30_000,
    );
    const starting = agent.logs().find((l) => l.msg === 'dbtune-agent starting')!;
    expect(starting.platform).toBe(`https://platform.test:${front.port} via proxy ${proxy.url}`);
    await agent.stop();
    // Every request the platform saw came through the front, reached only through the proxy.
    expect(fake.requests().length).toBeGreaterThanOrEqual(4);
    expect(front.forwarded()).toBe(fake.requests().length);
    const tunnels = proxy.tunnels();
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels.map((t) => t.target))).toEqual(new Set([`platform.test:${front.port}`]));
    expect(proxy.plainRequests()).toEqual([]);
    expect(fake.violations).toEqual([]);
  }, 60_000);
});
