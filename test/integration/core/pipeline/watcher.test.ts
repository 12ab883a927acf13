import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { chmod, readdir, readFile, utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { FileBridgeError } from '../../../../src/core/errors';
import { claimFileName, nameRecordName, parseClaimFileName } from '../../../../src/core/pipeline/claim';
import { commitClaim, retryClaim, rollbackClaim } from '../../../../src/core/pipeline/process-strategy';
import type { QuarantineReport } from '../../../../src/core/pipeline/quarantine-report';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';
import { FULL_EVERY_POLLS } from '../../../../src/core/pipeline/listing-cache';
import { claimOwner, type ClaimOwner } from '../../../../src/core/pipeline/runtime-identity';
import { registerWatch } from '../../../../src/core/pipeline/running-watches';
import { stat } from 'node:fs/promises';
import { sourceFactsFor, type SourceOrigin } from '../../../../src/core/pipeline/source';
import { sourceBuffer, sourceStream } from '../../../../src/core/pipeline/source-stream';
import { DEFAULT_WATCH_SETTINGS, Watcher, type ClaimedFile, type WatchSettings } from '../../../../src/core/pipeline/watcher';
import { createPool } from '../../../../src/core/remote/connect';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { longName, NAME_244 } from '../../../support/long-names';
import { optionsFor } from '../../../support/server-options';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every file below a local folder, as paths relative to it. */
async function localFiles(rel: string): Promise<string[]> {
  const root = servers().localPath(rel);
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => `${e.parentPath.slice(root.length + 1)}/${e.name}`.replace(/^\//, ''))
    .sort();
}

/*
 * The watch's claims on the real servers: names of every legal length survive claim, recovery, ack
 * and quarantine; a restarted runtime takes its own orphans back at once; a file in flight keeps
 * its lease while a flow reads it, even when its stream holds the only pooled connection.
 */
describe('watcher claims and leases on real servers', function () {
  this.timeout(90_000);
  for (const protocol of ['sftp', 'ftp', 'ftps-explicit'] as Protocol[]) {
    describe(protocol, () => {
      let n = 0;
      let dir = '';
      const pools: SessionPool<RemoteSession>[] = [];
      const watchers: Watcher[] = [];
      const pool = (size = 3): SessionPool<RemoteSession> => {
        const p = createPool(optionsFor(protocol), { size });
        pools.push(p);
        return p;
      };
      beforeEach(async () => {
        await servers().startAll();
        dir = `claims-${protocol}-${++n}`;
        await servers().remove(dir);
        await servers().mkdirp(`${dir}/in/sub`);
      });
      afterEach(async () => {
        for (const w of watchers.splice(0)) w.close();
        await Promise.all(pools.splice(0).map((p) => p.close()));
      });

      function settings(extra: Partial<WatchSettings> = {}): WatchSettings {
        return {
          ...DEFAULT_WATCH_SETTINGS,
          folder: `${dir}/in`,
          recursive: true,
          stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'age', minAgeMs: 0 },
          ...extra,
        };
      }
      const origin = (): SourceOrigin => ({ server: 's1', watch: 'w1', protocol, host: '127.0.0.1', port: 1, folder: `${dir}/in` });

      function watcher(
        extra: Partial<WatchSettings>,
        owner: ClaimOwner,
        p = pool(),
        ledger?: Ledger,
      ): { w: Watcher; emitted: ClaimedFile[]; warnings: string[]; gaveUp: string[]; pool: SessionPool<RemoteSession> } {
        const emitted: ClaimedFile[] = [];
        const warnings: string[] = [];
        const gaveUp: string[] = [];
        const w = new Watcher(settings(extra), {
          pool: p,
          origin: origin(),
          owner,
          ledger,
          emit: async (f) => {
            emitted.push(f);
          },
          onWarning: (text) => warnings.push(text),
          onGiveUp: (_f, failedPath) => gaveUp.push(failedPath),
          onError: (err) => warnings.push(`error: ${err.message}`),
        });
        watchers.push(w);
        return { w, emitted, warnings, gaveUp, pool: p };
      }

      async function pollUntil(w: Watcher, what: string, done: () => boolean, timeoutMs?: number): Promise<void> {
        await waitFor(
          what,
          async () => {
            await w.trigger();
            return done();
          },
          timeoutMs,
        );
      }

      it('a 244-byte UTF-8 name is claimed, recovered after the lease under its own name, and archived by ack', async () => {
        const data = randomBytes(20_000);
        await servers().writeFile(`${dir}/in/sub/${NAME_244}`, data);
        const first = watcher({ leaseMs: 1000 }, claimOwner('aaaa0001'));
        await pollUntil(first.w, 'the claim', () => first.emitted.length === 1);
        const claimed = first.emitted[0];
        assert.equal(claimed.name, NAME_244);
        assert.equal(claimed.relativePath, `sub/${NAME_244}`);
        const claimName = claimed.claimPath.slice(claimed.claimPath.lastIndexOf('/') + 1);
        assert.ok(bytes(claimName) <= 255, `claim name of ${bytes(claimName)} bytes`);
        assert.equal(parseClaimFileName(claimName)?.cut, true);
        assert.deepEqual(await sourceBuffer(first.pool, claimed.claimPath, { expectedSize: data.length }), data);
        // The first runtime stops (no ack, no renewals); another takes the file over after the lease.
        first.w.close();
        const second = watcher({ leaseMs: 1000 }, claimOwner('bbbb0002'));
        await sleep(1100);
        await pollUntil(second.w, 'the recovery', () => second.emitted.length === 1);
        const recovered = second.emitted[0];
        assert.equal(recovered.name, NAME_244, 'the whole name, from the record');
        assert.equal(recovered.relativePath, `sub/${NAME_244}`);
        assert.equal(recovered.path, `${dir}/in/sub/${NAME_244}`);
        assert.equal(recovered.attempt, 2);
        assert.equal(recovered.size, data.length);
        const source = sourceFactsFor(origin(), recovered);
        const done = await commitClaim({ pool: second.pool, watch: second.w }, { source, correlationId: recovered.correlationId }, { action: 'archive' });
        const day = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
        assert.equal(done.disposal.path, `${dir}/in/.filebridge/archive/${day}/sub/${NAME_244}`);
        assert.deepEqual(await readFile(servers().localPath(done.disposal.path!)), data);
        await waitFor('no record or marker left in the claim folder', async () => (await localFiles(`${dir}/in/.filebridge/processing`)).length === 0);
        assert.deepEqual(first.warnings, []);
        assert.deepEqual(second.warnings, []);
      });

      it('long and multi-byte names: ack leave puts them back whole, quarantine cuts the exception name and reports the whole one', async () => {
        const names = [longName(255), NAME_244, 'Überweisung 10 € – März.pdf'];
        for (const name of names) await servers().writeFile(`${dir}/in/${name}`, `content of ${name}`);
        const { w, emitted, pool: p, warnings } = watcher({}, claimOwner('aaaa0003'));
        await pollUntil(w, 'three claims', () => emitted.length === 3);
        assert.deepEqual(emitted.map((f) => f.name).sort(), [...names].sort());
        const byName = new Map(emitted.map((f) => [f.name, f]));
        // leave: back at the original path, original name (the 255-byte name too).
        for (const name of [longName(255), 'Überweisung 10 € – März.pdf']) {
          const f = byName.get(name)!;
          const done = await commitClaim({ pool: p, watch: w }, { source: sourceFactsFor(origin(), f), correlationId: f.correlationId }, { action: 'leave' });
          assert.equal(done.disposal.path, `${dir}/in/${name}`);
          assert.equal((await servers().readFile(`${dir}/in/${name}`)).toString(), `content of ${name}`);
        }
        // quarantine: a timestamped name that fits with its report; the report has the whole name.
        const f = byName.get(NAME_244)!;
        const q = await rollbackClaim(
          { pool: p, watch: w },
          { source: sourceFactsFor(origin(), f), correlationId: f.correlationId },
          { message: 'refused', code: 'CS_REJECTED' },
        );
        const quarantinedName = q.path.slice(q.path.lastIndexOf('/') + 1);
        assert.ok(bytes(`${quarantinedName}.error.json`) <= 255);
        assert.ok(quarantinedName.endsWith('.pdf'));
        assert.equal((await servers().readFile(q.path)).toString(), `content of ${NAME_244}`);
        const report = JSON.parse((await servers().readFile(q.reportPath)).toString()) as QuarantineReport;
        assert.equal(report.file, NAME_244);
        assert.equal(report.originalPath, `${dir}/in/${NAME_244}`);
        assert.equal(report.fileMoved, true);
        await waitFor('no record left in the claim folder', async () => (await localFiles(`${dir}/in/.filebridge/processing`)).length === 0);
        assert.deepEqual(warnings, []);
      });

      it('a long name given up after max attempts keeps its whole name in the report', async () => {
        await servers().writeFile(`${dir}/in/${NAME_244}`, 'poison');
        const { w, emitted, gaveUp } = watcher({ leaseMs: 800, maxAttempts: 1, inFlightTimeoutMs: 100 }, claimOwner('aaaa0004'));
        await pollUntil(w, 'the claim', () => emitted.length === 1);
        await sleep(900);
        await pollUntil(w, 'the give-up', () => gaveUp.length === 1);
        const failed = await localFiles(`${dir}/in/.filebridge/failed`);
        assert.equal(failed.length, 2);
        const report = JSON.parse(
          (await servers().readFile(`${dir}/in/.filebridge/failed/${failed.find((f) => f.endsWith('.error.json'))!}`)).toString(),
        ) as QuarantineReport;
        assert.equal(report.file, NAME_244);
        assert.equal(report.error.code, 'TIMEOUT');
        assert.deepEqual(await localFiles(`${dir}/in/.filebridge/processing`), []);
      });

      it('a restarted runtime takes its own orphaned claims back at once; other runtimes and old-format claims wait for the lease', async () => {
        for (let i = 0; i < 3; i++) await servers().writeFile(`${dir}/in/o${i}.txt`, `orphan ${i}`);
        const leaseMs = 60_000;
        const crashed = watcher({ leaseMs }, claimOwner('aaaa0005', Date.now() - 1000));
        await pollUntil(crashed.w, 'three claims', () => crashed.emitted.length === 3);
        crashed.w.close(); // a crash: nothing acked, nothing renewed
        // Claims found in the folder: another runtime's (fresh), and two of the version before owners.
        const now = Date.now();
        const processing = `${dir}/in/.filebridge/processing`;
        await servers().writeFile(`${processing}/${claimFileName('theirs.txt', now, 1, 'cccc0006')}`, 'theirs');
        await servers().writeFile(`${processing}/${now}-0a0b0c0d-1~old-fresh.txt`, 'old, lease running');
        await servers().writeFile(`${processing}/${now - leaseMs - 1000}-0a0b0c0e-3~old-expired.txt`, 'old, lease over');
        // Its own claim that already had its last attempt is given up at once, as after a lease.
        await servers().writeFile(`${processing}/${claimFileName('poison.txt', now - 500, 5, 'aaaa0005')}`, 'poison');
        const other = watcher({ leaseMs }, claimOwner('bbbb0007'));
        await other.w.trigger();
        assert.deepEqual(
          other.emitted.map((f) => f.name),
          ['old-expired.txt'],
          'another runtime takes only what is past its lease',
        );
        const started = Date.now();
        const restarted = watcher({ leaseMs, maxAttempts: 5 }, claimOwner('aaaa0005', Date.now()));
        await restarted.w.trigger();
        assert.ok(Date.now() - started < 10_000);
        assert.deepEqual(restarted.emitted.map((f) => `${f.name} ${f.attempt}`).sort(), ['o0.txt 2', 'o1.txt 2', 'o2.txt 2']);
        assert.deepEqual(
          restarted.gaveUp.map((p) => p.replace(/^.*_/, '')),
          ['poison.txt'],
        );
        for (const f of restarted.emitted) assert.equal((await servers().readFile(f.claimPath)).toString(), `orphan ${f.name.slice(1, 2)}`);
        const left = (await localFiles(processing)).map((p) => parseClaimFileName(p)?.name).sort();
        assert.deepEqual(left, ['o0.txt', 'o1.txt', 'o2.txt', 'old-expired.txt', 'old-fresh.txt', 'theirs.txt']);
        assert.deepEqual(restarted.warnings, []);
      });

      it('a file in flight keeps its lease while its stream holds the only pooled connection; a stopped runtime stops renewing', async () => {
        const data = randomBytes(2_000_000);
        await servers().writeFile(`${dir}/in/slow.bin`, data);
        const leaseMs = 1200;
        const holder = watcher({ leaseMs }, claimOwner('aaaa0008'), pool(1));
        await pollUntil(holder.w, 'the claim', () => holder.emitted.length === 1);
        const file = holder.emitted[0];
        // A flow reading slowly: the stream holds the pool's one session for longer than three leases.
        const stream: Readable = sourceStream(holder.pool, file.claimPath, { expectedSize: data.length });
        holder.w.track(file.correlationId, stream);
        const chunks: Buffer[] = [];
        stream.once('data', (c: Buffer) => {
          chunks.push(c);
          stream.pause();
        });
        await waitFor('the first bytes', () => chunks.length > 0);
        const thief = watcher({ leaseMs }, claimOwner('bbbb0009'));
        const until = Date.now() + 3.5 * leaseMs;
        while (Date.now() < until) {
          await thief.w.trigger();
          await sleep(150);
        }
        assert.equal(thief.emitted.length, 0, 'the lease was renewed while the file was read');
        assert.ok(
          (await localFiles(`${dir}/in/.filebridge/processing`)).some((p) => /\.lease-\d+$/.test(p)),
          'a lease marker beside the claim',
        );
        // The flow finishes: the whole file arrives from the claim path it started on.
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.resume();
        await new Promise((resolve, reject) => stream.once('end', resolve).once('error', reject));
        assert.deepEqual(Buffer.concat(chunks), data);
        assert.deepEqual(holder.warnings, []);
        // The runtime stops with the file unfinished: no more renewals, so its lease runs out.
        holder.w.close();
        await sleep(leaseMs + 300);
        await pollUntil(thief.w, 'the takeover', () => thief.emitted.length === 1);
        assert.equal(thief.emitted[0].attempt, 2);
        await waitFor('the old lease marker removed with the recovery', async () =>
          (await localFiles(`${dir}/in/.filebridge/processing`)).every((p) => !/\.lease-\d+$/.test(p)),
        );
      });

      it('acked files leave no marker; leftovers without a claim go once a lease has passed; a damaged record still delivers the file', async () => {
        await servers().writeFile(`${dir}/in/a.txt`, 'a');
        const leaseMs = 600;
        const { w, emitted, pool: p, warnings } = watcher({ leaseMs }, claimOwner('aaaa0010'));
        await pollUntil(w, 'the claim', () => emitted.length === 1);
        await sleep(leaseMs); // renewed at least once
        const processing = `${dir}/in/.filebridge/processing`;
        assert.ok((await localFiles(processing)).some((f) => f.includes('.lease-')));
        await commitClaim(
          { pool: p, watch: w },
          { source: sourceFactsFor(origin(), emitted[0]), correlationId: emitted[0].correlationId },
          { action: 'delete' },
        );
        await waitFor('the lease marker removed', async () => (await localFiles(processing)).length === 0);
        // Leftovers of a crash between the record and the rename, and of a lost release.
        const old = Date.now() - 10 * leaseMs;
        await servers().writeFile(`${processing}/${old}-0a0b0c0d.lease-${old}`, '');
        await servers().writeFile(`${processing}/${old}-0a0b0c0e.name`, '{"name":"x"}');
        const fresh = Date.now();
        await servers().writeFile(`${processing}/${fresh}-0a0b0c0f.name`, '{"name":"y"}');
        // A cut claim whose record was damaged (edited by hand).
        const cutName = claimFileName(NAME_244, old, 1, 'cccc0011', '0a0b0c10');
        await servers().writeFile(`${processing}/${cutName}`, 'long');
        await servers().writeFile(`${processing}/${nameRecordName({ claimedAt: old, token: '0a0b0c10' })}`, '{"name":"../../etc/passwd"}');
        await w.trigger();
        const left = await localFiles(processing);
        assert.ok(left.includes(`${fresh}-0a0b0c0f.name`), 'a fresh record may belong to a claim being made');
        assert.ok(!left.some((f) => f.startsWith(`${old}-0a0b0c0d`) || f.startsWith(`${old}-0a0b0c0e`)), left.join('\n'));
        const recovered = emitted.find((f) => f.attempt === 2)!;
        assert.equal(recovered.name, parseClaimFileName(cutName)!.name, 'delivered under its shortened name');
        assert.equal(recovered.path, `${dir}/in/${recovered.name}`);
        assert.match(warnings.join('\n'), /name record .* is missing or damaged/);
      });

      it('a renewal the server refuses is reported with its code and tried again', async () => {
        await servers().writeFile(`${dir}/in/a.txt`, 'a');
        const leaseMs = 1000;
        const renewErrors: FileBridgeError[] = [];
        const p = pool();
        const emitted: ClaimedFile[] = [];
        const w = new Watcher(settings({ leaseMs }), {
          pool: p,
          origin: origin(),
          owner: claimOwner('aaaa0013'),
          emit: async (f) => {
            emitted.push(f);
          },
          onRenewError: (err) => renewErrors.push(err),
        });
        watchers.push(w);
        await pollUntil(w, 'the claim', () => emitted.length === 1);
        const processing = servers().localPath(`${dir}/in/.filebridge/processing`);
        await chmod(processing, 0o555);
        try {
          await waitFor('a failed renewal', () => renewErrors.length > 0);
        } finally {
          await chmod(processing, 0o755);
        }
        assert.equal(renewErrors[0].code, 'PERMISSION_DENIED');
        assert.match(renewErrors[0].message, /Renewing the lease of 1 file\(s\) in flight failed .*tried again shortly/);
        await waitFor('the renewal after all', async () => (await localFiles(`${dir}/in/.filebridge/processing`)).some((f) => f.includes('.lease-')));
      });

      // Only FTP lists minutes: its listings need an exact time (MDTM) before a file of the current minute is taken.
      if (protocol !== 'sftp') {
        it('files the ledger already knows use none of the exact checks a coarse listing needs: a new file is taken at once, however many known files share its minute', async () => {
          // More known files than one poll's share of exact checks, whose listed minute never passes
          // during the test (their time is ahead, as on a server whose clock runs ahead; on a busy
          // folder it is the files written this minute). The new file sorts after all of them.
          const ahead = new Date(Math.floor((Date.now() + 10 * 60_000) / 1000) * 1000);
          const ledger = new Ledger(new MemoryStore(), 'l_', 86_400_000);
          for (let i = 0; i < 8; i++) {
            const rel = `${dir}/in/k-${i}.txt`;
            await servers().writeFile(rel, `known ${i}`);
            await utimes(servers().localPath(rel), ahead, ahead);
            await ledger.record({ path: rel, size: bytes(`known ${i}`), mtime: ahead }, 'left');
          }
          const stability = { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'stable' as const, stableMs: 200 };
          const { w, emitted } = watcher({ maxFilesPerPoll: 3, recursive: false, stability }, claimOwner('eeee0013'), pool(), ledger);
          // The ledger answers for each known file once it is confirmed (three exact checks a poll).
          for (let i = 0; i < 10; i++) {
            await w.trigger();
            await sleep(250);
          }
          assert.equal(emitted.length, 0, 'known files are not sent again');
          await servers().writeFile(`${dir}/in/z-new.txt`, 'new');
          await pollUntil(w, 'the new file', () => emitted.length === 1, 5_000);
          assert.equal(emitted[0].name, 'z-new.txt');
        });
      }

      it('warns when another runtime claims under the same identity (a copied user directory)', async () => {
        await servers().writeFile(`${dir}/in/a.txt`, 'a');
        const one = watcher({}, claimOwner('dddd0012', Date.now() - 1000));
        await pollUntil(one.w, 'the claim', () => one.emitted.length === 1);
        const copy = watcher({}, claimOwner('dddd0012', Date.now() - 1000));
        await copy.w.trigger();
        assert.equal(copy.emitted.length, 0, 'a claim made after its start is not an orphan');
        assert.match(copy.warnings.join('\n'), /another Node-RED uses the same identity/);
        assert.deepEqual(one.warnings, []);
      });
    });
  }
});

/*
 * take: inPlace on the real servers: the watch never renames, moves or writes in the watched folder
 * (which may be read-only to it); memory keeps a file in flight from being sent twice, the ledger
 * (path + size + modification time) decides what is new.
 */
describe('watcher taking files in place on real servers', function () {
  this.timeout(90_000);
  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    describe(protocol, () => {
      let n = 0;
      let dir = '';
      let inbox = '';
      const pools: SessionPool<RemoteSession>[] = [];
      const watchers: Watcher[] = [];
      beforeEach(async () => {
        await servers().startAll();
        dir = `inplace-${protocol}-${++n}`;
        inbox = `${dir}/in`;
        await servers().remove(dir);
        await servers().mkdirp(`${inbox}/.filebridge/failed`);
      });
      afterEach(async () => {
        await chmod(servers().localPath(inbox), 0o755).catch(() => undefined);
        for (const w of watchers.splice(0)) w.close();
        await Promise.all(pools.splice(0).map((p) => p.close()));
      });

      interface Run {
        w: Watcher;
        emitted: ClaimedFile[];
        warnings: string[];
        gaveUp: string[];
        pool: SessionPool<RemoteSession>;
        origin: SourceOrigin;
      }
      let ids = 0;
      function watch(ledger: Ledger, extra: Partial<WatchSettings> = {}, now?: () => number): Run {
        const p = createPool(optionsFor(protocol), { size: 3 });
        pools.push(p);
        const id = `inplace-${protocol}-${++ids}`;
        const origin: SourceOrigin = { server: 's1', watch: id, protocol, host: '127.0.0.1', port: 1, folder: inbox };
        const emitted: ClaimedFile[] = [];
        const warnings: string[] = [];
        const gaveUp: string[] = [];
        const w = new Watcher(
          { ...DEFAULT_WATCH_SETTINGS, folder: inbox, take: 'inPlace', stability: { ...DEFAULT_WATCH_SETTINGS.stability, mode: 'age', minAgeMs: 0 }, ...extra },
          {
            pool: p,
            origin,
            owner: claimOwner('abab0001'),
            ledger,
            now,
            emit: async (f) => {
              emitted.push(f);
            },
            onWarning: (text) => warnings.push(text),
            onGiveUp: (_f, path) => gaveUp.push(path),
            onError: (err) => warnings.push(`error: ${err.code} ${err.message}`),
            onClaimFailed: (path, err) => warnings.push(`claim failed: ${path} ${err.code} ${err.message}`),
          },
        );
        watchers.push(w);
        registerWatch(id, w, { folder: inbox, claimRoot: w.claimRoot, inPlace: w.inPlace });
        return { w, emitted, warnings, gaveUp, pool: p, origin };
      }
      const site = (run: Run): { pool: SessionPool<RemoteSession>; watch: Watcher } => ({ pool: run.pool, watch: run.w });
      const claimed = (run: Run, f: ClaimedFile): { source: ReturnType<typeof sourceFactsFor>; correlationId: string } => ({
        source: sourceFactsFor(run.origin, f),
        correlationId: f.correlationId,
      });
      const ledgerOf = (store: MemoryStore): Ledger => new Ledger(store, Ledger.prefixFor('127.0.0.1', 1, inbox), 86_400_000);
      const fileStat = async (name: string): Promise<{ bytes: string; mtimeMs: number; ino: number }> => {
        const path = servers().localPath(`${inbox}/${name}`);
        const st = await stat(path);
        return { bytes: (await readFile(path)).toString(), mtimeMs: st.mtimeMs, ino: st.ino };
      };
      /** The watched folder as it is on disk, apart from the exception folder made before the test. */
      const inboxFiles = async (): Promise<string[]> => (await localFiles(inbox)).filter((f) => !f.startsWith('.filebridge/failed/'));

      it('a read-only folder: a file is taken once and stays byte-identical at its path; not sent again after ack; again once it changes', async () => {
        await servers().writeFile(`${inbox}/a.txt`, 'alpha');
        await servers().writeFile(`${inbox}/b.txt`, 'bravo');
        const before = { a: await fileStat('a.txt'), b: await fileStat('b.txt') };
        await chmod(servers().localPath(inbox), 0o555); // no rename, no write possible: in place needs none
        const run = watch(ledgerOf(new MemoryStore()), { leaseMs: 500 });
        await run.w.trigger();
        assert.deepEqual(run.emitted.map((f) => f.name).sort(), ['a.txt', 'b.txt'], run.warnings.join('\n'));
        for (const f of run.emitted) {
          assert.equal(f.claimPath, f.path);
          assert.equal(f.inPlace, true);
          assert.equal(f.attempt, 1);
        }
        // In flight for longer than the lease: no lease marker, no recovery, not sent twice.
        await sleep(700);
        for (let i = 0; i < 3; i++) await run.w.trigger();
        assert.equal(run.emitted.length, 2, 'not twice while in flight');
        for (const f of run.emitted) await commitClaim(site(run), claimed(run, f), { action: 'leave' });
        for (let i = 0; i < 3; i++) await run.w.trigger();
        assert.equal(run.emitted.length, 2, 'an unchanged file is not sent again');
        assert.deepEqual(await fileStat('a.txt'), before.a, 'same bytes, same time, same inode');
        assert.deepEqual(await fileStat('b.txt'), before.b);
        assert.deepEqual(await inboxFiles(), ['a.txt', 'b.txt'], 'nothing written or renamed in the folder');
        assert.deepEqual(run.warnings, []);

        await chmod(servers().localPath(inbox), 0o755);
        await servers().writeFile(`${inbox}/a.txt`, 'alpha, second version');
        await run.w.trigger();
        await run.w.trigger();
        assert.equal(run.emitted.length, 3, 'the changed file again, once');
        assert.equal(run.emitted[2].name, 'a.txt');
        assert.equal(run.emitted[2].size, bytes('alpha, second version'));
      });

      // Only FTP lists days and minutes: without the ledger's word each known file would need an exact time (MDTM).
      if (protocol !== 'sftp') {
        it('old files the ledger recorded long after their listed day use no exact checks; a version it recorded within that day is checked and sent when it differs', async () => {
          const day = Math.floor((Date.now() - 400 * 86_400_000) / 86_400_000) * 86_400_000;
          const at = (s: number): Date => new Date(day + s * 1000);
          const store = new MemoryStore();
          const prefix = Ledger.prefixFor('127.0.0.1', 1, inbox);
          // What an ack today of each file's version left.
          const today = new Ledger(store, prefix, 1000 * 86_400_000);
          for (let i = 0; i < 8; i++) {
            await servers().writeFile(`${inbox}/k-${i}.txt`, `known ${i}`);
            await utimes(servers().localPath(`${inbox}/k-${i}.txt`), at(3600 + i), at(3600 + i));
            await today.record({ path: `${inbox}/k-${i}.txt`, size: bytes(`known ${i}`), mtime: at(3600 + i) }, 'left');
          }
          // Recorded that same day, of a version a few seconds older than the file there now (same size, same listed day).
          await servers().writeFile(`${inbox}/rewritten.txt`, 'same size');
          await utimes(servers().localPath(`${inbox}/rewritten.txt`), at(7200), at(7200));
          const thatDay = new Ledger(store, prefix, 1000 * 86_400_000, () => day + 7300_000);
          await thatDay.record({ path: `${inbox}/rewritten.txt`, size: bytes('same size'), mtime: at(7195) }, 'left');

          const run = watch(new Ledger(store, prefix, 1000 * 86_400_000), { maxFilesPerPoll: 3 });
          await run.w.trigger();
          assert.deepEqual(
            run.emitted.map((f) => f.name),
            ['rewritten.txt'],
            run.warnings.join('\n'),
          );
          assert.equal(run.emitted[0].mtime.getTime(), at(7200).getTime(), 'its exact time, from the server');
          assert.equal(run.w.lastReport?.waiting, 0, 'no known file waited for an exact check');
          for (let i = 0; i < 3; i++) await run.w.trigger();
          assert.equal(run.emitted.length, 1, 'known files are not sent');
        });

        it('old files the ledger recorded within their listed day: each is checked exactly once, its ledger hit is rechecked in the ledger alone, and a forgotten one is sent', async () => {
          const day = Math.floor((Date.now() - 400 * 86_400_000) / 86_400_000) * 86_400_000;
          const at = (s: number): Date => new Date(day + s * 1000);
          const store = new MemoryStore();
          const prefix = Ledger.prefixFor('127.0.0.1', 1, inbox);
          // Each acked a few seconds after it was written (that day), as a watch running then left them.
          const thatDay = new Ledger(store, prefix, 1000 * 86_400_000, () => day + 3700_000);
          for (let i = 0; i < 8; i++) {
            await servers().writeFile(`${inbox}/k-${i}.txt`, `known ${i}`);
            await utimes(servers().localPath(`${inbox}/k-${i}.txt`), at(3600 + i), at(3600 + i));
            await thatDay.record({ path: `${inbox}/k-${i}.txt`, size: bytes(`known ${i}`), mtime: at(3600 + i) }, 'left');
          }
          let clock = Date.now();
          const ledger = new Ledger(store, prefix, 1000 * 86_400_000);
          const run = watch(ledger, { maxFilesPerPoll: 3 }, () => clock);
          const waiting: number[] = [];
          for (let i = 0; i < 3; i++) {
            await run.w.trigger();
            waiting.push(run.w.lastReport?.waiting ?? -1);
          }
          assert.deepEqual(waiting, [5, 2, 0], 'three exact checks a poll, each file once');
          // Past the recheck of ledger hits (10 minutes): asked of the ledger, not of the server, when
          // the folder is next listed in full (the last poll found every file done with, so its
          // unchanged listing is kept until then).
          clock += 11 * 60_000;
          await ledger.forget({ path: `${inbox}/k-7.txt`, size: bytes('known 7'), mtime: at(3607) });
          for (let polls = 0; run.emitted.length === 0 && polls <= 2 * FULL_EVERY_POLLS; polls++) {
            await run.w.trigger();
            assert.equal(run.w.lastReport?.waiting, 0, 'no file waited for an exact check');
          }
          assert.deepEqual(
            run.emitted.map((f) => f.name),
            ['k-7.txt'],
            run.warnings.join('\n'),
          );
        });
      }

      it('after a restart: an acked file is not sent again, one not acked is', async () => {
        await servers().writeFile(`${inbox}/acked.txt`, 'acked');
        await servers().writeFile(`${inbox}/open.txt`, 'in flight at the stop');
        const store = new MemoryStore();
        const first = watch(ledgerOf(store));
        await first.w.trigger();
        assert.equal(first.emitted.length, 2);
        await commitClaim(
          site(first),
          claimed(
            first,
            first.emitted.find((f) => f.name === 'acked.txt')!,
          ),
          { action: 'leave' },
        );
        first.w.close();
        const second = watch(ledgerOf(store));
        await second.w.trigger();
        await second.w.trigger();
        assert.deepEqual(
          second.emitted.map((f) => f.name),
          ['open.txt'],
        );
        assert.deepEqual(await inboxFiles(), ['acked.txt', 'open.txt']);
      });

      it('quarantine leaves the file in place with its report in the exception folder; not taken again until it changes', async () => {
        await servers().writeFile(`${inbox}/bad.txt`, 'rejected');
        const before = await fileStat('bad.txt');
        await chmod(servers().localPath(inbox), 0o555);
        const run = watch(ledgerOf(new MemoryStore()));
        await run.w.trigger();
        assert.equal(run.emitted.length, 1);
        const result = await rollbackClaim(site(run), claimed(run, run.emitted[0]), { message: 'no such vendor', code: 'MAPPING' });
        assert.equal(result.path, `${inbox}/bad.txt`);
        assert.equal(result.report.fileMoved, false);
        assert.equal(result.report.leftInPlace, true);
        const reports = (await localFiles(`${inbox}/.filebridge/failed`)).filter((f) => f.endsWith('_bad.txt.error.json'));
        assert.equal(reports.length, 1, 'the report in the exception folder');
        const report = JSON.parse((await servers().readFile(`${inbox}/.filebridge/failed/${reports[0]}`)).toString()) as QuarantineReport;
        assert.equal(report.error.code, 'MAPPING');
        assert.equal(report.quarantinedPath, `${inbox}/bad.txt`);
        assert.deepEqual(await fileStat('bad.txt'), before, 'the file is untouched');
        for (let i = 0; i < 3; i++) await run.w.trigger();
        assert.equal(run.emitted.length, 1, 'not sent again while unchanged');
        await chmod(servers().localPath(inbox), 0o755);
        await servers().writeFile(`${inbox}/bad.txt`, 'corrected content');
        await run.w.trigger();
        await run.w.trigger();
        assert.equal(run.emitted.length, 2, 'the corrected file is taken again');
        assert.deepEqual(run.warnings, []);
      });

      it('retries: a connection failure goes round again (attempt + 1); an in-flight timeout sends it again after the lease and gives it up in place after Max attempts', async () => {
        await servers().writeFile(`${inbox}/flaky.txt`, 'flaky');
        await servers().writeFile(`${inbox}/stuck.txt`, 'stuck');
        const before = await fileStat('stuck.txt');
        const store = new MemoryStore();
        const run = watch(ledgerOf(store), { maxAttempts: 2, inFlightTimeoutMs: 200, leaseMs: 300 });
        await run.w.trigger();
        const flaky = run.emitted.find((f) => f.name === 'flaky.txt')!;
        assert.ok(retryClaim(site(run), claimed(run, flaky), { message: 'socket hang up', code: 'CONNECTION' }));
        await run.w.trigger();
        const again = run.emitted.filter((f) => f.name === 'flaky.txt');
        assert.deepEqual(
          again.map((f) => f.attempt),
          [1, 2],
        );
        await commitClaim(site(run), claimed(run, again[1]), { action: 'leave' });
        // stuck.txt is never finished: its slot times out, it is sent again after the lease, then given up.
        await waitFor(
          'the give-up',
          async () => {
            await run.w.trigger();
            return run.gaveUp.length === 1;
          },
          10_000,
        );
        const stuck = run.emitted.filter((f) => f.name === 'stuck.txt');
        assert.deepEqual(
          stuck.map((f) => f.attempt),
          [1, 2],
        );
        assert.match(run.gaveUp[0], /\/\.filebridge\/failed\/[^/]*_stuck\.txt\.error\.json$/);
        const report = JSON.parse((await servers().readFile(run.gaveUp[0])).toString()) as QuarantineReport;
        assert.equal(report.error.code, 'TIMEOUT');
        assert.equal(report.fileMoved, false);
        assert.equal(report.leftInPlace, true);
        assert.deepEqual(await fileStat('stuck.txt'), before);
        await sleep(400);
        for (let i = 0; i < 3; i++) await run.w.trigger();
        assert.equal(run.emitted.filter((f) => f.name === 'stuck.txt').length, 2, 'given up: not sent again while unchanged');
        assert.equal(await run.w.forgetFailures(), 1);
        await run.w.trigger();
        assert.equal(run.emitted.filter((f) => f.name === 'stuck.txt').length, 3, 'taken again after msg.reset "failed"');
        assert.deepEqual(await inboxFiles(), ['flaky.txt', 'stuck.txt']);
      });
    });
  }
});
