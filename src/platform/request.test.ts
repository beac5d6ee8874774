import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, MAX_REDIRECTS } from './request.js';

let server: http.Server;
let base = '';
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const m = /^\/(\d{3})\/(\d+)$/.exec(req.url ?? '');
      if (m && Number(m[2]) > 0) {
        res.writeHead(Number(m[1]), { Location: `/${m[1]}/${Number(m[2]) - 1}` }).end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2_000).unref();
      } else {
        res.writeHead(200, { 'Retry-After': '7' }).end(`${req.method} ${body}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const post = (path: string, timeoutMs = 2_000) =>
  exchange({
    method: 'POST',
    url: base + path,
    headers: { 'Content-Type': 'application/json' },
    body: Buffer.from('{"a":1}'),
    timeoutMs,
    signal: new AbortController().signal,
  });

describe('exchange (node:http, redirects as Go net/http)', () => {
  it('307/308 repeat the POST with its body; 301/302/303 continue as a GET without one', async () => {
    const kept = await post('/307/2');
    expect([kept.status, kept.body.toString(), kept.retryAfter]).toEqual([200, 'POST {"a":1}', '7']);
    expect((await post('/308/1')).body.toString()).toBe('POST {"a":1}');
    for (const code of ['301', '302', '303']) expect((await post(`/${code}/1`)).body.toString()).toBe('GET ');
  });

  it(`stops after ${MAX_REDIRECTS} redirects with ERR_TOO_MANY_REDIRECTS`, async () => {
    await expect(post(`/307/${MAX_REDIRECTS}`)).resolves.toMatchObject({ status: 200 });
    await expect(post(`/307/${MAX_REDIRECTS + 1}`)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REDIRECTS' });
  });

  it('gives up an attempt at its timeout (ETIMEDOUT) and rejects bad URLs with a code', async () => {
    await expect(post('/slow', 100)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await expect(
      exchange({
        method: 'GET',
        url: 'ftp://x/',
        headers: {},
        timeoutMs: 100,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED_PROTOCOL' });
  });
});
