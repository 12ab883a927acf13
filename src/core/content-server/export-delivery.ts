/**
 * Knowing when an exported document was delivered: its payload stream was read to the end by whoever
 * received the message. Only then may the export's mark move past the document.
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../errors';

/** What passed through to the receiver. */
export interface Delivered {
  bytes: number;
  /** Hex SHA-256 of the bytes, when asked for. */
  sha256?: string;
}

export interface TrackedStream {
  /** What the receiver reads: the download, passed through as it is read (back-pressure intact). */
  stream: Readable;
  /** Resolves when the receiver read the last byte; rejects (coded) when it stopped early, the download broke or it sat idle. */
  delivered: Promise<Delivered>;
  /** Ends the stream with this error (node stopping). */
  abort(err: FileBridgeError): void;
}

/**
 * Wraps a download. The idle timer runs while no byte moves, so a slow but steady reader of a huge
 * file never times out, and a message whose payload nobody reads cannot hold the export forever.
 */
export function trackStream(source: Readable, idleTimeoutMs: number, what: string, options: { sha256?: boolean; onProgress?: () => void } = {}): TrackedStream {
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  let bytes = 0;
  const hash = options.sha256 ? createHash('sha256') : undefined;
  let resolveDelivered: (d: Delivered) => void = () => undefined;
  let rejectDelivered: (err: FileBridgeError) => void = () => undefined;
  const delivered = new Promise<Delivered>((resolve, reject) => {
    resolveDelivered = resolve;
    rejectDelivered = reject;
  });
  const fail = (err: FileBridgeError): void => {
    if (settled) return;
    settled = true;
    if (timer) clearTimeout(timer);
    rejectDelivered(err);
  };
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    if (idleTimeoutMs > 0) {
      timer = setTimeout(() => {
        const err = new FileBridgeError(
          'TIMEOUT',
          `Nobody read ${what} for ${Math.round(idleTimeoutMs / 1000)} s: the export stopped here and sends it again next run`,
          { idleTimeoutMs },
        );
        fail(err);
        passThrough.destroy(err);
      }, idleTimeoutMs);
    }
  };
  const passThrough = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      arm();
      options.onProgress?.();
      bytes += chunk.length;
      hash?.update(chunk);
      callback(null, chunk);
    },
  });
  const brokeOff = (err: unknown): FileBridgeError =>
    err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', `Download of ${what} broke off: ${errorMessage(err)}`, {}, { cause: err });
  // Not `pipeline`: it destroys the source with an error of its own when the receiver stops, and
  // then a download that broke off and a receiver that gave up look alike.
  let sourceError: unknown;
  source.on('error', (err) => {
    sourceError ??= err;
    passThrough.destroy(brokeOff(err));
  });
  source.pipe(passThrough);
  // The receiver reads from `passThrough`; our own listener keeps an unhandled error from crashing the process.
  passThrough.on('error', () => undefined);
  passThrough.on('end', () => {
    if (settled) return;
    settled = true;
    if (timer) clearTimeout(timer);
    resolveDelivered({ bytes, ...(hash ? { sha256: hash.digest('hex') } : {}) });
  });
  passThrough.on('close', () => {
    if (!source.destroyed) source.destroy();
    if (sourceError !== undefined) fail(brokeOff(sourceError));
    else
      fail(new FileBridgeError('CONNECTION', `The receiver closed ${what} before reading it to the end: the export stopped here and sends it again next run`));
  });
  arm();
  return {
    stream: passThrough,
    delivered,
    abort(err: FileBridgeError) {
      fail(err);
      passThrough.destroy(err);
    },
  };
}

/** Reads a (small) stream into a Buffer. */
export async function readAll(stream: Readable, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  } catch (err) {
    throw err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', `Download of ${what} broke off: ${errorMessage(err)}`, {}, { cause: err });
  }
  return Buffer.concat(chunks);
}
