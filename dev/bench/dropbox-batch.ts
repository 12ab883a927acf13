/**
 * Publishing many small files into one Dropbox account, against the Dropbox simulator with its
 * write-lock contention knob on (concurrent single commits are refused with too_many_write_operations,
 * as Dropbox does per namespace): one `files/upload` per file (each retried after Retry-After) next to
 * the batch publisher (upload sessions closed with close:true, one finish_batch_v2 per 1,000 files), and
 * plain write() calls with batchCommits auto (the normal write path, committed in batches by DropboxCommitter),
 * and all the files put at once through a pool of 2 sessions (the server node's default), as filebridge-remote does.
 *
 *   npm run build && npm run build:dev && node build/dev/bench/dropbox-batch.js [files=1000] [concurrency=8]
 *
 * Part `dropbox` of `npm run bench` runs it too (200 files, 50 with --quick) and prints each way's
 * files per second next to single commits from the same run.
 */
import { Readable } from 'node:stream';
import { startDropboxSim } from '../sim/dropbox';
import { DropboxBatchPublisher } from '../../src/core/dropbox/batch';
import { DropboxClient } from '../../src/core/dropbox/client';
import { createDropboxPool } from '../../src/core/dropbox/pool';
import { DropboxSession } from '../../src/core/dropbox/session';
import { DEFAULT_PUT_OPTIONS, putFile } from '../../src/core/remote/operations';
import type { BenchRow } from './report';

export interface BatchResult {
  count: number;
  concurrency: number;
  writeLockMs: number;
  single: { ms: number; failed: number; contention: number; retries: number };
  batch: { ms: number; failed: number; contention: number; retries: number; batches: number };
  auto: { ms: number; failed: number; contention: number; retries: number; batches: number; singles: number };
  pool: { ms: number; failed: number; contention: number; batches: number; singles: number };
}

/** Publishes `count` small files each way, `concurrency` at a time, into a fresh simulator (in this process). */
export async function benchDropboxBatch(count: number, concurrency: number): Promise<BatchResult> {
  const sim = await startDropboxSim({ port: 0, faults: { contendSingleCommits: true, retryAfterSeconds: 1 } });
  try {
    const options = { appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, maxRetries: 30 };
    const body = (i: number): Buffer => Buffer.from(`file ${i}\n`.repeat(20));

    // Single commits: one files/upload per file, `concurrency` at a time.
    const single = new DropboxClient({ ...options, batchCommits: 'off' });
    const session = new DropboxSession(single, false);
    let before = sim.stats();
    let started = Date.now();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          await session.write(`/Bench/single/f${i}.txt`, Readable.from([body(i)])).catch(() => failed++);
        }
      }),
    );
    const singleMs = Date.now() - started;
    let after = sim.stats();
    const singleRow = { ms: singleMs, failed, contention: after.writeContention - before.writeContention, retries: single.stats.rateLimited };
    single.close();

    // Batch: the same files as upload sessions, committed by finish_batch_v2.
    const batchClient = new DropboxClient(options);
    before = sim.stats();
    started = Date.now();
    const results = await new DropboxBatchPublisher(batchClient, { concurrency }).publish(
      Array.from({ length: count }, (_, i) => ({ path: `/Bench/batch/f${i}.txt`, source: () => Readable.from([body(i)]) })),
    );
    const batchMs = Date.now() - started;
    after = sim.stats();
    const batchRow = {
      ms: batchMs,
      failed: results.filter((r) => !r.ok).length,
      contention: after.writeContention - before.writeContention,
      retries: batchClient.stats.rateLimited,
      batches: after.batches - before.batches,
    };
    batchClient.close();

    // The normal write path: write() calls on one account with batchCommits 'auto' (the default), as filebridge-remote put does per message.
    const autoClient = new DropboxClient(options);
    const autoSession = new DropboxSession(autoClient, false);
    before = sim.stats();
    started = Date.now();
    next = 0;
    failed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          await autoSession.write(`/Bench/auto/f${i}.txt`, Readable.from([body(i)])).catch(() => failed++);
        }
      }),
    );
    const autoMs = Date.now() - started;
    after = sim.stats();
    const autoRow = {
      ms: autoMs,
      failed,
      contention: after.writeContention - before.writeContention,
      retries: autoClient.stats.rateLimited,
      batches: after.batches - before.batches,
      singles: (after.byRoute['files/upload'] ?? 0) - (before.byRoute['files/upload'] ?? 0),
    };
    autoClient.close();

    // The same through a pool of 2 sessions (the server node's default) with putFile, as filebridge-remote put does:
    // a write waiting for its batch lends its slot, so the batch is not capped at the pool's 2.
    const pool = createDropboxPool(options, { size: 2 });
    before = sim.stats();
    started = Date.now();
    let putFailed = 0;
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        putFile(pool, `/Bench/pool/f${i}.txt`, Readable.from([body(i)]), { ...DEFAULT_PUT_OPTIONS, conflict: 'overwrite', createFolders: true }).catch(
          () => putFailed++,
        ),
      ),
    );
    const poolMs = Date.now() - started;
    after = sim.stats();
    const poolRow = {
      ms: poolMs,
      failed: putFailed,
      contention: after.writeContention - before.writeContention,
      batches: after.batches - before.batches,
      singles: (after.byRoute['files/upload'] ?? 0) - (before.byRoute['files/upload'] ?? 0),
    };
    await pool.close();

    return { count, concurrency, writeLockMs: sim.faults().writeLockMs, single: singleRow, batch: batchRow, auto: autoRow, pool: poolRow };
  } finally {
    await sim.stop();
  }
}

