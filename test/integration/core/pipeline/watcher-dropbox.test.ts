import { strict as assert } from 'node:assert';
import '../../../../src/core/dropbox/folder-changes';
import { createDropboxPool } from '../../../../src/core/dropbox/pool';
import { MemoryStore, type KeyValueStore } from '../../../../src/core/key-value-store';
import { Ledger } from '../../../../src/core/pipeline/ledger';
import { commitClaim } from '../../../../src/core/pipeline/process-strategy';
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
    registerWatch(id, w, { folder, claimRoot: w.claimRoot });
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
