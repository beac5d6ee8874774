import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { entraPassword, OSSRDBMS_SCOPE, REFRESH_MARGIN_MS } from './entra.js';

const HOUR = 3_600_000;

function issuer(ttlMs: number, clock: { t: number }) {
  const scopes: string[] = [];
  let n = 0;
  let fail: Error | null = null;
  const credential: TokenCredential = {
    getToken: (scope) => {
      scopes.push(Array.isArray(scope) ? scope.join(' ') : String(scope));
      if (fail) return Promise.reject(fail);
      n++;
      const token: AccessToken = { token: `token-${n}-xyz`, expiresOnTimestamp: clock.t + ttlMs };
      return Promise.resolve(token);
    },
  };
  return { credential, scopes, setFail: (e: Error | null) => (fail = e) };
}

describe('entraPassword', () => {
  it('reuses a token until the refresh margin, then fetches a new one', async () => {
    const clock = { t: 1_000_000 };
    const { credential, scopes } = issuer(HOUR, clock);
    const password = entraPassword(credential, { now: () => clock.t });
    expect(await password()).toBe('token-1-xyz');
    clock.t += HOUR - REFRESH_MARGIN_MS - 1;
    expect(await password()).toBe('token-1-xyz');
    clock.t += 1;
    expect(await password()).toBe('token-2-xyz');
    expect(scopes).toEqual([OSSRDBMS_SCOPE, OSSRDBMS_SCOPE]);
  });

  it('shares one request between concurrent connections', async () => {
    const clock = { t: 0 };
    const { credential, scopes } = issuer(HOUR, clock);
    const password = entraPassword(credential, { now: () => clock.t });
    expect(await Promise.all([password(), password(), password()])).toEqual([
      'token-1-xyz',
      'token-1-xyz',
      'token-1-xyz',
    ]);
    expect(scopes).toHaveLength(1);
  });

  it('keeps a still-valid token when a refresh fails, and fails once it expired', async () => {
    const clock = { t: 0 };
    const { credential, setFail } = issuer(HOUR, clock);
    const password = entraPassword(credential, { now: () => clock.t });
    await password();
    clock.t = HOUR - 60_000; // inside the margin, not expired
    setFail(
      Object.assign(new Error('ManagedIdentityCredential: unavailable'), {
        name: 'CredentialUnavailableError',
      }),
    );
    expect(await password()).toBe('token-1-xyz');
    clock.t = HOUR + 1;
    await expect(password()).rejects.toThrow(
      /^azure-flex: entra: cannot get a database token for https:\/\/ossrdbms-aad\.database\.windows\.net\/\.default: DefaultAzureCredential found no usable identity/,
    );
  });
});
