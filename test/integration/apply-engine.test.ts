/**
 * The apply engine's guarantees hold for a settings backend that is not ALTER SYSTEM. The backend
 * here is a small "managed service" used only in this test: it keeps its own parameter set (like a
 * parameter group), and on activation pushes it into a real PostgreSQL (ALTER SYSTEM + reload, or a
 * restart), which is what a cloud control plane does behind its API. Failures are injected at
 * write, at activation and at read-back (a value the service accepts but never makes live).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  alterSystemReset,
  alterSystemSet,
  ApplyValidationError,
  createApplyEngine,
  type Activation,
  type ApplyEngine,
  type PlannedChange,
  type RestoreContext,
  type SettingsBackend,
} from '../../src/apply/index.js';
import { ConfigApplyError, RestartNotAllowedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { createDb, type Db } from '../../src/pg/pool.js';
import type { Proposal } from '../../src/platform/types.js';
import { startPostgres, type PgCluster } from '../harness/postgres.js';

type Fault = 'write' | 'activate' | 'read-back' | 'restore';

/** The service: parameters it holds, what it did, and one fault to inject. */
class FakeService {
  params = new Map<string, string>();
  calls: string[] = [];
  faults = new Set<Fault>();
  /** With the read-back fault, this knob is accepted but never made live. */
  sticky = 'work_mem';

  constructor(private readonly cluster: PgCluster) {}

  backend(): SettingsBackend<Map<string, string | undefined>> {
    return {
      id: 'fake-service',
      canRestart: true,
      check: (plan) => {
        this.calls.push('check');
        // A platform rule: the service refuses one knob outright (like a non-modifiable parameter).
        return Promise.resolve(
          plan.changes.some((c) => c.name === 'vacuum_cost_limit')
            ? ['vacuum_cost_limit is not modifiable on this service']
            : [],
        );
      },
      snapshot: (changes) => {
        this.calls.push('snapshot');
        return Promise.resolve(new Map(changes.map((c) => [c.name, this.params.get(c.name)])));
      },
      write: (changes) => {
        this.calls.push('write');
        changes.forEach((c, i) => {
          if (this.faults.has('write') && i === 1)
            throw new Error('service: ModifyParameters: ThrottlingException');
          this.params.set(c.name, c.proposed);
        });
        return Promise.resolve();
      },
      activate: async (mode: Activation, changes: readonly PlannedChange[]) => {
        this.calls.push(`activate:${mode}`);
        if (this.faults.has('activate')) throw new Error('service: operation failed: INTERNAL');
        await this.push(
          changes.map((c) => c.name),
          mode,
        );
      },
      restore: async (snapshot, attempted, ctx: RestoreContext) => {
        this.calls.push(`restore:${ctx.activated ?? 'none'}`);
        if (this.faults.has('restore')) throw new Error('service: restore refused');
        for (const [name, value] of snapshot) {
          if (value === undefined) this.params.delete(name);
          else this.params.set(name, value);
        }
        const restart = attempted.some((c) => c.context === 'postmaster') && ctx.activated === 'restart';
        await this.push([...snapshot.keys()], restart ? 'restart' : 'reload', true);
      },
    };
  }

  /** What the control plane does on activation: make the held values live in PostgreSQL. */
  private async push(names: string[], mode: Activation, restoring = false): Promise<void> {
    for (const name of names) {
      if (this.faults.has('read-back') && !restoring && name === this.sticky) continue;
      const value = this.params.get(name);
      await this.cluster.sql(value === undefined ? alterSystemReset(name) : alterSystemSet(name, value));
    }
    if (mode === 'restart') await this.cluster.restart();
    else await this.cluster.sql('SELECT pg_reload_conf()');
  }
}

function proposal(settings: Record<string, unknown>, knob_application?: 'restart' | 'reload'): Proposal {
  return {
    config: Object.entries(settings).map(([name, setting]) => ({ name, setting })),
    knobs_overrides: Object.keys(settings),
    knob_application,
  };
}

