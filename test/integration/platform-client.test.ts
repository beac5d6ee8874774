import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigApplyError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import {
  PlatformClient,
  PlatformError,
  RawLogForwarder,
  formatActiveConfig,
  rfc3339Utc,
} from '../../src/platform/index.js';
import type { ConfigRow, Metric, PlatformClientOptions } from '../../src/platform/index.js';
import { FakePlatform } from '../harness/fake-platform.js';

interface LogCall {
  level: string;
  obj: unknown;
  msg: string;
}

function captureLogger(calls: LogCall[]): Logger {
  const at = (level: string) => (obj: unknown, msg: string) => void calls.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger;
}

let fake: FakePlatform;
let logCalls: LogCall[];

function client(over: Partial<PlatformClientOptions> = {}): PlatformClient {
  return new PlatformClient({
    serverUrl: fake.url,
    apiKey: fake.apiKey,
    databaseId: fake.databaseId,
    log: captureLogger(logCalls),
    agentVersion: '1.2.3',
    retry: { baseDelayMs: 20, maxDelayMs: 80, attemptTimeoutMs: 1_000 },
    deadlines: { heartbeatMs: 2_000, catalogMs: 2_000, defaultMs: 2_000, rawLogsMs: 500 },
    ...over,
  });
}

async function rejection(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

const heartbeatPayload = () => ({
  agent_version: '1.2.3',
  agent_start_time: rfc3339Utc(new Date()),
  agent_identifier: randomUUID(),
  allow_restart: false,
});

const rows: ConfigRow[] = [
  { name: 'shared_buffers', setting: 16384, unit: '8kB', vartype: 'integer', context: 'postmaster' },
  { name: 'random_page_cost', setting: 1.1, unit: null, vartype: 'real', context: 'user' },
  { name: 'ssl', setting: 'off', unit: null, vartype: 'bool', context: 'sighup' },
];

beforeAll(async () => {
  fake = await FakePlatform.start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await fake.up();
  fake.clearReplies();
  fake.setRecommendation([]);
  fake.violations.length = 0;
});

describe('PlatformClient against the fake platform: wire format', () => {
  it('hits every endpoint with the exact method, URL, headers and encoding, and no payload violations', async () => {
    logCalls = [];
    const c = client();
    const start = fake.requests().length;
    const metrics: Metric[] = [
      { key: 'node_cpu_usage', type: 'float', value: 12.34567 },
      { key: 'node_memory_used', type: 'bytes', value: 123456789 },
    ];
    const info: Metric[] = [
      { key: 'pg_version', type: 'string', value: '16.4' },
      { key: 'node_memory_total', type: 'bytes', value: 16777216000 },
      { key: 'node_os_info', type: 'string', value: 'linux <x86_64> & co' },
    ];
    fake.queueRecommendation([
      { config: rows, knobs_overrides: ['shared_buffers'], knob_application: 'restart' },
    ]);

    await c.heartbeat(heartbeatPayload());
    await c.sendMetrics(metrics);
    const { hash: infoHash } = await c.sendSystemInfo(info);
    const { hash: configHash } = await c.sendActiveConfig(rows);
    const proposal = await c.fetchRecommendation();
    await c.sendGuardrail({ level: 'critical', type: 'memory' });
    await c.reportError('config_apply_error', 'Failed to apply configuration: boom');
    expect(await c.sendRawLogs([{ message: 'w', level: 'warning', timestamp: rfc3339Utc(new Date()) }])).toBe(
      true,
    );
    await c.sendCatalog('pg_stat_user_tables', {
      collected_at: new Date().toISOString(),
      rows: [{ relid: 1 }],
    });

    expect(fake.violations).toEqual([]);
    const seen = fake.requests().slice(start);
    expect(seen.map((r) => `${r.method} ${r.path} ${r.headers['content-encoding'] ?? '-'}`)).toEqual([
      'POST heartbeat -',
      'POST metrics -',
      'PUT system-info -',
      'POST configurations gzip',
      'GET configurations -',
      'POST guardrails -',
      'POST log-entries -',
      'POST raw-logs -',
      'POST pg_stat_user_tables gzip',
    ]);
    for (const r of seen) {
      expect(r.query.uuid).toBe(fake.databaseId);
      expect(r.headers['dbtune-api-key']).toBe(fake.apiKey);
      expect(r.headers['user-agent']).toBe('dbtune-agent-ts/1.2.3');
      if (r.method === 'GET') {
        expect(r.query).toEqual({ uuid: fake.databaseId, status: 'recommended' });
        expect(r.rawBody.length).toBe(0);
      } else {
        expect(r.headers['content-type']).toBe('application/json');
        expect(Object.keys(r.query)).toEqual(['uuid']);
      }
    }
    const [metricsReq, infoReq, configReq] = [seen[1]!, seen[2]!, seen[3]!];
    expect((metricsReq.body as { metrics: unknown }).metrics).toEqual({
      node_cpu_usage: 12.346,
      node_memory_used: 123456789,
    });
    expect((infoReq.body as { hash: string }).hash).toBe(infoHash);
    // Go's HTML-safe escaping is on the wire too: the body is Go's exact bytes.
    expect(infoReq.rawBody.toString()).toContain(String.raw`linux \u003cx86_64\u003e \u0026 co`);
    expect(configReq.body).toEqual({ config: rows, hash: configHash });
    expect(configHash).toBe(formatActiveConfig(rows).hash);
    expect(proposal).toEqual({
      config: rows,
      knobs_overrides: ['shared_buffers'],
      knob_application: 'restart',
    });
    expect(seen[6]!.body).toMatchObject({ error_type: 'config_apply_error' });
  });

  it('builds the URL by concatenation, trimming a trailing slash on server_url', async () => {
    logCalls = [];
    const n = fake.requests('heartbeat').length;
    await client({ serverUrl: `${fake.url}/` }).heartbeat(heartbeatPayload());
    const r = fake.requests('heartbeat')[n]!;
    expect(r.path).toBe('heartbeat');
    expect(fake.violations).toEqual([]);
  });

  it('sends int64 queryids beyond 2^53 exactly in a gzip catalog payload', async () => {
    logCalls = [];
    const payload = {
      collected_at: '2026-01-01T12:00:00.123456Z',
      rows: [
        { userid: 10, dbid: 16384, queryid: 9223372036854775807n, calls: 1 },
        { userid: 10, dbid: 16384, queryid: -4286213357432418707n, calls: 2 },
      ],
      deltas: [{ userid: 10, dbid: 16384, queryid: -4286213357432418707n, calls: 2, total_exec_time: 0.5 }],
      delta_count: 1,
      average_query_runtime: 0.25,
    };
    await client().sendCatalog('pg_stat_statements', payload);
    const r = fake.requests('pg_stat_statements').at(-1)!;
    const text = gunzipSync(r.rawBody).toString();
    expect(text).toContain('"queryid":9223372036854775807,');
    expect(text).toContain('"queryid":-4286213357432418707,');
    expect(r.body).toEqual(payload);
    expect(fake.violations).toEqual([]);
  });

  it('accepts only the status codes the Go agent accepts for each endpoint', async () => {
    logCalls = [];
    const c = client();
    fake.reply('system-info', { status: 200 }, 1);
    await c.sendSystemInfo([{ key: 'pg_version', type: 'string', value: '16.4' }]);
    fake.reply('POST configurations', { status: 201 }, 1);
    await c.sendActiveConfig(rows);
    fake.reply('log-entries', { status: 202 }, 1);
    await c.reportError('x_error', 'm');
    fake.reply('catalog', { status: 200 }, 1);
    await c.sendCatalog('pg_class', { collected_at: '2026-01-01T00:00:00Z', rows: [] });

    fake.reply('heartbeat', { status: 200 }, 1);
    expect((await rejection(c.heartbeat(heartbeatPayload()))).status).toBe(200);
    fake.reply('metrics', { status: 201 }, 1);
    expect((await rejection(c.sendMetrics([]))).status).toBe(201);
    fake.reply('POST configurations', { status: 200 }, 1);
    expect((await rejection(c.sendActiveConfig(rows))).status).toBe(200);
    fake.reply('guardrails', { status: 202 }, 1);
    expect((await rejection(c.sendGuardrail({ level: 'critical', type: 'memory' }))).status).toBe(202);
    expect(fake.violations).toEqual([]);
  });
});

describe('PlatformClient: retries', () => {
  it('retries 500 and then succeeds, logging retries at debug only', async () => {
    logCalls = [];
    const n = fake.requests('heartbeat').length;
    fake.reply('heartbeat', { status: 500, body: 'oops' }, 2);
    await client().heartbeat(heartbeatPayload());
    expect(fake.requests('heartbeat').length - n).toBe(3);
    const retryLogs = logCalls.filter((l) => l.msg === 'platform request retry');
    expect(retryLogs.map((l) => l.level)).toEqual(['debug', 'debug']);
    expect(logCalls.every((l) => l.level === 'debug')).toBe(true);
  });

  it('honours Retry-After on 429', async () => {
    logCalls = [];
    const n = fake.requests('metrics').length;
    fake.reply('metrics', { status: 429, retryAfter: 1 }, 1);
    const t0 = Date.now();
    await client().sendMetrics([{ key: 'node_cpu_usage', type: 'float', value: 1 }]);
    const elapsed = Date.now() - t0;
    const reqs = fake.requests('metrics').slice(n);
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_900);
  });

  it('fails at once when Retry-After asks for a wait beyond the deadline', async () => {
    logCalls = [];
    fake.reply('metrics', { status: 429, retryAfter: 120 }, 1);
    const t0 = Date.now();
    const err = await rejection(client().sendMetrics([]));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(err.reason).toBe('deadline');
    expect(err.status).toBe(429);
    expect(err.message).toContain('next retry in 120000 ms would pass the 2000 ms deadline');
  });

  it('does not retry 400 or 501', async () => {
    logCalls = [];
    const c = client();
    for (const status of [400, 404, 501]) {
      const n = fake.requests('guardrails').length;
      fake.reply('guardrails', { status, body: '{"detail":"no"}' }, 1);
      const err = await rejection(c.sendGuardrail({ level: 'critical', type: 'memory' }));
      expect(err.status).toBe(status);
      expect(err.attempts).toBe(1);
      expect(err.reason).toBe('status');
      expect(fake.requests('guardrails').length - n).toBe(1);
    }
  });

  it('retries connection refusals until the platform comes back', async () => {
    logCalls = [];
    await fake.down();
    const pending = client({
      retry: { baseDelayMs: 50, maxDelayMs: 50, attemptTimeoutMs: 1_000 },
    }).sendGuardrail({
      level: 'critical',
      type: 'freeable_memory',
    });
    await new Promise((r) => setTimeout(r, 200));
    await fake.up();
    await expect(pending).resolves.toBeUndefined();
    const retries = logCalls.filter((l) => l.msg === 'platform request retry');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    // (the first may be ECONNRESET: a pooled keep-alive socket the fake has just dropped)
    expect(retries.some((l) => /ECONNREFUSED/.test(String((l.obj as { err: string }).err)))).toBe(true);
  });

  it('gives up after maxAttempts with the last status', async () => {
    logCalls = [];
    fake.reply('metrics', { status: 503 });
    const err = await rejection(
      client({ retry: { baseDelayMs: 5, maxDelayMs: 5, maxAttempts: 4 } }).sendMetrics([]),
    );
    expect(err.attempts).toBe(4);
    expect(err.status).toBe(503);
    expect(err.message).toContain('giving up after 4 attempt(s)');
  });
});

