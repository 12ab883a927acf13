/**
 * The "Large File Upload" API of newer servers: announce the file, send it in parts of the size the
 * server chose, complete, and then create the document or version with the `upload_key`. Parts are
 * cut from one pass over the source; a part that must be sent again re-opens the source and skips
 * to the part's start, so memory stays flat at the price of re-reading.
 */
import { Readable } from 'node:stream';
import { FileBridgeError, isFileBridgeError } from '../errors';
import { isObject, numberProp, stringProp } from './envelopes';
import type { CsHttp } from './http';

export interface LargeFileSettings {
  enabled: boolean;
  minSize: number;
  maxSize: number;
}

/** Reads a source sequentially in byte-exact pieces, re-opening it when asked to go back. */
class SourceCursor {
  private source: Readable | undefined;
  private iterator: AsyncIterator<unknown> | undefined;
  private leftover: Buffer | undefined;
  position = 0;

  constructor(private readonly open: () => Readable) {}

  async seek(start: number): Promise<void> {
    if (this.iterator && this.position === start) return;
    this.close();
    this.source = this.open();
    this.iterator = this.source[Symbol.asyncIterator]();
    this.position = 0;
    while (this.position < start) {
      if (!(await this.next(start - this.position)))
        throw new FileBridgeError('INVALID_INPUT', `The file ended at ${this.position} bytes while seeking to ${start}`);
    }
  }

  async next(max: number): Promise<Buffer | undefined> {
    let chunk = this.leftover;
    this.leftover = undefined;
    if (!chunk) {
      if (!this.iterator) return undefined;
      const r = await this.iterator.next();
      if (r.done) return undefined;
      chunk =
        typeof r.value === 'string'
          ? Buffer.from(r.value)
          : Buffer.from((r.value as Uint8Array).buffer, (r.value as Uint8Array).byteOffset, (r.value as Uint8Array).byteLength);
    }
    if (chunk.length > max) {
      this.leftover = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    }
    this.position += chunk.length;
    return chunk;
  }

  close(): void {
    this.source?.destroy();
    this.source = undefined;
    this.iterator = undefined;
    this.leftover = undefined;
  }
}

export class LargeFileUploads {
  private settings: Promise<LargeFileSettings> | undefined;

  constructor(
    private readonly http: CsHttp,
    /** Files of at least this many bytes (and a known size) use the API; undefined = never. */
    private readonly threshold: number | undefined,
  ) {}

  /** True when a file of `size` bytes should go through the multipart API on this server. */
  async applies(size: number | undefined): Promise<boolean> {
    if (this.threshold === undefined || size === undefined || size < this.threshold) return false;
    const s = await this.serverSettings();
    return s.enabled && size >= s.minSize && size <= s.maxSize;
  }

  private serverSettings(): Promise<LargeFileSettings> {
    if (!this.settings) {
      this.settings = this.http.json({ method: 'GET', path: '/v2/multipart/settings' }).then(
        (body) => {
          const results = isObject(body) && isObject(body.results) ? body.results : {};
          const data = isObject(results.data) ? results.data : results;
          return {
            enabled: data.is_enabled === true,
            minSize: numberProp(data, 'min_size') ?? 0,
            maxSize: numberProp(data, 'max_size') ?? Number.MAX_SAFE_INTEGER,
          };
        },
        (err: unknown) => {
          // Servers without the feature do not know the route (400) or refuse it (403).
          if (isFileBridgeError(err) && (err.code === 'CS_REJECTED' || err.code === 'PERMISSION_DENIED' || err.code === 'NOT_FOUND'))
            return { enabled: false, minSize: 0, maxSize: 0 };
          this.settings = undefined;
          throw err;
        },
      );
    }
    return this.settings;
  }

  /** Sends the file in parts and returns the completed upload's key. */
  async send(open: () => Readable, fileName: string, size: number, mimeType: string, onProgress?: (bytes: number) => void): Promise<string> {
    const begun = await this.http.json({ method: 'POST', path: '/v2/multipart', form: { file_name: fileName, file_size: size, mime_type: mimeType } });
    const r = isObject(begun) && isObject(begun.results) ? begun.results : {};
    const key = stringProp(r, 'upload_key');
    const partSize = numberProp(r, 'part_size');
    const numParts = numberProp(r, 'num_parts');
    if (!key || !partSize || !numParts)
      throw new FileBridgeError('CONNECTION', 'Content Server answered the multipart upload start without key, part size or part count');
    const cursor = new SourceCursor(open);
    try {
      for (let n = 1; n <= numParts; n++) {
        const start = (n - 1) * partSize;
        const length = n < numParts ? partSize : size - start;
        const last = n === numParts;
        const partOpen = (): Readable =>
          Readable.from(
            (async function* () {
              await cursor.seek(start);
              let remaining = length;
              while (remaining > 0) {
                const b = await cursor.next(remaining);
                if (!b) throw new FileBridgeError('INVALID_INPUT', `The file is shorter (${cursor.position} bytes) than the size given (${size})`);
                remaining -= b.length;
                yield b;
              }
              // A longer file would be cut silently: the size given must be the size read.
              if (last && (await cursor.next(1))) throw new FileBridgeError('INVALID_INPUT', `The file is longer than the size given (${size} bytes)`);
            })(),
          );
        await this.http.json({
          method: 'POST',
          path: `/v2/multipart/${key}/${n}`,
          file: { field: 'part_content', filename: fileName, contentType: 'application/octet-stream', open: partOpen },
          onProgress: onProgress ? (sent) => onProgress(start + sent) : undefined,
        });
      }
    } finally {
      cursor.close();
    }
    await this.http.json({ method: 'POST', path: `/v2/multipart/${key}` });
    return key;
  }
}
