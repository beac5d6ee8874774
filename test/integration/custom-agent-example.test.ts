/**
 * CustomAgent.md's settings-backend example (docs/examples/api-backend.ts) is the code the guide
 * shows, and it works: a proposal ends in pg_settings through it, and a failed activation restores.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSettings, type ParameterApi } from '../../docs/examples/api-backend.js';
import { alterSystemReset, alterSystemSet, type Activation } from '../../src/apply/index.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

/** A parameter API whose control plane is a real local PostgreSQL. */
function localApi(cluster: PgCluster, failActivate: () => boolean): ParameterApi {
  const held = new Map<string, string | null>();
  return {
    get: (names) => Promise.resolve(new Map(names.map((n) => [n, held.get(n) ?? null]))),
    modify: (values) => {
      for (const [k, v] of values) held.set(k, v);
      return Promise.resolve();
    },
    async applyPending(mode: Activation) {
      if (failActivate()) throw new Error('api: apply failed');
      for (const [k, v] of held) await cluster.sql(v === null ? alterSystemReset(k) : alterSystemSet(k, v));
      if (mode === 'restart') await cluster.restart();
      else await cluster.sql('SELECT pg_reload_conf()');
    },
    modifiable: (name) => name !== 'jit',
  };
}

describe('CustomAgent.md example backend', () => {
  let cluster: PgCluster;
  let db: Db;
  beforeAll(async () => {
    cluster = await startPostgres({ createExtension: false });
    db = createDb({ connectionUrl: cluster.url });
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.destroy();
  });

  it('is shown verbatim in CustomAgent.md', () => {
    const example = readFileSync('docs/examples/api-backend.ts', 'utf8');
    const start = example.indexOf('/** The backend: only');
    const end = example.indexOf('/** What the adapter');
    expect(start).toBeGreaterThan(0);
    expect(readFileSync('CustomAgent.md', 'utf8')).toContain(example.slice(start, end).trimEnd());
  });

  it('applies through the engine, refuses what the API cannot modify, and restores on failure', async () => {
    let fail = false;
    const config = {
      postgresql: { allow_restart: false, connection_url: cluster.url, restart_timeout_seconds: 30 },
      tuning: { allowlist_add: [], allowlist_remove: [] },
    };
    const engine = apiSettings(
      db,
      localApi(cluster, () => fail),
      config,
      silentLogger(),
    );
    const proposal = (settings: Record<string, unknown>): Proposal => ({
      config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
      knobs_overrides: Object.keys(settings),
      knob_application: undefined,
    });
    expect((await engine.apply(proposal({ work_mem: '8MB' }))).action).toBe('reload');
    const setting = async () =>
      String((await cluster.sql("SELECT setting FROM pg_settings WHERE name = 'work_mem'"))[0]?.setting);
    expect(await setting()).toBe('8192');
    await expect(engine.apply(proposal({ jit: 'off' }))).rejects.toThrow('jit is not modifiable here');
    fail = true;
    const err = await engine.apply(proposal({ work_mem: '16MB' })).catch((e: unknown) => e);
    // The activation failed, and the restore's activation failed too: both are named.
    expect((err as Error).message).toContain('api: apply failed');
    fail = false;
    expect(await setting()).toBe('8192');
  });
});
