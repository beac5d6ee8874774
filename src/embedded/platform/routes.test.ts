import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../log.js';
import { startEmbeddedPlatform, type EmbeddedPlatform } from './index.js';

const logged: string[] = [];
const record =
  (level: string) =>
  (...args: unknown[]): void =>
    void logged.push(
      `${level} ${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
const log = {
  debug: record('debug'),
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
} as unknown as Logger;

let p: EmbeddedPlatform;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'embedded-routes-'));
  p = await startEmbeddedPlatform({
    stateDir: dir,
    iterations: 3,
    iterationSeconds: 1,
    warmupSeconds: 0,
    objective: 'tps',
    log,
  });
});

afterAll(async () => {
  await p.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Req {
  method?: string;
  path?: string;
  key?: string | null;
  uuid?: string | null;
  body?: string | Buffer;
  gzip?: boolean;
  status?: string;
}

async function send(r: Req): Promise<Response> {
  const params = new URLSearchParams();
  const uuid = r.uuid === undefined ? p.databaseId : r.uuid;
  if (uuid !== null) params.set('uuid', uuid);
  if (r.status !== undefined) params.set('status', r.status);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const key = r.key === undefined ? p.apiKey : r.key;
  if (key !== null) headers['DBTUNE-API-KEY'] = key;
  if (r.gzip) headers['Content-Encoding'] = 'gzip';
  const query = params.toString();
  return fetch(`${p.url}/api/v1/agent/${r.path ?? 'heartbeat'}?${query}`, {
    method: r.method ?? 'POST',
    headers,
    body: r.body,
  });
}

const heartbeat = JSON.stringify({
  agent_version: 't',
  agent_start_time: 'x',
  agent_identifier: 'y',
  allow_restart: false,
});

describe('embedded platform routes', () => {
  it('uses random UUIDs for the key and the database id', () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(p.apiKey).toMatch(uuid);
    expect(p.databaseId).toMatch(uuid);
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a missing or wrong API key with 401 and a wrong uuid with 404', async () => {
    expect((await send({ key: null, body: heartbeat })).status).toBe(401);
    // A key one character off (never equal to the real one, whatever its last character is).
    const last = p.apiKey.slice(-1);
    const offByOne = p.apiKey.slice(0, -1) + (last === '0' ? '1' : '0');
    expect((await send({ key: offByOne, body: heartbeat })).status).toBe(401);
    const upper = p.apiKey.toUpperCase();
    if (upper !== p.apiKey) expect((await send({ key: upper, body: heartbeat })).status).toBe(401);
    expect((await send({ uuid: null, body: heartbeat })).status).toBe(404);
    expect((await send({ uuid: p.apiKey, body: heartbeat })).status).toBe(404);
    expect((await send({ body: heartbeat })).status).toBe(204);
  });

  it('answers each endpoint with the status the agent accepts', async () => {
    expect((await send({ method: 'PUT', path: 'system-info', body: '{"system_info":{}}' })).status).toBe(204);
    expect((await send({ path: 'metrics', body: '{"version":"2.0","metrics":{}}' })).status).toBe(204);
    expect((await send({ path: 'guardrails', body: '{"level":"critical","type":"memory"}' })).status).toBe(
      204,
    );
    expect((await send({ path: 'log-entries', body: '{"error_type":"x","error_message":""}' })).status).toBe(
      204,
    );
    expect((await send({ path: 'raw-logs', body: '[]' })).status).toBe(204);
    const gz = gzipSync('{"config":[],"hash":"h"}');
    expect((await send({ path: 'configurations', body: gz, gzip: true })).status).toBe(204);
    expect(
      (await send({ path: 'pg_stat_statements', body: gzipSync('{"rows":[]}'), gzip: true })).status,
    ).toBe(204);
    const rec = await send({ method: 'GET', path: 'configurations', status: 'recommended' });
    expect(rec.status).toBe(200);
    expect(await rec.json()).toEqual([]);
  });

  it('refuses unknown paths, wrong methods and bodies that are not (gzip) JSON', async () => {
    expect((await send({ path: 'no-such-thing', body: '{}' })).status).toBe(404);
    expect((await send({ method: 'GET', path: 'heartbeat' })).status).toBe(405);
    expect((await send({ method: 'GET', path: 'configurations' })).status).toBe(400);
    expect((await send({ body: '{"a":' })).status).toBe(400);
    expect((await send({ path: 'configurations', body: '{}', gzip: true })).status).toBe(400);
    expect((await fetch(`${p.url}/other`)).status).toBe(404);
  });

  it('never logs the API key', () => {
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((l) => l.includes(p.apiKey))).toEqual([]);
  });
});
