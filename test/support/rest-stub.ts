/**
 * A tiny scripted HTTP(S) server for REST client tests where the simulator cannot play the part
 * (a peer that stalls, lies about sizes, answers 429 with an HTTP date, links to another origin...):
 * each test installs a handler and reads what arrived.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface Arrived {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => void | Promise<void>;

export interface RestStub {
  url: string;
  port: number;
  arrived: Arrived[];
  handle(handler: StubHandler): void;
  /** Handler that does not read the body first (for tests of streamed uploads). */
  handleRaw(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): void;
  stop(): Promise<void>;
}

export async function startRestStub(tls?: { key: string; cert: string }): Promise<RestStub> {
  const arrived: Arrived[] = [];
  let handler: StubHandler = (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{}');
  };
  let raw: ((req: IncomingMessage, res: ServerResponse, n: number) => void) | undefined;
  const sockets = new Set<Socket>();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const n = arrived.length;
    if (raw) {
      arrived.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.alloc(0) });
      raw(req, res, n);
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const body = Buffer.concat(parts);
      arrived.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(handler(req, res, body, n)).catch((err: unknown) => {
        res.destroy(err as Error);
      });
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, listener) : createHttpServer(listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    arrived,
    handle(h) {
      raw = undefined;
      handler = h;
    },
    handleRaw(h) {
      raw = h;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
