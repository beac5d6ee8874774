/**
 * Type parsers for collector sessions: PostgreSQL text output → the JSON values the Go agent sends
 * (docs/PROTOCOL.md §1.12). The Go agent scans with pgx into typed struct fields; these parsers reproduce the
 * resulting JSON from the text protocol:
 *
 * | PostgreSQL             | JSON                                                                 |
 * |------------------------|----------------------------------------------------------------------|
 * | int8                   | number when |v| ≤ 2^53−1, else `bigint` (encoded as a JSON integer)  |
 * | numeric                | number (an integral value beyond 2^53 stays exact as `bigint`)      |
 * | oid                    | number                                                               |
 * | xid, xid8, pg_lsn      | string                                                               |
 * | inet                   | string, host addresses without `/32` / `/128`                        |
 * | interval               | integer microseconds, month = 30 days, day = 24 h                    |
 * | timestamptz, timestamp | Go time JSON: RFC 3339 with up to 6 fraction digits, UTC (`…Z`)      |
 * | arrays of the above    | JSON arrays                                                          |
 *
 * Interval: parsed in JS rather than forcing `IntervalStyle` per session, because the pool's session
 * options are shared with other components and a role or database may carry its own
 * `ALTER ROLE … SET IntervalStyle`. All four output styles (postgres, postgres_verbose,
 * sql_standard, iso_8601) are accepted: https://www.postgresql.org/docs/current/datatype-datetime.html#DATATYPE-INTERVAL-OUTPUT
 *
 * Timestamps keep their microseconds (a JS Date would truncate to milliseconds). Only the ISO
 * DateStyle (the server default) is accepted; any other text fails the query loudly instead of
 * sending a wrong time. `infinity` (timestamps, and intervals on PG 17+) has no Go time/int64
 * representation and becomes null.
 */
import pg from 'pg';

type Parser = (text: string) => unknown;

const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;
const MICROS_PER_MONTH = 30n * MICROS_PER_DAY;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A bigint as a JS number when that is exact, else the bigint itself. */
function exact(v: bigint): number | bigint {
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v;
}

export function parseInt8(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

export function parseNumeric(text: string): number | bigint {
  const n = Number(text);
  if (!Number.isSafeInteger(n) && /^-?\d+$/.test(text)) return BigInt(text);
  return n;
}

export function parseInet(text: string): string {
  if (text.endsWith('/32') && !text.includes(':')) return text.slice(0, -3);
  if (text.endsWith('/128') && text.includes(':')) return text.slice(0, -4);
  return text;
}

// ---------------------------------------------------------------------------------------------
// interval

/** "6", "06.789", "-1.5" → microseconds (PostgreSQL prints at most 6 fraction digits). */
function secondsToMicros(text: string): bigint {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`pg types: bad seconds "${text}"`);
  const micros = BigInt(m[2]!) * MICROS_PER_SECOND + BigInt(((m[3] ?? '') + '000000').slice(0, 6));
  return m[1] === '-' ? -micros : micros;
}

