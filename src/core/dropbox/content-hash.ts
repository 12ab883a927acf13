import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Dropbox's `content_hash` (https://www.dropbox.com/developers/reference/content-hash): split the
 * bytes into 4,194,304-byte blocks, SHA-256 each block, concatenate the raw 32-byte digests, SHA-256
 * that and hex it. An empty file has no block, so its hash is SHA-256 of the empty string.
 */
export const DROPBOX_HASH_BLOCK = 4 * 1024 * 1024;

/** Incremental content hasher: feed any chunk sizes, read `digest()` once at the end. */
export class DropboxContentHasher {
  private readonly overall: Hash = createHash('sha256');
  private block: Hash = createHash('sha256');
  private inBlock = 0;
  private total = 0;
  private done: string | undefined;
  /** Block digests since the last `sectionDigest()` (the blocks of the upload chunk being read). */
  private section: Buffer[] = [];

  update(data: Uint8Array): this {
    if (this.done !== undefined) throw new Error('content hash already finished');
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(DROPBOX_HASH_BLOCK - this.inBlock, data.length - offset);
      this.block.update(data.subarray(offset, offset + take));
      this.inBlock += take;
      offset += take;
      if (this.inBlock === DROPBOX_HASH_BLOCK) {
        const d = this.block.digest();
        this.overall.update(d);
        this.section.push(d);
        this.block = createHash('sha256');
        this.inBlock = 0;
      }
    }
    this.total += data.length;
    return this;
  }

  /** Bytes hashed so far. */
  get size(): number {
    return this.total;
  }

  digest(): string {
    if (this.done === undefined) {
      if (this.inBlock > 0) {
        const d = this.block.digest();
        this.overall.update(d);
        this.section.push(d);
        this.inBlock = 0;
      }
      this.done = this.overall.digest('hex');
    }
    return this.done;
  }

  /**
   * The content hash of the bytes since the previous call (or the start): the hash of one upload
   * chunk, made from the block digests the whole file's hash needs anyway, so no byte is hashed
   * twice. A chunk must end on a block boundary (chunk sizes are whole blocks), except the last one,
   * whose section is taken after `digest()`.
   */
  sectionDigest(): string {
    if (this.inBlock > 0) throw new Error('an upload chunk must end on a 4 MiB block boundary, or after digest()');
    const overall = createHash('sha256');
    for (const d of this.section) overall.update(d);
    this.section = [];
    return overall.digest('hex');
  }
}

/** The content hash of bytes already in memory (one upload chunk). */
export function contentHashOf(data: Uint8Array): string {
  return new DropboxContentHasher().update(data).digest();
}

/** The content hash from the per-block SHA-256 digests (hex), as the reference page shows its example. */
export function contentHashFromBlockDigests(blockDigestsHex: readonly string[]): string {
  const overall = createHash('sha256');
  for (const hex of blockDigestsHex) overall.update(Buffer.from(hex, 'hex'));
  return overall.digest('hex');
}

/** A pass-through stream that computes the content hash of what flows through it. */
export class DropboxContentHashStream extends Transform {
  private readonly hasher = new DropboxContentHasher();
  private result: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hasher.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = this.hasher.digest();
    callback();
  }

  /** The content hash once the stream has ended (`'finish'`/`'end'`), else undefined. */
  get contentHash(): string | undefined {
    return this.result;
  }

  get bytes(): number {
    return this.hasher.size;
  }
}

/** A Transform that passes bytes through and computes their Dropbox content_hash (read `contentHash` after it ends). */
export function dropboxContentHash(): DropboxContentHashStream {
  return new DropboxContentHashStream();
}
