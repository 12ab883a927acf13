import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import type { DropboxOptions } from '../../../../src/core/dropbox/auth';
import { DropboxBatchPublisher } from '../../../../src/core/dropbox/batch';
import { DropboxClient } from '../../../../src/core/dropbox/client';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';
import { createDropboxPool } from '../../../../src/core/dropbox/pool';
import { DEFAULT_PUT_OPTIONS, putFile } from '../../../../src/core/remote/operations';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { expectCode } from '../../../support/expect-code';

interface SimStats {
  byRoute: Record<string, number>;
  writeContention: number;
  rateLimited: number;
  batches: number;
}

/** The simulator's counters, read over HTTP as an operator would (GET /_sim/stats). */
async function simStats(sim: DropboxSim): Promise<SimStats> {
  const res = await fetch(`${sim.url}/_sim/stats`);
  return (await res.json()) as SimStats;
}

const route = (s: SimStats, r: string): number => s.byRoute[r] ?? 0;

async function writeThroughPool(pool: SessionPool<RemoteSession>, path: string, data: Buffer): Promise<number> {
  const lease = await pool.acquire();
  try {
    return await lease.session.write(path, Readable.from([data]));
  } finally {
    lease.release();
  }
}

describe('Dropbox batched commits: write() calls on the sessions of one pool commit together by finish_batch_v2', function () {
  this.timeout(120_000);
  let sim: DropboxSim;
  let pool: SessionPool<RemoteSession> | undefined;
  let options: DropboxOptions;

  beforeEach(async () => {
    sim = await startDropboxSim({ port: 0 });
    // Dropbox serialises writes per account: concurrent single commits are refused with too_many_write_operations.
    sim.setFaults({ contendSingleCommits: true, writeLockMs: 50 });
    options = { appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, chunkSize: 4 * 1024 * 1024, retryBaseMs: 20 };
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await sim?.stop();
  });

  it('200 concurrent writes through a pool of 50 sessions: a few finish_batch_v2 calls, no refusal, every file whole', async () => {
    pool = createDropboxPool(options, { size: 50 });
    const files = Array.from({ length: 200 }, (_, i) => ({
      path: `/Publish/pool/doc-${i}.txt`,
      data: i === 13 ? randomBytes(9 * 1024 * 1024 + 1) : randomBytes(200 + i),
    }));
    const before = await simStats(sim);
    const sizes = await Promise.all(files.map((f) => writeThroughPool(pool!, f.path, f.data)));
    const after = await simStats(sim);
    assert.deepEqual(
      sizes,
      files.map((f) => f.data.length),
    );
    const batches = route(after, 'files/upload_session/finish_batch_v2') - route(before, 'files/upload_session/finish_batch_v2');
    // Writes waiting for their batch lend their pool slot, so a batch is not bounded by the pool's 50 sessions.
    assert.ok(batches >= 1 && batches <= 20, `${batches} finish_batch_v2 calls`);
    assert.equal(after.writeContention - before.writeContention, 0, 'no too_many_write_operations refusal');
    assert.equal(after.rateLimited - before.rateLimited, 0);
    const single =
      route(after, 'files/upload') + route(after, 'files/upload_session/finish') - route(before, 'files/upload') - route(before, 'files/upload_session/finish');
    assert.ok(single <= 2, `${single} single commits`);
    for (const f of files) {
      assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data), f.path);
      assert.equal(sim.entry(f.path)?.size, f.data.length);
    }
  });

  it('60 concurrent puts through the default pool of 2: a write waiting for its batch lends its slot, so batches gather far more than 2 entries', async () => {
    pool = createDropboxPool(options, { size: 2 });
    const files = Array.from({ length: 60 }, (_, i) => ({ path: `/Publish/pool2/doc-${i}.txt`, data: randomBytes(100 + i) }));
    await sim.putFile('/Publish/pool2/existing.txt', 'there before');
    const before = await simStats(sim);
    const results = await Promise.all(files.map((f) => putFile(pool!, f.path, Readable.from([f.data]), { ...DEFAULT_PUT_OPTIONS, conflict: 'overwrite' })));
    const after = await simStats(sim);
    assert.deepEqual(
      results.map((r) => r.bytes),
      files.map((f) => f.data.length),
    );
    const batches = route(after, 'files/upload_session/finish_batch_v2') - route(before, 'files/upload_session/finish_batch_v2');
    const single =
      route(after, 'files/upload') + route(after, 'files/upload_session/finish') - route(before, 'files/upload') - route(before, 'files/upload_session/finish');
    // Coupled to the pool, every batch held at most 2 entries: 30 batches or more.
    assert.ok(batches >= 1 && batches <= 6, `${batches} finish_batch_v2 calls for 60 puts (and ${single} single commits)`);
    assert.ok(single <= 2, `${single} single commits`);
    assert.equal(after.writeContention - before.writeContention, 0, 'no too_many_write_operations refusal');
    for (const f of files) {
      assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data), f.path);
      const blob = sim.contentFile(f.path);
      assert.ok(blob && (await readFile(blob)).equals(f.data), f.path);
    }
  });

  it('a lone write commits at once by itself (no batch, no idle wait), even with a long batch idle time', async () => {
    pool = createDropboxPool({ ...options, batchIdleMs: 5000 }, { size: 4 });
    const data = randomBytes(1234);
    const before = await simStats(sim);
    const started = Date.now();
    assert.equal(await writeThroughPool(pool, '/Publish/lone.txt', data), data.length);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    const after = await simStats(sim);
    assert.equal(route(after, 'files/upload_session/finish_batch_v2') - route(before, 'files/upload_session/finish_batch_v2'), 0);
    assert.equal(route(after, 'files/upload') - route(before, 'files/upload'), 1);
    assert.equal(sim.entry('/Publish/lone.txt')?.content_hash, contentHashOf(data));
  });

  it("each write gets its own entry's result: a conflict fails that write only (CONFLICT), the others arrive", async () => {
    pool = createDropboxPool(options, { size: 8 });
    await sim.putFile('/Publish/taken.txt', 'already here');
    const lease = await pool.acquire();
    const other = await pool.acquire();
    try {
      const writes = [
        other.session.write('/Publish/free-1.txt', Readable.from([Buffer.from('one')])),
        // A session's upload in add mode goes through the same committer (DropboxSession.upload).
        (lease.session as unknown as { upload(p: string, s: Readable, c: { mode: 'add' }): Promise<unknown> }).upload(
          '/Publish/taken.txt',
          Readable.from([Buffer.from('other bytes')]),
          { mode: 'add' },
        ),
      ];
      const [ok, conflict] = await Promise.allSettled(writes);
      assert.equal(ok.status, 'fulfilled');
      await expectCode(conflict.status === 'rejected' ? Promise.reject(conflict.reason as Error) : Promise.resolve(), 'CONFLICT');
    } finally {
      lease.release();
      other.release();
    }
    const stats = await simStats(sim);
    assert.equal(route(stats, 'files/upload_session/finish_batch_v2'), 1, 'both went in one batch');
    assert.equal(sim.entry('/Publish/taken.txt')?.size, 'already here'.length);
    assert.equal(sim.entry('/Publish/free-1.txt')?.size, 3);
  });

  it('entries refused as too_many_write_operations (another batch of the account running) go into the next batch and arrive', async () => {
    // Another program on the same account (its own client) holds a batch for a while.
    sim.setFaults({ writeLockMs: 600 });
    const elsewhere = new DropboxClient(options);
    pool = createDropboxPool(options, { size: 10 });
    try {
      const theirs = new DropboxBatchPublisher(elsewhere).publish([{ path: '/Publish/theirs.txt', source: Readable.from([Buffer.from('theirs')]) }]);
      while ((await simStats(sim)).batches === 0) await new Promise((r) => setTimeout(r, 5));
      const files = Array.from({ length: 10 }, (_, i) => ({ path: `/Publish/busy/f-${i}.txt`, data: randomBytes(500 + i) }));
      await Promise.all(files.map((f) => writeThroughPool(pool!, f.path, f.data)));
      assert.ok((await theirs)[0].ok);
      const stats = await simStats(sim);
      assert.ok(route(stats, 'files/upload_session/finish_batch_v2') >= 3, 'ours was refused at least once, then sent again');
      for (const f of files) assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data));
    } finally {
      elsewhere.close();
    }
  });

  it("batchCommits 'off': concurrent writes commit one by one and contend (the behaviour batching avoids)", async () => {
    pool = createDropboxPool({ ...options, batchCommits: 'off', maxRateLimitedRetries: 40 }, { size: 4 });
    sim.setFaults({ retryAfterSeconds: 0.05 });
    const files = Array.from({ length: 12 }, (_, i) => ({ path: `/Publish/off/f-${i}.txt`, data: randomBytes(100 + i) }));
    const before = await simStats(sim);
    await Promise.all(files.map((f) => writeThroughPool(pool!, f.path, f.data)));
    const after = await simStats(sim);
    assert.equal(route(after, 'files/upload_session/finish_batch_v2') - route(before, 'files/upload_session/finish_batch_v2'), 0);
    assert.ok(after.writeContention - before.writeContention > 0, 'single commits contended');
    for (const f of files) assert.equal(sim.entry(f.path)?.content_hash, contentHashOf(f.data));
  });
});
