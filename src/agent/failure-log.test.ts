import { describe, expect, it } from 'vitest';
import { FailoverDetectedError } from '../errors.js';
import type { Logger } from '../log.js';
import { FailureLog } from './failure-log.js';

function recordingLog() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, msg: string): void => {
      lines.push({ level, msg, fields });
    };
  const log = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log: log as unknown as Logger, lines };
}

describe('FailureLog', () => {
  it('warns once per streak, repeats at debug, recovery once at info', () => {
    const { log, lines } = recordingLog();
    const f = new FailureLog(log);
    f.failed('metrics', new Error('boom'));
    f.failed('metrics', new Error('boom'));
    f.failed('metrics', new Error('other'));
    f.succeeded('metrics');
    f.succeeded('metrics');
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn task failed',
      'debug task failed again',
      'warn task failed',
      'info task recovered',
    ]);
  });

  it('keeps failover recovery at debug, itself or as a cause, and starts no streak', () => {
    const { log, lines } = recordingLog();
    const f = new FailureLog(log);
    const recovering = new FailoverDetectedError('cnpg: failover detected: pod gone', { fresh: false });
    f.failed('guardrail', recovering);
    f.failed('metrics:system_db_size', new Error('collector failed', { cause: recovering }));
    f.succeeded('guardrail');
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'debug task skipped: failover recovery in progress',
      'debug task skipped: failover recovery in progress',
    ]);
  });

  it('warns about a fresh failover like any other failure', () => {
    const { log, lines } = recordingLog();
    new FailureLog(log).failed('guardrail', new FailoverDetectedError('patroni: failover', { fresh: true }));
    expect(lines).toEqual([
      { level: 'warn', msg: 'task failed', fields: { task: 'guardrail', err: 'patroni: failover' } },
    ]);
  });
});
