/** What the simulators' HTTP servers share: a failed handler answered once, and listening. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server for `handle`: when it fails, `answerFailure` answers (a 500 in the simulator's own
 * error format) if nothing was sent yet, otherwise the connection is destroyed.
 */
export function createSimServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  answerFailure: (res: ServerResponse, err: unknown) => void,
): Server {
  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) answerFailure(res, err);
      else res.destroy();
    });
  });
}

/** Listens on `port` (0: a free one) at `host`; resolves with the port. */
export async function listenSim(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
