import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import {
  contentHashFromBlockDigests,
  contentHashOf,
  DropboxContentHasher,
  dropboxContentHash,
  DROPBOX_HASH_BLOCK,
} from '../../../../src/core/dropbox/content-hash';

/** The reference algorithm written out plainly, independent of the incremental hasher. */
function reference(data: Buffer): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < data.length; i += 4 * 1024 * 1024)
    digests.push(
      createHash('sha256')
        .update(data.subarray(i, i + 4 * 1024 * 1024))
        .digest(),
    );
  return createHash('sha256').update(Buffer.concat(digests)).digest('hex');
}

describe('dropbox content_hash', () => {
  it("matches Dropbox's documented example (the Milky Way image: three block digests -> 485291fa...)", () => {
    // https://www.dropbox.com/developers/reference/content-hash: 9,711,423 bytes, blocks of 4,194,304.
    const blocks = [
      '2a846fa617c3361fc117e1c5c1e1838c336b6a5cef982c1a2d9bdf68f2f1992a',
      'c68469027410ea393eba6551b9fa1e26db775f00eae70a0c3c129a0011a39cf9',
      '7376192de020925ce6c5ef5a8a0405e931b0a9a8c75517aacd9ca24a8a56818b',
    ];
    assert.equal(contentHashFromBlockDigests(blocks), '485291fa0ee50c016982abbfa943957bcd231aae0492ccbaa22c58e3997b35e0');
  });

  it('an empty file has no block: SHA-256 of the empty string', () => {
    assert.equal(contentHashOf(Buffer.alloc(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(new DropboxContentHasher().digest(), createHash('sha256').digest('hex'));
  });

  it('agrees with the plain algorithm at and around the block boundaries, whatever the chunking', () => {
    const sizes = [1, 1000, DROPBOX_HASH_BLOCK - 1, DROPBOX_HASH_BLOCK, DROPBOX_HASH_BLOCK + 1, 2 * DROPBOX_HASH_BLOCK, 2 * DROPBOX_HASH_BLOCK + 7];
    const big = randomBytes(2 * DROPBOX_HASH_BLOCK + 7);
    for (const size of sizes) {
      const data = big.subarray(0, size);
      const expected = reference(data);
      assert.equal(contentHashOf(data), expected, `one piece, ${size} bytes`);
      const h = new DropboxContentHasher();
      for (let i = 0; i < size; i += 65_537) h.update(data.subarray(i, i + 65_537));
      assert.equal(h.digest(), expected, `65,537-byte pieces, ${size} bytes`);
      assert.equal(h.size, size);
    }
    // A one-block file is not just SHA-256 of its bytes: the block digest is hashed again.
    const small = Buffer.from('hello');
    assert.notEqual(contentHashOf(small), createHash('sha256').update(small).digest('hex'));
    assert.equal(contentHashOf(small), createHash('sha256').update(createHash('sha256').update(small).digest()).digest('hex'));
  });

  it('the pass-through stream hands on every byte and knows the hash at the end', async () => {
    const data = randomBytes(DROPBOX_HASH_BLOCK + 12_345);
    const hashing = dropboxContentHash();
    const seen: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 100), data.subarray(100)]),
      hashing,
      new Writable({
        write(chunk: Buffer, _e, cb) {
          seen.push(chunk);
          cb();
        },
      }),
    );
    assert.ok(Buffer.concat(seen).equals(data));
    assert.equal(hashing.contentHash, reference(data));
    assert.equal(hashing.bytes, data.length);
  });
});
