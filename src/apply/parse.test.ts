import { describe, expect, it } from 'vitest';
import { ConfigApplyError } from '../errors.js';
import type { Proposal } from '../platform/types.js';
import { formatSetting, parseProposal } from './parse.js';
import { formatG6, humanize, parseBaseUnit, toBaseUnit } from './units.js';

describe('formatSetting (§4.1)', () => {
  const cases: Array<[string | undefined, unknown, string]> = [
    ['integer', 32768, '32768'],
    ['integer', '32768', '32768'],
    ['integer', 1.9, '1'],
    ['integer', -1.9, '-1'],
    ['integer', ' 64MB ', '64MB'],
    ['real', 1.1, '1.1'],
    ['real', 1234567, '1.23457e+06'],
    ['real', '0.9', '0.9'],
    ['real', 0.00001, '1e-05'],
    ['real', '2ms', '2ms'],
    ['bool', true, 'true'],
    ['bool', 'on', 'on'],
    ['enum', 'try', 'try'],
    ['string', 'x y', 'x y'],
    [undefined, 4, '4'],
    [undefined, 0.5, '0.5'],
  ];
  it.each(cases)('%s %j → %s', (vartype, setting, expected) => {
    expect(formatSetting({ name: 'k', setting, ...(vartype ? { vartype } : {}) })).toBe(expected);
  });
  it.each([null, undefined, { a: 1 }, [1], Number.POSITIVE_INFINITY])('refuses %j', (setting) => {
    expect(() => formatSetting({ name: 'k', setting, vartype: 'real' })).toThrow(ConfigApplyError);
  });
  it('refuses integers beyond 2^53', () => {
    expect(() => formatSetting({ name: 'k', setting: 2 ** 60, vartype: 'integer' })).toThrow(
      /not a usable integer/,
    );
  });
});

describe('formatG6 matches Go %.6g', () => {
  it.each([
    [1.1, '1.1'],
    [0.9, '0.9'],
    [1234567, '1.23457e+06'],
    [123456, '123456'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [0.0001, '0.0001'],
    [0.00001234, '1.234e-05'],
    [4, '4'],
    [-2.5, '-2.5'],
    [0, '0'],
    [1e21, '1e+21'],
    [1.0000001, '1'],
  ])('%d → %s', (x, s) => expect(formatG6(x)).toBe(s));
});

describe('units', () => {
  it('parses base units', () => {
    expect(parseBaseUnit('8kB')).toEqual({ kind: 'memory', size: 8192 });
    expect(parseBaseUnit('MB')).toEqual({ kind: 'memory', size: 1024 ** 2 });
    expect(parseBaseUnit('min')).toEqual({ kind: 'time', size: 60_000_000 });
    expect(parseBaseUnit(null)).toBeNull();
  });
  it('converts to the base unit', () => {
    expect(toBaseUnit(128, 'MB', '8kB')).toEqual({ ok: true, value: 16384 });
    expect(toBaseUnit(1, 'min', 's')).toEqual({ ok: true, value: 60 });
    expect(toBaseUnit(1, 'mb', 'kB')).toMatchObject({ ok: false }); // units are case-sensitive
    expect(toBaseUnit(1, 's', 'kB')).toMatchObject({ ok: false });
    expect(toBaseUnit(1, 'MB', null)).toMatchObject({ ok: false });
  });
  it('humanizes', () => {
    expect(humanize('16384', '8kB')).toBe('128MB');
    expect(humanize('4096', 'kB')).toBe('4MB');
    expect(humanize('300', 's')).toBe('5min');
    expect(humanize('-1', 'kB')).toBe('-1');
    expect(humanize('1.5', null)).toBe('1.5');
  });
});

describe('parseProposal', () => {
  const base: Proposal = {
    config: [
      { name: 'shared_buffers', setting: 32768, unit: '8kB', vartype: 'integer', context: 'postmaster' },
      { name: 'random_page_cost', setting: 1.1, vartype: 'real' },
      { name: 'not_overridden', setting: 1, vartype: 'integer' },
    ],
    knobs_overrides: ['shared_buffers', 'Random_Page_Cost'],
    knob_application: 'restart',
  };
  it('takes only knobs_overrides, in order, lower-cased', () => {
    expect(parseProposal(base)).toEqual({
      intent: 'restart',
      knobs: [
        { name: 'shared_buffers', value: '32768' },
        { name: 'random_page_cost', value: '1.1' },
      ],
    });
  });
  it('omitted knob_application → undefined (reload intent)', () => {
    expect(parseProposal({ ...base, knob_application: undefined }).intent).toBeUndefined();
  });
  it('refuses an unknown knob_application', () => {
    expect(() => parseProposal({ ...base, knob_application: 'RESTART' as never })).toThrow(
      /knob_application/,
    );
  });
  it('names every override missing from config', () => {
    expect(() => parseProposal({ ...base, knobs_overrides: ['work_mem', 'jit'] })).toThrow(
      'apply: parse: knob work_mem not found in configuration; knob jit not found in configuration',
    );
  });
  it('refuses names that are not parameter names', () => {
    expect(() =>
      parseProposal({
        config: [{ name: 'a;b', setting: 1 }],
        knobs_overrides: ['a;b'],
        knob_application: undefined,
      }),
    ).toThrow(/not a valid parameter name/);
  });
  it('refuses a knob listed twice in config', () => {
    expect(() =>
      parseProposal({
        config: [
          { name: 'work_mem', setting: 1 },
          { name: 'WORK_MEM', setting: 2 },
        ],
        knobs_overrides: ['work_mem'],
        knob_application: undefined,
      }),
    ).toThrow(/appears 2 times/);
  });
  it('an empty proposal parses to no knobs', () => {
    expect(parseProposal({ config: [], knobs_overrides: [], knob_application: undefined }).knobs).toEqual([]);
  });
});
