import { describe, expect, it } from 'vitest';
import { googleCallError } from './errors.js';

const body = (code: number, status: string, message: string, reason: string) =>
  JSON.stringify({ error: { code, message, status, errors: [{ message, domain: 'global', reason }] } });

/** What gaxios throws in REST mode: HTTP status in `code`, the body as bytes. */
function gaxios(status: number, text: string) {
  return Object.assign(new Error(text), {
    code: status,
    response: { status, data: new TextEncoder().encode(text) },
  });
}

describe('googleCallError', () => {
  it('names the IAM permission and role for a 403', () => {
    const e = googleCallError(
      'instances.patch',
      gaxios(403, body(403, 'PERMISSION_DENIED', 'Not authorized.', 'notAuthorized')),
    );
    expect(e.kind).toBe('permission');
    expect(e.message).toBe(
      'cloudsql: instances.patch: permission denied (needs IAM permission cloudsql.instances.update, e.g. role roles/cloudsql.editor): HTTP 403 PERMISSION_DENIED: Not authorized.',
    );
  });

  it('recognises operationInProgress, not found, refused credentials and gRPC-style codes', () => {
    expect(
      googleCallError('instances.patch', gaxios(409, body(409, 'ABORTED', 'busy', 'operationInProgress')))
        .kind,
    ).toBe('busy');
    expect(
      googleCallError('instances.get', gaxios(404, body(404, 'NOT_FOUND', 'gone', 'instanceDoesNotExist')))
        .kind,
    ).toBe('not-found');
    expect(
      googleCallError('instances.get', gaxios(401, body(401, 'UNAUTHENTICATED', 'bad token', 'authError')))
        .kind,
    ).toBe('unauthenticated');
    expect(
      googleCallError('timeSeries.list', Object.assign(new Error('denied'), { code: 7 })).message,
    ).toContain('monitoring.timeSeries.list');
  });

  it('reports garbage and missing credentials plainly', () => {
    const garbage = googleCallError('instances.get', new SyntaxError('Unexpected token <'));
    expect(garbage.kind).toBe('garbage');
    expect(garbage.message).toBe(
      'cloudsql: instances.get: the API answered with something that is not JSON (Unexpected token <)',
    );
    const creds = googleCallError(
      'credentials',
      new Error('Could not load the default credentials. Browse to …'),
    );
    expect(creds.kind).toBe('credentials');
    expect(creds.message).toContain('GOOGLE_APPLICATION_CREDENTIALS');
  });
});