/** "[+-]H:MM:SS[.ffffff]" → microseconds; `inherited` is the sign applied when the token has none. */
function clockToMicros(text: string, inherited: 1n | -1n): bigint {
  const m = /^([+-]?)(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$/.exec(text);
  if (!m) throw new Error(`pg types: bad interval time "${text}"`);
  const abs =
    BigInt(m[2]!) * 3600n * MICROS_PER_SECOND +
    BigInt(m[3]!) * 60n * MICROS_PER_SECOND +
    secondsToMicros(m[4] ?? '0');
  const sign = m[1] === '-' ? -1n : m[1] === '+' ? 1n : inherited;
  return sign * abs;
}

interface IntervalParts {
  months: bigint;
  days: bigint;
  micros: bigint;
}

const UNIT_PATTERNS: readonly [RegExp, (p: IntervalParts, value: string) => void][] = [
  [/^(years?)$/, (p, v) => (p.months += 12n * BigInt(v))],
  [/^(mons?|months?)$/, (p, v) => (p.months += BigInt(v))],
  [/^(days?)$/, (p, v) => (p.days += BigInt(v))],
  [/^(hours?)$/, (p, v) => (p.micros += 3600n * secondsToMicros(v))],
  [/^(mins?|minutes?)$/, (p, v) => (p.micros += 60n * secondsToMicros(v))],
  [/^(secs?|seconds?)$/, (p, v) => (p.micros += secondsToMicros(v))],
];

/** `postgres`, `postgres_verbose` and `sql_standard` output: whitespace-separated tokens. */
function parseWords(text: string): IntervalParts {
  const p: IntervalParts = { months: 0n, days: 0n, micros: 0n };
  let tokens = text.trim().split(/\s+/);
  let negateAll = false;
  if (tokens[0] === '@') tokens = tokens.slice(1);
  if (tokens.at(-1) === 'ago') {
    negateAll = true;
    tokens = tokens.slice(0, -1);
  }
  // sql_standard prints one leading '-' for a value whose fields are all negative ("-3 4:05:06");
  // with mixed signs every field carries its own sign ("-1-2 +3 -4:05:06").
  const inherited: 1n | -1n = tokens[0]?.startsWith('-') ? -1n : 1n;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const unit = tokens[i + 1];
    const rule = unit === undefined ? undefined : UNIT_PATTERNS.find(([re]) => re.test(unit));
    if (rule && /^[+-]?\d+(?:\.\d+)?$/.test(tok)) {
      rule[1](p, tok);
      i++;
      continue;
    }
    const ym = /^([+-]?)(\d+)-(\d+)$/.exec(tok);
    if (ym) {
      const sign = ym[1] === '-' ? -1n : ym[1] === '+' ? 1n : inherited;
      p.months += sign * (12n * BigInt(ym[2]!) + BigInt(ym[3]!));
    } else if (tok.includes(':')) {
      p.micros += clockToMicros(tok, tokens.length > 1 ? inherited : 1n);
    } else if (/^[+-]?\d+$/.test(tok)) {
      const sign = tok.startsWith('-') || tok.startsWith('+') ? 1n : inherited;
      p.days += sign * BigInt(tok); // sql_standard day count
    } else {
      throw new Error(`pg types: unrecognised interval "${text}"`);
    }
  }
  if (negateAll) return { months: -p.months, days: -p.days, micros: -p.micros };
  return p;
}

const ISO_INTERVAL =
  /^P(?:([+-]?\d+)Y)?(?:([+-]?\d+)M)?(?:([+-]?\d+)W)?(?:([+-]?\d+)D)?(?:T(?:([+-]?\d+)H)?(?:([+-]?\d+)M)?(?:([+-]?\d+(?:\.\d+)?)S)?)?$/;

function parseIso(text: string): IntervalParts {
  const m = ISO_INTERVAL.exec(text);
  if (!m) throw new Error(`pg types: unrecognised interval "${text}"`);
  const n = (s: string | undefined) => BigInt(s ?? '0');
  return {
    months: 12n * n(m[1]) + n(m[2]),
    days: 7n * n(m[3]) + n(m[4]),
    micros:
      3600n * MICROS_PER_SECOND * n(m[5]) + 60n * MICROS_PER_SECOND * n(m[6]) + secondsToMicros(m[7] ?? '0'),
  };
}

/** Interval text in any IntervalStyle → total microseconds (month = 30 d, day = 24 h); infinity → null. */
export function parseInterval(text: string): number | bigint | null {
  if (text === 'infinity' || text === '-infinity') return null;
  const p = text.startsWith('P') ? parseIso(text) : parseWords(text);
  return exact(p.months * MICROS_PER_MONTH + p.days * MICROS_PER_DAY + p.micros);
}

