import { describe, expect, it } from 'vitest';
import { changedPaths } from './reload.js';

describe('changedPaths', () => {
  it('names the leaves that differ, never their values', () => {
    const a = { debug: false, dbtune: { api_key: 'k1', server_url: 'u' }, tuning: { allowlist_add: ['a'] } };
    const b = {
      debug: true,
      dbtune: { api_key: 'k2', server_url: 'u' },
      tuning: { allowlist_add: ['a', 'b'] },
    };
    expect(changedPaths(a, b)).toEqual(['dbtune.api_key', 'debug', 'tuning.allowlist_add']);
    expect(changedPaths(a, structuredClone(a))).toEqual([]);
  });

  it('sees added and removed sections', () => {
    expect(changedPaths({ x: 1 }, { x: 1, docker: { container_name: 'pg' } })).toEqual(['docker']);
  });
});
