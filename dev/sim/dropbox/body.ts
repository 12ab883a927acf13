/** Request bodies: JSON (small, bounded) and content (streamed to a file on disk while hashing). */
import { createReadStream, createWriteStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Dropped, readBoundedBody } from '../shared/body';
import { ContentHasher } from './content-hash';

export { Dropped };

export const MAX_JSON_BODY = 1024 * 1024;
/** 150 MiB per files/upload or upload_session request (shared/reference/node-red-and-dropbox.md). */
export const MAX_UPLOAD_REQUEST = 150 * 1024 * 1024;

/** A small body, or undefined when it is larger than `limit`. */
export function readSmallBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer | undefined> {
  return readBoundedBody(req, limit);
}

export interface Received {
  size: number;
  /** Hash of this request's bytes only. */
  hash: string;
  /** The hasher that produced `hash`, still usable (an upload session goes on with it). */
  hasher: ContentHasher;
  tooLarge: boolean;
}

/**
 * Streams the body to a fresh `file` with backpressure, hashing it. Over `limit` bytes: stops storing,
 * drains the rest, reports `tooLarge`. With `dropAt`, destroys the connection once that many bytes arrived
 * (calling `onDrop` first).
 */
export async function receiveContent(
  req: IncomingMessage,
  file: string,
  opts: { limit?: number; dropAt?: number; onDrop?: () => void } = {},
): Promise<Received> {
  const limit = opts.limit ?? MAX_UPLOAD_REQUEST;
  const declared = Number(req.headers['content-length'] ?? -1);
  const own = new ContentHasher();
  const out = createWriteStream(file);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  let size = 0;
  let tooLarge = declared > limit;
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (opts.dropAt !== undefined && size >= opts.dropAt) {
        // Told before the connection goes: the client sees the reset at once, and whoever asks the
        // inspection endpoint right after must already find the drop counted.
        opts.onDrop?.();
        req.socket.destroy();
        throw new Dropped();
      }
      if (size > limit) tooLarge = true;
      if (tooLarge) continue;
      own.update(c);
      if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    out.end();
    await closed.catch(() => undefined);
  }
  return { size, hash: own.hex(), hasher: own, tooLarge };
}

/** Appends `src` to `dest` as a stream, feeding `hasher` (an upload session's running content hash). */
export async function appendFile(src: string, dest: string, hasher: ContentHasher): Promise<void> {
  const out = createWriteStream(dest, { flags: 'a' });
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  try {
    for await (const c of createReadStream(src) as AsyncIterable<Buffer>) {
      hasher.update(c);
      if (!out.write(c)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    out.end();
    await closed;
  }
}
