/** What the simulators' HTTP servers share: a failed handler answered once, and listening. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dropped } from './body';

/**
 * An HTTP server for `handle`, with no limit on the time a request may take: when it fails, `answerFailure` answers (a 500 in the simulator's own
 * error format) if nothing was sent yet, otherwise the connection is destroyed.
 */
export function createSimServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  answerFailure: (res: ServerResponse, err: unknown) => void,
): Server {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) answerFailure(res, err);
      else res.destroy();
    });
  });
  // Uploads of GiBs and longpolls of minutes must not be cut by Node's default request timeout
  // (5 minutes); a client still has to send its headers within a minute.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}

/** Listens on `port` (0: a free one) at `host`; resolves with the port. */
export async function listenSim(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Whether the request asks for the read-only web page (`GET` or `HEAD` of `/` or `/index.html`). */
export function isPageRequest(req: IncomingMessage, path: string): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path === '/index.html');
}

/** Answers the read-only web page: no caching, no script (CSP), the body left out for HEAD. */
export function sendPage(req: IncomingMessage, res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
}

/**
 * Runs an API call: a fault-injected drop (`Dropped`) answers nothing; the simulator's own error
 * (`isOwn`) is answered by `sendError` if nothing was sent yet, else the connection is destroyed; an
 * unread body is drained first. Anything else is rethrown (createSimServer answers it with a 500).
 */
export async function runApiCall<E extends Error>(
  req: IncomingMessage,
  res: ServerResponse,
  call: () => Promise<void>,
  isOwn: (err: unknown) => err is E,
  sendError: (res: ServerResponse, err: E) => void,
): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof Dropped) return;
    if (!req.complete) req.resume();
    if (isOwn(err)) {
      if (!res.headersSent) sendError(res, err);
      else res.destroy();
      return;
    }
    throw err;
  }
}

/**
 * A route pattern such as `/api/v1/products/{sku}` as a regular expression matching the whole path,
 * each `{name}` one path segment, and the names in order.
 */
export function compileRoute(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = new RegExp(
    `^${pattern.replace(/\{([a-z]+)\}|[^{}]+/gi, (m: string, name: string | undefined) => {
      if (name) {
        names.push(name);
        return '([^/]+)';
      }
      return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })}$`,
  );
  return { re, names };
}
