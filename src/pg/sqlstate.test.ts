import { describe, expect, it } from 'vitest';
import { isConnectionError, isQueryCanceled, isRecoveryError, sqlState } from './sqlstate.js';

const pgErr = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionError', () => {
  it.each([
    ['08006 connection_failure', pgErr('08006'), true],
    ['08001 unable to connect', pgErr('08001'), true],
    ['57P01 admin_shutdown', pgErr('57P01'), true],
    ['57P03 cannot_connect_now', pgErr('57P03'), true],
    ['57014 query_canceled is not an outage', pgErr('57014'), false],
    ['53300 too_many_connections: the server is full', pgErr('53300'), true],
    ['53200 out_of_memory is not', pgErr('53200'), false],
    ['42P01 undefined_table', pgErr('42P01'), false],
    [
      'ECONNREFUSED',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      true,
    ],
    ['ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['pg: Connection terminated unexpectedly', new Error('Connection terminated unexpectedly'), true],
    ['pg pool connect timeout', new Error('timeout expired'), true],
    ['wrapped cause', new Error('outer', { cause: pgErr('08006') }), true],
    ['plain error', new Error('boom'), false],
    ['not an object', 'connection refused', false],
  ])('%s → %s', (_name, err, expected) => {
    expect(isConnectionError(err)).toBe(expected);
  });
});

describe('other classes', () => {
  it('reads SQLSTATE only from 5-character codes', () => {
    expect(sqlState(pgErr('42P01'))).toBe('42P01');
    expect(sqlState(Object.assign(new Error(), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
  it('recognises recovery and cancel', () => {
    expect(isRecoveryError(new Error('Failover detected: primary changed'))).toBe(true);
    expect(isRecoveryError(new Error('the database system is in recovery'))).toBe(false);
    expect(isRecoveryError(new Error('recovery in progress'))).toBe(true);
    expect(isQueryCanceled(pgErr('57014'))).toBe(true);
  });
});
