/**
 * End-to-end: the built CLI with --patroni against the Patroni REST simulation (HTTPS with a
 * test CA, basic auth) in front of two replicating PostgreSQL clusters, the fake platform proposing
 * a batch that needs a restart; then a real failover, reported to the platform once.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { FakePlatform } from '../harness/fake-platform.js';
import { PatroniSim } from '../harness/patroni-sim/index.js';
import { RESTART_TAIL_MS } from '../../adapters/patroni/failover.js';
import { startReplicatedPair, type ReplicatedPair } from '../harness/patroni-sim/pair.js';
import { knobText } from '../../src/agent/knob-text.js';

const PASSWORD = 'e2e-rest-api-password';

let pair: ReplicatedPair;
let sim: PatroniSim;
let fake: FakePlatform;
let agent: AgentProcess | undefined;
const tls = mkdtempSync(path.join(os.tmpdir(), 'patroni-e2e-tls-'));

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1 that is its own CA (DBT_PATRONI_CA_FILE).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(tls, 'key.pem'),
      '-out',
      path.join(tls, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  [pair, fake] = await Promise.all([startReplicatedPair(), FakePlatform.start()]);
  sim = await PatroniSim.start({
    members: [
      { name: 'pg-a', cluster: pair.leader },
      { name: 'pg-b', cluster: pair.replica },
    ],
    auth: { username: 'dbtune', password: PASSWORD },
    tls: { key: readFileSync(path.join(tls, 'key.pem')), cert: readFileSync(path.join(tls, 'cert.pem')) },
  });
}, 60_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await fake?.close();
  await sim?.close();
  await pair?.destroy();
  rmSync(tls, { recursive: true, force: true });
});

const failovers = () =>
  fake
    .requests('log-entries')
    .filter((r) => (r.body as { error_type?: string }).error_type === 'failover_detected');

async function setting(name: string, member: 'leader' | 'replica'): Promise<string> {
  const rows = await pair[member].sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]?.setting);
}

describe('agent --patroni against the REST simulation (https, basic auth) and the fake platform', () => {
  it('applies a restart batch on both members, replicas first, and reports a failover once', async () => {
    fake.setRecommendation([
      {
        config: [
          { name: 'shared_buffers', setting: 24576, unit: '8kB', vartype: 'integer', context: 'postmaster' },
          { name: 'work_mem', setting: 6144, unit: 'kB', vartype: 'integer', context: 'user' },
          { name: 'max_connections', setting: 300, unit: null, vartype: 'integer', context: 'postmaster' },
        ],
        knobs_overrides: ['shared_buffers', 'work_mem', 'max_connections'],
        knob_application: 'restart',
      },
    ]);
    agent = startAgent(['--patroni'], {
      DBT_POSTGRESQL_CONNECTION_URL: pair.leader.url,
      DBT_DBTUNE_SERVER_URL: fake.url,
      DBT_DBTUNE_API_KEY: fake.apiKey,
      DBT_DBTUNE_DATABASE_ID: fake.databaseId,
      DBT_PATRONI_NODE_NAME: 'pg-a',
      DBT_PATRONI_API_URL: sim.apiUrl('pg-a'),
      DBT_PATRONI_API_USERNAME: 'dbtune',
      DBT_PATRONI_API_PASSWORD: PASSWORD,
      DBT_PATRONI_CA_FILE: path.join(tls, 'cert.pem'),
      DBT_POSTGRESQL_ALLOW_RESTART: 'true',
      DBTUNE_AGENT_INTERVAL_SCALE: '0.4',
      DBT_DEBUG: 'true',
    });

    const applied = await agent.waitForLog(
      (l) => l.msg === 'configuration applied' && l.action === 'restart',
      40_000,
    );
    const appliedAt = Date.now();
    expect(applied.knobs).toEqual([
      knobText('shared_buffers', '24576', '8kB'),
      knobText('work_mem', '6144', 'kB'),
    ]);
    for (const member of ['leader', 'replica'] as const) {
      expect(await setting('shared_buffers', member)).toBe('24576');
      expect(await setting('work_mem', member)).toBe('6144');
      expect(await setting('max_connections', member)).toBe('100');
    }
    const restarts = sim.requests.filter((r) => r.method === 'POST' && r.path === '/restart');
    expect(restarts.map((r) => r.member)).toEqual(['pg-b', 'pg-a']);
    expect(sim.parameters()).toMatchObject({
      shared_buffers: '196608kB',
      work_mem: '6144kB',
      max_connections: 100,
    });

    // The active config the platform receives leaves Patroni-managed parameters out.
    const sent = await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'configurations'), 10_000);
    const body = sent.filter((r) => r.endpoint === 'configurations').at(-1)?.body as {
      config: { name: string }[];
    };
    const names = body.config.map((r) => r.name);
    expect(names).toContain('shared_buffers');
    expect(names).not.toContain('max_connections');

    // Our own restarts were no failover; once their window has closed, a real failover: the
    // agent's node becomes a replica, and the platform hears of it once.
    await fake.waitFor(
      (rs) => rs.some((r) => r.endpoint === 'heartbeat' && r.at > appliedAt + RESTART_TAIL_MS),
      20_000,
    );
    expect(failovers()).toHaveLength(0);
    await sim.failover();
    const reports = await fake.waitFor(
      (rs) =>
        rs.some(
          (r) =>
            r.endpoint === 'log-entries' &&
            (r.body as { error_type?: string }).error_type === 'failover_detected',
        ),
      15_000,
    );
    // Seen during the promotion (no leader yet) or after it (pg-b leads): one failover either way.
    expect(failovers()[0]?.body).toMatchObject({
      error_message: expect.stringMatching(/^patroni: failover detected: leader pg-a → (pg-b|\(none\))$/),
    });
    expect(reports.length).toBeGreaterThan(0);
    // Later config ticks are skipped quietly while the cluster stabilises (30 s): no second report.
    let skipped = 0;
    await agent.waitForLog(
      (l) => l.msg === 'failover recovery in progress; configuration tick skipped' && ++skipped >= 2,
      15_000,
    );
    expect(failovers()).toHaveLength(1);

    const { code } = await agent.stop();
    expect(code).toBe(0);
    expect(fake.violations).toEqual([]);
    expect(agent.stdout() + agent.stderr()).not.toContain(PASSWORD);
  }, 90_000);
});
