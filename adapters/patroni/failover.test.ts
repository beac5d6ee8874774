import { describe, expect, it } from 'vitest';
import { FailoverDetectedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { PatroniMember } from './client.js';
import { FailoverTracker, GRACE_MS, RESTART_TAIL_MS, STABILISATION_MS } from './failover.js';

const member = (
  name: string,
  role: string,
  state = role === 'leader' ? 'running' : 'streaming',
): PatroniMember => ({
  name,
  role,
  state,
  host: '10.0.0.1',
  port: 5432,
});

function setup() {
  const s = {
    now: 0,
    members: [member('pg-a', 'leader'), member('pg-b', 'replica')] as PatroniMember[] | Error,
    pingError: null as Error | null,
  };
  const tracker = new FailoverTracker({
    cluster: () => (s.members instanceof Error ? Promise.reject(s.members) : Promise.resolve(s.members)),
    ping: () => (s.pingError ? Promise.reject(s.pingError) : Promise.resolve()),
    log: silentLogger(),
    now: () => s.now,
  });
  const check = () => tracker.check(new AbortController().signal);
  const outcome = async () => {
    try {
      await check();
      return 'ok';
    } catch (err) {
      if (!(err instanceof FailoverDetectedError)) throw err;
      return err.fresh ? 'fresh' : 'blocked';
    }
  };
  const failover = (to = 'pg-b', from = 'pg-a') => {
    s.members = [member(to, 'leader'), member(from, 'replica')];
  };
  return { s, tracker, check, outcome, failover };
}

describe('FailoverTracker', () => {
  it('tracks the first leader it sees and passes while it stays', async () => {
    const t = setup();
    expect(await t.outcome()).toBe('ok');
    expect(t.tracker.leader()).toBe('pg-a');
    t.s.members = [member(' PG-A ', 'leader')]; // trimmed, case-insensitive
    expect(await t.outcome()).toBe('ok');
  });

  it('reports a leader change once, blocks for 30 s, then until the cluster is healthy', async () => {
    const t = setup();
    await t.check();
    t.failover();
    await expect(t.check()).rejects.toThrow('patroni: failover detected: leader pg-a → pg-b');
    expect(t.tracker.leader()).toBe('pg-b');
    expect(() => t.tracker.assertStable()).toThrow(FailoverDetectedError);
    t.s.now = STABILISATION_MS - 1;
    await expect(t.check()).rejects.toThrow(/stabilising \(29 s of 30 s\)/);
    t.s.now = STABILISATION_MS;
    t.s.members = [member('pg-b', 'leader', 'starting')];
    await expect(t.check()).rejects.toThrow(/leader pg-b is starting/);
    t.s.members = [member('pg-b', 'leader')];
    t.s.pingError = new Error('the database system is starting up');
    await expect(t.check()).rejects.toThrow(/PostgreSQL does not answer: the database system is starting up/);
    expect(await t.outcome()).toBe('blocked');
    t.s.pingError = null;
    expect(await t.outcome()).toBe('ok');
    expect(() => t.tracker.assertStable()).not.toThrow();
  });

  it('a lost leader is a failover; the leader that follows belongs to the same one', async () => {
    const t = setup();
    await t.check();
    t.s.members = [member('pg-a', 'replica', 'stopped'), member('pg-b', 'replica')];
    await expect(t.check()).rejects.toThrow('patroni: failover detected: leader pg-a → (none)');
    t.s.now = 5_000;
    t.failover();
    expect(await t.outcome()).toBe('blocked');
    t.s.now = 5_000 + STABILISATION_MS - 1; // the stabilisation counts from the new leader
    expect(await t.outcome()).toBe('blocked');
    t.s.now = 5_000 + STABILISATION_MS;
    expect(await t.outcome()).toBe('ok');
  });

  it('inside the grace period a further change is the same failover; after it, a new one', async () => {
    const t = setup();
    await t.check();
    t.failover();
    expect(await t.outcome()).toBe('fresh');
    t.s.now = STABILISATION_MS;
    expect(await t.outcome()).toBe('ok');
    t.s.now = 2 * 60_000;
    t.failover('pg-a', 'pg-b');
    expect(await t.outcome()).toBe('blocked');
    t.s.now = 2 * 60_000 + STABILISATION_MS;
    expect(await t.outcome()).toBe('ok');
    t.s.now = GRACE_MS;
    expect(await t.outcome()).toBe('ok');
    t.failover();
    expect(await t.outcome()).toBe('fresh');
  });

  it('keeps blocking past the grace period while the cluster has not recovered', async () => {
    const t = setup();
    await t.check();
    t.failover();
    await t.outcome();
    t.s.members = [member('pg-b', 'leader', 'starting')];
    t.s.now = GRACE_MS + 1;
    expect(await t.outcome()).toBe('blocked');
  });

  it('our own restart: a vanished leader is not a failover, a changed one is blocked but not reported', async () => {
    const t = setup();
    await t.check();
    t.tracker.beginRestart();
    t.s.members = [member('pg-a', 'replica', 'restarting'), member('pg-b', 'replica')];
    expect(await t.outcome()).toBe('ok');
    t.s.members = [member('pg-a', 'leader')];
    t.tracker.endRestart();
    expect(await t.outcome()).toBe('ok');
    t.s.now = RESTART_TAIL_MS - 1;
    t.failover();
    expect(await t.outcome()).toBe('blocked');
    t.s.now += STABILISATION_MS;
    expect(await t.outcome()).toBe('ok');
  });

  it('the restart window closes RESTART_TAIL_MS after our last restart', async () => {
    const t = setup();
    await t.check();
    t.tracker.beginRestart();
    t.tracker.endRestart();
    t.s.now = RESTART_TAIL_MS;
    t.s.members = [member('pg-a', 'replica', 'stopped')];
    expect(await t.outcome()).toBe('fresh');
  });

  it('an unreachable REST API is an error of its own, not a failover', async () => {
    const t = setup();
    await t.check();
    t.s.members = new Error('patroni: GET /cluster: connect ECONNREFUSED 10.0.0.1:8008');
    await expect(t.check()).rejects.toThrow(/ECONNREFUSED/);
    await expect(t.check()).rejects.not.toBeInstanceOf(FailoverDetectedError);
    t.s.members = [member('pg-a', 'leader')];
    expect(await t.outcome()).toBe('ok');
  });
});
