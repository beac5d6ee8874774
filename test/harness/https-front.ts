/**
 * An HTTPS front for the fake platform under a host name (e.g. `platform.test`), with a leaf
 * certificate signed by a throwaway CA that the agent trusts through NODE_EXTRA_CA_CERTS. Requests
 * are forwarded to the plain-HTTP fake and counted.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface HttpsFront {
  readonly port: number;
  /** PEM of the CA that signed the front's certificate. */
  readonly caFile: string;
  forwarded(): number;
  close(): Promise<void>;
}

function certificates(dir: string, hostname: string): { key: Buffer; cert: Buffer } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=dbtune-test-ca',
  ]);
  run(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${hostname}`]);
  writeFileSync(path.join(dir, 'leaf.ext'), `subjectAltName=DNS:${hostname}\n`);
  run([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'leaf.pem',
    '-days',
    '2',
    '-extfile',
    'leaf.ext',
  ]);
  return { key: readFileSync(path.join(dir, 'leaf.key')), cert: readFileSync(path.join(dir, 'leaf.pem')) };
}

export async function startHttpsFront(backendUrl: string, hostname: string): Promise<HttpsFront> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-https-front-'));
  const backend = new URL(backendUrl);
  let forwarded = 0;
  const sockets = new Set<Socket>();
  const server = https.createServer(certificates(dir, hostname), (req, res) => {
    forwarded++;
    const upstream = http.request(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    caFile: path.join(dir, 'ca.pem'),
    forwarded: () => forwarded,
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