describe('apply engine with a non-ALTER SYSTEM settings backend', () => {
  let cluster: PgCluster;
  let db: Db;
  let service: FakeService;
  let engine: ApplyEngine;
  const live = async (name: string) =>
    String((await cluster.sql(`SELECT setting FROM pg_settings WHERE name = '${name}'`))[0]?.setting);
  const engineFor = (allowRestart: boolean) =>
    createApplyEngine({
      db,
      backend: service.backend(),
      log: silentLogger(),
      config: {
        postgresql: { allow_restart: allowRestart, connection_url: cluster.url, restart_timeout_seconds: 60 },
        tuning: { allowlist_add: [], allowlist_remove: [] },
      },
      timing: { verifyTimeoutMs: 1_500, pollIntervalMs: 100 },
    });

  beforeAll(async () => {
    cluster = await startPostgres({ createExtension: false });
    db = createDb({ connectionUrl: cluster.url });
  });
  afterEach(async () => {
    await cluster.sql('ALTER SYSTEM RESET ALL');
    await cluster.sql('SELECT pg_reload_conf()');
    await expect.poll(() => live('work_mem')).toBe('4096');
    if (Number((await cluster.sql('SELECT count(*) AS n FROM pg_settings WHERE pending_restart'))[0]?.n))
      await cluster.restart();
  });
  afterAll(async () => {
    await db?.end();
    await cluster?.destroy();
  });
  const fresh = (allowRestart = true) => {
    service = new FakeService(cluster);
    engine = engineFor(allowRestart);
  };

  it('applies a reload batch through the backend and reads it back in pg_settings', async () => {
    fresh();
    const r = await engine.apply(proposal({ work_mem: '16MB', random_page_cost: 1.3 }, 'reload'));
    expect(r.action).toBe('reload');
    expect(service.calls).toEqual(['check', 'snapshot', 'write', 'activate:reload']);
    expect(await live('work_mem')).toBe('16384');
    expect(await live('random_page_cost')).toBe('1.3');
  });

  it('activates nothing when the proposal equals the current values', async () => {
    fresh();
    const r = await engine.apply(proposal({ work_mem: '4MB', random_page_cost: 4 }));
    expect(r).toMatchObject({ action: 'none', plan: { unchanged: ['work_mem', 'random_page_cost'] } });
    expect(service.calls).toEqual([]);
  });

  it('a dry run plans and checks but touches nothing', async () => {
    fresh();
    const r = await engine.apply(proposal({ work_mem: '16MB' }), { dryRun: true });
    expect(r.action).toBe('dry-run');
    expect(r.plan.changes.map((c) => c.name)).toEqual(['work_mem']);
    expect(service.calls).toEqual(['check']);
    expect(service.params.size).toBe(0);
  });

  it.each([
    [
      'a knob the engine refuses (out of range)',
      { work_mem: 1, random_page_cost: 1.1 },
      /work_mem=1 is below/,
    ],
    [
      'a knob the backend refuses',
      { vacuum_cost_limit: 500, random_page_cost: 1.1 },
      /not modifiable on this service/,
    ],
    ['a denylisted knob', { archive_command: 'x', random_page_cost: 1.1 }, /archive_command is denylisted/],
  ])('refuses the whole batch for %s, writing nothing', async (_label, settings, message) => {
    fresh();
    const err = await engine.apply(proposal(settings)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplyValidationError);
    expect((err as Error).message).toMatch(message);
    expect(service.calls.filter((c) => c !== 'check')).toEqual([]);
    expect(await live('random_page_cost')).toBe('4');
  });

  it('refuses a restart batch when restarts are not allowed, before the backend is asked anything', async () => {
    service = new FakeService(cluster);
    engine = engineFor(false);
    const err = await engine.apply(proposal({ shared_buffers: '256MB' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RestartNotAllowedError);
    expect(service.calls).toEqual([]);
  });

  it.each([
    ['write', 'apply: write: service: ModifyParameters: ThrottlingException', 'restore:none'],
    ['activate', 'apply: reload: service: operation failed: INTERNAL', 'restore:reload'],
    [
      'read-back',
      'apply: verify: read-back after 1500 ms: work_mem is 4096 (expected 16384)',
      'restore:reload',
    ],
  ] as const)('a failure at %s restores the previous values and says so', async (fault, message, restore) => {
    fresh();
    service.faults.add(fault);
    const err = await engine
      .apply(proposal({ random_page_cost: 1.2, work_mem: '16MB' }, 'reload'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toBe(`${message}; rolled back to the previous settings`);
    expect(service.calls).toContain(restore);
    expect(service.params.size).toBe(0);
    expect(await live('random_page_cost')).toBe('4');
    expect(await live('work_mem')).toBe('4096');
  });

  it('restart batch: activation restarts, read-back happens after PostgreSQL is back', async () => {
    fresh();
    const r = await engine.apply(proposal({ shared_buffers: '192MB', work_mem: '8MB' }, 'restart'));
    expect(r.action).toBe('restart');
    expect(service.calls).toContain('activate:restart');
    expect(await live('shared_buffers')).toBe('24576');
  });

  it('a restore that fails too is reported as such, naming both failures', async () => {
    fresh();
    service.faults.add('activate').add('restore');
    const err = await engine.apply(proposal({ random_page_cost: 1.4 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigApplyError);
    expect((err as Error).message).toBe(
      'apply: rollback: service: restore refused (after: apply: reload: service: operation failed: INTERNAL)',
    );
  });
});
