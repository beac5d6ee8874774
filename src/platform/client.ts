/**
 * The DBtune platform API client (docs/PROTOCOL.md §1). Endpoints, methods, headers, gzip and accepted status
 * codes follow the Go agent exactly (§1.3); unlike the Go agent every call has an overall deadline.
 */
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { scrub, type Logger } from '../log.js';
import { proxyAgentFor, type ProxyAgents } from '../net/proxy.js';
import { decodeRecommendation, formatActiveConfig, formatMetrics, formatSystemInfo } from './format.js';
import { DEFAULT_RETRY, call, isRetryableStatus, type CallSpec, type RetrySettings } from './http.js';
import { encodeJson, goJson } from './json.js';
import { parseJsonLossless } from './json-parse.js';
import {
  ACTIVE_CONFIG,
  DEFAULT_DEADLINES,
  GUARDRAILS,
  HEARTBEAT,
  LOG_ENTRIES,
  METRICS,
  SYSTEM_INFO,
  catalogUpload,
} from './endpoints.js';
import type { PlatformDeadlines, Upload } from './endpoints.js';
import { PlatformError, bodyExcerpt } from './platform-error.js';
import { rfc3339Utc } from './time.js';
import type {
  CatalogPayload,
  ConfigRow,
  ErrorReport,
  GuardrailSignal,
  HeartbeatPayload,
  Metric,
  Proposal,
  RawLogEntry,
} from './types.js';

const gzip = promisify(gzipCallback);

export interface PlatformClientOptions {
  serverUrl: string;
  apiKey: string;
  databaseId: string;
  log: Logger;
  agentVersion?: string;
  retry?: Partial<RetrySettings>;
  deadlines?: Partial<PlatformDeadlines>;
  /** Proxy agents; default: from HTTPS_PROXY / HTTP_PROXY / NO_PROXY for server_url (src/net/proxy.ts). */
  agent?: ProxyAgents | null;
  /** Told the outcome of every call except raw-logs (service metrics and readiness). */
  onCall?: (outcome: CallOutcome) => void;
}

/** One finished platform call, as the service endpoints see it. */
export interface CallOutcome {
  endpoint: string;
  ok: boolean;
  /** The failure may pass by itself (5xx, refused, timeout): the platform counts as unreachable. */
  transient: boolean;
  at: Date;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * A shorter overall deadline for this call (never longer than the endpoint's). Periodic data that
   * the next tick supersedes (metrics, active config) should not be retried past that tick.
   */
  deadlineMs?: number;
}

// Catalog names are endpoint paths; they are concatenated into the URL, so keep them plain.
const CATALOG_NAME = /^[A-Za-z0-9_]+$/;

export class PlatformClient {
  private readonly base: string;
  private readonly query: string;
  private readonly settings: RetrySettings;
  private readonly deadlines: PlatformDeadlines;
  private readonly headers: Record<string, string>;
  private readonly log: Logger;
  private readonly apiKey: string;
  private readonly agent: ProxyAgents | undefined;
  private readonly onCall: ((outcome: CallOutcome) => void) | undefined;

  constructor(opts: PlatformClientOptions) {
    // `<server_url>/api/v1/agent/<path>?uuid=<database_id>` (§1.1). Go concatenates blindly; a trailing
    // slash on server_url is trimmed here so `https://x/` does not produce `https://x//api/...`.
    this.base = `${opts.serverUrl.replace(/\/+$/, '')}/api/v1/agent/`;
    this.query = `?uuid=${encodeURIComponent(opts.databaseId)}`;
    this.settings = { ...DEFAULT_RETRY, ...definedOnly(opts.retry ?? {}) };
    this.deadlines = { ...DEFAULT_DEADLINES, ...definedOnly(opts.deadlines ?? {}) };
    this.apiKey = opts.apiKey;
    this.log = opts.log;
    this.onCall = opts.onCall;
    this.agent = opts.agent === undefined ? proxyAgentFor(opts.serverUrl) : (opts.agent ?? undefined);
    this.headers = {
      'DBTUNE-API-KEY': opts.apiKey,
      'User-Agent': `dbtune-agent-ts/${opts.agentVersion ?? 'dev'}`,
    };
  }

