import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';
import { expectCode } from '../../../support/expect-code';

const MiB = 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('DropboxSession under faults: expired tokens, 429 storms, 5xx, dropped uploads, offsets', function () {
  this.timeout(180_000);
  let sim: DropboxSim;
  let session: DropboxSession;

  beforeEach(async () => {
    sim = await startDropboxSim({ port: 0 });
    session = await openDropboxSession({
      appKey: sim.appKey,
      refreshToken: sim.refreshToken,
      serviceUrl: sim.url,
      chunkSize: 4 * MiB,
      retryBaseMs: 20,
      retryMaxMs: 200,
    });
  });
  afterEach(async () => {
    await session?.close();
    await sim?.stop();
  });

  it('a token that expires in the middle of an upload session: one refresh, the upload goes on and arrives whole', async () => {
    const data = randomBytes(18 * MiB + 5);
    const refreshes = sim.stats().tokenRefreshes;
    let sent = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < data.length; i += 256 * 1024) {
          sent += 256 * 1024;
          // After two chunks have gone up, every token Dropbox issued so far dies.
          if (sent === 9 * MiB) sim.expireAccessTokens();
          yield data.subarray(i, i + 256 * 1024);
        }
      })(),
    );
    assert.equal(await session.write('/exp/mid.bin', source), data.length);
    assert.equal(sim.stats().tokenRefreshes - refreshes, 1);
    assert.equal(session.client.stats.tokenRetries, 1);
    assert.equal((await session.stat('/exp/mid.bin'))?.contentHash, contentHashOf(data));
    assert.equal(sha(await readAll(await session.createReadStream('/exp/mid.bin'))), sha(data));
  });

  it('a 429 storm (too_many_requests and too_many_write_operations): every operation still succeeds, after Retry-After', async () => {
    sim.setFaults({ rateLimitRate: 0.3, writeLimitRate: 0.3, retryAfterSeconds: 0 });
    const files = Array.from({ length: 12 }, (_, i) => ({ path: `/storm/f${i}.bin`, data: randomBytes(i % 3 === 0 ? 5 * MiB : 1000 + i) }));
    await Promise.all(files.map((f) => session.write(f.path, Readable.from([f.data]))));
    const listed = await session.list('/storm');
    assert.equal(listed.length, files.length);
    for (const f of files) assert.equal(sha(await readAll(await session.createReadStream(f.path))), sha(f.data));
    await session.rename('/storm/f1.bin', '/storm/moved.bin');
    await session.deleteFile('/storm/f2.bin');
    assert.ok(sim.stats().rateLimited > 5, `rate limited ${sim.stats().rateLimited} times`);
    assert.ok(session.client.stats.rateLimited > 5);
    // Retry-After is honoured: a 429 that says 1 s is not retried sooner.
    sim.setFaults({ rateLimitRate: 1, writeLimitRate: 0, retryAfterSeconds: 1 });
    setTimeout(() => sim.setFaults({ rateLimitRate: 0 }), 200);
    const started = Date.now();
    await session.list('/storm');
    assert.ok(Date.now() - started >= 1000, `retried after ${Date.now() - started} ms`);
  });

  it('5xx: reads are retried with backoff; a move Dropbox may have done is not sent twice (CONNECTION)', async () => {
    await session.write('/err/a.txt', Readable.from([Buffer.from('a')]));
    sim.setFaults({ failNext: 3 });
    assert.equal((await session.list('/err')).length, 1);
    const moves = sim.stats().byRoute['files/move_v2'] ?? 0;
    sim.setFaults({ failNext: 1 });
    await expectCode(session.rename('/err/a.txt', '/err/b.txt'), 'CONNECTION');
    assert.equal((sim.stats().byRoute['files/move_v2'] ?? 0) - moves, 1);
    sim.setFaults({ failNext: 0, errorRate: 1 });
    const few = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, maxRetries: 2, retryBaseMs: 10 });
    try {
      await expectCode(few.list('/err'), 'CONNECTION', /HTTP 5\d\d/);
    } finally {
      await few.close();
    }
  });

  it('connections dropped in the middle of upload bodies: chunks are sent again, the file arrives whole', async () => {
    sim.setFaults({ dropUploadRate: 0.3 });
    const data = randomBytes(21 * MiB);
    assert.equal(await session.write('/drop/big.bin', Readable.from([data])), data.length);
    const small = randomBytes(3000);
    assert.equal(await session.write('/drop/small.bin', Readable.from([small])), small.length);
    // Seven requests all spared by a 30 % drop rate happens 1 run in 12: go on with small files until one was dropped.
    for (let i = 0; i < 30 && sim.stats().droppedUploads === 0; i++) {
      const more = randomBytes(2000 + i);
      assert.equal(await session.write(`/drop/more-${i}.bin`, Readable.from([more])), more.length);
      assert.equal(sim.entry(`/drop/more-${i}.bin`)?.content_hash, contentHashOf(more));
    }
    sim.setFaults({ dropUploadRate: 0 });
    assert.ok(sim.stats().droppedUploads > 0, 'the simulator dropped some uploads');
    assert.equal((await session.stat('/drop/big.bin'))?.contentHash, contentHashOf(data));
    assert.equal(sha(await readAll(await session.createReadStream('/drop/small.bin'))), sha(small));
  });

  it('an append Dropbox already has (incorrect_offset) goes on at correct_offset instead of failing or doubling bytes', async () => {
    const a = randomBytes(4 * MiB);
    const b = randomBytes(4 * MiB);
    const tail = randomBytes(100);
    const id = await session.startSession(a, '/off/x.bin', false);
    await session.appendChunk(id, a.length, b, '/off/x.bin', false);
    // The same append again, as after a lost answer: Dropbox says incorrect_offset, correct_offset = 8 MiB.
    await session.appendChunk(id, a.length, b, '/off/x.bin', false);
    // A finish that starts too early (part of it already there) sends only the missing bytes.
    await session.appendChunk(id, 2 * a.length, tail.subarray(0, 40), '/off/x.bin', false);
    const meta = await session.finishSession(
      id,
      2 * a.length,
      tail,
      { path: '/off/x.bin', mode: { '.tag': 'overwrite' }, autorename: false, mute: true },
      '/off/x.bin',
    );
    const whole = Buffer.concat([a, b, tail]);
    assert.equal(meta.size, whole.length);
    assert.equal(meta.content_hash, contentHashOf(whole));
  });
});
