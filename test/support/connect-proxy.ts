/**
 * A small HTTP proxy for tests that only tunnels (CONNECT, RFC 9110 9.3.6): it records each tunnel's
 * target and the Proxy-Authorization it was given, refuses wrong credentials with 407, and refuses
 * (and records) any plain forward-proxy request, so a test can prove a client never sent a request
 * line with an absolute URL (which would show the proxy every header).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  port: number;
  /** host:port of every CONNECT, in order. */
  tunnels: string[];
  /** Proxy-Authorization values received (CONNECT only). */
  authorizations: (string | undefined)[];
  /** Request lines of refused non-CONNECT requests. */
  forwarded: string[];
  /** Bytes relayed client -> target, all tunnels. */
  bytesUp(): number;
  stop(): Promise<void>;
}

export async function startConnectProxy(options: { user?: string; password?: string } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: (string | undefined)[] = [];
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();
  let up = 0;
  const expected = options.user !== undefined ? `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}` : undefined;
  const server: Server = createServer((req, res) => {
    forwarded.push(`${req.method} ${req.url}`);
    res.writeHead(405, { Connection: 'close' });
    res.end('this test proxy only tunnels (CONNECT)');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const auth = req.headers['proxy-authorization'];
    authorizations.push(auth);
    if (expected !== undefined && auth !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = connect({ host: m[1], port: Number(m[2]) });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (c: Buffer) => {
        up += c.length;
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels,
    authorizations,
    forwarded,
    bytesUp: () => up,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
