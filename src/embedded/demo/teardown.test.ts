import { describe, expect, it } from 'vitest';
import { Teardown } from './teardown.js';

describe('Teardown', () => {
  it('runs steps last-added first, once, and keeps going past failures and hangs', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.add({ name: 'temp dir', run: () => void order.push('temp dir') });
    t.add({ name: 'postgres', run: () => Promise.reject(new Error('boom')) });
    t.add({ name: 'hang', timeoutMs: 50, run: () => new Promise<void>(() => undefined) });
    t.add({ name: 'workload', run: () => Promise.resolve().then(() => void order.push('workload')) });
    const failures = await t.run();
    expect(order).toEqual(['workload', 'temp dir']);
    expect(failures).toEqual(['hang: timed out', 'postgres: boom']);
    expect(await t.run()).toEqual(failures);
    expect(order).toHaveLength(2);
  });

  it('runStep runs one step early and takes it off the list', async () => {
    const order: string[] = [];
    const t = new Teardown();
    t.add({ name: 'a', run: () => void order.push('a') });
    t.add({ name: 'b', run: () => void order.push('b') });
    await t.runStep('a');
    await t.runStep('missing');
    await t.run();
    expect(order).toEqual(['a', 'b']);
  });
});
