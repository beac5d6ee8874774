import { describe, expect, it } from 'vitest';
import {
  collectorTypes,
  goTimeJson,
  parseInet,
  parseInt8,
  parseInterval,
  parseNumeric,
  parseTimestamp,
} from './types.js';

const S = 1_000_000;
const MIN = 60 * S;
const H = 60 * MIN;
const D = 24 * H;
const MON = 30 * D;

// Outputs recorded from PostgreSQL 17 for the same eight values under each IntervalStyle.
const VALUES = [
  1 * 12 * MON + 2 * MON + 3 * D + 4 * H + 5 * MIN + 6.789 * S, // '1 year 2 mons 3 days 04:05:06.789'
  -(12 * MON) - 2 * MON + 3 * D - (4 * H + 5 * MIN + 6 * S), // '-1 year -2 mons +3 days -04:05:06'
  -(3 * D) - (4 * H + 5 * MIN + 6.5 * S), // '-3 days -04:05:06.5'
  -(14 * MON), // '-1 year -2 mons'
  -1.5 * S, // '-00:00:01.5'
  0,
  D - S, // '1 day -1 sec'
  -D, // '-1 day'
  100 * H, // '100 hours'
];
const STYLES: Record<string, string[]> = {
  postgres: [
    '1 year 2 mons 3 days 04:05:06.789',
    '-1 years -2 mons +3 days -04:05:06',
    '-3 days -04:05:06.5',
    '-1 years -2 mons',
    '-00:00:01.5',
    '00:00:00',
    '1 day -00:00:01',
    '-1 days',
    '100:00:00',
  ],
  postgres_verbose: [
    '@ 1 year 2 mons 3 days 4 hours 5 mins 6.789 secs',
    '@ 1 year 2 mons -3 days 4 hours 5 mins 6 secs ago',
    '@ 3 days 4 hours 5 mins 6.5 secs ago',
    '@ 1 year 2 mons ago',
    '@ 1.5 secs ago',
    '@ 0',
    '@ 1 day -1 sec',
    '@ 1 day ago',
    '@ 100 hours',
  ],
  sql_standard: [
    '+1-2 +3 +4:05:06.789',
    '-1-2 +3 -4:05:06',
    '-3 4:05:06.5',
    '-1-2',
    '-0:00:01.5',
    '0',
    '+0-0 +1 -0:00:01',
    '-1 0:00:00',
    '100:00:00',
  ],
  iso_8601: [
    'P1Y2M3DT4H5M6.789S',
    'P-1Y-2M3DT-4H-5M-6S',
    'P-3DT-4H-5M-6.5S',
    'P-1Y-2M',
    'PT-1.5S',
    'PT0S',
    'P1DT-1S',
    'P-1D',
    'PT100H',
  ],
};

describe('parseInterval', () => {
  for (const [style, texts] of Object.entries(STYLES)) {
    it(`reads IntervalStyle ${style} as microseconds (month = 30 d)`, () => {
      expect(texts.map(parseInterval)).toEqual(VALUES.map((v) => Math.round(v)));
    });
  }

  it('keeps values beyond 2^53 exact as bigint, and maps infinity to null', () => {
    expect(parseInterval('178000000 years')).toBe(178_000_000n * 12n * 30n * 86_400_000_000n);
    expect(parseInterval('-2147483648 days')).toBe(-2147483648n * 86_400_000_000n);
    expect(parseInterval('2562047788:00:54.775807')).toBe(9_223_372_036_854_775_807n);
    expect(parseInterval('infinity')).toBeNull();
    expect(parseInterval('-infinity')).toBeNull();
  });

  it('rejects text it does not understand', () => {
    expect(() => parseInterval('1 fortnight')).toThrow(/unrecognised interval/);
    expect(() => parseInterval('Pxyz')).toThrow(/unrecognised interval/);
  });
});

