/**
 * Backup packages: downloadable files whose bytes are generated from a seed (the AES-256-CTR key
 * stream of sha256(seed), so any size costs no memory and the same seed gives the same bytes) and
 * streamed, never held in memory. Size and SHA-256 are computed once, streaming, when a package is
 * created, so the download can announce `Content-Length`, `Digest: sha-256=<base64>` (RFC 3230 §4.3.2;
 * the algorithm token `SHA-256` is registered by RFC 5843 §3, its value the base64 of the digest)
 * and an `ETag`.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

export interface Backup {
  id: string;
  name: string;
  size: number;
  sha256: string;
  createdAt: string;
  seed: string;
}

const CHUNK = 64 * 1024;

/** The package's bytes, `size` of them, generated chunk by chunk as the reader pulls. */
export function backupStream(seed: string, size: number): Readable {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(CHUNK);
  let left = size;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(cipher.update(n === CHUNK ? zeros : zeros.subarray(0, n)));
    },
  });
}

/** SHA-256 (hex) of a package, computed by streaming its bytes. */
export async function backupSha256(seed: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of backupStream(seed, size)) hash.update(c as Buffer);
  return hash.digest('hex');
}

/** `Digest` header value for a hex SHA-256 (RFC 3230 instance digest). */
export const digestHeader = (sha256Hex: string): string => `sha-256=${Buffer.from(sha256Hex, 'hex').toString('base64')}`;

export const MAX_BACKUP_BYTES = 64 * 1024 ** 3;
