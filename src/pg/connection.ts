/**
 * `postgresql.connection_url` → node-postgres client settings, with libpq's meaning.
 *
 * Accepted forms (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING):
 * a `postgres://` or `postgresql://` URI, or a `key=value` connection string. Anything else is a
 * configuration error that says which forms work, without echoing the value (it may hold a password).
 *
 * TLS follows libpq, not node-postgres' default (which treats `sslmode=require` as `verify-full`
 * and warns): `require` encrypts without verifying, `verify-ca` checks the chain against
 * `sslrootcert`, `verify-full` also checks the host name; `prefer` encrypts without verifying.
 * pg-connection-string's libpq compatibility mode implements exactly that table.
 */
import { parse } from 'pg-connection-string';
import type { ClientConfig } from 'pg';

/** libpq keywords this agent passes through from a key=value string. */
const DSN_KEYS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'application_name',
  'connect_timeout',
  'options',
  'target_session_attrs',
]);

/** Why `text` is not a connection string this agent can use, or null when it is. */
export function connectionProblem(text: string): string | null {
  try {
    toClientConfig(text);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Parse a libpq key=value string: `host=db port=5432 password='a b\'c'`. */
export function parseKeyValue(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']+))\s*/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m?.[1]) throw new Error('must be a postgres:// URL or a libpq key=value string');
    const key = m[1].toLowerCase();
    if (!DSN_KEYS.has(key)) throw new Error(`unknown connection keyword "${key}"`);
    out.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
    pos = re.lastIndex;
  }
  if (out.size === 0) throw new Error('is empty');
  return out;
}

function keyValueToUrl(kv: Map<string, string>): string {
  const host = kv.get('host') ?? kv.get('hostaddr') ?? '';
  const user = kv.get('user');
  const password = kv.get('password');
  const auth =
    user !== undefined
      ? `${encodeURIComponent(user)}${password !== undefined ? `:${encodeURIComponent(password)}` : ''}@`
      : '';
  const query = new URLSearchParams();
  // A host that is a directory is a Unix-socket directory: the URL carries it as a parameter.
  const socket = host.startsWith('/');
  let authority = '';
  if (socket) {
    query.set('host', host);
    const port = kv.get('port');
    if (port) query.set('port', port);
  } else {
    authority = host.includes(':') ? `[${host}]` : host;
    const port = kv.get('port');
    if (port) authority += `:${port}`;
  }
  for (const [k, v] of kv) {
    if (!['host', 'hostaddr', 'port', 'user', 'password', 'dbname'].includes(k)) query.set(k, v);
  }
  const q = query.toString();
  return `postgresql://${auth}${authority}/${encodeURIComponent(kv.get('dbname') ?? '')}${q ? `?${q}` : ''}`;
}

/** Client settings for `text` (a URI or key=value string); throws a message without the value. */
export function toClientConfig(text: string): ClientConfig {
  const trimmed = text.trim();
  let url: string;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'postgres' && scheme !== 'postgresql')
      throw new Error(`must be a postgres:// or postgresql:// URL, not ${scheme}://`);
    url = trimmed;
  } else if (trimmed.includes('=')) {
    url = keyValueToUrl(parseKeyValue(trimmed));
  } else {
    throw new Error('must be a postgres:// URL or a libpq key=value string');
  }
  // The URL parser below also reads sslrootcert/sslcert/sslkey files; a missing file is a problem
  // of this setting, named as such.
  const parsed = parse(url, { useLibpqCompat: true });
  const { host, port, database, user, password, ssl, application_name, options } = parsed;
  const config: ClientConfig = {};
  if (host) config.host = host;
  if (port) config.port = Number(port);
  if (database) config.database = database;
  if (user) config.user = user;
  if (password !== undefined && password !== '') config.password = password;
  if (ssl !== undefined) config.ssl = ssl as ClientConfig['ssl'];
  if (application_name) config.application_name = application_name;
  if (options) config.options = options;
  if (parsed.connect_timeout) config.connectionTimeoutMillis = Number(parsed.connect_timeout) * 1000;
  return config;
}
