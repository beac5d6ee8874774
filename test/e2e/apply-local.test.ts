/**
 * End-to-end apply through the built CLI (--local) against a real PostgreSQL and the fake platform:
 * a repeated reload proposal, a restart knob without permission, and --dry-run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakePlatform, type RecordedRequest } from '../harness/fake-platform.js';
import { startAgent, type AgentProcess } from '../harness/agent-process.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

let pg: PgCluster;
let agent: AgentProcess | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.destroy();
});
afterEach(async () => {
  await agent?.stop('SIGKILL');
  agent = undefined;
});

const row = (
  name: string,
  setting: number | string,
  unit: string | null,
  vartype: string,
  context: string,
) => ({
  name,
  setting,
  unit,
  vartype,
  context,
});

const RELOAD_BATCH = [
  {
    config: [
      row('work_mem', 16384, 'kB', 'integer', 'user'),
      row('random_page_cost', 1.1, null, 'real', 'user'),
      row('effective_io_concurrency', 200, null, 'integer', 'user'),
      row('checkpoint_completion_target', 0.8, null, 'real', 'sighup'),
    ],
    knobs_overrides: [
      'work_mem',
      'random_page_cost',
      'effective_io_concurrency',
      'checkpoint_completion_target',
    ],
    knob_application: 'reload',
  },
];

function env(fake: FakePlatform, extra: Record<string, string> = {}) {
  return {
    DBT_POSTGRESQL_CONNECTION_URL: pg.url,
    DBT_DBTUNE_SERVER_URL: fake.url,
    DBT_DBTUNE_API_KEY: fake.apiKey,
    DBT_DBTUNE_DATABASE_ID: fake.databaseId,
    ...extra,
  };
}

const autoConf = () => readFileSync(path.join(pg.dataDir, 'postgresql.auto.conf'));

async function setting(name: string): Promise<string> {
  const rows = await pg.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`);
  return String(rows[0]!.setting);
}

async function confLoadTime(): Promise<string> {
  const rows = await pg.sql('SELECT pg_conf_load_time()::text AS t');
  return String(rows[0]!.t);
}

function configRows(r: RecordedRequest): { name: string; setting: unknown }[] {
  return (r.body as { config: { name: string; setting: unknown }[] }).config;
}

describe('apply through the agent (--local)', () => {
  it('--dry-run prints the plan and leaves postgresql.auto.conf byte-identical', async () => {
    const fake = await FakePlatform.start();
    try {
      fake.setRecommendation(RELOAD_BATCH);
      const before = autoConf();
      const loadBefore = await confLoadTime();
      agent = startAgent(['--local', '--dry-run'], env(fake));
      await agent.waitForLog((l) => l.msg === 'dry run: proposal validated, nothing changed', 30_000);
      await sleep(6_000); // more polls of the same proposal
      expect(autoConf().equals(before)).toBe(true);
      expect(await confLoadTime()).toBe(loadBefore);
      expect(await setting('work_mem')).not.toBe('16384');
      const out = agent.stdout();
      expect(out).toContain('work_mem');
      expect(out).toContain('random_page_cost');
      expect(out.match(/work_mem/g)!.length).toBeGreaterThanOrEqual(1);
      expect(fake.requests('log-entries')).toHaveLength(0);
    } finally {
      await fake.close();
    }
  }, 60_000);

  it('applies a reload batch once though it is proposed every 5 s for 30 s, and reports it', async () => {
    const fake = await FakePlatform.start();
    try {
      fake.setRecommendation(RELOAD_BATCH);
      const loadBefore = await confLoadTime();
      agent = startAgent(['--local'], env(fake));
      await sleep(32_000);
      expect(await setting('work_mem')).toBe('16384');
      expect(await setting('random_page_cost')).toBe('1.1');
      expect(await setting('effective_io_concurrency')).toBe('200');
      expect(await setting('checkpoint_completion_target')).toBe('0.8');
      // At most one reload: pg_conf_load_time moved once, and the agent logged one apply.
      expect(await confLoadTime()).not.toBe(loadBefore);
      const applied = agent.logs().filter((l) => l.msg === 'configuration applied');
      expect(applied, JSON.stringify(applied)).toHaveLength(1);
      expect(fake.requests('recommendation').length).toBeGreaterThanOrEqual(5);
      // The next active config carries the new values.
      const posts = fake.requests('configurations').filter((r) => r.method === 'POST');
      const last = configRows(posts.at(-1)!);
      expect(last.find((r) => r.name === 'work_mem')!.setting).toBe(16384);
      expect(last.find((r) => r.name === 'random_page_cost')!.setting).toBe(1.1);
      expect(fake.requests('log-entries')).toHaveLength(0);
      expect(fake.violations).toEqual([]);
    } finally {
      await fake.close();
      for (const knob of [
        'work_mem',
        'random_page_cost',
        'effective_io_concurrency',
        'checkpoint_completion_target',
      ]) {
        await pg.sql(`ALTER SYSTEM RESET ${knob}`);
      }
      await pg.sql('SELECT pg_reload_conf()');
    }
  }, 70_000);

  it('refuses shared_buffers without allow_restart: restart_not_allowed reported, auto.conf unchanged', async () => {
    const fake = await FakePlatform.start();
    try {
      fake.setRecommendation([
        {
          config: [row('shared_buffers', 32768, '8kB', 'integer', 'postmaster')],
          knobs_overrides: ['shared_buffers'],
          knob_application: 'restart',
        },
      ]);
      const before = autoConf();
      const pid = pg.postmasterPid();
      agent = startAgent(['--local'], env(fake));
      const all = await fake.waitFor((rs) => rs.some((r) => r.endpoint === 'log-entries'), 30_000);
      const report = all.find((r) => r.endpoint === 'log-entries')!.body as {
        error_type: string;
        error_message: string;
      };
      expect(report.error_type).toBe('restart_not_allowed');
      expect(report.error_message).toMatch(/^Failed to apply configuration: /);
      expect(report.error_message).toContain('shared_buffers');
      await sleep(11_000); // the same failing proposal is not retried or re-reported every 5 s
      expect(fake.requests('log-entries')).toHaveLength(1);
      expect(autoConf().equals(before)).toBe(true);
      expect(pg.postmasterPid()).toBe(pid);
      // The pre-apply active config is still sent.
      expect(
        fake.requests('configurations').filter((r) => r.method === 'POST').length,
      ).toBeGreaterThanOrEqual(2);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
