import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import type { Proposal } from '../platform/types.js';
import { ApprovalQueue, type HeldChange } from './approval.js';
import { ApprovalFlow, type ApplyOutcomeKind, type PlanView } from './approval-flow.js';

const MIN = 60_000;

function proposal(workMem: number): Proposal {
  return { knobs: [{ name: 'work_mem', value: workMem }] } as unknown as Proposal;
}
const change = (v: string): HeldChange => ({
  name: 'work_mem',
  current: '4096',
  proposed: v,
  unit: 'kB',
  text: `work_mem=${v}`,
});

function queue() {
  let t = 0;
  let n = 0;
  const q = new ApprovalQueue({ expiryMs: 60 * MIN, now: () => t, newId: () => `id${++n}` });
  return { q, advance: (ms: number) => (t += ms) };
}

describe('ApprovalQueue', () => {
  it('holds a proposal once, approves it, and hands it out to apply', () => {
    const { q } = queue();
    const e = q.offer('h1', proposal(1), [change('1')], false)!;
    expect(e.state).toBe('pending');
    expect(q.offer('h1', proposal(1), [change('1')], false)).toBeUndefined(); // sent again
    expect(q.pendingCount()).toBe(1);
    expect(q.nextApproved()).toBeUndefined();
    expect(q.approve('id1')).toMatchObject({ ok: true });
    expect(q.nextApproved()?.proposal).toEqual(proposal(1));
    q.settle('id1', true);
    expect(q.list()[0]?.state).toBe('applied');
    expect(q.approve('id1')).toEqual({ ok: false, status: 409, message: 'proposal id1 is applied' });
    expect(q.offer('h1', proposal(1), [change('1')], false)).toBeUndefined(); // decided: not again
  });

  it('never applies an expired proposal, and reports the expiry once', () => {
    const { q, advance } = queue();
    q.offer('h1', proposal(1), [change('1')], false);
    advance(60 * MIN);
    expect(q.approve('id1')).toEqual({ ok: false, status: 409, message: 'proposal id1 is expired' });
    expect(q.nextApproved()).toBeUndefined();
    expect(q.takeUnreported().map((e) => e.state)).toEqual(['expired']);
    expect(q.takeUnreported()).toEqual([]);
  });

  it('expires an approval that was not applied in time', () => {
    const { q, advance } = queue();
    q.offer('h1', proposal(1), [change('1')], false);
    advance(59 * MIN);
    q.approve('id1');
    advance(59 * MIN);
    expect(q.nextApproved()?.id).toBe('id1'); // the window restarts at approval
    advance(MIN);
    expect(q.nextApproved()).toBeUndefined();
    expect(q.list()[0]?.state).toBe('expired');
  });

  it('lets a newer proposal supersede a pending one', () => {
    const { q } = queue();
    q.offer('h1', proposal(1), [change('1')], false);
    q.offer('h2', proposal(2), [change('2')], false);
    expect(q.approve('id1')).toEqual({ ok: false, status: 409, message: 'proposal id1 is superseded' });
    expect(q.pendingCount()).toBe(1);
    expect(q.approve('nope')).toEqual({ ok: false, status: 404, message: 'no proposal with id nope' });
  });

  it('rejects pending or approved proposals, with the reason, reported once', () => {
    const { q } = queue();
    q.offer('h1', proposal(1), [change('1')], false);
    expect(q.reject('id1', 'not now')).toMatchObject({ ok: true });
    expect(q.nextApproved()).toBeUndefined();
    const [r] = q.takeUnreported();
    expect(r).toMatchObject({ id: 'id1', state: 'rejected', note: 'not now' });
  });

  it('keeps a bounded history of decided proposals', () => {
    let n = 0;
    const q = new ApprovalQueue({ expiryMs: MIN, newId: () => `i${++n}`, keep: 3 });
    for (let i = 0; i < 10; i++) q.refuse(`h${i}`, proposal(i), 'bad');
    expect(q.list()).toHaveLength(3);
  });
});

describe('ApprovalFlow', () => {
  function flow() {
    const { q, advance } = queue();
    const applied: Proposal[] = [];
    const reports: string[] = [];
    const hooks = {
      plan: (p: Proposal): Promise<PlanView> =>
        Promise.resolve({
          changes: [
            {
              name: 'work_mem',
              current: '4096',
              proposed: String((p as unknown as { knobs: { value: number }[] }).knobs[0]!.value),
              unit: 'kB',
            },
          ],
        }),
      apply: (p: Proposal): Promise<ApplyOutcomeKind> => {
        applied.push(p);
        return Promise.resolve('applied');
      },
      report: (m: string) => {
        reports.push(m);
        return Promise.resolve();
      },
    };
    return { f: new ApprovalFlow({ queue: q, log: silentLogger() }), q, advance, applied, reports, hooks };
  }

  it('applies nothing until approved, then exactly the approved proposal', async () => {
    const { f, q, applied, hooks } = flow();
    expect(await f.tick(proposal(16384), hooks)).toBe(false);
    expect(await f.tick(proposal(16384), hooks)).toBe(false);
    expect(applied).toEqual([]);
    expect(q.list()[0]?.changes[0]?.text).toBe('work_mem=16MB (16384 kB)');
    q.approve('id1');
    // The platform has moved on to another proposal by the time of the next tick.
    expect(await f.tick(proposal(32768), hooks)).toBe(true);
    expect(applied).toEqual([proposal(16384)]);
    expect(q.list()[0]).toMatchObject({ id: 'id2', state: 'pending' });
  });

  it('never applies an expired proposal and tells the platform', async () => {
    const { f, q, advance, applied, reports, hooks } = flow();
    await f.tick(proposal(16384), hooks);
    advance(60 * MIN);
    q.approve('id1');
    await f.tick(proposal(16384), hooks);
    expect(applied).toEqual([]);
    expect(reports).toEqual(['Failed to apply configuration: proposal id1 expired without approval']);
    await f.tick(proposal(16384), hooks);
    expect(reports).toHaveLength(1);
    expect(q.pendingCount()).toBe(0); // the same proposal is not offered again
  });

  it('refuses a proposal that fails validation once, reporting it', async () => {
    const { f, q, reports, hooks } = flow();
    const bad = { ...hooks, plan: () => Promise.reject(new Error('archive_command is not tunable')) };
    await f.tick(proposal(1), bad);
    await f.tick(proposal(1), bad);
    expect(reports).toEqual(['Failed to apply configuration: archive_command is not tunable']);
    expect(q.pendingCount()).toBe(0);
  });

  it('keeps a rejection for the next tick when the platform cannot be told', async () => {
    const { f, q, reports, hooks } = flow();
    await f.tick(proposal(1), hooks);
    q.reject('id1', '');
    await f.tick(null, { ...hooks, report: () => Promise.reject(new Error('platform down')) });
    await f.tick(null, hooks);
    expect(reports).toEqual(['Failed to apply configuration: proposal id1 rejected by the operator']);
  });
});
