import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { openStream } from '../remote/operations';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteSession } from '../remote/types';
import type { SourceFacts } from './source';

export interface SourceStreamOptions {
  /** The stream fails when the file does not have exactly this many bytes (a half-copied claim must not pass as whole). */
  expectedSize?: number;
  /** Computes SHA-256 on the way and reports it when the last byte went through. */
  onSha256?: (hex: string) => void;
}

/**
 * What a stream that hashes its own bytes says about them: the SHA-256 of every byte it gave out and
 * their count, once it has ended (undefined before). A consumer that needs the digest of the same
 * bytes takes it from here instead of hashing them a second time (SHA-256 is about 0.6 CPU s per GiB).
 */
export interface OwnDigest {
  sha256: string;
  bytes: number;
}

const OWN_DIGEST = Symbol('filebridge.ownDigest');

/** The digest a stream from `sourceStream` computes of itself, or undefined when it does not (or is not one). */
export function ownDigestOf(stream: Readable): (() => OwnDigest | undefined) | undefined {
  const read = (stream as Readable & { [OWN_DIGEST]?: () => OwnDigest | undefined })[OWN_DIGEST];
  return typeof read === 'function' ? read : undefined;
}

/**
 * A stream of a remote file that connects only when first read. A message waiting in a queue (or
 * behind max-in-flight) holds no pooled connection; the bytes are hashed and counted as they pass.
 */
export function sourceStream(pool: SessionPool<RemoteSession>, path: string, options: SourceStreamOptions = {}): Readable {
  let source: Readable | undefined;
  let opening = false;
  let bytes = 0;
  const hash: Hash | undefined = options.onSha256 ? createHash('sha256') : undefined;
  let digest: OwnDigest | undefined;
  const out: Readable = new Readable({
    highWaterMark: 1024 * 1024,
    read() {
      if (source) {
        source.resume();
        return;
      }
      if (opening) return;
      opening = true;
      openStream(pool, path).then(
        (stream) => {
          if (out.destroyed) {
            stream.destroy();
            return;
          }
          source = stream;
          stream.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            hash?.update(chunk);
            if (!out.push(chunk)) stream.pause();
          });
          stream.once('end', () => {
            if (options.expectedSize !== undefined && bytes !== options.expectedSize) {
              out.destroy(
                new FileBridgeError(
                  'CONNECTION',
                  `Reading ${path} gave ${bytes} bytes, but the file had ${options.expectedSize} when it was claimed. It was changed while being processed or the transfer broke; it stays claimed.`,
                  { path, bytes, expected: options.expectedSize },
                ),
              );
              return;
            }
            if (hash) {
              digest = { sha256: hash.digest('hex'), bytes };
              options.onSha256?.(digest.sha256);
            }
            out.push(null);
          });
          stream.once('error', (err) => out.destroy(err));
        },
        (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
      );
    },
    destroy(err, cb) {
      source?.destroy();
      cb(err);
    },
  });
  if (hash) Object.defineProperty(out, OWN_DIGEST, { value: () => digest });
  return out;
}

/** Reads a remote file whole (small files only), with the same size check and hash. */
export async function sourceBuffer(pool: SessionPool<RemoteSession>, path: string, options: SourceStreamOptions = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of sourceStream(pool, path, options)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** How a watch hands a claimed file to the flow. */
export interface DeliverySettings {
  /** `auto`: a Buffer up to `maxBufferBytes`, a stream above. */
  output: 'stream' | 'buffer' | 'auto';
  maxBufferBytes: number;
  /** Sets `source.sha256` when the last byte went through. */
  sha256: boolean;
}

/**
 * The payload of a claimed file's message: a stream that connects when first read, or the bytes
 * (Buffer output). Both fail when the size differs from the claim's.
 */
export async function openPayload(pool: SessionPool<RemoteSession>, source: SourceFacts, delivery: DeliverySettings): Promise<Readable | Buffer> {
  const read: SourceStreamOptions = {
    expectedSize: source.size,
    onSha256: delivery.sha256
      ? (hex: string) => {
          source.sha256 = hex;
        }
      : undefined,
  };
  const { output, maxBufferBytes } = delivery;
  if (output === 'buffer' && source.size > maxBufferBytes) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `${source.path} has ${source.size} bytes, above the ${maxBufferBytes}-byte Buffer limit; it stays claimed. Choose stream output or raise the limit.`,
    );
  }
  const asBuffer = output === 'buffer' || (output === 'auto' && source.size <= maxBufferBytes);
  return asBuffer ? sourceBuffer(pool, source.claimPath, read) : sourceStream(pool, source.claimPath, read);
}
