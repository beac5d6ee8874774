/**
 * Forwards warn-or-worse log lines to the platform's `raw-logs` endpoint (docs/PROTOCOL.md §1.11): buffered
 * (at most 100, oldest dropped), flushed every 15 s and at once on fatal. It never throws and never
 * logs above debug, so a failed send cannot produce a line that is forwarded again.
 */
import { encodeJson } from './json.js';
import { rfc3339Utc } from './time.js';
import type { RawLogEntry } from './types.js';
import type { Logger } from '../log.js';

/** What `createLogger({ onWarn })` hands out (a `LogLine` of src/log.ts). */
export interface RawLogLine {
  level: number;
  msg: string;
  fields: Record<string, unknown>;
  time: number;
}

export interface RawLogSender {
  sendRawLogs(entries: readonly RawLogEntry[]): Promise<unknown>;
}

export interface RawLogForwarderOptions {
  /** The platform client (anything with `sendRawLogs`). */
  client: RawLogSender;
  log?: Logger;
  /** Flush period (15 s). */
  intervalMs?: number;
  /** Buffer cap (100, the Go hook's channel size). */
  maxBuffered?: number;
}

const PINO_WARN = 40;
const PINO_ERROR = 50;
const PINO_FATAL = 60;

/** pino level → wire level: 40 warning, 50 error, 60 (and above) fatal. Below 40 → not forwarded. */
export function wireLevel(level: number): RawLogEntry['level'] | undefined {
  if (level >= PINO_FATAL) return 'fatal';
  if (level >= PINO_ERROR) return 'error';
  if (level >= PINO_WARN) return 'warning';
  return undefined;
}

/** `message` is the text plus ` | <json of fields>` when there are fields (the Go hook's layout). */
export function toRawLogEntry(line: RawLogLine): RawLogEntry | undefined {
  const level = wireLevel(line.level);
  if (level === undefined) return undefined;
  let message = line.msg;
  if (Object.keys(line.fields).length > 0) {
    let fields: string;
    try {
      fields = encodeJson(line.fields);
    } catch {
      fields = '"<unencodable fields>"';
    }
    message = `${message} | ${fields}`;
  }
  const time = Number.isFinite(line.time) ? new Date(line.time) : new Date();
  return { message, level, timestamp: rfc3339Utc(Number.isNaN(time.getTime()) ? new Date() : time) };
}

export class RawLogForwarder {
  private buffer: RawLogEntry[] = [];
  private droppedCount = 0;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;
  private readonly max: number;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RawLogForwarderOptions) {
    this.max = opts.maxBuffered ?? 100;
    this.timer = setInterval(() => void this.flush(), opts.intervalMs ?? 15_000);
    this.timer.unref();
  }

  /** Entries lost because the buffer was full or the forwarder was stopped. */
  get dropped(): number {
    return this.droppedCount;
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Buffer a log line; a fatal line triggers an immediate flush. Never throws. */
  push(line: RawLogLine): void {
    try {
      const entry = toRawLogEntry(line);
      if (entry === undefined) return;
      if (this.stopped) {
        this.droppedCount++;
        return;
      }
      this.buffer.push(entry);
      if (this.buffer.length > this.max) {
        const over = this.buffer.length - this.max;
        this.buffer.splice(0, over);
        this.droppedCount += over;
      }
      if (entry.level === 'fatal') void this.flush();
    } catch {
      // forwarding must never break logging
    }
  }

  /** Send what is buffered (one batch). Batches are sent one at a time, in order. Never rejects. */
  flush(): Promise<void> {
    const batch = this.buffer;
    if (batch.length === 0) return this.inFlight;
    this.buffer = [];
    this.inFlight = this.inFlight.then(() => this.send(batch));
    return this.inFlight;
  }

  /** Stop the timer and flush what remains. Later lines are dropped. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopped = true;
    await this.flush();
  }

  private async send(batch: RawLogEntry[]): Promise<void> {
    try {
      await this.opts.client.sendRawLogs(batch);
    } catch (err) {
      // debug only: a warning here would be forwarded again
      this.opts.log?.debug(
        { err: err instanceof Error ? err.message : String(err) },
        'raw-logs flush failed',
      );
    }
  }
}
