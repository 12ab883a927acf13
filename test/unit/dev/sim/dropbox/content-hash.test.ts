/** The Dropbox simulator's streaming content_hash (content-hash.ts): chunk boundaries never change the hash. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BLOCK_SIZE, ContentHasher } from '../../../../../dev/sim/dropbox/content-hash';

function reference(bytes: Buffer): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += BLOCK_SIZE)
    digests.push(
      createHash('sha256')
        .update(bytes.subarray(i, i + BLOCK_SIZE))
        .digest(),
    );
  return createHash('sha256').update(Buffer.concat(digests)).digest('hex');
}

describe('Dropbox simulator content hash', function () {
  it('uses 4 MiB blocks', function () {
    assert.equal(BLOCK_SIZE, 4_194_304);
  });

  it('gives the same hash whatever the chunks, and can be read midway', function () {
    const bytes = Buffer.alloc(2 * BLOCK_SIZE + 12345);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff;
    for (const chunk of [4099, 65536, BLOCK_SIZE, BLOCK_SIZE + 1, bytes.length]) {
      const h = new ContentHasher();
      for (let i = 0; i < bytes.length; i += chunk) {
        h.update(bytes.subarray(i, i + chunk));
        if (i === 0) assert.equal(h.hex(), reference(bytes.subarray(0, Math.min(chunk, bytes.length))));
      }
      assert.equal(h.hex(), reference(bytes), `chunks of ${chunk}`);
      assert.equal(h.size, bytes.length);
    }
    assert.equal(new ContentHasher().hex(), createHash('sha256').update(Buffer.alloc(0)).digest('hex'));
  });
});