// ---------------------------------------------------------------------------------------------
// time

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Go's `time.Time` JSON (RFC3339Nano) for UTC wall-clock fields and a fraction of up to 9 digits. */
function goTime(epochMs: number, fraction: string): string {
  const d = new Date(epochMs);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  const frac = fraction.replace(/0+$/, '');
  return (
    `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${frac ? `.${frac}` : ''}Z`
  );
}

/** A JS Date as Go's time JSON in UTC (`collected_at`): `2024-01-02T03:04:05.12Z`. */
export function goTimeJson(date: Date): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError('pg types: invalid date');
  return goTime(ms - (((ms % 1000) + 1000) % 1000), pad(((ms % 1000) + 1000) % 1000, 3));
}

const ISO_TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?(?:([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?)?( BC)?$/;

/** timestamptz / timestamp / date text (DateStyle ISO) → Go time JSON in UTC; infinity → null. */
export function parseTimestamp(text: string): string | null {
  if (text === 'infinity' || text === '-infinity') return null;
  const m = ISO_TIMESTAMP.exec(text);
  if (!m) throw new Error(`pg types: unexpected timestamp "${text}" (collector sessions need DateStyle ISO)`);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year; // 1 BC is year 0 in the proleptic Gregorian calendar Go uses
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), 0);
  const offsetSeconds =
    (Number(m[9] ?? 0) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * (m[8] === '-' ? -1 : 1);
  return goTime(d.getTime() - offsetSeconds * 1000, m[7] ?? '');
}

// ---------------------------------------------------------------------------------------------
// arrays and registration

type TypeId = Parameters<typeof pg.types.getTypeParser>[0];
const TEXT_ARRAY = 1009 as TypeId;
const parseTextArray = pg.types.getTypeParser(TEXT_ARRAY, 'text') as (text: string) => unknown[];

function mapNested(values: unknown[], element: Parser): unknown[] {
  return values.map((v) =>
    v === null ? null : Array.isArray(v) ? mapNested(v, element) : element(v as string),
  );
}

function arrayOf(element: Parser): Parser {
  return (text) => mapNested(parseTextArray(text), element);
}

/** int2vector / oidvector text ("1 2 3") → number[]. */
function parseVector(text: string): number[] {
  return text.trim() === '' ? [] : text.trim().split(/\s+/).map(Number);
}

const identity: Parser = (text) => text;

/** PostgreSQL type OIDs (pg_type.oid, stable across majors) and their parsers. */
const PARSERS = new Map<number, Parser>([
  [20, parseInt8], // int8
  [1016, arrayOf(parseInt8)],
  [1700, parseNumeric], // numeric
  [1231, arrayOf(parseNumeric)],
  [26, Number], // oid
  [1028, arrayOf(Number)],
  [28, identity], // xid
  [1011, arrayOf(identity)],
  [5069, identity], // xid8
  [271, arrayOf(identity)],
  [3220, identity], // pg_lsn
  [3221, arrayOf(identity)],
  [869, parseInet], // inet
  [1041, arrayOf(parseInet)],
  [1186, parseInterval], // interval
  [1187, arrayOf(parseInterval)],
  [1184, parseTimestamp], // timestamptz
  [1185, arrayOf(parseTimestamp)],
  [1114, parseTimestamp], // timestamp: pgx reads it as UTC
  [1115, arrayOf(parseTimestamp)],
  [1082, parseTimestamp], // date: midnight UTC, as pgx returns it
  [1182, arrayOf(parseTimestamp)],
  [1003, arrayOf(identity)], // name[]
  [22, parseVector], // int2vector
  [30, parseVector], // oidvector
]);

/** Pass as `createDb({ …, types: collectorTypes })` for collector sessions. */
export const collectorTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): Parser => {
    if (format !== 'binary') {
      const parser = PARSERS.get(oid);
      if (parser) return parser;
    }
    return pg.types.getTypeParser(oid, format) as Parser;
  }) as pg.CustomTypesConfig['getTypeParser'],
};
