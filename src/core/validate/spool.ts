import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileBridgeError, errorMessage, isFileBridgeError } from '../errors';

/** Temp files are named so an operator finding one knows what left it. */
export const SPOOL_PREFIX = 'filebridge-validate-';

export function spoolPath(dir: string | undefined): string {
  return join(dir || tmpdir(), `${SPOOL_PREFIX}${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
}

export async function removeSpool(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Reads `source` once: every chunk goes to `onChunk` (which may wait, e.g. for a parser) and to a
 * new temp file at `path`, with back-pressure end to end so memory stays flat whatever the size.
 * Resolves with the byte count. On failure the temp file is removed and the error says whether the
 * payload or the temp folder failed.
 */
export async function spoolStream(source: Readable, path: string, onChunk: (chunk: Buffer) => Promise<void> | void): Promise<number> {
  let size = 0;
  let sourceError: unknown;
  let checkError: unknown;
  source.once('error', (err) => {
    sourceError = err;
  });
  const feed = new Transform({
    transform(chunk: unknown, _enc, callback) {
      const buf = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : undefined;
      if (!buf) {
        callback(new FileBridgeError('INVALID_INPUT', 'The payload stream carries objects, not bytes: validate needs a byte stream (or a Buffer).'));
        return;
      }
      size += buf.length;
      Promise.resolve()
        .then(() => onChunk(buf))
        .then(
          () => callback(null, buf),
          (err: unknown) => {
            checkError = err;
            callback(err as Error);
          },
        );
    },
  });
  try {
    await pipeline(source, feed, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await removeSpool(path).catch(() => undefined);
    if (sourceError !== undefined || checkError !== undefined) {
      const cause = sourceError ?? checkError;
      if (isFileBridgeError(cause)) throw cause;
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The payload stream failed while it was being validated: ${errorMessage(cause)}. Nothing was passed on.`,
        {},
        { cause },
      );
    }
    if (isFileBridgeError(err)) throw err;
    throw new FileBridgeError(
      'INVALID_INPUT',
      `Could not write the temporary copy ${path} used to pass the stream on: ${errorMessage(err)}. Check the temp folder (free space, permissions) or choose another one in the node.`,
      { path },
      { cause: err },
    );
  }
  return size;
}

/**
 * A fresh stream of the spooled bytes; the temp file is removed when it ends, fails or is destroyed.
 * On POSIX systems the name is removed at once (the open descriptor keeps the bytes readable), so
 * not even a crash can leave the copy behind; Windows cannot delete an open file, so there it goes
 * when the stream closes.
 */
export async function replaySpool(path: string): Promise<Readable> {
  const handle = await open(path, 'r');
  const stream = createReadStream(path, { fd: handle, autoClose: true });
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    void removeSpool(path).catch(() => undefined);
  };
  if (process.platform !== 'win32') remove();
  stream.once('close', remove);
  stream.once('error', remove);
  return stream;
}
