/**
 * 200 MiB up to and down from the File 360 simulator through the client, with the peak RSS of the
 * process (client and simulator together) recorded: it stays far below the file's size, so neither
 * the multipart upload nor the download holds the file in memory.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openFile360Client, type File360Client } from '../../../../src/core/file360';
import { f360ClientOptions, useFile360Sim } from '../../../support/file360-sim';
import { generatedBytes, rssSampler } from '../../../support/memory';

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;
/** Peak RSS above the level before the transfer: well below the file's 200 MiB. */
const RSS_BOUND = 96 * MiB;

describe('file360 client: a 200 MiB upload and download with flat memory', function () {
  this.timeout(300_000);
  const used = useFile360Sim();
  let client: File360Client;
  const seed = randomBytes(64);
  let expected = '';
  let documentId = '';

  before(async () => {
    const sha = createHash('sha256');
    await pipeline(
      generatedBytes(SIZE, seed),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          sha.update(chunk);
          cb();
        },
      }),
    );
    expected = sha.digest('hex');
    client = openFile360Client(f360ClientOptions(used.sim));
  });
  after(() => client?.close());

  it('uploads 200 MiB streamed (Content-Length known): the simulator has every byte, peak RSS stays flat', async () => {
    const folder = await client.resolveFolder('Large', { create: true });
    const rss = rssSampler();
    const doc = await client.upload(folder.id, 'big.bin', generatedBytes(SIZE, seed), { size: SIZE, collision: 'overwrite' });
    const grew = rss.stop();
    console.log(`      upload: peak RSS +${(grew / MiB).toFixed(1)} MiB for ${SIZE / MiB} MiB`);
    documentId = doc.id;
    assert.equal(doc.size, SIZE);
    const inSim = used.sim.state().documents.find((d) => d.id === doc.id);
    assert.equal(inSim?.sha256, expected);
    assert.ok(grew < RSS_BOUND, `peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
  });

  it('downloads it streamed with backpressure: same sha256, peak RSS stays flat', async () => {
    assert.ok(documentId, 'the upload test ran');
    const rss = rssSampler();
    const down = await client.download(documentId);
    assert.equal(down.size, SIZE);
    assert.equal(down.name, 'big.bin');
    const sha = createHash('sha256');
    let slow = 0;
    await pipeline(
      down.stream,
      new Writable({
        highWaterMark: 64 * 1024,
        write(chunk: Buffer, _e, cb) {
          sha.update(chunk);
          // A slow consumer now and then: the download must wait, not pile up in memory.
          if (++slow % 200 === 0) setTimeout(cb, 5);
          else cb();
        },
      }),
    );
    const grew = rss.stop();
    console.log(`      download: peak RSS +${(grew / MiB).toFixed(1)} MiB for ${SIZE / MiB} MiB`);
    assert.equal(sha.digest('hex'), expected);
    assert.ok(grew < RSS_BOUND, `peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
  });
});