describe('PlatformClient: deadlines and errors', () => {
  it('fails a hanging endpoint at the overall deadline, not after the per-attempt timeout', async () => {
    logCalls = [];
    fake.reply('heartbeat', { hang: true });
    const c = client({
      retry: { attemptTimeoutMs: 60_000 },
      deadlines: { heartbeatMs: 400 },
    });
    const t0 = Date.now();
    const err = await rejection(c.heartbeat(heartbeatPayload()));
    const elapsed = Date.now() - t0;
    expect(err.reason).toBe('deadline');
    expect(err.message).toContain('deadline of 400 ms exceeded');
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('stops retrying when the next wait would pass the deadline', async () => {
    logCalls = [];
    fake.reply('catalog', { status: 502 });
    const c = client({ retry: { baseDelayMs: 200, maxDelayMs: 10_000 }, deadlines: { catalogMs: 1_000 } });
    const t0 = Date.now();
    const err = await rejection(
      c.sendCatalog('pg_locks', { collected_at: '2026-01-01T00:00:00Z', rows: [] }),
    );
    expect(Date.now() - t0).toBeLessThan(1_100);
    expect(err.reason).toBe('deadline');
    expect(err.status).toBe(502);
    expect(err.attempts).toBe(3); // waits 200 + 400, then 800 more would pass 1000
  });

  it('per-attempt timeouts are retried within the deadline', async () => {
    logCalls = [];
    const n = fake.requests('metrics').length;
    fake.reply('metrics', { hang: true }, 1);
    await client({ retry: { attemptTimeoutMs: 200, baseDelayMs: 10 } }).sendMetrics([]);
    expect(fake.requests('metrics').length - n).toBe(2);
  });

  it('stops at once when the caller aborts', async () => {
    logCalls = [];
    fake.reply('heartbeat', { hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const err = await rejection(client().heartbeat(heartbeatPayload(), { signal: ac.signal }));
    expect(err.reason).toBe('aborted');
    expect(Date.now() - t0).toBeLessThan(1_000);
  });

  it('leaves no listener on a long-lived caller signal', async () => {
    logCalls = [];
    const ac = new AbortController();
    const c = client();
    for (let i = 0; i < 5; i++)
      await c.sendGuardrail({ level: 'critical', type: 'memory' }, { signal: ac.signal });
    fake.reply('guardrails', { status: 400 }, 1);
    await rejection(c.sendGuardrail({ level: 'critical', type: 'memory' }, { signal: ac.signal }));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('error messages name the endpoint, status and body excerpt, never the API key', async () => {
    logCalls = [];
    fake.reply('heartbeat', { status: 403, body: `{"detail":"invalid key ${fake.apiKey}"}` }, 1);
    const err = await rejection(client().heartbeat(heartbeatPayload()));
    expect(err.message).toContain('POST heartbeat');
    expect(err.message).toContain('status 403');
    expect(err.message).toContain('{"detail":"invalid key [REDACTED]"}');
    expect(err.message).not.toContain(fake.apiKey);
    expect(err.bodyExcerpt).not.toContain(fake.apiKey);
    expect(JSON.stringify(err)).not.toContain(fake.apiKey);
    expect(err.endpoint).toBe('heartbeat');

    fake.reply('metrics', { status: 400, body: 'é'.repeat(5_000) }, 1);
    const big = await rejection(client().sendMetrics([]));
    expect(Buffer.byteLength(big.bodyExcerpt!)).toBeLessThanOrEqual(4096);
    expect(big.bodyExcerpt!.startsWith('éé')).toBe(true);
  });

  it('network errors name the endpoint and never the API key', async () => {
    logCalls = [];
    await fake.down();
    const err = await rejection(client({ deadlines: { defaultMs: 300 } }).sendMetrics([]));
    expect(err.message).toMatch(/^platform: POST metrics: /);
    expect(err.status).toBeUndefined();
    expect(err.message).not.toContain(fake.apiKey);
    expect(err.attempts).toBeGreaterThanOrEqual(2);
  });
});

describe('PlatformClient: recommendation decoding', () => {
  it('null when the platform has nothing, even with a non-2xx status (status is not checked)', async () => {
    logCalls = [];
    const c = client();
    expect(await c.fetchRecommendation()).toBeNull();
    fake.reply('recommendation', { status: 404, body: '[]' }, 1);
    expect(await c.fetchRecommendation()).toBeNull();
  });

  it('retries a 5xx before decoding', async () => {
    logCalls = [];
    fake.reply('recommendation', { status: 500, body: 'down' }, 1);
    fake.setRecommendation([{ config: rows, knobs_overrides: ['ssl'], knob_application: 'reload' }]);
    expect((await client().fetchRecommendation())?.knob_application).toBe('reload');
  });

  it.each([
    ['malformed JSON', '[{"config": ['],
    ['an object', '{"detail":"not found"}'],
    ['an empty body', ''],
    ['an uppercase knob_application', '[{"config":[],"knobs_overrides":[],"knob_application":"RESTART"}]'],
    ['a null knob_application', '[{"config":[],"knobs_overrides":[],"knob_application":null}]'],
  ])('a decode error for %s', async (_what, body) => {
    logCalls = [];
    fake.reply('recommendation', { status: 200, body }, 1);
    const err = await rejection(client().fetchRecommendation());
    expect(err.reason).toBe('decode');
    expect(err.status).toBe(200);
    expect(err.message).toContain('GET configurations');
  });

  it('a knob missing from config is a config_apply_error', async () => {
    logCalls = [];
    fake.setRecommendation([{ config: rows, knobs_overrides: ['work_mem'], knob_application: 'reload' }]);
    await expect(client().fetchRecommendation()).rejects.toThrow(ConfigApplyError);
  });
});

describe('raw-logs forwarding', () => {
  it('makes one attempt, ignores the status and never throws', async () => {
    logCalls = [];
    const c = client();
    const n = fake.requests('raw-logs').length;
    fake.reply('raw-logs', { status: 500 }, 1);
    expect(await c.sendRawLogs([])).toBe(true);
    expect(fake.requests('raw-logs').length - n).toBe(1);

    fake.reply('raw-logs', { hang: true }, 1);
    const t0 = Date.now();
    expect(await c.sendRawLogs([])).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_200);
    expect(fake.requests('raw-logs').length - n).toBe(2);

    await fake.down();
    expect(await c.sendRawLogs([])).toBe(false);
    expect(logCalls.every((l) => l.level === 'debug')).toBe(true);
  });

  it('the forwarder delivers buffered lines as one valid batch', async () => {
    logCalls = [];
    const n = fake.requests('raw-logs').length;
    const forwarder = new RawLogForwarder({ client: client() });
    forwarder.push({ level: 40, msg: 'metrics error', fields: { err: 'x' }, time: Date.now() });
    forwarder.push({ level: 50, msg: 'config error', fields: {}, time: Date.now() });
    await forwarder.stop();
    const batch = fake.requests('raw-logs').slice(n);
    expect(batch).toHaveLength(1);
    expect(batch[0]!.body).toMatchObject([
      { message: 'metrics error | {"err":"x"}', level: 'warning' },
      { message: 'config error', level: 'error' },
    ]);
    expect(fake.violations).toEqual([]);
  });
});

describe('fake platform validation', () => {
  it('checks hashes, gzip and row field order on receipt', async () => {
    const post = (
      path: string,
      method: string,
      body: Buffer | string,
      headers: Record<string, string> = {},
    ) =>
      fetch(`${fake.url}/api/v1/agent/${path}?uuid=${fake.databaseId}`, {
        method,
        body,
        headers: { 'DBTUNE-API-KEY': fake.apiKey, 'Content-Type': 'application/json', ...headers },
      });
    const info = {
      system_info: { pg_version: { type: 'string', value: '16.4' } },
      timestamp: rfc3339Utc(new Date()),
    };
    await post('system-info', 'PUT', JSON.stringify({ ...info, hash: '0'.repeat(64) }));
    const reordered = {
      config: [{ setting: 1, name: 'x', unit: null, vartype: 'integer', context: 'user' }],
    };
    const payload = JSON.stringify({ ...reordered, hash: formatActiveConfig([]).hash });
    await post('configurations', 'POST', payload);
    await post('heartbeat', 'PUT', '{}');
    expect(fake.violations).toEqual([
      expect.stringMatching(/^PUT system-info: system-info: hash 0{64}, Go would compute [0-9a-f]{64}$/),
      'POST configurations: body must be gzip',
      expect.stringMatching(/^POST configurations: configurations: config\[0\]: fields \["setting","name",/),
      expect.stringMatching(/^POST configurations: configurations: hash /),
      'PUT heartbeat: no such endpoint',
    ]);
    expect((await post('heartbeat', 'PUT', '{}')).status).toBe(405);
  });

  it('waitFor sees a fatal line forwarded at once, without waiting for the 15 s flush', async () => {
    const n = fake.requests('raw-logs').length;
    const forwarder = new RawLogForwarder({ client: client() });
    forwarder.push({ level: 60, msg: 'fatal: cannot continue', fields: {}, time: Date.now() });
    const reqs = await fake.waitFor((all) => all.filter((r) => r.path === 'raw-logs').length > n, 2_000);
    expect(reqs.filter((r) => r.path === 'raw-logs').at(-1)!.body).toMatchObject([{ level: 'fatal' }]);
    await forwarder.stop();
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/not met within 50 ms/);
  });

  it('records violations for bad keys, uuid, encoding and payloads', async () => {
    logCalls = [];
    const bad = new PlatformClient({
      serverUrl: fake.url,
      apiKey: 'wrong-key-1234',
      databaseId: 'not-the-db',
      log: captureLogger(logCalls),
    });
    await bad.sendGuardrail({ level: 'critical', type: 'memory' });
    await client().heartbeat({ ...heartbeatPayload(), agent_start_time: new Date().toISOString() });
    await client().sendCatalog('pg_class', { collected_at: 'yesterday', rows: null });
    expect(fake.violations).toEqual([
      'POST guardrails: DBTUNE-API-KEY header missing or wrong',
      'POST guardrails: uuid query parameter "not-the-db"',
      expect.stringMatching(
        /^POST heartbeat: heartbeat: agent_start_time: .* is not RFC 3339 at second precision$/,
      ),
      expect.stringMatching(/^POST pg_class: pg_class: collected_at/),
      'POST pg_class: pg_class: rows is not an array',
    ]);
  });
});
