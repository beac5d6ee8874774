/**
 * Which keys hold secrets, `<ENV>_FILE` indirection (the Docker/Kubernetes secrets convention),
 * and registering every secret with the log scrubber as soon as it is read, so no later message,
 * error or CLI output can carry it.
 */
import { readFileSync } from 'node:fs';
import { registerSecret } from '../log.js';

export const REDACTED = '[REDACTED]';

/** Keys whose whole value is secret. */
export const SECRET_PATHS: ReadonlySet<string> = new Set([
  'dbtune.api_key',
  'rds.AWS_ACCESS_KEY_ID',
  'rds.AWS_SECRET_ACCESS_KEY',
  'rds-aurora.AWS_ACCESS_KEY_ID',
  'rds-aurora.AWS_SECRET_ACCESS_KEY',
  'aiven.AIVEN_API_TOKEN',
  'patroni.api_password',
  'approval.token',
]);

/** Keys holding a URL or DSN whose password part is secret (the rest stays visible). */
export const URL_PATHS: ReadonlySet<string> = new Set([
  'postgresql.connection_url',
  'dbtune.server_url',
  'patroni.patroni_api_url',
]);

/** Keys that may also be given as `<ENV_NAME>_FILE`. */
export const FILE_PATHS: ReadonlySet<string> = new Set([...SECRET_PATHS, 'postgresql.connection_url']);

export const FILE_SUFFIX = '_FILE';

// scheme://user:password@host… ; greedy up to the last @ of the authority part.
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)([^/?#]*)@/i;
// key=value DSN (libpq): password=secret or password='se cret'.
const DSN_PASSWORD = /(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s']+)/i;

/** The password inside a URL or DSN, as written. */
export function urlPassword(text: string): string | undefined {
  const url = URL_USERINFO.exec(text);
  if (url?.[2]) return url[2];
  const dsn = DSN_PASSWORD.exec(text);
  const value = dsn?.[3];
  if (!value) return undefined;
  return value.startsWith("'") ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** The URL or DSN with its password replaced by [REDACTED]. */
export function redactUrl(text: string): string {
  if (URL_USERINFO.test(text)) return text.replace(URL_USERINFO, `$1${REDACTED}@`);
  return text.replace(DSN_PASSWORD, `$1$2${REDACTED}`);
}

/** Register a value read for `path` with the log scrubber. */
export function registerValue(path: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') return;
  if (SECRET_PATHS.has(path)) {
    registerSecret(value);
  } else if (URL_PATHS.has(path)) {
    const password = urlPassword(value);
    if (password === undefined) return;
    registerSecret(password);
    try {
      registerSecret(decodeURIComponent(password));
    } catch {
      // not percent-encoded: the raw form is registered already
    }
  }
}

export type SecretFileResult = { ok: true; value: string } | { ok: false; message: string };

/** Read `<ENV>_FILE`: one trailing newline (and CR) trimmed. Errors never quote the content. */
export function readSecretFile(file: string): SecretFileResult {
  try {
    return { ok: true, value: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'read error';
    return { ok: false, message: `cannot read ${file} (${code})` };
  }
}
