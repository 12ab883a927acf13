import { strict as assert } from 'node:assert';
import { rename, utimes, writeFile } from 'node:fs/promises';
import type { Listed } from '../../../../src/core/pipeline/folder-view';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';
import { FULL_EVERY_POLLS, ListingCache, type WalkRules } from '../../../../src/core/pipeline/listing-cache';
import { DEFAULT_WATCH_SETTINGS, Watcher, type ClaimedFile } from '../../../../src/core/pipeline/watcher';
import { createPool } from '../../../../src/core/remote/connect';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { optionsFor } from '../../../support/server-options';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every file and folder a watch takes (no dot names). */
const RULES: WalkRules = {
  descend: () => true,
  place: (_dir, entry, rel) => {
    if (entry.name.startsWith('.')) return undefined;
    const relativePath = rel ? `${rel}/${entry.name}` : entry.name;
    return entry.type === 'directory' ? { kind: 'folder', relativePath } : entry.type === 'file' ? { kind: 'file', relativePath } : undefined;
  },
  pending: () => false,
  refused: () => () => undefined,
};

const names = (files: Listed[]): string[] => files.map((f) => f.relativePath).sort();

/*
 * Busy folders on the real servers: a folder whose own time and size are unchanged is not listed
 * again; what the servers tell of a folder's time (sshd: seconds from a stat; vsftpd: minutes, from
 * its parent's LIST, as it refuses MDTM on a folder and has no MLST) is enough to see every added,
 * removed or renamed file; a file the watch is not done with keeps its folder listed.
 */
