import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../log.js';
import { sleep } from './deadline.js';
import { HealthGate } from './health-gate.js';

const connErr = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('HealthGate', () => {
  it('closes on a connection error, ignores others, reopens when a ping succeeds, and logs once each way', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(c: Buffer, _e, cb) {
        lines.push(c.toString());
        cb();
      },
    });
    let up = false;
    let pings = 0;
    const gate = new HealthGate({
      ping: () => {
        pings++;
        return up ? Promise.resolve() : Promise.reject(connErr());
      },
      log: createLogger({ format: 'json', destination }),
      minBackoffMs: 10,
      maxBackoffMs: 40,
    });
    expect(gate.report(new Error('syntax error'))).toBe(false);
    expect(gate.isOpen).toBe(true);
    expect(gate.report(connErr())).toBe(true);
    for (let i = 0; i < 20; i++) gate.report(connErr()); // repeated errors while closed: no new log lines
    expect(gate.isOpen).toBe(false);
    await sleep(150);
    expect(gate.isOpen).toBe(false);
    expect(pings).toBeGreaterThan(1);
    up = true;
    await sleep(100);
    expect(gate.isOpen).toBe(true);
    const messages = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m.includes('pausing'))).toHaveLength(1);
    expect(messages.filter((m) => m.includes('resuming'))).toHaveLength(1);
    await gate.stop();
  });
});
