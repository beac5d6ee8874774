import { describe, expect, it } from 'vitest';
import { encodeJson, goJson, goString, sha256Hex } from './json.js';
import { parseJsonLossless } from './json-parse.js';

// Vectors produced by Go's encoding/json (docs/PROTOCOL.md §1.13).
const SYSTEM_INFO_JSON = String.raw`{"huge":{"type":"float","value":1e+21},"neg":{"type":"int","value":-9007199254740993},"node_cpu_count":{"type":"int","value":4},"node_cpu_usage":{"type":"float","value":12.345},"node_memory_total":{"type":"bytes","value":16777216000},"node_os_info":{"type":"string","value":"linux \u003cx86_64\u003e \u0026 co\u2028"},"one":{"type":"float","value":1},"pg_version":{"type":"string","value":"16.4"},"tenth":{"type":"float","value":0.1},"tiny":{"type":"float","value":1e-7},"z_unicode":{"type":"string","value":"é漢字\t\"q\"\\/"}}`;
const SYSTEM_INFO_SHA = '8d0d34be9eadc64b0c514e2be8576d039072ccea3343ff4c1feb9303a1e6567b';
const CONFIG_JSON = String.raw`[{"name":"work_mem","setting":4096,"unit":"kB","vartype":"integer","context":"user"},{"name":"random_page_cost","setting":1.1,"unit":null,"vartype":"real","context":"user"},{"name":"checkpoint_completion_target","setting":0.9,"unit":null,"vartype":"real","context":"sighup"},{"name":"ssl","setting":"off","unit":null,"vartype":"bool","context":"sighup"},{"name":"search_path","setting":"\"$user\", public","unit":null,"vartype":"string","context":"user"},{"name":"vacuum_cost_delay","setting":2,"unit":"ms","vartype":"real","context":"user"}]`;
const CONFIG_SHA = '7403eb81c3881f1513397a5108d4003f443d8d894c5e4319c637e6548d5a62b8';

/** The vector's Go map, inserted in a deliberately unsorted order. */
function systemInfoVector(): Map<string, { type: string; value: unknown }> {
  return new Map<string, { type: string; value: unknown }>([
    ['z_unicode', { type: 'string', value: 'é漢字\t"q"\\/' }],
    ['pg_version', { type: 'string', value: '16.4' }],
    ['node_cpu_count', { type: 'int', value: 4 }],
    ['node_memory_total', { type: 'bytes', value: 16777216000 }],
    ['node_os_info', { type: 'string', value: 'linux <x86_64> & co\u2028' }],
    ['node_cpu_usage', { type: 'float', value: 12.345 }],
    ['tiny', { type: 'float', value: 1e-7 }],
    ['huge', { type: 'float', value: 1e21 }],
    ['tenth', { type: 'float', value: 0.1 }],
    ['one', { type: 'float', value: 1.0 }],
    ['neg', { type: 'int', value: -9007199254740993n }],
  ]);
}