  /** POST heartbeat → exactly 204 (§1.3, §1.4). */
  async heartbeat(payload: HeartbeatPayload, opts?: CallOptions): Promise<void> {
    await this.send(HEARTBEAT, encodeJson(payload), opts);
  }

  /** POST metrics → exactly 204 (§1.5). */
  async sendMetrics(metrics: readonly Metric[], now?: Date, opts?: CallOptions): Promise<void> {
    const body = encoded('POST', 'metrics', () => encodeJson(formatMetrics(metrics, now)));
    await this.send(METRICS, body, opts);
  }

  /** PUT system-info → 204 or 200 (§1.6). The body is Go's exact bytes, so the hash is verifiable. */
  async sendSystemInfo(info: readonly Metric[], now?: Date, opts?: CallOptions): Promise<{ hash: string }> {
    const payload = encoded('PUT', 'system-info', () => formatSystemInfo(info, now));
    const body = goJson({
      system_info: new Map(Object.entries(payload.system_info)),
      timestamp: payload.timestamp,
      hash: payload.hash,
    });
    await this.send(SYSTEM_INFO, body, opts);
    return { hash: payload.hash };
  }

  /** POST configurations, gzip → 204 or 201 (§1.7). */
  async sendActiveConfig(rows: readonly ConfigRow[], opts?: CallOptions): Promise<{ hash: string }> {
    const payload = encoded('POST', 'configurations', () => formatActiveConfig(rows));
    await this.send(ACTIVE_CONFIG, goJson(payload), opts);
    return { hash: payload.hash };
  }

  /**
   * GET configurations?status=recommended (§1.8). The status code is not checked (as in Go, after
   * retries); the body must decode. Throws PlatformError (reason `decode`) on a bad body and
   * ConfigApplyError when a knob in knobs_overrides is missing from config.
   */
  async fetchRecommendation(opts?: CallOptions): Promise<Proposal | null> {
    const res = await this.observed('configurations', () =>
      call(
        {
          ...this.spec('GET', 'configurations', this.deadlines.defaultMs, opts),
          url: `${this.base}configurations${this.query}&status=recommended`,
          headers: { ...this.headers, Accept: 'application/json' },
          accept: (status) => !isRetryableStatus(status),
        },
        this.transport(),
      ),
    );
    let body: unknown;
    try {
      body = parseJsonLossless(res.body.toString('utf8'));
    } catch (err) {
      throw this.decodeError(res.status, res.body, res.attempts, err);
    }
    try {
      return decodeRecommendation(body);
    } catch (err) {
      if (err instanceof Error && err.name === 'RecommendationDecodeError') {
        throw this.decodeError(res.status, res.body, res.attempts, err);
      }
      throw err;
    }
  }

  /** POST guardrails → 204 or 200 (§1.9). */
  async sendGuardrail(signal: GuardrailSignal, opts?: CallOptions): Promise<void> {
    const body = encodeJson({ level: signal.level, type: signal.type });
    await this.send(GUARDRAILS, body, opts);
  }

  /** POST log-entries → any 2xx (§1.10, #171). The message is scrubbed of known secrets. */
  async reportError(
    errorType: string,
    message: string,
    now: Date = new Date(),
    opts?: CallOptions,
  ): Promise<void> {
    const report: ErrorReport = {
      error_message: this.redact(scrub(message)),
      error_type: errorType,
      timestamp: rfc3339Utc(now),
    };
    await this.send(LOG_ENTRIES, encodeJson(report), opts);
  }

