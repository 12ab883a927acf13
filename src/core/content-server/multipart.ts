/**
 * A multipart/form-data body produced as a stream: the fields, the file part's header, the source
 * piped through chunk by chunk, the closing boundary. Nothing is buffered beyond the chunk in flight,
 * so files of unknown and unlimited length travel with flat memory (undici's FormData would read a
 * Blob, which needs the whole file or its length up front).
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface MultipartFile {
  /** The form field name; Content Server expects `file`. */
  field: string;
  filename: string;
  contentType: string;
  /** Called once per attempt: a retry needs a fresh stream, a consumed one cannot be replayed. */
  open: () => Readable;
}

export interface MultipartBody {
  contentType: string;
  boundary: string;
  /** A new body stream each call (one per attempt). */
  stream: (hooks?: BodyHooks) => ReadableStream<Uint8Array>;
}

export interface BodyHooks {
  onChunk?: (bytes: number) => void;
  /** The source failed (not the network): the caller must not mistake it for a transient failure. */
  onSourceError?: (err: unknown) => void;
}

/** Quotes a header parameter the way browsers do: CR, LF and `"` percent-encoded, so no header injection. */
function quoteParam(v: string): string {
  return v.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export function multipartBody(fields: [string, string][], file: MultipartFile): MultipartBody {
  const boundary = `----FileBridge${randomBytes(16).toString('hex')}`;
  let preamble = '';
  for (const [name, value] of fields) {
    preamble += `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(name)}"\r\n\r\n${value}\r\n`;
  }
  preamble +=
    `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(file.field)}"; filename="${quoteParam(file.filename)}"\r\n` +
    `Content-Type: ${file.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`;
  const head = Buffer.from(preamble, 'utf8');
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');

  const stream = (hooks: BodyHooks = {}): ReadableStream<Uint8Array> => {
    let source: Readable | undefined;
    let iterator: AsyncIterator<unknown> | undefined;
    let stage: 'head' | 'file' | 'tail' | 'done' = 'head';
    return new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (stage === 'head') {
            stage = 'file';
            controller.enqueue(new Uint8Array(head));
            return;
          }
          if (stage === 'file') {
            let next: IteratorResult<unknown>;
            try {
              if (!iterator) {
                source = file.open();
                iterator = source[Symbol.asyncIterator]();
              }
              next = await iterator.next();
            } catch (err) {
              hooks.onSourceError?.(err);
              throw err;
            }
            if (!next.done) {
              const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : (next.value as Uint8Array);
              hooks.onChunk?.(chunk.byteLength);
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              return;
            }
            stage = 'tail';
          }
          if (stage === 'tail') {
            stage = 'done';
            controller.enqueue(new Uint8Array(tail));
            controller.close();
          }
        },
        cancel(reason) {
          source?.destroy(reason instanceof Error ? reason : undefined);
        },
      },
      // Pull only when the socket wants more: one chunk in flight, never the file.
      { highWaterMark: 0 },
    );
  };
  return { contentType: `multipart/form-data; boundary=${boundary}`, boundary, stream };
}
