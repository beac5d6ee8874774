/**
 * JSON encoding for the platform wire.
 *
 * - `encodeJson`: ordinary JSON text, except that `bigint` values are written as JSON integers, so a
 *   pg_stat_statements `queryid` beyond 2^53 survives exactly (docs/PROTOCOL.md §1.12). `JSON.rawJSON` would do
 *   this natively but is not available on Node 20.
 * - `goJson`: byte-for-byte the compact output of Go's `encoding/json` `json.Marshal` (docs/PROTOCOL.md §1.13),
 *   used for the system-info and active-config `hash` fields, which must equal what the Go agent
 *   computes. A JS `Map` stands for a Go map (keys sorted); a plain object stands for a Go struct
 *   (fields in insertion order, which callers build in declaration order).
 */
import { createHash } from 'node:crypto';

interface EncodeMode {
  /** Go string escaping, sorted Map keys, `-0`, and errors on NaN/Infinity (Go's UnsupportedValueError). */
  go: boolean;
}

/** JSON text with `bigint` written as integers. Otherwise behaves like `JSON.stringify` (no replacer). */
export function encodeJson(value: unknown): string {
  return encode(value, { go: false }, new Set()) ?? 'null';
}

/**
 * Go `json.Marshal` output: `Map` → object with keys sorted by their UTF-8 bytes (Go sorts map keys
 * as strings); plain object → struct (insertion order, `undefined` fields omitted like omitempty
 * pointers); `bigint` → int64; `number` → float64 with Go's formatting. A value with `toJSON` (Date)
 * is written as its `toJSON` result, which for a Date is not Go's RFC3339Nano time text: hashed
 * payloads (system info, active config) hold no dates.
 */
export function goJson(value: unknown): string {
  return encode(value, { go: true }, new Set()) ?? 'null';
}

/** Lowercase hex SHA-256 of the UTF-8 bytes of `text` (the Go agent's `hash` fields). */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function encode(value: unknown, mode: EncodeMode, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return mode.go ? goString(value) : JSON.stringify(value);
    case 'number':
      return encodeNumber(value, mode);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      return encodeObject(value, mode, seen);
  }
}

function encodeNumber(n: number, mode: EncodeMode): string {
  if (!Number.isFinite(n)) {
    if (mode.go) throw new TypeError(`json: unsupported value: ${n}`);
    return 'null';
  }
  // Go formats float64 with strconv 'f' (shortest) and switches to exponent form for |x| < 1e-6 or
  // |x| >= 1e21, trimming `e-07` to `e-7` (encoding/json floatEncoder). ECMAScript's Number::toString
  // uses the same shortest digits and the same thresholds, so only -0 differs (Go prints `-0`).
  if (mode.go && Object.is(n, -0)) return '-0';
  return String(n);
}

function encodeObject(value: object | null, mode: EncodeMode, seen: Set<object>): string {
  if (value === null) return 'null';
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') {
    return encode((withToJson.toJSON as () => unknown).call(value), mode, seen) ?? 'null';
  }
  if (seen.has(value)) throw new TypeError('json: cyclic value');
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((v: unknown) => encode(v, mode, seen) ?? 'null').join(',')}]`;
    }
    if (value instanceof Uint8Array) {
      // Go encodes []byte as base64 text.
      return JSON.stringify(Buffer.from(value).toString('base64'));
    }
    const entries: [string, unknown][] =
      value instanceof Map ? mapEntries(value, mode) : Object.entries(value as Record<string, unknown>);
    const parts: string[] = [];
    for (const [k, v] of entries) {
      const encoded = encode(v, mode, seen);
      if (encoded === undefined) continue;
      parts.push(`${mode.go ? goString(k) : JSON.stringify(k)}:${encoded}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

function mapEntries(map: Map<unknown, unknown>, mode: EncodeMode): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const [k, v] of map) {
    if (typeof k !== 'string') throw new TypeError('json: map keys must be strings');
    entries.push([k, v]);
  }
  // Go sorts map keys by byte order of their UTF-8 encoding; UTF-16 order differs above U+D7FF.
  if (mode.go) entries.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
  return entries;
}

const HEX = '0123456789abcdef';

/**
 * A Go-escaped JSON string (encoding/json `appendString` with HTML escaping on, Go 1.22+):
 * `"` `\` → backslash escapes; \n \r \t \b \f → short escapes; other C0 controls and `<` `>` `&`
 * → `\u00XX`; U+2028/U+2029 → `\u2028`/`\u2029`; invalid UTF-8 (a lone surrogate here) → `\ufffd`.
 * Everything else, including DEL and non-ASCII, is written as is.
 */
export function goString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      esc = shortEscape(c);
    } else if (c === 0x2028 || c === 0x2029) {
      esc = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid surrogate pair is one code point, written as is
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc === undefined) continue;
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

function shortEscape(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    default:
      return `\\u00${HEX[c >> 4]}${HEX[c & 0xf]}`;
  }
}