describe('goJson', () => {
  it('reproduces the Go system-info vector byte for byte, and its hash', () => {
    const text = goJson(systemInfoVector());
    expect(text).toBe(SYSTEM_INFO_JSON);
    expect(sha256Hex(text)).toBe(SYSTEM_INFO_SHA);
  });

  it('reproduces the Go active-config vector byte for byte, and its hash', () => {
    const rows = [
      { name: 'work_mem', setting: 4096, unit: 'kB', vartype: 'integer', context: 'user' },
      { name: 'random_page_cost', setting: 1.1, unit: null, vartype: 'real', context: 'user' },
      { name: 'checkpoint_completion_target', setting: 0.9, unit: null, vartype: 'real', context: 'sighup' },
      { name: 'ssl', setting: 'off', unit: null, vartype: 'bool', context: 'sighup' },
      { name: 'search_path', setting: '"$user", public', unit: null, vartype: 'string', context: 'user' },
      { name: 'vacuum_cost_delay', setting: 2, unit: 'ms', vartype: 'real', context: 'user' },
    ];
    const text = goJson(rows);
    expect(text).toBe(CONFIG_JSON);
    expect(sha256Hex(text)).toBe(CONFIG_SHA);
  });

  it('keeps struct (plain object) field order and sorts map keys by UTF-8 bytes', () => {
    expect(goJson({ b: 1, a: 2 })).toBe('{"b":1,"a":2}');
    expect(
      goJson(
        new Map([
          ['b', 1],
          ['a', 2],
        ]),
      ),
    ).toBe('{"a":2,"b":1}');
    // UTF-8 bytes: U+FF21 is EF BC A1, U+1F600 is F0 9F 98 80, so Go puts U+FF21 first. UTF-16 code
    // units (D83D for U+1F600) would put U+1F600 first.
    const m = new Map([
      ['\u{1F600}', 1],
      ['\uFF21', 2],
      ['z', 3],
    ]);
    expect(goJson(m)).toBe('{"z":3,"\uFF21":2,"\u{1F600}":1}');
    const m2 = new Map([
      ['\uFF21', 2],
      ['\u{1F600}', 1],
    ]);
    expect(goJson(m2)).toBe('{"\uFF21":2,"\u{1F600}":1}');
  });

  it('formats float64 like Go: shortest digits, exponent below 1e-6 and from 1e21, -0', () => {
    expect(
      goJson([1e-7, 1e-6, 0.000001234, 1e20, 1e21, 123456789.125, -0, 5e-324, 1.7976931348623157e308]),
    ).toBe(
      '[1e-7,0.000001,0.000001234,100000000000000000000,1e+21,123456789.125,-0,5e-324,1.7976931348623157e+308]',
    );
    expect(() => goJson(Number.NaN)).toThrow(/unsupported value/);
    expect(() => goJson({ x: Number.POSITIVE_INFINITY })).toThrow(/unsupported value/);
  });

  it('escapes strings as Go does', () => {
    expect(goString('<>&')).toBe(String.raw`"\u003c\u003e\u0026"`);
    expect(goString('\u2028\u2029')).toBe(String.raw`"\u2028\u2029"`);
    expect(goString('a\u0000\u001f\u007f')).toBe('"a\\u0000\\u001f\u007f"');
    expect(goString('\b\f\n\r\t')).toBe(String.raw`"\b\f\n\r\t"`);
    expect(goString('"\\/')).toBe(String.raw`"\"\\/"`);
    expect(goString('\u{1F600}é')).toBe('"\u{1F600}é"');
    // a lone surrogate cannot be valid UTF-8; Go writes the replacement escape
    expect(goString('x\uD800y')).toBe(String.raw`"x\ufffdy"`);
  });

  it('omits undefined struct fields, writes null for undefined array items and uses toJSON', () => {
    expect(goJson({ a: undefined, b: null, c: [undefined] })).toBe('{"b":null,"c":[null]}');
    expect(goJson({ at: new Date(Date.UTC(2026, 0, 1)) })).toBe('{"at":"2026-01-01T00:00:00.000Z"}');
  });

  it('rejects cycles and non-string map keys', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => goJson(a)).toThrow(/cyclic/);
    expect(() => goJson(new Map([[1, 1]]))).toThrow(/map keys/);
  });
});

describe('encodeJson', () => {
  it('writes bigint as JSON integers, exactly', () => {
    const text = encodeJson({ queryid: 9223372036854775807n, neg: -4286213357432418707n, n: 1 });
    expect(text).toBe('{"queryid":9223372036854775807,"neg":-4286213357432418707,"n":1}');
  });

  it('otherwise matches JSON.stringify', () => {
    const value = {
      s: '<&>\u2028',
      n: [1.5, -0, Number.NaN],
      d: new Date(0),
      u: undefined,
      nested: { t: true },
    };
    expect(encodeJson(value)).toBe(JSON.stringify(value));
  });
});

describe('parseJsonLossless', () => {
  it('round-trips int64 values beyond 2^53 as bigint', () => {
    const v = parseJsonLossless(
      '{"a":9223372036854775807,"b":-4286213357432418707,"c":42,"d":1.5,"e":1e400}',
    );
    expect(v).toEqual({ a: 9223372036854775807n, b: -4286213357432418707n, c: 42, d: 1.5, e: Infinity });
    expect(encodeJson(parseJsonLossless(SYSTEM_INFO_JSON))).toContain('-9007199254740993');
  });

  it('parses what JSON.parse parses', () => {
    const texts = [
      ' [1, "a\\"b\\\\", {"x": [true, false, null]}, -0.5e3, "\\u00e9\\n"] ',
      '"\\\\"',
      '{}',
      '[]',
    ];
    for (const t of texts) expect(parseJsonLossless(t)).toEqual(JSON.parse(t));
  });

  it('rejects malformed JSON', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', 'tru', '01', '"\u0001"', '[1] x', '{"a":1,}', '"abc']) {
      expect(() => parseJsonLossless(bad), bad).toThrow(/json:/);
    }
  });

  it('keeps a __proto__ key as data', () => {
    const v = parseJsonLossless('{"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });
});
