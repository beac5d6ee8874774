import { describe, expect, it } from 'vitest';
import { FailoverDetectedError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { ClusterStatus } from './client.js';
import { PHASE_HEALTHY } from './cluster-state.js';
import { FailoverWatch } from './failover.js';

const healthy = (primary: string): ClusterStatus => ({
  phase: PHASE_HEALTHY,
  instances: 2,
  readyInstances: 2,
  currentPrimary: primary,
  targetPrimary: primary,
});

function setup(stabilizeMs = 30_000) {
  let t = 1_000_000;
  const watch = new FailoverWatch({ log: silentLogger(), now: () => t, stabilizeMs });
  return { watch, advance: (ms: number) => (t += ms) };
}

async function outcome(p: Promise<void>): Promise<'ok' | 'fresh' | 'recovering'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (!(err instanceof FailoverDetectedError)) throw err;
    expect(err.message).toContain('failover detected');
    return err.fresh ? 'fresh' : 'recovering';
  }
}

const ready = () => Promise.resolve(true);

describe('FailoverWatch', () => {
  it('records the first primary and stays quiet while it does not change', async () => {
    const { watch } = setup();
    expect(await outcome(watch.check(healthy('pg-1'), ready))).toBe('ok');
    expect(await outcome(watch.check(healthy('pg-1'), ready))).toBe('ok');
    expect(watch.primary).toBe('pg-1');
  });

  it('reports a failover once, blocks during recovery, then resumes after stabilisation', async () => {
    const { watch, advance } = setup(30_000);
    await watch.check(healthy('pg-1'), ready);
    // The operator starts promoting pg-2.
    const failing: ClusterStatus = {
      ...healthy('pg-1'),
      phase: 'Failing over',
      readyInstances: 1,
      targetPrimary: 'pg-2',
    };
    expect(await outcome(watch.check(failing, ready))).toBe('fresh');
    expect(await outcome(watch.check(failing, ready))).toBe('recovering');
    // pg-2 is current: the same failover (not reported again), but the quiet period restarts.
    advance(5_000);
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('recovering');
    expect(watch.primary).toBe('pg-2');
    advance(29_000);
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('recovering');
    advance(1_000);
    // Healthy and stable, but the database still answers as a standby.
    expect(await outcome(watch.check(healthy('pg-2'), () => Promise.resolve(false)))).toBe('recovering');
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('ok');
    expect(watch.recovering).toBe(false);
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('ok');
  });

  it('reports a second, different promotion during recovery as a new failover', async () => {
    const { watch } = setup();
    await watch.check(healthy('pg-1'), ready);
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('fresh');
    expect(await outcome(watch.check(healthy('pg-3'), ready))).toBe('fresh');
    expect(watch.primary).toBe('pg-3');
  });

  it('keeps recovering while the cluster is unhealthy', async () => {
    const { watch, advance } = setup(1_000);
    await watch.check(healthy('pg-1'), ready);
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('fresh');
    advance(60_000);
    expect(await outcome(watch.check({ ...healthy('pg-2'), readyInstances: 1 }, ready))).toBe('recovering');
    expect(await outcome(watch.check({ ...healthy('pg-2'), phase: 'Applying configuration' }, ready))).toBe(
      'recovering',
    );
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('ok');
  });

  it('accepts a primary change during and at the end of our own restart silently', async () => {
    const { watch } = setup();
    await watch.check(healthy('pg-1'), ready);
    watch.beginOwnRestart();
    expect(
      await outcome(
        watch.check({ ...healthy('pg-1'), targetPrimary: 'pg-2', phase: 'Switchover in progress' }, ready),
      ),
    ).toBe('ok');
    watch.endOwnRestart('pg-2');
    expect(watch.primary).toBe('pg-2');
    expect(await outcome(watch.check(healthy('pg-2'), ready))).toBe('ok');
  });

  it('ignores placeholder primaries', async () => {
    const { watch } = setup();
    await watch.check({ ...healthy('(pending)'), currentPrimary: '(pending)' }, ready);
    expect(watch.primary).toBeNull();
    await watch.check(healthy('pg-1'), ready);
    expect(
      await outcome(watch.check({ ...healthy('pg-1'), currentPrimary: '', targetPrimary: '' }, ready)),
    ).toBe('ok');
    expect(watch.primary).toBe('pg-1');
  });
});
