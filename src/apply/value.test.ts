import { describe, expect, it } from 'vitest';
import type { SettingRow } from './types.js';
import { forbiddenCharacter, normalizeValue, parseBool, sameValue } from './value.js';

const row = (over: Partial<SettingRow>): SettingRow => ({
  name: 'work_mem',
  setting: '4096',
  unit: 'kB',
  vartype: 'integer',
  context: 'user',
  source: 'default',
  min_val: '64',
  max_val: '2147483647',
  enumvals: null,
  pending_restart: false,
  ...over,
});
const workMem = row({});
const sharedBuffers = row({
  name: 'shared_buffers',
  unit: '8kB',
  min_val: '16',
  max_val: '1073741823',
  context: 'postmaster',
});
const rpc = row({
  name: 'random_page_cost',
  vartype: 'real',
  unit: null,
  min_val: '0',
  max_val: '1.79769e+308',
  setting: '4',
});
const cct = row({
  name: 'checkpoint_completion_target',
  vartype: 'real',
  unit: null,
  min_val: '0',
  max_val: '1',
  setting: '0.9',
});
const delay = row({
  name: 'autovacuum_vacuum_cost_delay',
  vartype: 'real',
  unit: 'ms',
  min_val: '-1',
  max_val: '100',
  setting: '2',
});
const jit = row({ name: 'jit', vartype: 'bool', unit: null, min_val: null, max_val: null, setting: 'on' });
const huge = row({
  name: 'huge_pages',
  vartype: 'enum',
  unit: null,
  min_val: null,
  max_val: null,
  setting: 'try',
  enumvals: ['off', 'on', 'try'],
});
const str = row({
  name: 'cluster_name',
  vartype: 'string',
  unit: null,
  min_val: null,
  max_val: null,
  setting: '',
});

describe('normalizeValue', () => {
  const ok: Array<[SettingRow, string, string]> = [
    [workMem, '65536', '65536'],
    [workMem, '+65536', '65536'],
    [workMem, '64MB', '65536'],
    [workMem, '64 MB', '65536'],
    [workMem, '1.5GB', '1572864'],
    [workMem, '2048kB', '2048'],
    [sharedBuffers, '128MB', '16384'],
    [sharedBuffers, '1GB', '131072'],
    [rpc, '1.1', '1.1'],
    [rpc, '1e1', '10'],
    [rpc, '.5', '0.5'],
    [cct, '0.90', '0.9'],
    [delay, '2ms', '2'],
    [delay, '0.5', '0.5'],
    [delay, '1000us', '1'],
    [jit, 'off', 'off'],
    [jit, 'TRUE', 'on'],
    [jit, 'y', 'on'],
    [jit, '0', 'off'],
    [jit, 'of', 'off'],
    [huge, 'TRY', 'try'],
    [str, 'analytics one', 'analytics one'],
  ];
  it.each(ok)('%#: accepts %s → %s', (r, raw, expected) => {
    expect(normalizeValue(r, raw)).toEqual({ ok: true, value: expected });
  });

  const bad: Array<[SettingRow, string, string]> = [
    [workMem, '-1', 'work_mem=-1 is below min_val 64 (kB)'],
    [workMem, '10', 'work_mem=10 is below min_val 64 (kB)'],
    [workMem, '4294967296', 'work_mem=4294967296 is above max_val 2147483647 (kB)'],
    [workMem, '1e3', 'work_mem=1e3 is not an integer'],
    [workMem, '1.5', 'work_mem=1.5 is not an integer'],
    [workMem, '0x10', 'work_mem=0x10 is not an integer'],
    [workMem, 'lots', 'work_mem=lots is not an integer'],
    [workMem, '', 'work_mem= is not an integer'],
    [workMem, '64mb', 'work_mem=64mb has unknown memory unit "mb"'],
    [workMem, '10s', 'work_mem=10s has unknown memory unit "s"'],
    [workMem, '0.1MB', 'work_mem=0.1MB is not a whole number of base units (kB)'],
    [sharedBuffers, '100kB', 'shared_buffers=100kB is not a whole number of base units (8kB)'],
    [rpc, '1MB', 'random_page_cost=1MB takes no unit, got "MB"'],
    [rpc, 'NaN', 'random_page_cost=NaN is not a number'],
    [rpc, 'Infinity', 'random_page_cost=Infinity is not a number'],
    [cct, '1.5', 'checkpoint_completion_target=1.5 is above max_val 1'],
    [jit, 'maybe', 'jit=maybe is not a boolean'],
    [jit, 'o', 'jit=o is not a boolean'],
    [huge, 'sometimes', 'huge_pages=sometimes is not one of: off, on, try'],
    [workMem, "'; DROP TABLE t; --", 'work_mem value contains a quote, a semicolon'],
    [workMem, '64MB\n', 'work_mem value contains a newline'],
    [str, 'a\0b', 'cluster_name value contains a NUL byte'],
    [str, 'a\\b', 'cluster_name value contains a backslash'],
    [str, 'a"b', 'cluster_name value contains a quote'],
    [str, 'x'.repeat(1025), 'longer than 1024'],
    [row({ vartype: 'weird' }), '1', 'work_mem has unsupported vartype weird'],
  ];
  it.each(bad)('%#: refuses %j', (r, raw, problem) => {
    const res = normalizeValue(r, raw);
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.problem).toContain(problem);
  });
});

describe('sameValue', () => {
  it.each([
    ['integer', '4096', '4096', true],
    ['integer', '4096', '4097', false],
    ['integer', '', '0', false],
    ['real', '1.1', '1.1', true],
    ['real', '1.1', '1.10000001', true],
    ['real', '1.1', '1.2', false],
    ['real', '0.9', '0.9', true],
    ['bool', 'on', 'on', true],
    ['bool', 'off', 'on', false],
    ['enum', 'try', 'TRY', true],
    ['string', 'a', 'A', false],
  ])('%s %s vs %s', (vartype, a, b, expected) => expect(sameValue(vartype, a, b)).toBe(expected));
});

describe('parseBool and forbiddenCharacter', () => {
  it('follows PostgreSQL spellings', () => {
    for (const t of ['on', 'ON', 'true', 't', 'tr', 'yes', 'y', '1']) expect(parseBool(t)).toBe(true);
    for (const f of ['off', 'of', 'false', 'f', 'no', 'n', '0']) expect(parseBool(f)).toBe(false);
    for (const x of ['o', '', '2', 'onn', 'truee']) expect(parseBool(x)).toBeNull();
  });
  it('names every forbidden character class', () => {
    expect(forbiddenCharacter('ok value 1.5MB')).toBeNull();
    expect(forbiddenCharacter("'; x")).toBe('contains a quote, a semicolon');
    expect(forbiddenCharacter('a\tb')).toBe('contains a control character');
  });
});