describe('parseTimestamp', () => {
  it('converts to UTC Go time JSON and keeps microseconds', () => {
    expect(parseTimestamp('2026-11-25 03:29:10.868346+05:30')).toBe('2026-11-24T21:59:10.868346Z');
    expect(parseTimestamp('2024-01-01 00:00:00.1+00')).toBe('2024-01-01T00:00:00.1Z');
    expect(parseTimestamp('2024-01-01 00:00:00.120000+00')).toBe('2024-01-01T00:00:00.12Z');
    expect(parseTimestamp('2024-03-10 23:59:59-07')).toBe('2024-03-11T06:59:59Z');
  });

  it('handles second-resolution historical offsets, BC years, years < 100 and > 9999', () => {
    expect(parseTimestamp('1849-12-31 20:53:32-03:06:28')).toBe('1850-01-01T00:00:00Z');
    expect(parseTimestamp('0044-03-15 12:00:00+05:53:28 BC')).toBe('-0043-03-15T06:06:32Z');
    expect(parseTimestamp('0099-06-01 00:00:00+00')).toBe('0099-06-01T00:00:00Z');
    expect(parseTimestamp('10000-01-01 00:00:00+05:30')).toBe('9999-12-31T18:30:00Z');
  });

  it('reads timestamp without time zone and date as UTC; infinity → null; other DateStyles fail', () => {
    expect(parseTimestamp('2024-02-29 12:00:00.000001')).toBe('2024-02-29T12:00:00.000001Z');
    expect(parseTimestamp('2024-02-29')).toBe('2024-02-29T00:00:00Z');
    expect(parseTimestamp('infinity')).toBeNull();
    expect(() => parseTimestamp('Thu Feb 29 12:00:00 2024 PST')).toThrow(/DateStyle ISO/);
  });
});

describe('goTimeJson', () => {
  it('prints UTC with trailing fraction zeros trimmed', () => {
    expect(goTimeJson(new Date('2024-05-06T07:08:09.120Z'))).toBe('2024-05-06T07:08:09.12Z');
    expect(goTimeJson(new Date('2024-05-06T07:08:09.000Z'))).toBe('2024-05-06T07:08:09Z');
    expect(goTimeJson(new Date('2024-05-06T07:08:09.007Z'))).toBe('2024-05-06T07:08:09.007Z');
    expect(() => goTimeJson(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('scalar parsers', () => {
  it('int8 is a number up to 2^53−1 and a bigint beyond', () => {
    expect(parseInt8('9007199254740991')).toBe(9007199254740991);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(parseInt8('9007199254740992')).toBe(9007199254740992n);
    expect(parseInt8('-9223372036854775808')).toBe(-9223372036854775808n);
  });

  it('numeric is a number; exact integers beyond 2^53 stay bigint', () => {
    expect(parseNumeric('12.5')).toBe(12.5);
    expect(parseNumeric('123456')).toBe(123456);
    expect(parseNumeric('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseNumeric('NaN')).toBeNaN();
  });

  it('inet drops the host mask only', () => {
    expect(parseInet('10.1.2.3/32')).toBe('10.1.2.3');
    expect(parseInet('::1/128')).toBe('::1');
    expect(parseInet('10.0.0.0/8')).toBe('10.0.0.0/8');
    expect(parseInet('192.168.0.1')).toBe('192.168.0.1');
  });
});

describe('collectorTypes', () => {
  const parse = (oid: number, text: string): unknown =>
    (collectorTypes.getTypeParser(oid, 'text') as (t: string) => unknown)(text);

  it('registers the wire conventions by type OID', () => {
    expect(parse(20, '42')).toBe(42);
    expect(parse(1700, '1.25')).toBe(1.25);
    expect(parse(26, '16384')).toBe(16384);
    expect(parse(28, '745')).toBe('745');
    expect(parse(5069, '745')).toBe('745');
    expect(parse(3220, '0/3000060')).toBe('0/3000060');
    expect(parse(869, '127.0.0.1/32')).toBe('127.0.0.1');
    expect(parse(1186, '00:00:01')).toBe(1_000_000);
    expect(parse(1184, '2024-01-01 00:00:00+00')).toBe('2024-01-01T00:00:00Z');
    expect(parse(22, '1 3')).toEqual([1, 3]);
  });

  it('parses arrays element-wise, keeping NULL elements', () => {
    expect(parse(1016, '{1,NULL,9007199254740993}')).toEqual([1, null, 9007199254740993n]);
    expect(parse(1011, '{1,2}')).toEqual(['1', '2']);
    expect(parse(1028, '{{1,2},{3,4}}')).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(parse(1187, '{"1 day",00:00:00}')).toEqual([86_400_000_000, 0]);
    expect(parse(1185, '{"2024-01-01 00:00:00.5+00"}')).toEqual(['2024-01-01T00:00:00.5Z']);
  });

  it('falls back to the default parsers for other types', () => {
    expect(parse(23, '7')).toBe(7);
    expect(parse(16, 't')).toBe(true);
    expect(parse(25, 'x')).toBe('x');
  });
});
