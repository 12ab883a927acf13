import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { DropboxBatchPublisher } from '../../../../src/core/dropbox/batch';
import { DropboxClient } from '../../../../src/core/dropbox/client';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';

describe('DropboxBatchPublisher: many files committed by finish_batch_v2 against the simulator', function () {
  this.timeout(120_000);
  let sim: DropboxSim;
  let client: DropboxClient;

  beforeEach(async () => {
    sim = await startDropboxSim({ port: 0 });
    client = new DropboxClient({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, chunkSize: 4 * 1024 * 1024, retryBaseMs: 20 });
  });
  afterEach(async () => {
    client?.close();
    await sim?.stop();
  });

  it('publishes 250 files (one of 9 MiB) in one batch commit with single commits contending; each file is there with its bytes', async () => {
    sim.setFaults({ contendSingleCommits: true });
    const files = Array.from({ length: 250 }, (_, i) => ({
      path: `/Publish/batch/ä-${i}.txt`,
      data: i === 7 ? randomBytes(9 * 1024 * 1024) : randomBytes(100 + i),
    }));
    const before = sim.stats();
    const results = await new DropboxBatchPublisher(client, { concurrency: 8 }).publish(
      files.map((f) => ({ path: f.path, source: () => Readable.from([f.data]) })),
    );
    const after = sim.stats();
    assert.equal(after.batches - before.batches, 1);
    assert.equal((after.byRoute['files/upload_session/finish_batch_v2'] ?? 0) - (before.byRoute['files/upload_session/finish_batch_v2'] ?? 0), 1);
    assert.equal((after.byRoute['files/upload'] ?? 0) - (before.byRoute['files/upload'] ?? 0), 0);
    assert.equal(after.writeContention, before.writeContention, 'no single commit, so no contention');
    assert.equal(results.length, files.length);
    files.forEach((f, i) => {
      const r = results[i];
      assert.ok(r.ok, `${f.path}: ${r.ok ? '' : r.error.message}`);
      assert.equal(r.file.contentHash, contentHashOf(f.data));
      assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data));
      assert.equal(sim.entry(f.path)?.size, f.data.length);
    });
  });

  it('reports each entry on its own: a conflict in add mode fails that file only; more than maxEntries go in several batches, one at a time', async () => {
    await sim.putFile('/Publish/taken.txt', 'already here');
    const items = [
      { path: '/Publish/new-1.txt', source: Readable.from([Buffer.from('one')]) },
      { path: '/Publish/taken.txt', source: Readable.from([Buffer.from('other bytes')]), mode: 'add' as const },
      { path: '/Publish/new-2.txt', source: Readable.from([Buffer.from('two')]) },
    ];
    const before = sim.stats().batches;
    const publisher = new DropboxBatchPublisher(client, { maxEntries: 2 });
    const [a, b] = await Promise.all([
      publisher.publish(items),
      publisher.publish([{ path: '/Publish/new-3.txt', source: Readable.from([Buffer.from('3')]) }]),
    ]);
    assert.equal(sim.stats().batches - before, 3);
    assert.deepEqual(
      a.map((r) => (r.ok ? 'ok' : r.error.code)),
      ['ok', 'CONFLICT', 'ok'],
    );
    assert.ok(b[0].ok);
    assert.equal(sim.entry('/Publish/taken.txt')?.size, 'already here'.length);
    assert.equal(sim.entry('/Publish/new-2.txt')?.size, 3);
  });
});
