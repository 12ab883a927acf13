/**
 * Dropbox `content_hash` (shared/reference/node-red-and-dropbox.md, and Dropbox's "Content hash" page):
 * split the bytes into 4,194,304-byte blocks, SHA-256 each block, concatenate the raw digests,
 * SHA-256 that, lower-case hex. An empty file hashes the empty concatenation.
 * Incremental: feed chunks of any size; the state can live across requests (upload sessions).
 */
import { createHash, type Hash } from 'node:crypto';

export const BLOCK_SIZE = 4 * 1024 * 1024;

export class ContentHasher {
  private block: Hash = createHash('sha256');
  private inBlock = 0;
  private readonly digests: Buffer[] = [];
  size = 0;

  update(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      const take = Math.min(BLOCK_SIZE - this.inBlock, chunk.length - pos);
      this.block.update(chunk.subarray(pos, pos + take));
      this.inBlock += take;
      pos += take;
      if (this.inBlock === BLOCK_SIZE) {
        this.digests.push(this.block.digest());
        this.block = createHash('sha256');
        this.inBlock = 0;
      }
    }
    this.size += chunk.length;
  }

  /** The hash of everything fed so far; the hasher stays usable. */
  hex(): string {
    const parts = [...this.digests];
    if (this.inBlock > 0) parts.push(this.block.copy().digest());
    return createHash('sha256').update(Buffer.concat(parts)).digest('hex');
  }
}
