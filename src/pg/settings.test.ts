import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { formatActiveConfig } from '../platform/format.js';
import { goJson, sha256Hex } from '../platform/json.js';
import type { Db } from './pool.js';
import {
  ACTIVE_CONFIG_SQL,
  configRowsFromPgSettings,
  parseNumericSetting,
  readActiveConfig,
} from './settings.js';
import type { PgSettingsRow } from './settings.js';

describe('parseNumericSetting (strconv.ParseInt, then ParseFloat, then text)', () => {
  it.each([
    ['4096', 4096],
    ['-1', -1],
    ['+5', 5],
    ['007', 7],
    ['-0', 0],
    ['1.1', 1.1],
    ['1.0', 1], // Go float64 1.0 marshals as 1
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
    ['99999999999999999999', 1e20], // int64 overflow falls through to float64
    ['1e400', '1e400'], // ParseFloat range error → text
    ['64kB', '64kB'],
    ['', ''],
    [' 1', ' 1'],
    ['0x10', '0x10'],
    ['inf', 'inf'],
  ])('%j → %j', (text, expected) => {
    expect(parseNumericSetting(text)).toBe(expected);
  });

  it('keeps integers beyond 2^53 exact as bigint, up to the int64 range', () => {
    expect(parseNumericSetting('9007199254740993')).toBe(9007199254740993n);
    expect(parseNumericSetting('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseNumericSetting('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(parseNumericSetting('9223372036854775808')).toBe(9223372036854775808);
    expect(parseNumericSetting('9007199254740991')).toBe(9007199254740991);
  });
});

const PG_ROWS: PgSettingsRow[] = [
  { name: 'work_mem', setting: '4096', unit: 'kB', vartype: 'integer', context: 'user' },
  { name: 'random_page_cost', setting: '1.1', unit: null, vartype: 'real', context: 'user' },
  { name: 'checkpoint_completion_target', setting: '0.9', unit: null, vartype: 'real', context: 'sighup' },
  { name: 'ssl', setting: 'off', unit: null, vartype: 'bool', context: 'sighup' },
  { name: 'search_path', setting: '"$user", public', unit: null, vartype: 'string', context: 'user' },
  { name: 'vacuum_cost_delay', setting: '2', unit: 'ms', vartype: 'real', context: 'user' },
];

describe('configRowsFromPgSettings', () => {
  it('types rows so the active-config hash equals the Go vector', () => {
    const rows = configRowsFromPgSettings(PG_ROWS);
    expect(rows[0]?.setting).toBe(4096);
    expect(rows[3]?.setting).toBe('off');
    expect(sha256Hex(goJson(rows))).toBe('7403eb81c3881f1513397a5108d4003f443d8d894c5e4319c637e6548d5a62b8');
    expect(formatActiveConfig(rows).hash).toBe(
      '7403eb81c3881f1513397a5108d4003f443d8d894c5e4319c637e6548d5a62b8',
    );
  });

  it('leaves bool, enum and string settings as text even when they look numeric', () => {
    const rows = configRowsFromPgSettings([
      { name: 'wal_level', setting: 'replica', unit: null, vartype: 'enum', context: 'postmaster' },
      { name: 'application_name', setting: '42', unit: null, vartype: 'string', context: 'user' },
      { name: 'odd', setting: 'unknown', unit: null, vartype: 'integer', context: 'user' },
    ]);
    expect(rows.map((r) => r.setting)).toEqual(['replica', '42', 'unknown']);
  });

  it('gives absent units as null', () => {
    const rows = configRowsFromPgSettings([
      { name: 'x', setting: '1', unit: undefined as unknown as null, vartype: 'integer', context: 'user' },
    ]);
    expect(rows[0]).toEqual({ name: 'x', setting: 1, unit: null, vartype: 'integer', context: 'user' });
    expect(Object.keys(rows[0]!)).toEqual(['name', 'setting', 'unit', 'vartype', 'context']);
  });
});

describe('readActiveConfig', () => {
  it('selects the five columns ordered by name and types them', async () => {
    const seen: string[] = [];
    const db = {
      query: (sql: string) => {
        seen.push(sql);
        return Promise.resolve({ rows: PG_ROWS } as unknown as pg.QueryResult);
      },
    } as unknown as Db;
    const rows = await readActiveConfig(db);
    expect(seen).toEqual([ACTIVE_CONFIG_SQL]);
    expect(ACTIVE_CONFIG_SQL).toBe(
      'SELECT name, setting, unit, vartype, context FROM pg_settings ORDER BY name',
    );
    expect(rows.map((r) => r.setting)).toEqual([4096, 1.1, 0.9, 'off', '"$user", public', 2]);
  });
});
