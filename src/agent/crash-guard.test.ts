import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { CrashGuard } from './crash-guard.js';

function guardWithReports() {
  const reports: { type: string; message: string }[] = [];
  const guard = new CrashGuard(silentLogger(), (type, message) => {
    reports.push({ type, message });
    return Promise.resolve();
  });
  return { guard, reports };
}

describe('CrashGuard', () => {
  it('contains a throw and reports it as <name>_panic at counts 1, 10, 100', async () => {
    const { guard, reports } = guardWithReports();
    for (let i = 0; i < 100; i++) {
      const r = await guard.run('pg_locks', 1000, () => Promise.reject(new TypeError('x is undefined')));
      expect(r.ok).toBe(false);
    }
    expect(reports.map((r) => r.message.match(/consecutive panics: (\d+)/)?.[1])).toEqual(['1', '10', '100']);
    expect(reports[0]!.type).toBe('pg_locks_panic');
    expect(reports[0]!.message).toContain('x is undefined');
  });

  it('a clean run resets the count', async () => {
    const { guard, reports } = guardWithReports();
    await guard.run('t', 1000, () => Promise.reject(new Error('a')));
    await guard.run('t', 1000, () => Promise.resolve(1));
    await guard.run('t', 1000, () => Promise.reject(new Error('b')));
    expect(reports).toHaveLength(2);
    expect(guard.count('t')).toBe(1);
  });

  it('turns a hang into a panic after the deadline', async () => {
    const { guard, reports } = guardWithReports();
    const started = Date.now();
    const r = await guard.run('hang', 50, () => new Promise(() => undefined));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.ok).toBe(false);
    expect(reports[0]!.message).toContain('timed out after 50 ms');
  });

  it('returns expected failures (SQLSTATE, connection) without a panic report', async () => {
    const { guard, reports } = guardWithReports();
    const r = await guard.run('c', 1000, () =>
      Promise.reject(Object.assign(new Error('relation x'), { code: '42P01' })),
    );
    expect(r).toMatchObject({ ok: false, panic: false });
    expect(reports).toHaveLength(0);
  });

  it('survives a reporter that throws', async () => {
    const guard = new CrashGuard(silentLogger(), () => Promise.reject(new Error('platform down')));
    const r = await guard.run('x', 1000, () => Promise.reject(new RangeError('bad')));
    expect(r).toMatchObject({ ok: false, panic: true });
  });
});
