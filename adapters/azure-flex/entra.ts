/**
 * Microsoft Entra authentication to the database (`azure_flex.auth_method: entra`): the password
 * of every new connection is an access token for Azure Database for PostgreSQL, from the same
 * DefaultAzureCredential chain. Tokens live about an hour and are checked only when a connection
 * opens, so one token is reused until shortly before it expires (or until the credential's own
 * refresh hint), then replaced; concurrent connections share one request.
 * https://learn.microsoft.com/en-us/azure/postgresql/flexible-server/how-to-connect-with-managed-identity
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import { registerSecret, type Logger } from '../../src/log.js';
import { errorMessage } from '../../src/errors.js';
import { CREDENTIAL_HINT } from './client.js';

export const OSSRDBMS_SCOPE = 'https://ossrdbms-aad.database.windows.net/.default';
/** Replace a token this long before it expires. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
const TOKEN_TIMEOUT_MS = 30_000;

export interface EntraPasswordOptions {
  /** Injectable clock (ms since the epoch). */
  now?: () => number;
  log?: Logger;
  refreshMarginMs?: number;
}

/** A `password` function for the pg pool: the current token, fetched again before it expires. */
export function entraPassword(
  credential: TokenCredential,
  opts: EntraPasswordOptions = {},
): () => Promise<string> {
  const now = opts.now ?? Date.now;
  const margin = opts.refreshMarginMs ?? REFRESH_MARGIN_MS;
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;

  const due = (t: AccessToken) =>
    now() >= Math.min(t.expiresOnTimestamp - margin, t.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY);

  const fetchToken = async (): Promise<AccessToken> => {
    let token: AccessToken | null;
    try {
      token = await credential.getToken(OSSRDBMS_SCOPE, {
        abortSignal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
      });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      const reason =
        name.includes('Credential') || name.includes('Authentication') ? CREDENTIAL_HINT : errorMessage(err);
      throw new Error(
        `azure-flex: entra: cannot get a database token for ${OSSRDBMS_SCOPE}: ${reason.split('\n')[0]}`,
        {
          cause: err,
        },
      );
    }
    if (!token?.token)
      throw new Error(`azure-flex: entra: the credential returned no token for ${OSSRDBMS_SCOPE}`);
    registerSecret(token.token);
    opts.log?.info(
      { expiresAt: new Date(token.expiresOnTimestamp).toISOString() },
      'database token obtained',
    );
    return token;
  };

  return async () => {
    if (current && !due(current)) return current.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    try {
      current = await pending;
    } catch (err) {
      // A token that has not expired yet still opens connections; try again on the next one.
      if (current && now() < current.expiresOnTimestamp) {
        opts.log?.warn({ err: errorMessage(err) }, 'database token refresh failed; using the current token');
        return current.token;
      }
      throw err;
    }
    return current.token;
  };
}
