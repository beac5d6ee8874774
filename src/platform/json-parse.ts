/**
 * A lossless JSON parser: integers outside the safe range (|n| > 2^53 - 1) become `bigint`, so a
 * queryid or int64 system-info value read back from the wire is exact (docs/PROTOCOL.md §1.12). Everything
 * else matches `JSON.parse`. Node 20 has no `JSON.parse` source-text access, hence this parser.
 */

export class JsonParseError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`json: ${message} at position ${position}`);
    this.name = 'JsonParseError';
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const WS = /[ \t\n\r]*/y;

export function parseJsonLossless(text: string): unknown {
  const p = new Parser(text);
  p.skipWs();
  const value = p.value(0);
  p.skipWs();
  if (p.pos !== text.length) throw new JsonParseError('unexpected trailing text', p.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipWs(): void {
    WS.lastIndex = this.pos;
    WS.test(this.text);
    this.pos = WS.lastIndex;
  }

  value(depth: number): unknown {
    if (depth > 1000) throw new JsonParseError('nesting too deep', this.pos);
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.number();
    }
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') throw new JsonParseError('expected a string key', this.pos);
      const key = this.string();
      this.skipWs();
      this.expect(':');
      this.skipWs();
      // defineProperty so a "__proto__" key is an own property, as with JSON.parse
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipWs();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect('}');
      return out;
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      out.push(this.value(depth + 1));
      this.skipWs();
      if (this.text[this.pos] === ',') {
        this.pos++;
        continue;
      }
      this.expect(']');
      return out;
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const i = this.text.indexOf('"', this.pos);
      if (i < 0) throw new JsonParseError('unterminated string', start);
      let backslashes = 0;
      for (let j = i - 1; j > start && this.text[j] === '\\'; j--) backslashes++;
      this.pos = i + 1;
      if (backslashes % 2 === 0) break;
    }
    try {
      // The quoted slice is a complete JSON string literal; JSON.parse validates escapes and controls.
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      throw new JsonParseError('invalid string', start);
    }
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m || m[0] === '' || m.index !== this.pos) {
      throw new JsonParseError(
        `unexpected character ${JSON.stringify(this.text[this.pos] ?? 'end of input')}`,
        this.pos,
      );
    }
    this.pos += m[0].length;
    const isInteger = m[1] === undefined && m[2] === undefined;
    const n = Number(m[0]);
    if (isInteger && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw new JsonParseError('invalid literal', this.pos);
    this.pos += word.length;
    return value;
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) throw new JsonParseError(`expected '${ch}'`, this.pos);
    this.pos++;
  }
}
