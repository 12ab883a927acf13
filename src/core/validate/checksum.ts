import { createHash, type Hash } from 'node:crypto';
import type { ContentCheck } from './types';

export type ChecksumAlgorithm = 'sha256' | 'md5';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['sha256', 'md5'];
const HEX_LENGTH: Record<ChecksumAlgorithm, number> = { sha256: 64, md5: 32 };

/**
 * The expected digest from a side-car file. Accepts what tools write: a bare digest,
 * `sha256sum`/`md5sum` lines (`<hex>  name` or `<hex> *name`, several files per side-car) and the
 * BSD form `SHA256 (name) = <hex>`. When the side-car lists several files, the line naming `name`
 * wins; a single digest is taken whatever name it carries.
 */
export function parseSidecar(text: string, algorithm: ChecksumAlgorithm, name: string): string | undefined {
  const length = HEX_LENGTH[algorithm];
  const candidates: { digest: string; file?: string }[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const bsd = /^(?:SHA256|MD5)\s*\((.*)\)\s*=\s*([0-9a-fA-F]+)$/i.exec(line);
    if (bsd) {
      candidates.push({ digest: bsd[2], file: bsd[1] });
      continue;
    }
    const gnu = /^([0-9a-fA-F]+)(?:\s+\*?(.*))?$/.exec(line);
    if (gnu) candidates.push({ digest: gnu[1], file: gnu[2]?.trim() || undefined });
  }
  const valid = candidates.filter((c) => c.digest.length === length);
  const named = valid.find((c) => c.file !== undefined && (c.file === name || c.file.endsWith(`/${name}`)));
  if (named) return named.digest.toLowerCase();
  return valid.length === 1 ? valid[0].digest.toLowerCase() : undefined;
}

/** Hashes the pass; `digest()` is valid once the pass is over. */
export class HashCheck implements ContentCheck {
  private readonly hash: Hash;
  private value?: string;

  constructor(readonly algorithm: ChecksumAlgorithm) {
    this.hash = createHash(algorithm);
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }

  finish(): [] {
    this.value = this.hash.digest('hex');
    return [];
  }

  digest(): string {
    if (this.value === undefined) throw new Error('HashCheck.digest() called before the pass ended');
    return this.value;
  }
}