describe('listing cache on real servers', function () {
  this.timeout(120_000);
  let n = 0;
  const pools: SessionPool<RemoteSession>[] = [];
  const watchers: Watcher[] = [];
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  const poolFor = (protocol: Protocol): SessionPool<RemoteSession> => {
    const p = createPool(optionsFor(protocol), { size: 2 });
    pools.push(p);
    return p;
  };
  async function folderWith(protocol: Protocol, files: string[]): Promise<string> {
    await servers().startAll();
    const dir = `cache-${protocol}-${++n}`;
    await servers().remove(dir);
    await servers().mkdirp(`${dir}/in/sub`);
    for (const f of files) await servers().writeFile(`${dir}/in/${f}`, 'old');
    return `${dir}/in`;
  }

  it('sftp: a cached folder is listed again when a file is added, removed or renamed, and a sub folder when its own files change', async () => {
    const folder = await folderWith('sftp', ['a.txt', 'b.txt', 'sub/c.txt']);
    const pool = poolFor('sftp');
    const cache = new ListingCache();
    const walk = (): Promise<Listed[]> => pool.use((session) => cache.walk(session, folder, RULES), true);
    /** Walks once a second until a walk lists nothing again (the stamps are trusted); returns how many walks that took. */
    const settle = async (): Promise<number> => {
      for (let i = 1; i <= 10; i++) {
        await sleep(1000);
        if ((await walk()).length === 0) return i;
      }
      throw new Error('the folder was still listed after 10 walks');
    };
    assert.deepEqual(names(await walk()), ['a.txt', 'b.txt', 'sub/c.txt']);
    assert.ok((await settle()) >= 2, 'not trusted before a listing came 2 s after the stamp was seen');
    assert.equal(cache.keeps(`${folder}/a.txt`), true);
    assert.equal(cache.keeps(`${folder}/sub/c.txt`), true);

    await servers().writeFile(`${folder}/new.txt`, 'new');
    assert.deepEqual(names(await walk()), ['a.txt', 'b.txt', 'new.txt'], 'added: the folder is listed, its unchanged sub folder is not');
    await settle();
    await servers().remove(`${folder}/a.txt`);
    assert.deepEqual(names(await walk()), ['b.txt', 'new.txt'], 'removed');
    await settle();
    await rename(servers().localPath(`${folder}/b.txt`), servers().localPath(`${folder}/b2.txt`));
    assert.deepEqual(names(await walk()), ['b2.txt', 'new.txt'], 'renamed');
    await settle();
    await servers().writeFile(`${folder}/sub/d.txt`, 'd');
    assert.deepEqual(names(await walk()), ['sub/c.txt', 'sub/d.txt'], 'only the sub folder that changed');
  });

  for (const protocol of ['ftp', 'ftps-explicit'] as Protocol[]) {
    it(`${protocol}: folder times from the parent's LIST (minutes) see added, removed and renamed files`, async () => {
      const folder = await folderWith(protocol, ['a.txt', 'sub/c.txt']);
      const pool = poolFor(protocol);
      // vsftpd tells folder times in whole minutes: this process's clock is moved past the minute's
      // window, and each change below gives the folder a later minute (as a change a minute later would).
      let now = Date.now();
      const cache = new ListingCache(undefined, () => now);
      let minute = Math.floor(Date.now() / 60_000) * 60 - 3600;
      const stampLater = async (rel: string): Promise<void> => {
        minute += 60;
        await utimes(servers().localPath(rel), minute, minute);
      };
      await stampLater(folder);
      await stampLater(`${folder}/sub`);
      const walk = async (): Promise<Listed[]> => {
        now += 31_000;
        return pool.use((session) => cache.walk(session, folder, RULES), true);
      };
      const settle = async (): Promise<void> => {
        for (let i = 0; i < 5; i++) if ((await walk()).length === 0) return;
        throw new Error('the folder was still listed after 5 walks');
      };
      assert.deepEqual(names(await walk()), ['a.txt', 'sub/c.txt']);
      await settle();
      // (A folder listed in full because its FULL_EVERY_MS came may show up beside the changed one.)
      await servers().writeFile(`${folder}/new.txt`, 'new');
      await stampLater(folder);
      assert.ok(names(await walk()).includes('new.txt'), 'added');
      await settle();
      await servers().remove(`${folder}/a.txt`);
      await stampLater(folder);
      let listed = names(await walk());
      assert.ok(listed.includes('new.txt') && !listed.includes('a.txt'), `removed: ${listed.join(', ')}`);
      await settle();
      await rename(servers().localPath(`${folder}/new.txt`), servers().localPath(`${folder}/new2.txt`));
      await stampLater(folder);
      listed = names(await walk());
      assert.ok(listed.includes('new2.txt') && !listed.includes('new.txt'), `renamed: ${listed.join(', ')}`);
      await settle();
      await servers().writeFile(`${folder}/sub/d.txt`, 'd');
      await stampLater(`${folder}/sub`);
      assert.ok(names(await walk()).includes('sub/d.txt'), 'the sub folder, by its line in the parent listing');
    });
  }

  it('ftp: a listing whose text is the last one is not parsed again, before any folder time is trusted; a byte more in a file, a new file or a pending file list it again', async () => {
    const folder = await folderWith('ftp', ['a.txt', 'b.txt']);
    const pool = poolFor('ftp');
    const cache = new ListingCache();
    let pending = '';
    // Not into its sub folder: their stamps come from a parsed listing of this one.
    const rules: WalkRules = { ...RULES, descend: () => false, pending: (file) => file.name === pending };
    const walk = async (): Promise<string[]> => names(await pool.use((session) => cache.walk(session, folder, rules), true));
    assert.deepEqual(await walk(), ['a.txt', 'b.txt']);
    assert.deepEqual(await walk(), [], 'the same text: its files are as they were');
    assert.equal(cache.keeps(`${folder}/a.txt`), true);
    // Rewritten in place within the folder time's minute: the folder time says nothing, the text does.
    await writeFile(servers().localPath(`${folder}/a.txt`), 'old!');
    assert.deepEqual(await walk(), ['a.txt', 'b.txt'], 'a file a byte longer');
    assert.equal(cache.keeps(`${folder}/a.txt`), false);
    assert.deepEqual(await walk(), []);
    await servers().writeFile(`${folder}/c.txt`, 'new');
    assert.deepEqual(await walk(), ['a.txt', 'b.txt', 'c.txt'], 'a new file');
    pending = 'c.txt';
    assert.deepEqual(await walk(), [], 'the same text again');
    // The last parsed listing had nothing pending; this one's c.txt is: listed at every poll.
    await servers().writeFile(`${folder}/c.txt`, 'new, longer');
    assert.deepEqual(await walk(), ['a.txt', 'b.txt', 'c.txt']);
    assert.deepEqual(await walk(), ['a.txt', 'b.txt', 'c.txt'], 'a pending file: its folder is listed although the text is the same');
  });

  it('ftp: a folder whose pending files were all done with by the poll that listed it is not listed again (recheckPending)', async () => {
    const folder = await folderWith('ftp', ['a.txt', 'b.txt']);
    const pool = poolFor('ftp');
    const cache = new ListingCache();
    const done = new Set<string>();
    const rules: WalkRules = { ...RULES, descend: () => false, pending: (file) => !done.has(file.name) };
    const walk = async (): Promise<Listed[]> => pool.use((session) => cache.walk(session, folder, rules), true);
    let listed = await walk();
    assert.deepEqual(names(listed), ['a.txt', 'b.txt']);
    // The poll finds a.txt in its ledger; b.txt is still pending: the folder stays listed.
    done.add('a.txt');
    cache.recheckPending(listed, rules.pending);
    listed = await walk();
    assert.deepEqual(names(listed), ['a.txt', 'b.txt'], 'b.txt is pending: listed again');
    done.add('b.txt');
    cache.recheckPending(listed, rules.pending);
    assert.deepEqual(names(await walk()), [], 'both done with after the last poll: the same text is not parsed again');
    assert.equal(cache.keeps(`${folder}/b.txt`), true);
  });

  it('ftp: a watch done with every file of a folder, found in its ledger by a poll, does not list it in full at the next', async () => {
    const folder = await folderWith('ftp', ['a.txt', 'b.txt']);
    // An hour old: the ledger's versions (exact times from MDTM) are long settled.
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const f of ['a.txt', 'b.txt']) await utimes(servers().localPath(`${folder}/${f}`), hourAgo, hourAgo);
    const pool = poolFor('ftp');
    const ledger = new Ledger(new MemoryStore(), 'test_', 86_400_000);
    const mtime = new Date(Math.floor(hourAgo.getTime() / 1000) * 1000);
    for (const f of ['a.txt', 'b.txt']) await ledger.record({ path: `${folder}/${f}`, size: 3, mtime }, 'left');
    const sent: ClaimedFile[] = [];
    const w = new Watcher(
      { ...DEFAULT_WATCH_SETTINGS, folder, take: 'inPlace' },
      {
        pool,
        ledger,
        origin: { server: 's1', watch: 'w1', protocol: 'ftp', host: '127.0.0.1', port: 21, folder },
        emit: async (f) => {
          sent.push(f);
          w.release(f.correlationId);
        },
      },
    );
    watchers.push(w);
    await w.trigger();
    assert.equal(w.lastReport?.listed, 2, 'the first poll lists both; they are seen for the first time');
    // Seen unchanged for the stability window: this poll looks them up in the ledger and finds both.
    await sleep(DEFAULT_WATCH_SETTINGS.stability.stableMs + 100);
    await w.trigger();
    assert.equal(w.lastReport?.listed, 2);
    await w.trigger();
    assert.equal(w.lastReport?.listed, 0, 'the next poll keeps the folder: the poll before found both in the ledger');
    assert.deepEqual(sent, [], 'nothing sent: both are in the ledger');
  });

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    it(`${protocol}: a pending file is checked again in an unchanged folder; a file done with and rewritten in place comes again at the full listing`, async () => {
      const folder = await folderWith(protocol, []);
      const pool = poolFor(protocol);
      const ledger = new Ledger(new MemoryStore(), 'test_', 86_400_000);
      const sent: ClaimedFile[] = [];
      const w = new Watcher(
        { ...DEFAULT_WATCH_SETTINGS, folder, take: 'inPlace', stability: { ...DEFAULT_WATCH_SETTINGS.stability, stableMs: 1500 } },
        {
          pool,
          ledger,
          origin: { server: 's1', watch: 'w1', protocol, host: '127.0.0.1', port: 22, folder },
          emit: async (f) => {
            sent.push(f);
            // What an ack "leave in place" does: the ledger keeps this version, the slot is freed.
            await ledger.record({ path: f.path, size: f.size, mtime: f.mtime }, 'left');
            w.release(f.correlationId);
          },
        },
      );
      watchers.push(w);
      await servers().writeFile(`${folder}/a.txt`, 'v1');
      await w.trigger();
      // Still being written, in place: the folder's time does not move, the pending file is listed anyway.
      await writeFile(servers().localPath(`${folder}/a.txt`), 'version 2');
      for (let i = 0; i < 20 && sent.length === 0; i++) {
        await sleep(500);
        await w.trigger();
      }
      assert.deepEqual(
        sent.map((f) => [f.name, f.size]),
        [['a.txt', 9]],
        'sent once, as it was when stable',
      );
      if (protocol === 'ftp') return; // a minute before vsftpd's folder time is trusted: the SFTP run shows the full listing
      let skipped = 0;
      for (let i = 0; i < 10 && skipped === 0; i++) {
        await sleep(1000);
        await w.trigger();
        if (w.lastReport?.listed === 0) skipped = 1;
      }
      assert.equal(skipped, 1, 'done with the folder: not listed again');
      await writeFile(servers().localPath(`${folder}/a.txt`), 'version three');
      let polls = 0;
      while (sent.length === 1 && polls < 2 * FULL_EVERY_POLLS + 60) {
        polls++;
        await w.trigger();
        await sleep(100);
      }
      assert.deepEqual(
        sent.map((f) => [f.name, f.size]),
        [
          ['a.txt', 9],
          ['a.txt', 13],
        ],
        'the new version comes once the full listing has seen it and it was stable',
      );
      assert.ok(polls > 1, `the cache hid the rewrite until the full listing (${polls} polls)`);
    });
  }
});
