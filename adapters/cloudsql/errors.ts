/**
 * Google API failures → one error type whose message names the call, what went wrong and, for a
 * refusal, the IAM permission the call needs (https://cloud.google.com/sql/docs/postgres/iam-permissions,
 * https://cloud.google.com/monitoring/access-control). The kind is a field, so callers branch on it,
 * never on the text. gRPC status codes: https://grpc.github.io/grpc/core/md_doc_statuscodes.html
 */
export type GoogleErrorKind =
  'credentials' | 'permission' | 'not-found' | 'busy' | 'garbage' | 'unauthenticated' | 'other';

/** IAM permission and a predefined role that grants it, per call. */
export const CALL_PERMISSIONS: Readonly<Record<string, { permission: string; role: string }>> = {
  'instances.get': { permission: 'cloudsql.instances.get', role: 'roles/cloudsql.viewer' },
  'operations.get': { permission: 'cloudsql.instances.get', role: 'roles/cloudsql.viewer' },
  'instances.patch': { permission: 'cloudsql.instances.update', role: 'roles/cloudsql.editor' },
  'timeSeries.list': { permission: 'monitoring.timeSeries.list', role: 'roles/monitoring.viewer' },
};

export class GoogleCallError extends Error {
  readonly call: string;
  readonly kind: GoogleErrorKind;
  constructor(call: string, kind: GoogleErrorKind, message: string, options?: { cause?: unknown }) {
    super(`cloudsql: ${call}: ${message}`, options);
    this.name = 'GoogleCallError';
    this.call = call;
    this.kind = kind;
  }
}

const PERMISSION_DENIED = 7;
const NOT_FOUND = 5;
const UNAUTHENTICATED = 16;

/** What a failed call said, whichever layer threw it (gax's GoogleError or gaxios' GaxiosError). */
interface Failure {
  http: number | undefined;
  grpc: number | undefined;
  status: string | undefined;
  message: string;
  reasons: string[];
}

interface GoogleErrorBody {
  error?: { code?: unknown; message?: unknown; status?: unknown; errors?: { reason?: unknown }[] };
}

function parseBody(data: unknown): GoogleErrorBody | undefined {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    const bytes =
      data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return parseBody(new TextDecoder().decode(bytes));
  }
  if (typeof data === 'string') {
    try {
      return JSON.parse(data) as GoogleErrorBody;
    } catch {
      return undefined;
    }
  }
  return data !== null && typeof data === 'object' ? data : undefined;
}

function failure(err: unknown): Failure {
  const e = (err ?? {}) as {
    code?: unknown;
    status?: unknown;
    message?: unknown;
    reason?: unknown;
    errors?: { reason?: unknown }[];
    response?: { status?: unknown; data?: unknown };
  };
  // In REST mode the body arrives as bytes; some paths only keep it as the message text.
  const body = (parseBody(e.response?.data) ?? parseBody(e.message))?.error;
  const reasons: string[] = [];
  for (const list of [e.errors, body?.errors]) {
    for (const x of Array.isArray(list) ? list : [])
      if (typeof x?.reason === 'string') reasons.push(x.reason);
  }
  if (typeof e.reason === 'string') reasons.push(e.reason);
  const http =
    typeof e.response?.status === 'number'
      ? e.response.status
      : typeof body?.code === 'number'
        ? body.code
        : undefined;
  const status = typeof body?.status === 'string' ? body.status : undefined;
  // A GaxiosError carries the HTTP status in `code`; a GoogleError carries the gRPC code.
  const grpc = e.response === undefined && typeof e.code === 'number' ? e.code : undefined;
  const message =
    typeof body?.message === 'string'
      ? body.message
      : typeof e.message === 'string'
        ? e.message.trim()
        : String(err);
  return { http, grpc, status, message, reasons };
}

export function googleCallError(call: string, err: unknown): GoogleCallError {
  if (err instanceof GoogleCallError) return err;
  const f = failure(err);
  const text = f.message;
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(text)) {
    return new GoogleCallError(
      call,
      'credentials',
      'no Google credentials: Application Default Credentials found none (set GOOGLE_APPLICATION_CREDENTIALS, ' +
        'run `gcloud auth application-default login`, or run with a service account on Google Cloud)',
      { cause: err },
    );
  }
  if (err instanceof SyntaxError || (f.http !== undefined && f.http < 300)) {
    return new GoogleCallError(
      call,
      'garbage',
      `the API answered with something that is not JSON (${text})`,
      {
        cause: err,
      },
    );
  }
  const status = f.http ? `HTTP ${f.http}${f.status ? ` ${f.status}` : ''}: ` : '';
  if (f.reasons.includes('operationInProgress')) {
    return new GoogleCallError(call, 'busy', `another operation is in progress (${status}${text})`, {
      cause: err,
    });
  }
  if (f.http === 403 || f.grpc === PERMISSION_DENIED) {
    const need = CALL_PERMISSIONS[call];
    const hint = need ? ` (needs IAM permission ${need.permission}, e.g. role ${need.role})` : '';
    return new GoogleCallError(call, 'permission', `permission denied${hint}: ${status}${text}`, {
      cause: err,
    });
  }
  if (f.http === 404 || f.grpc === NOT_FOUND) {
    return new GoogleCallError(call, 'not-found', `not found: ${status}${text}`, { cause: err });
  }
  if (f.http === 401 || f.grpc === UNAUTHENTICATED) {
    return new GoogleCallError(call, 'unauthenticated', `the credentials were refused: ${status}${text}`, {
      cause: err,
    });
  }
  return new GoogleCallError(call, 'other', `${status}${text}`, { cause: err });
}
