import { describe, expect, it } from 'vitest';
import { LISTEN_ADDRESS } from '../config/schema.js';
import { apiBase } from '../cli/commands/approval.js';
import { parseListen } from './listen.js';

describe('health.listen', () => {
  it('parses host:port, a bare port, :port and [v6]:port', () => {
    expect(parseListen('127.0.0.1:9188')).toEqual({ host: '127.0.0.1', port: 9188 });
    expect(parseListen('9188')).toEqual({ host: undefined, port: 9188 });
    expect(parseListen(':9188')).toEqual({ host: undefined, port: 9188 });
    expect(parseListen('[::1]:9188')).toEqual({ host: '::1', port: 9188 });
    expect(parseListen('agent.local:80')).toEqual({ host: 'agent.local', port: 80 });
  });

  it('refuses what is not host:port, naming the env var', () => {
    for (const bad of ['127.0.0.1', 'host:', 'host:99999', 'http://x:1']) {
      expect(() => parseListen(bad)).toThrow(/DBT_HEALTH_LISTEN/);
    }
  });

  it('agrees with the schema pattern', () => {
    for (const ok of ['127.0.0.1:9188', '9188', ':9188', '[::1]:9188', ''])
      expect(LISTEN_ADDRESS.test(ok)).toBe(true);
    for (const bad of ['127.0.0.1', 'http://x:1', 'a b:1']) expect(LISTEN_ADDRESS.test(bad)).toBe(false);
  });

  it('reaches a wildcard listener on loopback from the CLI', () => {
    expect(apiBase('0.0.0.0:9188')).toBe('http://127.0.0.1:9188');
    expect(apiBase(':9188')).toBe('http://127.0.0.1:9188');
    expect(apiBase('[::]:9188')).toBe('http://[::1]:9188');
    expect(apiBase('10.0.0.5:9188')).toBe('http://10.0.0.5:9188');
  });
});
