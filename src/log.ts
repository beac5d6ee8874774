/**
 * Logging (pino). JSON lines when stdout is not a TTY, pretty output when it is.
 *
 * Secrets are scrubbed from the final serialised line, so they cannot leak through a message,
 * an error's text or stack, or a field of any name: every known secret value (API key, passwords,
 * tokens, cloud keys) is registered with `registerSecret` and replaced by `[REDACTED]`, and
 * passwords inside connection URLs are masked by pattern.
 */
import { createRequire } from 'node:module';
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';

const require = createRequire(import.meta.url);

/** pino-pretty is loaded only for a terminal: a service logging JSON never pays for it. */
function prettyStream(): DestinationStream {
  const pretty = require('pino-pretty') as typeof PinoPretty;
  return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
}

export type Logger = PinoLogger;
export type LogFormat = 'json' | 'pretty';

export interface LogLine {
  level: number;
  levelLabel: string;
  time: number;
  msg: string;
  fields: Record<string, unknown>;
}

export interface LoggerOptions {
  format?: LogFormat;
  debug?: boolean;
  /** Destination (tests); default stdout. */
  destination?: DestinationStream;
  /** Called with every scrubbed warn-or-worse line (raw-log forwarding to the platform). */
  onWarn?: (line: LogLine) => void;
}

const secrets = new Set<string>();
const REDACTED = '[REDACTED]';

/** Register a secret value: it is replaced wherever it appears in log output and CLI output. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== 'string') return;
  const v = value.trim();
  if (v.length < 4) return; // too short to scrub without mangling ordinary text
  secrets.add(v);
  // URL-encoded and JSON-escaped forms can appear too.
  secrets.add(encodeURIComponent(v));
  secrets.add(JSON.stringify(v).slice(1, -1));
}

export function clearSecretsForTest(): void {
  secrets.clear();
}

// user:password@ in any scheme://…
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s"]*:)([^@/?#\s"]+)(@)/gi;
// password=… in libpq key=value DSNs and query strings (`=` only: "api_key: required" is prose).
const KV_PASSWORD = /\b(password|passwd|pwd|api[_-]?key|secret|token)(\s*=\s*)("?)([^\s"&,;]+)/gi;

/** Scrub known secrets and URL passwords from any text. */
export function scrub(text: string): string {
  let out = text;
  // Longest first so a secret containing another is replaced whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  out = out.replace(URL_PASSWORD, `$1${REDACTED}$3`);
  out = out.replace(KV_PASSWORD, (m, k: string, sep: string, q: string, v: string) =>
    v === REDACTED || v.startsWith('[REDACTED') ? m : `${k}${sep}${q}${REDACTED}`,
  );
  return out;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const dest: DestinationStream =
    opts.destination ?? (format === 'pretty' ? prettyStream() : pino.destination({ dest: 1, sync: true }));
  const onWarn = opts.onWarn;
  return pino(
    {
      level: opts.debug ? 'debug' : 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
      hooks: {
        streamWrite(line: string): string {
          const clean = scrub(line);
          if (onWarn) forwardIfWarn(clean, onWarn);
          return clean;
        },
      },
    },
    dest,
  );
}

function forwardIfWarn(line: string, onWarn: (l: LogLine) => void): void {
  try {
    const obj = JSON.parse(line) as Record<string, unknown>;
    const level = Number(obj.level);
    if (!(level >= 40)) return;
    const { level: _l, time, msg, ...fields } = obj;
    onWarn({
      level,
      levelLabel: pino.levels.labels[level] ?? 'error',
      time: typeof time === 'string' ? Date.parse(time) : Number(time) || Date.now(),
      msg: typeof msg === 'string' ? msg : '',
      fields,
    });
  } catch {
    // never let forwarding break logging
  }
}

/** A logger that discards everything (unit tests). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
