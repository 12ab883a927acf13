import { strict as assert } from 'node:assert';
import { createDropboxPool } from '../../../../src/core/dropbox/pool';
import { MemoryStore, type KeyValueStore } from '../../../../src/core/key-value-store';
import { Ledger } from '../../../../src/core/pipeline/ledger';
import { commitClaim, retryClaim, rollbackClaim } from '../../../../src/core/pipeline/process-strategy';
import type { QuarantineReport } from '../../../../src/core/pipeline/quarantine-report';
import { readFile } from 'node:fs/promises';
import { registerWatch } from '../../../../src/core/pipeline/running-watches';
import { claimOwner } from '../../../../src/core/pipeline/runtime-identity';
import { sourceFactsFor, type SourceOrigin } from '../../../../src/core/pipeline/source';
import { DEFAULT_STABILITY } from '../../../../src/core/pipeline/stability';
import { DEFAULT_WATCH_SETTINGS, Watcher, type ClaimedFile, type WatchSettings } from '../../../../src/core/pipeline/watcher';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { freshFolder, rpc, useDropboxSim } from '../../../support/dropbox-sim';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

/*
 * The watch on a Dropbox folder (the simulator, over real HTTP): it follows the folder's list_folder
 * cursor instead of listing it at every poll, claims by move_v2, keys its ledger on id + content_hash
 * (an unchanged file left in place is not sent again across a restart, a changed one is), starts over
 * on a cursor reset without sending anything twice, and wakes on a long-poll.
 */
