/**
 * A PostgreSQL that is "starting up", at the wire level: a TCP front that answers every new
 * connection with the server's FATAL ErrorResponse for SQLSTATE 57P03 ("the database system is
 * starting up"), as a postmaster does before it accepts connections, until `ready()`; from then on
 * it forwards connections to a real server. Message format:
 * https://www.postgresql.org/docs/current/protocol-message-formats.html (ErrorResponse).
 */
import { once } from 'node:events';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface StartingPostgres {
  readonly port: number;
  /** Connections refused with 57P03 so far. */
  refused(): number;
  /** Start forwarding to the real server. */
  ready(): void;
  close(): Promise<void>;
}

function startingUpError(): Buffer {
  const field = (code: string, value: string) =>
    Buffer.concat([Buffer.from(code), Buffer.from(`${value}\0`)]);
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', '57P03'),
    field('M', 'the database system is starting up'),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export async function startStartingPostgres(target: {
  host: string;
  port: number;
}): Promise<StartingPostgres> {
  let isReady = false;
  let refused = 0;
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    if (!isReady) {
      refused++;
      // The client speaks first (StartupMessage, or SSLRequest, answered 'N': no TLS here).
      client.on('data', (chunk: Buffer) => {
        const sslRequest = chunk.length === 8 && chunk.readInt32BE(4) === 80877103;
        if (sslRequest) client.write('N');
        else client.end(startingUpError());
      });
      return;
    }
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    refused: () => refused,
    ready: () => {
      isReady = true;
    },
    async close() {
      const closed = once(server, 'close');
      server.close();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
