/**
 * A multipart/form-data body produced as a stream: the fields, the file part's header, the source
 * piped through chunk by chunk, the closing boundary. Nothing is buffered beyond the chunk in flight,
 * so files of unknown and unlimited length travel with flat memory (undici's FormData would read a
 * Blob, which needs the whole file or its length up front).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

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
  stream: (hooks?: BodyHooks) => Readable;
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

  const stream = (hooks: BodyHooks = {}): Readable => {
    let source: Readable | undefined;
    let opened = false;
    const fail = (err: unknown): void => {
      hooks.onSourceError?.(err);
      body.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    /*
     * A Node stream fed by the source's 'data' events, paused while the socket is full: every chunk
     * goes to the request as it came, without the web stream and the two promise hops per chunk
     * (async iterator, then Readable.fromWeb) that the body had before.
     */
    const body: Readable = new Readable({
      // Above this the source is paused: about one chunk in flight, never the file.
      highWaterMark: 64 * 1024,
      read() {
        if (opened) {
          source?.resume();
          return;
        }
        opened = true;
        body.push(head);
        try {
          source = file.open();
        } catch (err) {
          fail(err);
          return;
        }
        const from = source;
        from.on('data', (chunk: Buffer | string) => {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          hooks.onChunk?.(bytes.byteLength);
          if (!body.push(bytes)) from.pause();
        });
        from.once('end', () => {
          body.push(tail);
          body.push(null);
        });
        from.once('error', fail);
      },
      destroy(err, callback) {
        source?.destroy();
        callback(err);
      },
    });
    return body;
  };
  return { contentType: `multipart/form-data; boundary=${boundary}`, boundary, stream };
}