/** The rows of part `dropbox`: files per second each way, next to single commits; a failed file fails the part. */
export function batchRows(r: BatchResult): BenchRow[] {
  const rate = (ms: number): number => r.count / (ms / 1000);
  const reference = { name: `one files/upload per file, ${r.concurrency} at a time (contention refused ${r.single.contention})`, value: rate(r.single.ms) };
  const ways: [string, { ms: number; failed: number; contention: number }, string][] = [
    ['batch publisher (upload sessions + finish_batch_v2)', r.batch, `${r.batch.batches} batch commit(s)`],
    [`write() with batchCommits auto, ${r.concurrency} in progress`, r.auto, `${r.auto.batches} batches, ${r.auto.singles} single commits`],
    [`${r.count} putFile at once through a pool of 2`, r.pool, `${r.pool.batches} batches, ${r.pool.singles} single commits`],
  ];
  for (const [what, way] of [['single commits', r.single] as const, ...ways.map(([w, x]) => [w, x] as const)]) {
    if (way.failed > 0) throw new Error(`Dropbox publish of ${r.count} small files, ${what}: ${way.failed} failed`);
  }
  return ways.map(([what, way, note]) => ({
    section: 'dropbox',
    what: `${r.count} small files into one Dropbox account (simulator, write contention on): ${what}`,
    ours: rate(way.ms),
    unit: 'files/s',
    better: 'higher',
    reference,
    note: `${note}, ${way.contention} refused by contention`,
  }));
}

async function main(): Promise<void> {
  const r = await benchDropboxBatch(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 8));
  const { count, concurrency, single: singleRow, batch: batchRow, auto: autoRow, pool: poolRow } = r;
  console.log(`Dropbox publish of ${count} small files, ${concurrency} at a time, simulator with contendSingleCommits (writeLockMs ${r.writeLockMs}):`);
  console.log(
    `  single commits (files/upload):         ${(singleRow.ms / 1000).toFixed(1)} s, ${singleRow.failed} failed, ${singleRow.contention} refused by write contention, ${singleRow.retries} retries after 429/too_many_write_operations`,
  );
  console.log(
    `  batch (sessions + finish_batch_v2):   ${(batchRow.ms / 1000).toFixed(1)} s, ${batchRow.failed} failed, ${batchRow.contention} refused, ${batchRow.retries} retries, ${batchRow.batches} batch commit(s)`,
  );
  console.log(
    `  write() with batchCommits 'auto':      ${(autoRow.ms / 1000).toFixed(1)} s, ${autoRow.failed} failed, ${autoRow.contention} refused, ${autoRow.retries} retries, ${autoRow.batches} batch commit(s), ${autoRow.singles} single commit(s)`,
  );
  console.log(
    `  ${count} puts at once, pool of 2:        ${(poolRow.ms / 1000).toFixed(1)} s, ${poolRow.failed} failed, ${poolRow.contention} refused, ${poolRow.batches} batch commit(s) (${(count / Math.max(1, poolRow.batches)).toFixed(0)} files each on average), ${poolRow.singles} single commit(s)`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
