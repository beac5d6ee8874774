import { afterEach, describe, expect, it, vi } from 'vitest';
import { isLoopbackHost, proxyAgentFor, proxyLabel, proxyUrlFor } from './proxy.js';

afterEach(() => vi.unstubAllEnvs());

function env(vars: Record<string, string>): void {
  for (const k of [
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'ALL_PROXY',
    'all_proxy',
    'NO_PROXY',
    'no_proxy',
  ])
    vi.stubEnv(k, '');
  for (const [k, v] of Object.entries(vars)) vi.stubEnv(k, v);
}

describe('proxy selection from the environment', () => {
  it('chooses by scheme: HTTPS_PROXY for https targets, HTTP_PROXY for http', () => {
    env({ HTTPS_PROXY: 'http://secure-proxy:3128', HTTP_PROXY: 'http://plain-proxy:3128' });
    expect(proxyUrlFor('https://app.dbtune.com/api')).toBe('http://secure-proxy:3128');
    expect(proxyUrlFor('http://platform.internal:8080/')).toBe('http://plain-proxy:3128');
  });

  it('honours NO_PROXY hosts, domain suffixes, ports and *', () => {
    env({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'internal.example, .corp:8443' });
    expect(proxyUrlFor('https://internal.example/x')).toBeUndefined();
    expect(proxyUrlFor('https://db.corp:8443/x')).toBeUndefined();
    expect(proxyUrlFor('https://db.corp/x')).toBe('http://p:3128');
    expect(proxyUrlFor('https://app.dbtune.com/x')).toBe('http://p:3128');
    env({ HTTPS_PROXY: 'http://p:3128', no_proxy: '*' });
    expect(proxyUrlFor('https://app.dbtune.com/x')).toBeUndefined();
  });

  it('never proxies loopback targets (as Go net/http), so the embedded platform stays direct', () => {
    env({ HTTPS_PROXY: 'http://p:3128', HTTP_PROXY: 'http://p:3128' });
    for (const url of [
      'http://127.0.0.1:4000',
      'http://localhost:1',
      'https://[::1]:8443',
      'http://127.8.9.10/',
    ])
      expect(proxyUrlFor(url)).toBeUndefined();
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });

  it('is direct without proxy variables, and for unparsable targets', () => {
    env({});
    expect(proxyUrlFor('https://app.dbtune.com')).toBeUndefined();
    expect(proxyAgentFor('https://app.dbtune.com')).toBeUndefined();
    env({ HTTPS_PROXY: 'http://p:3128' });
    expect(proxyUrlFor('not a url')).toBeUndefined();
  });

  it('shares one agent pair per proxy and labels the proxy without its credentials', () => {
    env({ HTTPS_PROXY: 'http://user:s3cret@p:3128' });
    const a = proxyAgentFor('https://a.example');
    expect(a).toBeDefined();
    expect(proxyAgentFor('https://b.example')).toBe(a);
    expect(proxyLabel('http://user:s3cret@p:3128')).toBe('http://p:3128');
  });
});
