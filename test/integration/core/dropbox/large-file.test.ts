import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { DropboxContentHasher } from '../../../../src/core/dropbox/content-hash';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';
import { generatedBytes, rssSampler } from '../../../support/memory';

const MiB = 1024 * 1024;
const SIZE = 400 * MiB;
/** Peak RSS above the level before the transfer: far below the file's 400 MiB, so no whole file is held. */
const RSS_BOUND = 200 * MiB;

describe('a 400 MiB file through Dropbox upload sessions and a streamed download, with peak RSS [volume]', function () {
  this.timeout(600_000);
  let sim: DropboxSim;
  let session: DropboxSession;
  const seed = randomBytes(64);
  let expectedSha = '';
  let expectedContentHash = '';

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
    session = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url });
    const sha = createHash('sha256');
    const hasher = new DropboxContentHasher();
    for await (const chunk of generatedBytes(SIZE, seed)) {
      sha.update(chunk as Buffer);
      hasher.update(chunk as Buffer);
    }
    expectedSha = sha.digest('hex');
    expectedContentHash = hasher.digest();
  });
  after(async () => {
    await session?.close();
    await sim?.stop();
  });

  it('uploads 400 MiB of unknown size in 16 MiB chunks with flat memory; Dropbox has the right content_hash', async () => {
    const appendsBefore = sim.stats().byRoute['files/upload_session/append_v2'] ?? 0;
    const rss = rssSampler();
    const written = await session.write('/Large/400mib.bin', generatedBytes(SIZE, seed));
    const peak = rss.stop();
    console.log(`      upload: peak RSS +${(peak / MiB).toFixed(0)} MiB over ${(rss.baseline / MiB).toFixed(0)} MiB`);
    assert.equal(written, SIZE);
    assert.equal(sim.entry('/large/400MIB.bin')?.content_hash, expectedContentHash);
    assert.equal(
      (sim.stats().byRoute['files/upload_session/append_v2'] ?? 0) - appendsBefore,
      SIZE / (16 * MiB) - 1,
      'the first 16 MiB start the session, every further full chunk is one append_v2, finish carries the rest',
    );
    assert.ok(peak < RSS_BOUND, `peak RSS grew by ${(peak / MiB).toFixed(0)} MiB`);
  });

  it('downloads it as a stream to a slow reader with flat memory, byte for byte', async () => {
    const rss = rssSampler();
    const sha = createHash('sha256');
    let received = 0;
    const stream = await session.createReadStream('/Large/400mib.bin');
    await pipeline(
      stream,
      new Writable({
        highWaterMark: MiB,
        write(chunk: Buffer, _enc, cb) {
          sha.update(chunk);
          received += chunk.length;
          // A slow consumer now and then: backpressure must hold the download, not memory.
          if (received % (50 * MiB) < chunk.length) setTimeout(cb, 200);
          else cb();
        },
      }),
    );
    const peak = rss.stop();
    console.log(`      download: peak RSS +${(peak / MiB).toFixed(0)} MiB over ${(rss.baseline / MiB).toFixed(0)} MiB`);
    assert.equal(received, SIZE);
    assert.equal(sha.digest('hex'), expectedSha);
    assert.ok(peak < RSS_BOUND, `peak RSS grew by ${(peak / MiB).toFixed(0)} MiB`);
  });
});
