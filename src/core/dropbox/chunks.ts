import type { Readable } from 'node:stream';
import { DropboxContentHasher } from './content-hash';

/**
 * The bytes of one upload request as they were read from the source: a list of pieces (no copy
 * into one buffer) and their Dropbox content_hash.
 */
export class UploadChunk {
  private hashValue: string | undefined;

  constructor(
    readonly pieces: readonly Buffer[],
    readonly length: number,
    hash?: string,
  ) {
    this.hashValue = hash;
  }

  /** `bytes` as a chunk (one piece), or the chunk itself. */
  static of(bytes: UploadChunk | Uint8Array): UploadChunk {
    if (bytes instanceof UploadChunk) return bytes;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new UploadChunk([buf], buf.length);
  }

  /** content_hash of these bytes (given by the reader, which hashes every byte once; computed only for a part). */
  get hash(): string {
    if (this.hashValue === undefined) {
      const h = new DropboxContentHasher();
      for (const p of this.pieces) h.update(p);
      this.hashValue = h.digest();
    }
    return this.hashValue;
  }

  /** The bytes from `offset` on (what Dropbox lacks after `incorrect_offset`), sharing memory with these. */
  from(offset: number): UploadChunk {
    if (offset <= 0) return this;
    const rest: Buffer[] = [];
    let skip = offset;
    for (const p of this.pieces) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      rest.push(skip > 0 ? p.subarray(skip) : p);
      skip = 0;
    }
    return new UploadChunk(rest, Math.max(0, this.length - offset));
  }
}

/**
 * Reads `source` in upload chunks of `size` bytes (a whole number of 4 MiB blocks), feeding every
 * byte once to `hasher` (the whole file's content_hash), whose block digests also give each chunk's
 * own content_hash. Yields each full chunk as soon as it is full (`last: false`), and at the end the
 * rest (`last: true`; empty when the bytes filled whole chunks). A piece that crosses a chunk
 * boundary is split by `subarray`, so no byte is copied. `stop` is asked after each piece read: what
 * it returns is thrown (a chunk being sent meanwhile failed: stop reading the source).
 */
export async function* uploadChunks(
  source: Readable,
  size: number,
  hasher: DropboxContentHasher,
  stop: () => unknown = () => undefined,
): AsyncGenerator<{ chunk: UploadChunk; last: boolean }> {
  let pieces: Buffer[] = [];
  let length = 0;
  for await (const part of source as AsyncIterable<Buffer | string>) {
    let buf = typeof part === 'string' ? Buffer.from(part) : part;
    while (buf.length > 0) {
      const take = Math.min(size - length, buf.length);
      const piece = take === buf.length ? buf : buf.subarray(0, take);
      hasher.update(piece);
      pieces.push(piece);
      length += take;
      buf = buf.subarray(take);
      if (length === size) {
        const full = new UploadChunk(pieces, length, hasher.sectionDigest());
        pieces = [];
        length = 0;
        yield { chunk: full, last: false };
      }
    }
    const failed = stop();
    if (failed !== undefined) throw failed;
  }
  hasher.digest();
  yield { chunk: new UploadChunk(pieces, length, hasher.sectionDigest()), last: true };
}