describe('watcher on a Dropbox folder (simulator)', function () {
  this.timeout(60_000);
  const used = useDropboxSim();
  const pools: SessionPool<RemoteSession>[] = [];
  const watchers: Watcher[] = [];
  let ids = 0;

  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    for (const p of pools.splice(0)) await p.close();
  });

  function pool(): SessionPool<RemoteSession> {
    const sim = used.sim;
    const p = createDropboxPool({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url }, { size: 2 });
    pools.push(p);
    return p;
  }

  interface Run {
    w: Watcher;
    emitted: ClaimedFile[];
    warnings: string[];
    origin: SourceOrigin;
    pool: SessionPool<RemoteSession>;
    /** Claims that found their file gone (a stale picture of the folder costs one). */
    lost: number;
  }

  /** A watch of `folder` (a new one is a restart: new process state, same stores). */
  function watch(folder: string, stores: { ledger?: KeyValueStore; cursor?: KeyValueStore } = {}, extra: Partial<WatchSettings> = {}): Run {
    const p = pool();
    const id = `dbx-watch-${++ids}`;
    const settings: WatchSettings = { ...DEFAULT_WATCH_SETTINGS, folder, stability: { ...DEFAULT_STABILITY, mode: 'age', minAgeMs: 0 }, ...extra };
    const origin: SourceOrigin = { server: 'dbx', watch: id, protocol: 'dropbox', host: '127.0.0.1', port: used.sim.port, folder };
    const emitted: ClaimedFile[] = [];
    const warnings: string[] = [];
    const counts = { lost: 0 };
    const w = new Watcher(settings, {
      pool: p,
      origin,
      owner: claimOwner(`dbd0${ids}`.padEnd(8, '0')),
      ledger: stores.ledger ? new Ledger(stores.ledger, Ledger.prefixFor('127.0.0.1', used.sim.port, folder), 86_400_000) : undefined,
      cursorStore: stores.cursor ? { store: stores.cursor, key: `cursor_${folder}` } : undefined,
      emit: async (f) => {
        emitted.push(f);
      },
      onWarning: (text) => warnings.push(text),
      onError: (err) => warnings.push(`error: ${err.code} ${err.message}`),
      onPoll: (report) => {
        counts.lost += report.lost;
      },
    });
    watchers.push(w);
    registerWatch(id, w, { folder, claimRoot: w.claimRoot, inPlace: w.inPlace });
    return {
      w,
      emitted,
      warnings,
      origin,
      pool: p,
      get lost() {
        return counts.lost;
      },
    };
  }

  const ack = (run: Run, file: ClaimedFile, action: 'delete' | 'leave'): Promise<unknown> =>
    commitClaim({ pool: run.pool, watch: run.w }, { source: sourceFactsFor(run.origin, file), correlationId: file.correlationId }, { action });

  const names = (files: ClaimedFile[]): string[] => files.map((f) => f.relativePath).sort();
  const route = (name: string): number => used.sim.stats().byRoute[name] ?? 0;

  it('move: each file is emitted once and claimed with move_v2; later polls follow the cursor instead of listing again', async () => {
    const folder = await freshFolder(used);
    await used.sim.putFile(`${folder}/a.pdf`, 'alpha');
    await used.sim.putFile(`${folder}/b.pdf`, 'bravo');
    const run = watch(folder);
    const moves = route('files/move_v2');
    await run.w.trigger();
    assert.deepEqual(names(run.emitted), ['a.pdf', 'b.pdf'], run.warnings.join('\n'));
    assert.equal(route('files/move_v2') - moves, 2, 'one move_v2 per claim');
    for (const f of run.emitted) {
      assert.ok(f.claimPath.startsWith(`${folder}/.filebridge/processing/`), f.claimPath);
      assert.ok(used.sim.entry(f.claimPath), 'the file is in the claim folder');
      assert.equal(used.sim.entry(`${folder}/${f.name}`), undefined, 'and no longer in the inbox');
      assert.match(f.id ?? '', /^id:/);
      assert.equal(f.contentHash, used.sim.entry(f.claimPath)!.content_hash);
    }
    for (const f of run.emitted) await ack(run, f, 'delete');
    const lists = route('files/list_folder');
    const continues = route('files/list_folder/continue');
    for (let i = 0; i < 4; i++) await run.w.trigger();
    assert.equal(run.emitted.length, 2, 'nothing twice');
    assert.ok(route('files/list_folder/continue') - continues >= 4, 'every poll follows the cursor');
    // The only listing left per poll is the claim folder's (lease recovery), never the inbox's.
    assert.ok(route('files/list_folder') - lists <= 4, `list_folder ${route('files/list_folder') - lists} times in 4 polls`);
    await used.sim.putFile(`${folder}/c.pdf`, 'charlie');
    await run.w.trigger();
    await run.w.trigger();
    assert.deepEqual(names(run.emitted), ['a.pdf', 'b.pdf', 'c.pdf'], 'a new file once');
    assert.deepEqual(run.warnings, []);
  });

  it('recursive, with a depth: files in subfolders once each, claims below the claim folder never taken as input, a removed subfolder forgotten', async () => {
    const folder = await freshFolder(used);
    await used.sim.putFile(`${folder}/top.pdf`, 'top');
    await used.sim.putFile(`${folder}/Sub/one.pdf`, 'one');
    await used.sim.putFile(`${folder}/Sub/Deep/two.pdf`, 'two');
    await used.sim.putFile(`${folder}/Sub/Deep/Deeper/three.pdf`, 'three: below the depth');
    await used.sim.putFile(`${folder}/.hidden/four.pdf`, 'dot folder');
    await used.sim.putFile(`${folder}/Sub/Deep/skip.tmp`, 'listed, never taken');
    const run = watch(folder, {}, { recursive: true, maxDepth: 2, exclude: ['*.tmp'] });
    await run.w.trigger();
    assert.deepEqual(names(run.emitted), ['Sub/Deep/two.pdf', 'Sub/one.pdf', 'top.pdf'], run.warnings.join('\n'));
    assert.ok(
      run.emitted.some((f) => f.claimPath.startsWith(`${folder}/.filebridge/processing/Sub/Deep/`)),
      'claims keep the relative folder',
    );
    for (let i = 0; i < 3; i++) await run.w.trigger();
    assert.equal(run.emitted.length, 3, 'the claims (below the watched folder, in the cursor) are never input');
    await used.sim.putFile(`${folder}/Sub/Deep/five.pdf`, 'five');
    const removed = await rpc(used.sim, 'files/delete_v2', { path: `${folder}/Sub` }, { token: used.token });
    assert.equal(removed.status, 200, removed.text);
    await run.w.trigger();
    assert.equal(run.w.lastReport?.listed, 0, 'skip.tmp, seen but never taken, went out of the picture with its folder');
    await used.sim.putFile(`${folder}/Sub/six.pdf`, 'six, in a new Sub');
    await run.w.trigger();
    await run.w.trigger();
    assert.deepEqual(names(run.emitted), ['Sub/Deep/two.pdf', 'Sub/one.pdf', 'Sub/six.pdf', 'top.pdf'], 'five.pdf went with its folder before a poll saw it');
    assert.equal(run.lost, 0, 'no claim of a file that was no longer there');
    assert.deepEqual(run.warnings, []);
  });

  it('copy/leave: an unchanged file is not sent again across a restart (nor when renamed); a changed one is, once', async () => {
    const folder = await freshFolder(used);
    await used.sim.putFile(`${folder}/keep.pdf`, 'unchanged bytes');
    await used.sim.putFile(`${folder}/edit.pdf`, 'first version');
    const ledger = new MemoryStore();
    const cursor = new MemoryStore();
    const first = watch(folder, { ledger, cursor });
    await first.w.trigger();
    assert.deepEqual(names(first.emitted), ['edit.pdf', 'keep.pdf']);
    for (const f of first.emitted) await ack(first, f, 'leave');
    assert.ok(used.sim.entry(`${folder}/keep.pdf`) && used.sim.entry(`${folder}/edit.pdf`), 'left in place');
    await first.w.trigger();
    await first.w.trigger();
    assert.equal(first.emitted.length, 2, 'not again in the same run');
    assert.equal(typeof (await cursor.get(`cursor_${folder}`)), 'string', 'the cursor is kept in its store');
    first.w.close();
    // Renamed while no watch runs, unchanged: same id and content_hash.
    const moved = await rpc(used.sim, 'files/move_v2', { from_path: `${folder}/keep.pdf`, to_path: `${folder}/kept-renamed.pdf` }, { token: used.token });
    assert.equal(moved.status, 200, moved.text);

    // A restart: a new watch with the same stores lists in full and sends nothing that is done.
    const second = watch(folder, { ledger, cursor });
    await second.w.trigger();
    await second.w.trigger();
    assert.equal(second.emitted.length, 0, 'nothing unchanged is sent again after a restart, renamed or not');
    // Changed bytes under the same id.
    await used.sim.putFile(`${folder}/edit.pdf`, 'second version, longer', { mode: 'overwrite' });
    await second.w.trigger();
    await second.w.trigger();
    assert.deepEqual(names(second.emitted), ['edit.pdf'], 'the changed file, once; the renamed unchanged one not');
    assert.equal(second.emitted[0].id, first.emitted.find((f) => f.name === 'edit.pdf')!.id, 'same Dropbox id');
    assert.notEqual(second.emitted[0].contentHash, first.emitted.find((f) => f.name === 'edit.pdf')!.contentHash);
    await ack(second, second.emitted[0], 'leave');
    second.w.close();
    const third = watch(folder, { ledger, cursor });
    await third.w.trigger();
    assert.equal(third.emitted.length, 0, 'the new version is done too');
  });

  it('a cursor reset starts over from a full listing without sending anything twice, also when it happened between runs', async () => {
    const folder = await freshFolder(used);
    const ledger = new MemoryStore();
    const cursor = new MemoryStore();
    await used.sim.putFile(`${folder}/left.pdf`, 'left in place');
    await used.sim.putFile(`${folder}/gone.pdf`, 'deleted after');
    const run = watch(folder, { ledger, cursor });
    await run.w.trigger();
    assert.deepEqual(names(run.emitted), ['gone.pdf', 'left.pdf']);
    await ack(
      run,
      run.emitted.find((f) => f.name === 'left.pdf')!,
      'leave',
    );
    await ack(
      run,
      run.emitted.find((f) => f.name === 'gone.pdf')!,
      'delete',
    );
    await run.w.trigger();
    await used.sim.putFile(`${folder}/new.pdf`, 'arrived before the reset');
    used.sim.resetCursors();
    const continues = route('files/list_folder/continue');
    await run.w.trigger();
    assert.ok(route('files/list_folder/continue') > continues, 'the dead cursor was tried');
    assert.deepEqual(names(run.emitted), ['gone.pdf', 'left.pdf', 'new.pdf'], 'the new file once, nothing done again');
    assert.equal(run.warnings.length, 1, run.warnings.join('\n'));
    assert.match(run.warnings[0], /gave up the change cursor of .* it is listed in full again/);
    await ack(run, run.emitted[2], 'leave');
    await run.w.trigger();
    run.w.close();

    // Reset while no watch ran: the next start says so, and still sends nothing twice.
    used.sim.resetCursors();
    await used.sim.putFile(`${folder}/later.pdf`, 'arrived while stopped');
    const again = watch(folder, { ledger, cursor });
    await again.w.trigger();
    assert.deepEqual(names(again.emitted), ['later.pdf']);
    assert.equal(again.warnings.length, 1, again.warnings.join('\n'));
    assert.match(again.warnings[0], /since the last run/);
  });

  describe('take: inPlace (copy mode, backups)', () => {
    /** Every route that writes, moves or deletes in Dropbox. */
    const WRITES = ['files/move_v2', 'files/copy_v2', 'files/delete_v2', 'files/upload', 'files/upload_session/finish', 'files/upload_session/finish_batch_v2'];
    const writes = (): number => WRITES.reduce((sum, r) => sum + route(r), 0);
    const inPlace = { take: 'inPlace' as const };

    it('takes a file once without moving it (same rev, no move_v2), not again on later polls, again once its content changes', async () => {
      const folder = await freshFolder(used);
      const put = await used.sim.putFile(`${folder}/backup.pdf`, 'version one');
      const ledger = new MemoryStore();
      const run = watch(folder, { ledger }, inPlace);
      const before = writes();
      await run.w.trigger();
      assert.deepEqual(names(run.emitted), ['backup.pdf'], run.warnings.join('\n'));
      const [f] = run.emitted;
      assert.equal(f.claimPath, `${folder}/backup.pdf`, 'claimPath is the path');
      assert.equal(f.inPlace, true);
      assert.equal(f.contentHash, put.content_hash);
      const facts = sourceFactsFor(run.origin, f);
      assert.equal(facts.inPlace, true);
      assert.equal(facts.claimPath, facts.path);
      // Polls while it is in flight do not send it again.
      await run.w.trigger();
      await run.w.trigger();
      assert.equal(run.emitted.length, 1, 'not twice while in flight');
      const acked = (await ack(run, f, 'leave')) as { disposal: { action: string; path: string } };
      assert.deepEqual(acked.disposal, { action: 'left', path: `${folder}/backup.pdf` });
      for (let i = 0; i < 3; i++) await run.w.trigger();
      assert.equal(run.emitted.length, 1, 'an unchanged file is not sent again');
      assert.equal(used.sim.entry(`${folder}/backup.pdf`)?.rev, put.rev, 'never moved or rewritten: the rev is the same');
      assert.equal(writes() - before, 0, 'no move_v2, copy, delete or upload at all');
      assert.equal(used.sim.entry(`${folder}/.filebridge`), undefined, 'no claim folder made');

      const changed = await used.sim.putFile(`${folder}/backup.pdf`, 'version two, changed', { mode: 'overwrite' });
      await run.w.trigger();
      await run.w.trigger();
      assert.equal(run.emitted.length, 2, 'the changed file again, once');
      assert.equal(run.emitted[1].contentHash, changed.content_hash);
      assert.equal(run.emitted[1].attempt, 1);
      await ack(run, run.emitted[1], 'leave');
      await run.w.trigger();
      assert.equal(run.emitted.length, 2);
      assert.deepEqual(run.warnings, []);
    });

    it('after a restart: an acked file is not sent again, one not acked is (at least once)', async () => {
      const folder = await freshFolder(used);
      const a = await used.sim.putFile(`${folder}/acked.pdf`, 'acked before the stop');
      const b = await used.sim.putFile(`${folder}/open.pdf`, 'in flight at the stop');
      const ledger = new MemoryStore();
      const cursor = new MemoryStore();
      const first = watch(folder, { ledger, cursor }, inPlace);
      await first.w.trigger();
      assert.deepEqual(names(first.emitted), ['acked.pdf', 'open.pdf']);
      await ack(
        first,
        first.emitted.find((f) => f.name === 'acked.pdf')!,
        'leave',
      );
      first.w.close();
      const second = watch(folder, { ledger, cursor }, inPlace);
      await second.w.trigger();
      await second.w.trigger();
      assert.deepEqual(names(second.emitted), ['open.pdf'], 'only the file that was not acked');
      await ack(second, second.emitted[0], 'leave');
      second.w.close();
      const third = watch(folder, { ledger, cursor }, inPlace);
      await third.w.trigger();
      assert.equal(third.emitted.length, 0);
      assert.equal(used.sim.entry(`${folder}/acked.pdf`)?.rev, a.rev);
      assert.equal(used.sim.entry(`${folder}/open.pdf`)?.rev, b.rev);
    });

    it('quarantine leaves the file where it is, writes its report into the exception folder, and the unchanged file is not taken again until it changes or msg.reset', async () => {
      const folder = await freshFolder(used);
      const put = await used.sim.putFile(`${folder}/bad.pdf`, 'rejected bytes');
      const ledger = new MemoryStore();
      const run = watch(folder, { ledger }, inPlace);
      await run.w.trigger();
      const [f] = run.emitted;
      const moves = route('files/move_v2');
      const result = await rollbackClaim(
        { pool: run.pool, watch: run.w },
        { source: sourceFactsFor(run.origin, f), correlationId: f.correlationId },
        {
          message: 'Content Server said no',
          code: 'CS_REJECTED',
        },
      );
      assert.equal(route('files/move_v2') - moves, 0, 'not moved');
      assert.equal(used.sim.entry(`${folder}/bad.pdf`)?.rev, put.rev, 'still there, unchanged');
      assert.equal(result.path, `${folder}/bad.pdf`);
      assert.ok(result.reportPath.startsWith(`${folder}/.filebridge/failed/`), result.reportPath);
      assert.match(result.text, /quarantined in place/);
      const report = JSON.parse(await readFile(used.sim.contentFile(result.reportPath)!, 'utf8')) as QuarantineReport;
      assert.equal(report.fileMoved, false);
      assert.equal(report.leftInPlace, true);
      assert.equal(report.quarantinedPath, `${folder}/bad.pdf`);
      assert.equal(report.error.code, 'CS_REJECTED');
      for (let i = 0; i < 3; i++) await run.w.trigger();
      assert.equal(run.emitted.length, 1, 'the unchanged failed file is not sent at every poll');
      // The report is in the watched folder's .filebridge: never taken as input.
      await used.sim.putFile(`${folder}/bad.pdf`, 'corrected bytes', { mode: 'overwrite' });
      await run.w.trigger();
      await run.w.trigger();
      assert.equal(run.emitted.length, 2, 'the corrected file is taken again');
      await rollbackClaim(
        { pool: run.pool, watch: run.w },
        { source: sourceFactsFor(run.origin, run.emitted[1]), correlationId: run.emitted[1].correlationId },
        {
          message: 'still wrong',
        },
      );
      await run.w.trigger();
      assert.equal(run.emitted.length, 2);
      assert.equal(await run.w.forgetFailures(), 2, 'both failed versions forgotten');
      await run.w.trigger();
      await run.w.trigger();
      assert.equal(run.emitted.length, 3, 'msg.reset "failed": the unchanged file is taken again');
      assert.deepEqual(run.warnings, []);
    });

    it('a failure that may pass goes round through the watch (attempt + 1) without moving the file, until Max attempts', async () => {
      const folder = await freshFolder(used);
      const put = await used.sim.putFile(`${folder}/flaky.pdf`, 'try me again');
      const run = watch(folder, { ledger: new MemoryStore() }, { ...inPlace, maxAttempts: 2 });
      await run.w.trigger();
      const site = { pool: run.pool, watch: run.w };
      const claimed = (f: ClaimedFile): { source: ReturnType<typeof sourceFactsFor>; correlationId: string } => ({
        source: sourceFactsFor(run.origin, f),
        correlationId: f.correlationId,
      });
      const again = retryClaim(site, claimed(run.emitted[0]), { message: 'socket hang up', code: 'CONNECTION' });
      assert.ok(again, 'goes round again');
      await run.w.trigger();
      assert.equal(run.emitted.length, 2);
      assert.equal(run.emitted[1].attempt, 2);
      assert.equal(retryClaim(site, claimed(run.emitted[1]), { message: 'socket hang up', code: 'CONNECTION' }), undefined, 'the last attempt is quarantined');
      assert.equal(used.sim.entry(`${folder}/flaky.pdf`)?.rev, put.rev);
    });

    it('ack delete and archive work on the file at its path; a file changed since it was sent is not deleted (CONFLICT)', async () => {
      const folder = await freshFolder(used);
      await used.sim.putFile(`${folder}/del.pdf`, 'delete me');
      await used.sim.putFile(`${folder}/arc.pdf`, 'archive me');
      await used.sim.putFile(`${folder}/edited.pdf`, 'sent version');
      const run = watch(folder, { ledger: new MemoryStore() }, inPlace);
      await run.w.trigger();
      assert.equal(run.emitted.length, 3);
      assert.ok(used.sim.entry(`${folder}/del.pdf`) && used.sim.entry(`${folder}/arc.pdf`), 'still in place while in flight');
      const newer = await used.sim.putFile(`${folder}/edited.pdf`, 'a newer version nobody read', { mode: 'overwrite' });
      await assert.rejects(
        ack(
          run,
          run.emitted.find((f) => f.name === 'edited.pdf')!,
          'delete',
        ),
        { code: 'CONFLICT' },
      );
      assert.equal(used.sim.entry(`${folder}/edited.pdf`)?.rev, newer.rev, 'the newer version is kept');
      await ack(
        run,
        run.emitted.find((f) => f.name === 'del.pdf')!,
        'delete',
      );
      await commitClaim(
        { pool: run.pool, watch: run.w },
        {
          source: sourceFactsFor(
            run.origin,
            run.emitted.find((f) => f.name === 'arc.pdf')!,
          ),
          correlationId: 'x',
        },
        { action: 'archive', archiveTemplate: '.filebridge/archive/{name}' },
      );
      assert.equal(used.sim.entry(`${folder}/del.pdf`), undefined);
      assert.equal(used.sim.entry(`${folder}/arc.pdf`), undefined);
      assert.ok(used.sim.entry(`${folder}/.filebridge/archive/arc.pdf`));
    });
  });

  it('long-poll wakes the watch on a new file within a second or two, without waiting for the poll interval', async () => {
    const folder = await freshFolder(used);
    const run = watch(folder, {}, { longpoll: true });
    await run.w.trigger(); // the first poll takes the cursor; from then on the watch waits on longpoll
    await waitFor('the long-poll to wait', () => used.sim.stats().longpolls > 0, 5000);
    await sleep(300);
    const at = Date.now();
    await used.sim.putFile(`${folder}/woken.pdf`, 'wake up');
    await waitFor('the file to be sent', () => run.emitted.length === 1, 5000);
    const tookMs = Date.now() - at;
    assert.ok(tookMs < 2000, `sent ${tookMs} ms after it arrived`);
    assert.deepEqual(names(run.emitted), ['woken.pdf']);
    await sleep(500);
    assert.equal(run.emitted.length, 1, 'once');
  });
});
