/**
 * An HTTPS front for the fake platform whose certificate can be swapped while it runs: one leaf
 * certificate signed by a throwaway CA (trusted by the agent through NODE_EXTRA_CA_CERTS) and one
 * self-signed certificate nobody trusts. Requests are proxied to the plain-HTTP fake.
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TlsFront {
  url: string;
  /** PEM file of the CA that signed the trusted certificate. */
  caFile: string;
  /** Requests that made it through TLS to the proxy. */
  proxied(): number;
  useCertificate(which: 'trusted' | 'untrusted'): void;
  close(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function makeCertificates(dir: string) {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    [
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
      '/CN=dbtune-fault-ca',
    ],
    dir,
  );
  openssl(['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1'], dir);
  writeFileSync(path.join(dir, 'leaf.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl(
    [
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
    ],
    dir,
  );
  openssl(
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'self.key',
      '-out',
      'self.pem',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    dir,
  );
  const read = (f: string) => readFileSync(path.join(dir, f));
  return {
    trusted: { key: read('leaf.key'), cert: read('leaf.pem') },
    untrusted: { key: read('self.key'), cert: read('self.pem') },
  };
}

export async function startTlsFront(backendUrl: string, initial: 'trusted' | 'untrusted'): Promise<TlsFront> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbtune-faults-tls-'));
  const certs = makeCertificates(dir);
  const backend = new URL(backendUrl);
  let proxied = 0;
  const sockets = new Set<Socket>();
  const server = https.createServer(certs[initial], (req, res) => {
    proxied++;
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
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caFile: path.join(dir, 'ca.pem'),
    proxied: () => proxied,
    useCertificate(which) {
      server.setSecureContext(certs[which]);
      // Kept-alive connections were negotiated with the previous certificate.
      for (const s of sockets) s.destroy();
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
