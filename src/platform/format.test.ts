import { afterEach, describe, expect, it } from 'vitest';
import { ConfigApplyError } from '../errors.js';
import {
  RecommendationDecodeError,
  decodeRecommendation,
  formatActiveConfig,
  formatMetrics,
  formatSystemInfo,
  roundTo3,
  systemInfoHash,
} from './format.js';
import { goJson, sha256Hex } from './json.js';
import { rfc3339Local, rfc3339Utc } from './time.js';
import type { ConfigRow, Metric } from './types.js';

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('roundTo3 (Go math.Round(v*1000)/1000)', () => {
  it.each([
    [1.23456789, 1.235],
    [0.0001234, 0],
    [1.9999, 2],
    [12.345, 12.345],
    [-1.2345, -1.235], // half away from zero (Math.round would give -1.234)
    [-0.0005, -0.001],
    [0.0005, 0.001],
    [42, 42],
  ])('%d → %d', (input, expected) => {
    expect(roundTo3(input)).toBe(expected);
  });

  it('keeps the sign of a negative value that rounds to zero, as Go does (-0)', () => {
    expect(Object.is(roundTo3(-0.0001), -0)).toBe(true);
    expect(goJson(roundTo3(-0.0001))).toBe('-0');
  });
});

describe('timestamps', () => {
  const instant = new Date(Date.UTC(2026, 0, 1, 12, 0, 0, 987));

  it('local RFC 3339 at second precision with the numeric offset', () => {
    process.env.TZ = 'Europe/Paris';
    expect(rfc3339Local(instant)).toBe('2026-01-01T13:00:00+01:00');
    process.env.TZ = 'America/St_Johns';
    expect(rfc3339Local(instant)).toBe('2026-01-01T08:30:00-03:30');
    process.env.TZ = 'Asia/Kolkata';
    expect(rfc3339Local(instant)).toBe('2026-01-01T17:30:00+05:30');
  });

  it('writes Z for a zero offset, as Go does even for a local zone', () => {
    process.env.TZ = 'UTC';
    expect(rfc3339Local(instant)).toBe('2026-01-01T12:00:00Z');
    process.env.TZ = 'Europe/London';
    expect(rfc3339Local(instant)).toBe('2026-01-01T12:00:00Z');
  });

  it('UTC RFC 3339 whatever the local zone', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(rfc3339Utc(instant)).toBe('2026-01-01T12:00:00Z');
    expect(() => rfc3339Utc(new Date(Number.NaN))).toThrow(/invalid date/);
  });
});

describe('formatMetrics', () => {
  it('builds the 2.0 envelope: floats rounded, ints and strings unchanged, last duplicate wins', () => {
    process.env.TZ = 'Europe/Paris';
    const metrics: Metric[] = [
      { key: 'node_cpu_usage', type: 'float', value: 12.34567 },
      { key: 'node_memory_used', type: 'bytes', value: 123456789 },
      { key: 'node_memory_used_percentage', type: 'percentage', value: 55.55555 },
      { key: 'node_os_info', type: 'string', value: 'linux 1.23456' },
      { key: 'node_disk_io_ops_read', type: 'int', value: 9007199254740993n },
      { key: 'node_cpu_usage', type: 'float', value: 1.9999 },
    ];
    const payload = formatMetrics(metrics, new Date(Date.UTC(2026, 0, 1, 12)));
    expect(payload).toEqual({
      version: '2.0',
      metrics: {
        node_cpu_usage: 2,
        node_memory_used: 123456789,
        node_memory_used_percentage: 55.556,
        node_os_info: 'linux 1.23456',
        node_disk_io_ops_read: 9007199254740993n,
      },
      timestamp: '2026-01-01T13:00:00+01:00',
    });
    expect(Object.keys(payload.metrics)).toEqual([...Object.keys(payload.metrics)].sort());
  });

  it('sends an empty object when there are no metrics, and drops non-finite samples', () => {
    expect(formatMetrics([]).metrics).toEqual({});
    const payload = formatMetrics([
      { key: 'a', type: 'float', value: 1 },
      { key: 'a', type: 'float', value: Number.NaN },
      { key: 'b', type: 'float', value: Number.POSITIVE_INFINITY },
    ]);
    expect(payload.metrics).toEqual({ a: 1 });
  });
});

