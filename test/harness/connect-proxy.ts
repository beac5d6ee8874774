/**
 * A recording HTTP CONNECT proxy (the kind HTTPS_PROXY names), for proxy tests. Every tunnel
 * request is recorded with its target; host names listed in `hosts` are resolved by the proxy to
 * a local address, so a client can only reach such a name THROUGH the proxy (it cannot resolve
 * it itself). Plain (non-CONNECT) proxy requests are recorded and refused with 405.
 */
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface Tunnel {
  /** `host:port` as the client asked for it. */
  target: string;
  at: number;
  /** Proxy-Authorization header, if any. */
  auth: string | undefined;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  tunnels(): Tunnel[];
  /** Requests that were not CONNECT (a client that ignored the tunnel convention). */
  plainRequests(): string[];
  close(): Promise<void>;
}

export async function startConnectProxy(hosts: Record<string, string> = {}): Promise<ConnectProxy> {
  const tunnels: Tunnel[] = [];
  const plain: string[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    plain.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    res.writeHead(405).end();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push({ target, at: Date.now(), auth: req.headers['proxy-authorization'] });
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const host = hosts[m[1]!] ?? m[1]!;
    const upstream = net.connect(Number(m[2]), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels: () => [...tunnels],
    plainRequests: () => [...plain],
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