  /**
   * POST raw-logs (§1.11): one attempt, short timeout, response ignored, never throws. Failures are
   * logged at debug only, so a forwarding failure cannot be forwarded again. Resolves to whether
   * the platform answered at all.
   */
  async sendRawLogs(entries: readonly RawLogEntry[], opts?: CallOptions): Promise<boolean> {
    try {
      const ms = this.deadlines.rawLogsMs;
      await call(
        {
          ...this.spec('POST', 'raw-logs', ms, opts),
          body: Buffer.from(encodeJson(entries)),
          headers: this.jsonHeaders(false),
          accept: () => true,
          retry: false,
        },
        { ...this.transport(), settings: { ...this.settings, attemptTimeoutMs: ms, maxAttempts: 1 } },
      );
      return true;
    } catch (err) {
      this.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'raw-logs forwarding failed');
      return false;
    }
  }

  /** POST <name>, gzip → 204 or 200 (§1.12). `bigint` values (queryid) are sent exactly. */
  async sendCatalog(name: string, payload: CatalogPayload, opts?: CallOptions): Promise<void> {
    if (!CATALOG_NAME.test(name)) {
      throw new PlatformError(`platform: POST ${JSON.stringify(name)}: invalid catalog endpoint name`, {
        endpoint: name,
        method: 'POST',
        attempts: 0,
        reason: 'encode',
      });
    }
    const body = encoded('POST', name, () => encodeJson(payload));
    await this.send(catalogUpload(name), body, opts);
  }

  private async send(u: Upload, json: string, opts: CallOptions | undefined): Promise<void> {
    const raw = Buffer.from(json, 'utf8');
    const body = u.gzip ? await gzip(raw) : raw;
    await this.observed(u.path, () =>
      call(
        {
          ...this.spec(u.method, u.path, this.deadlines[u.deadline], opts),
          body,
          headers: this.jsonHeaders(u.gzip),
          accept: u.accept,
        },
        this.transport(),
      ),
    );
  }

  private async observed<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    if (!this.onCall) return fn();
    try {
      const value = await fn();
      this.onCall({ endpoint, ok: true, transient: false, at: new Date() });
      return value;
    } catch (err) {
      if (!(err instanceof PlatformError && err.reason === 'aborted')) {
        const transient = err instanceof PlatformError && err.transient === true;
        this.onCall({ endpoint, ok: false, transient, at: new Date() });
      }
      throw err;
    }
  }

  private spec(method: CallSpec['method'], path: string, deadlineMs: number, opts: CallOptions | undefined) {
    return {
      endpoint: path,
      method,
      url: `${this.base}${path}${this.query}`,
      deadlineMs: opts?.deadlineMs !== undefined ? Math.min(deadlineMs, opts.deadlineMs) : deadlineMs,
      retry: true,
      signal: opts?.signal,
    };
  }

  private jsonHeaders(gzipped: boolean): Record<string, string> {
    return {
      ...this.headers,
      'Content-Type': 'application/json',
      ...(gzipped ? { 'Content-Encoding': 'gzip' } : {}),
    };
  }

  private transport() {
    return {
      settings: this.settings,
      log: this.log,
      redact: (text: string) => this.redact(text),
      agent: this.agent,
    };
  }

  private redact(text: string): string {
    return this.apiKey.length > 0 ? text.split(this.apiKey).join('[REDACTED]') : text;
  }

  private decodeError(status: number, body: Buffer, attempts: number, err: unknown): PlatformError {
    const excerpt = bodyExcerpt(body);
    const why = err instanceof Error ? err.message : String(err);
    const shown = excerpt === undefined ? 'empty body' : this.redact(excerpt);
    return new PlatformError(
      this.redact(
        `platform: GET configurations: cannot decode recommendation: status ${status}: ${why}: ${shown}`,
      ),
      {
        endpoint: 'configurations',
        method: 'GET',
        status,
        bodyExcerpt: excerpt === undefined ? undefined : this.redact(excerpt),
        attempts,
        reason: 'decode',
      },
      { cause: err },
    );
  }
}

/** Build a payload; a value that cannot be encoded (cycle, NaN in system info) is a PlatformError. */
function encoded<T>(method: string, endpoint: string, build: () => T): T {
  try {
    return build();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new PlatformError(`platform: ${method} ${endpoint}: cannot encode payload: ${why}`, {
      endpoint,
      method,
      attempts: 0,
      reason: 'encode',
    });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