describe('formatSystemInfo', () => {
  const info: Metric[] = [
    { key: 'pg_version', type: 'string', value: '16.4' },
    { key: 'node_cpu_count', type: 'int', value: 4 },
    { key: 'node_memory_total', type: 'bytes', value: 16777216000 },
    { key: 'node_os_info', type: 'string', value: 'linux <x86_64> & co\u2028' },
    { key: 'node_cpu_usage', type: 'float', value: 12.345 },
    { key: 'huge', type: 'float', value: 1e21 },
    { key: 'tenth', type: 'float', value: 0.1 },
    { key: 'one', type: 'float', value: 1.0 },
    { key: 'neg', type: 'int', value: -9007199254740993n },
    { key: 'z_unicode', type: 'string', value: 'é漢字\t"q"\\/' },
  ];

  it('hashes the sorted map the way Go does (the vector without its sub-1e-3 entry, which rounds to 0)', () => {
    process.env.TZ = 'UTC';
    const payload = formatSystemInfo(info, new Date(Date.UTC(2026, 0, 1, 12)));
    const expectedText = String.raw`{"huge":{"type":"float","value":1e+21},"neg":{"type":"int","value":-9007199254740993},"node_cpu_count":{"type":"int","value":4},"node_cpu_usage":{"type":"float","value":12.345},"node_memory_total":{"type":"bytes","value":16777216000},"node_os_info":{"type":"string","value":"linux \u003cx86_64\u003e \u0026 co\u2028"},"one":{"type":"float","value":1},"pg_version":{"type":"string","value":"16.4"},"tenth":{"type":"float","value":0.1},"z_unicode":{"type":"string","value":"é漢字\t\"q\"\\/"}}`;
    expect(payload.hash).toBe(sha256Hex(expectedText));
    expect(payload.timestamp).toBe('2026-01-01T12:00:00Z');
    expect(Object.keys(payload.system_info)[0]).toBe('huge');
    expect(systemInfoHash(payload.system_info)).toBe(payload.hash);
  });

  it('rounds float entries before hashing, and refuses a non-finite value (all-or-nothing)', () => {
    const a = formatSystemInfo([{ key: 'x', type: 'float', value: 1.00049 }]);
    const b = formatSystemInfo([{ key: 'x', type: 'float', value: 1 }]);
    expect(a.system_info.x).toEqual({ type: 'float', value: 1 });
    expect(a.hash).toBe(b.hash);
    expect(() => formatSystemInfo([{ key: 'x', type: 'float', value: Number.NaN }])).toThrow(/not a finite/);
  });
});

describe('formatActiveConfig', () => {
  it('orders row fields as the Go struct, nulls a missing unit, and hashes the array alone', () => {
    const rows = [
      { context: 'user', vartype: 'integer', unit: 'kB', setting: 4096, name: 'work_mem' },
      { name: 'ssl', setting: 'off', vartype: 'bool', context: 'sighup' } as unknown as ConfigRow,
    ];
    const payload = formatActiveConfig(rows);
    const text =
      '[{"name":"work_mem","setting":4096,"unit":"kB","vartype":"integer","context":"user"},' +
      '{"name":"ssl","setting":"off","unit":null,"vartype":"bool","context":"sighup"}]';
    expect(goJson(payload.config)).toBe(text);
    expect(payload.hash).toBe(sha256Hex(text));
  });
});

describe('decodeRecommendation (docs/PROTOCOL.md §1.8)', () => {
  const row = {
    name: 'shared_buffers',
    setting: 32768,
    unit: '8kB',
    vartype: 'integer',
    context: 'postmaster',
  };
  const element = (extra: Record<string, unknown>) => [
    { config: [row], knobs_overrides: ['shared_buffers'], ...extra },
  ];

  it('uses element 0 of the array', () => {
    const p = decodeRecommendation([
      { config: [row], knobs_overrides: ['shared_buffers'], knob_application: 'restart' },
      { config: [], knobs_overrides: [], knob_application: 'reload' },
    ]);
    expect(p).toEqual({ config: [row], knobs_overrides: ['shared_buffers'], knob_application: 'restart' });
  });

  it('[] and null mean no recommendation', () => {
    expect(decodeRecommendation([])).toBeNull();
    expect(decodeRecommendation(null)).toBeNull();
  });

  it('accepts reload, and an omitted knob_application decodes to undefined', () => {
    expect(decodeRecommendation(element({ knob_application: 'reload' }))?.knob_application).toBe('reload');
    const p = decodeRecommendation(element({}));
    expect(p).not.toBeNull();
    expect(p?.knob_application).toBeUndefined();
  });

  it.each([[''], ['RESTART'], ['Reload'], [1], [null], [true], [{}]])(
    'rejects knob_application %j',
    (value) => {
      expect(() => decodeRecommendation(element({ knob_application: value }))).toThrow(
        RecommendationDecodeError,
      );
    },
  );

  it('fails the whole response when any element is bad, as Go decodes the whole array', () => {
    expect(() =>
      decodeRecommendation([...element({ knob_application: 'reload' }), { knob_application: 'RESTART' }]),
    ).toThrow(RecommendationDecodeError);
  });

  it.each([
    [{ config: [row] }],
    ['[]'],
    [42],
    [[42]],
    [[{ config: {} }]],
    [[{ config: [{ setting: 1 }] }]],
    [[{ config: [row], knobs_overrides: [1] }]],
    [[{ config: [row], knobs_overrides: 'shared_buffers' }]],
    [[{ config: [{ ...row, vartype: 7 }] }]],
  ])('rejects malformed body %j', (body) => {
    expect(() => decodeRecommendation(body)).toThrow(RecommendationDecodeError);
  });

  it('rejects a knobs_overrides name missing from config with a config_apply_error', () => {
    const body = [{ config: [row], knobs_overrides: ['work_mem'], knob_application: 'reload' }];
    expect(() => decodeRecommendation(body)).toThrow(ConfigApplyError);
    expect(() => decodeRecommendation(body)).toThrow('knob work_mem not found in configuration');
  });

  it('treats absent lists as empty and keeps settings of any JSON type', () => {
    expect(decodeRecommendation([{}])).toEqual({
      config: [],
      knobs_overrides: [],
      knob_application: undefined,
    });
    const p = decodeRecommendation([{ config: [{ name: 'x', setting: 'on' }], knobs_overrides: ['x'] }]);
    expect(p?.config).toEqual([{ name: 'x', setting: 'on', unit: null }]);
  });
});
