/** What the Dropbox and File 360 simulators share in reading request bodies. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
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

/** A raw body streamed to `file` with backpressure while hashed (File 360's dropped-in file, the REST simulator's media). */
export async function receivePlain(req: IncomingMessage, file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  let size = 0;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      hash.update(c);
      if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    out.end();
    await closed;
  }
  return { size, sha256: hash.digest('hex') };
}
