/**
 * The File 360 upload body: multipart/form-data (RFC 7578) produced as a stream, so no file is ever
 * held in memory. The layout, byte for byte:
 *
 *   --B CRLF Content-Disposition: form-data; name="parentId" CRLF CRLF <parentId> CRLF
 *   --B CRLF Content-Disposition: form-data; name="file"; filename="<name>" CRLF
 *   Content-Type: application/octet-stream CRLF CRLF <file bytes> CRLF --B-- CRLF
 *
 * The file name is written as UTF-8 with `"`, CR and LF percent-encoded, the way browsers (WHATWG
 * HTML "multipart/form-data encoding algorithm") and urllib3 2.x (which pyxecm's `requests` uses)
 * write it, so a name can never break out of its header. When the file's size is known the body's
 * exact length is known too, and is sent as Content-Length (no chunked encoding); the source must
 * then deliver exactly that many bytes, or the upload fails with INVALID_INPUT and the server gets a
 * body cut short (which it discards) instead of a different file.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError, isNetworkErrno } from '../errors';
import { F360_UPLOAD_FIELDS } from './contract';

export interface MultipartLayout {
  boundary: string;
  contentType: string;
  head: Buffer;
  tail: Buffer;
  /** Bytes of the whole body when the file's size is known. */
  contentLength?: number;
}

function quoteParam(v: string): string {
  return v.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export function newBoundary(): string {
  return `----FileBridge${randomBytes(16).toString('hex')}`;
}

export function multipartLayout(parentId: string, name: string, size: number | undefined, boundary = newBoundary()): MultipartLayout {
  const f = F360_UPLOAD_FIELDS;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="${f.parentId}"\r\n\r\n${parentId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="${f.file}"; filename="${quoteParam(name)}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const layout: MultipartLayout = { boundary, contentType: `multipart/form-data; boundary=${boundary}`, head, tail };
  if (size !== undefined) layout.contentLength = head.length + size + tail.length;
  return layout;
}

/**
 * A one-shot source that can be read again from the start as long as no more than `keepBytes` of it
 * were read: what was read is kept (bounded) so that an upload refused before the server took much of
 * the body (a 429, an expired token, a refused connection) is sent again without a second source.
 * A factory source (a function opening the file anew) can always be read again.
 */
export class UploadSource {
  private readonly open: (() => Readable) | undefined;
  private shared: AsyncIterator<unknown> | undefined;
  private sharedSource: Readable | undefined;
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private overflowed = false;
  private attempts = 0;
  private lastPull: Promise<void> = Promise.resolve();
  /** Bytes read from the one-shot source so far (all attempts together). */
  consumed = 0;

  constructor(
    source: Readable | (() => Readable),
    private readonly keepBytes = 8 * 1024 * 1024,
  ) {
    if (typeof source === 'function') this.open = source;
    else {
      this.sharedSource = source;
      this.shared = source[Symbol.asyncIterator]();
    }
  }

  /** True when another attempt can send the same bytes from the start. */
  get replayable(): boolean {
    return this.open !== undefined || !this.overflowed;
  }

  /** The bytes of the file, from the start, for one attempt (attempts never overlap: the caller ends one before the next). */
  async *chunks(): AsyncGenerator<Buffer> {
    this.attempts++;
    if (this.open) {
      let source: Readable;
      try {
        source = this.open();
      } catch (err) {
        throw sourceFailure(err);
      }
      const it = source[Symbol.asyncIterator]();
      try {
        for (;;) {
          let next: IteratorResult<unknown>;
          try {
            next = await it.next();
          } catch (err) {
            throw sourceFailure(err);
          }
          if (next.done) return;
          yield toBuffer(next.value);
        }
      } finally {
        source.destroy();
      }
      return;
    }
    if (this.attempts > 1 && this.overflowed) throw new FileBridgeError('CONNECTION', 'The file to upload was already sent in part and cannot be read again.');
    // A read that an earlier attempt started lands in `kept` before this attempt looks at it.
    await this.lastPull;
    let i = 0;
    for (;;) {
      if (!this.overflowed && i < this.kept.length) {
        yield this.kept[i++];
        continue;
      }
      const chunk = await this.pull();
      if (chunk === undefined) return;
      if (!this.overflowed) i++;
      yield chunk;
    }
  }

  /** Reads the next chunk of the one-shot source, keeping it while the bound allows; reads are serialised. */
  private pull(): Promise<Buffer | undefined> {
    const run = this.lastPull.then(async () => {
      let next: IteratorResult<unknown>;
      try {
        next = await (this.shared as AsyncIterator<unknown>).next();
      } catch (err) {
        throw sourceFailure(err);
      }
      if (next.done) return undefined;
      const chunk = toBuffer(next.value);
      this.consumed += chunk.length;
      if (!this.overflowed) {
        if (this.keptBytes + chunk.length <= this.keepBytes) {
          this.kept.push(chunk);
          this.keptBytes += chunk.length;
        } else {
          this.overflowed = true;
          this.kept = [];
          this.keptBytes = 0;
        }
      }
      return chunk;
    });
    this.lastPull = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Ends the one-shot source (after the last attempt). */
  close(err?: Error): void {
    this.kept = [];
    this.sharedSource?.destroy(err);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new UploadSourceError('INVALID_INPUT', 'The file to upload gave something that is not bytes.');
}

/** A failure of the file being uploaded (not of the network): never retried by the upload itself. */
export class UploadSourceError extends FileBridgeError {}

/** Thrown when the source delivered another number of bytes than the size given for it. */
export class SizeMismatch extends UploadSourceError {}

/** The source failed while it was read: CONNECTION when it lost its own connection (it may read fine when opened again), else INVALID_INPUT. */
export function sourceFailure(err: unknown): UploadSourceError {
  if (err instanceof UploadSourceError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const details: Record<string, unknown> = typeof code === 'string' ? { errno: code } : {};
  return new UploadSourceError(isNetworkErrno(code) ? 'CONNECTION' : 'INVALID_INPUT', `Reading the file to upload failed: ${message}`, details);
}

/**
 * The body stream of one attempt: head, the file's bytes (checked against `size` when given), tail.
 * Pulled by the request as the socket drains (Readable.from on an async generator reads on demand).
 */
export function multipartStream(layout: MultipartLayout, file: AsyncIterable<Buffer>, size: number | undefined, onChunk?: (n: number) => void): Readable {
  async function* body(): AsyncGenerator<Buffer> {
    yield layout.head;
    let sent = 0;
    for await (const chunk of file) {
      sent += chunk.length;
      if (size !== undefined && sent > size) {
        throw new SizeMismatch('INVALID_INPUT', `The file to upload is longer than the ${size} bytes it was said to have; nothing was stored.`, {
          expected: size,
        });
      }
      onChunk?.(chunk.length);
      yield chunk;
    }
    if (size !== undefined && sent !== size) {
      throw new SizeMismatch('INVALID_INPUT', `The file to upload ended after ${sent} of the ${size} bytes it was said to have; nothing was stored.`, {
        expected: size,
        received: sent,
      });
    }
    yield layout.tail;
  }
  // A small buffer: a few chunks ahead of the socket, never the file.
  return Readable.from(body(), { objectMode: false, highWaterMark: 64 * 1024 });
}
