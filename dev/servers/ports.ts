import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it when binding port 0). */
export async function freePort(): Promise<number> {
  const port = await tryListen(0);
  if (port === undefined) throw new Error(`Cannot bind any port on ${HOST}`);
  return port;
}

/**
 * A run of `count` consecutive free ports for FTP passive data connections. Taken below Linux's
 * ephemeral range (32768+) so outgoing client sockets are unlikely to occupy them later.
 */
export async function freePortRange(count: number): Promise<{ min: number; max: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const min = 20000 + Math.floor(Math.random() * (32000 - 20000 - count));
    let ok = true;
    for (let port = min; port < min + count && ok; port++) {
      ok = (await tryListen(port)) === port;
    }
    if (ok) return { min, max: min + count - 1 };
  }
  throw new Error(`No ${count} consecutive free ports found on ${HOST}`);
}
