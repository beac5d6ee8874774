import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawLogForwarder, toRawLogEntry, wireLevel } from './raw-logs.js';
import type { RawLogEntry } from './types.js';

const T = Date.UTC(2026, 0, 1, 12, 0, 0, 500);

describe('toRawLogEntry (docs/PROTOCOL.md §1.11)', () => {
  it('maps pino levels to wire levels and drops lower ones', () => {
    expect([30, 40, 45, 50, 60, 70].map(wireLevel)).toEqual([
      undefined,
      'warning',
      'warning',
      'error',
      'fatal',
      'fatal',
    ]);
    expect(toRawLogEntry({ level: 30, msg: 'info', fields: {}, time: T })).toBeUndefined();
  });

  it('appends the fields as JSON after " | " only when there are fields', () => {
    expect(toRawLogEntry({ level: 40, msg: 'metrics error', fields: {}, time: T })).toEqual({
      message: 'metrics error',
      level: 'warning',
      timestamp: '2026-01-01T12:00:00Z',
    });
    const e = toRawLogEntry({
      level: 50,
      msg: 'collector failed',
      fields: { collector: 'pg_class', n: 2n },
      time: T,
    });
    expect(e?.message).toBe('collector failed | {"collector":"pg_class","n":2}');
    expect(e?.level).toBe('error');
  });

  it('survives unencodable fields', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(toRawLogEntry({ level: 40, msg: 'm', fields: cyclic, time: T })?.message).toBe(
      'm | "<unencodable fields>"',
    );
  });
});

describe('RawLogForwarder', () => {
  let forwarder: RawLogForwarder | undefined;
  afterEach(async () => {
    await forwarder?.stop();
    vi.useRealTimers();
  });

  const recorder = () => {
    const batches: RawLogEntry[][] = [];
    return {
      batches,
      sender: { sendRawLogs: (e: readonly RawLogEntry[]) => (batches.push([...e]), Promise.resolve(true)) },
    };
  };

  it('flushes every interval as one array, and not when empty', async () => {
    vi.useFakeTimers();
    const { batches, sender } = recorder();
    forwarder = new RawLogForwarder({ client: sender });
    forwarder.push({ level: 40, msg: 'a', fields: {}, time: T });
    forwarder.push({ level: 50, msg: 'b', fields: {}, time: T });
    await vi.advanceTimersByTimeAsync(14_999);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.map((b) => b.map((e) => e.message))).toEqual([['a', 'b']]);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(batches).toHaveLength(1);
  });

  it('flushes at once on fatal', async () => {
    const { batches, sender } = recorder();
    forwarder = new RawLogForwarder({ client: sender });
    forwarder.push({ level: 40, msg: 'w', fields: {}, time: T });
    forwarder.push({ level: 60, msg: 'dying', fields: {}, time: T });
    expect(forwarder.pending).toBe(0); // taken by the immediate flush, no timer involved
    await vi.waitFor(() => expect(batches).toHaveLength(1));
    expect(batches).toEqual([
      [
        { message: 'w', level: 'warning', timestamp: '2026-01-01T12:00:00Z' },
        { message: 'dying', level: 'fatal', timestamp: '2026-01-01T12:00:00Z' },
      ],
    ]);
  });

  it('keeps at most 100 entries, dropping the oldest and counting drops', async () => {
    const { batches, sender } = recorder();
    forwarder = new RawLogForwarder({ client: sender });
    for (let i = 0; i < 130; i++) forwarder.push({ level: 40, msg: `m${i}`, fields: {}, time: T });
    expect(forwarder.pending).toBe(100);
    expect(forwarder.dropped).toBe(30);
    await forwarder.flush();
    expect(batches[0]).toHaveLength(100);
    expect(batches[0]?.[0]?.message).toBe('m30');
    expect(batches[0]?.[99]?.message).toBe('m129');
  });

  it('stop() flushes what remains; later lines are dropped', async () => {
    const { batches, sender } = recorder();
    forwarder = new RawLogForwarder({ client: sender });
    forwarder.push({ level: 40, msg: 'last', fields: {}, time: T });
    await forwarder.stop();
    expect(batches).toHaveLength(1);
    forwarder.push({ level: 40, msg: 'late', fields: {}, time: T });
    await forwarder.flush();
    expect(batches).toHaveLength(1);
    expect(forwarder.dropped).toBe(1);
  });

  it('never throws when the sender fails, and logs that at debug only', async () => {
    const logged: string[] = [];
    const log = {
      debug: (_o: unknown, msg: string) => logged.push(`debug:${msg}`),
      warn: (_o: unknown, msg: string) => logged.push(`warn:${msg}`),
      error: (_o: unknown, msg: string) => logged.push(`error:${msg}`),
    };
    forwarder = new RawLogForwarder({
      client: { sendRawLogs: () => Promise.reject(new Error('boom')) },
      log: log as never,
    });
    forwarder.push({ level: 60, msg: 'x', fields: {}, time: T });
    await expect(forwarder.flush()).resolves.toBeUndefined();
    expect(logged).toEqual(['debug:raw-logs flush failed']);
  });
});
