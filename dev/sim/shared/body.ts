/** What the Dropbox and File 360 simulators share in reading request bodies. */
import type { IncomingMessage } from 'node:http';

/** The connection was dropped on purpose (fault knob); nothing must be answered. */
export class Dropped extends Error {}

/**
 * Reads a small body into memory, at most `limit` bytes: undefined (the rest left to drain, the
 * request resumed) when it is larger, so a huge body cannot fill the simulator's memory.
 */
export async function readBoundedBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) {
      req.resume();
      return undefined;
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
