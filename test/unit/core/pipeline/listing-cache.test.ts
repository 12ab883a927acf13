import { strict as assert } from 'node:assert';
import { FULL_EVERY_POLLS, fullListingAfter, ListingCache, pathOfListingKey, type WalkRules } from '../../../../src/core/pipeline/listing-cache';
import type { Listed } from '../../../../src/core/pipeline/folder-view';
import type { Protocol, RemoteEntry, RemoteSession } from '../../../../src/core/remote/types';

/**
 * A remote folder tree in memory whose folders keep a time in whole seconds (or minutes) of a clock
 * the test moves, like a POSIX file system behind SFTP (or FTP LIST): adding, removing or renaming
 * an entry sets its folder's time; rewriting a file in place does not. Counts lists and stats.
 */
class FakeRemote {
  readonly folders = new Map<string, { mtime: number; names: Map<string, { size: number; mtime: number }> }>();
  lists: string[] = [];
  stats: string[] = [];
  /** When false, folder times never move (a server whose folder times do not follow their entries). */
  foldersFollow = true;

  constructor(
    public clock: number,
    private readonly precision: RemoteEntry['mtimePrecision'] = 'second',
  ) {}

  private stampTime(): number {
    const unit = this.precision === 'second' ? 1000 : 60_000;
    return Math.floor(this.clock / unit) * unit;
  }

  mkdir(path: string): void {
    this.folders.set(path, { mtime: this.stampTime(), names: new Map() });
    const parent = path.slice(0, path.lastIndexOf('/'));
    if (this.folders.has(parent)) this.touch(parent);
  }

  put(path: string, size = 1): void {
    const dir = path.slice(0, path.lastIndexOf('/'));
    const folder = this.folders.get(dir)!;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const had = folder.names.has(name);
    folder.names.set(name, { size, mtime: this.clock });
    if (!had) this.touch(dir);
  }

  remove(path: string): void {
    const dir = path.slice(0, path.lastIndexOf('/'));
    this.folders.get(dir)!.names.delete(path.slice(path.lastIndexOf('/') + 1));
    this.touch(dir);
  }

  private touch(dir: string): void {
    if (this.foldersFollow) this.folders.get(dir)!.mtime = this.stampTime();
  }

  private entryOf(path: string): RemoteEntry | undefined {
    const folder = this.folders.get(path);
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (folder) return { name, path, type: 'directory', size: 4096, mtime: new Date(folder.mtime), mtimePrecision: this.precision };
    const f = this.folders.get(path.slice(0, path.lastIndexOf('/')))?.names.get(name);
    return f ? { name, path, type: 'file', size: f.size, mtime: new Date(f.mtime), mtimePrecision: 'second' } : undefined;
  }

  session(protocol: Protocol = 'sftp'): RemoteSession {
    const session: Partial<RemoteSession> = {
      protocol,
      alive: true,
      list: async (dir) => {
        this.lists.push(dir);
        const folder = this.folders.get(dir)!;
        const subs = [...this.folders.keys()].filter((p) => p.slice(0, p.lastIndexOf('/')) === dir);
        return [...[...folder.names.keys()].map((n) => this.entryOf(`${dir}/${n}`)!), ...subs.map((p) => this.entryOf(p)!)];
      },
      stat: async (path) => {
        this.stats.push(path);
        return this.entryOf(path);
      },
    };
    return session as RemoteSession;
  }
}

function rules(pending: (f: Listed) => boolean = () => false, recursive = true): WalkRules {
  return {
    descend: () => recursive,
    place: (_dir, entry, rel) => {
      const relativePath = rel ? `${rel}/${entry.name}` : entry.name;
      return entry.type === 'directory' ? { kind: 'folder', relativePath } : { kind: 'file', relativePath };
    },
    pending,
    refused: () => () => undefined,
  };
}

const names = (files: Listed[]): string[] => files.map((f) => f.relativePath).sort();

describe('listing cache', () => {
  const T0 = Date.parse('2026-12-07T10:00:00.300Z');
  let remote: FakeRemote;
  let now: number;
  let cache: ListingCache;
  let untrusted: string[];

  /** One poll a second later (the remote's clock and this process's move together). */
  async function poll(r: WalkRules = rules(), protocol: Protocol = 'sftp'): Promise<Listed[]> {
    now += 1000;
    remote.clock = now;
    remote.lists = [];
    remote.stats = [];
    return cache.walk(remote.session(protocol), '/in', r);
  }

  beforeEach(() => {
    now = T0;
    remote = new FakeRemote(now);
    remote.mkdir('/in');
    for (let i = 0; i < 5; i++) remote.put(`/in/f${i}`);
    untrusted = [];
    cache = new ListingCache(
      (folder) => untrusted.push(folder),
      () => now,
    );
  });

  it('lists a folder until its stamp was seen a precision window before a listing, then leaves it unlisted while it is unchanged', async () => {
    assert.deepEqual(names(await poll()), ['f0', 'f1', 'f2', 'f3', 'f4']);
    assert.deepEqual(names(await poll()), ['f0', 'f1', 'f2', 'f3', 'f4'], 'the stamp was seen 1 s ago: its second may not be over');
    await poll();
    const files = await poll();
    assert.deepEqual(files, [], 'nothing returned');
    assert.deepEqual(remote.lists, [], 'and nothing listed: one stat');
    assert.deepEqual(remote.stats, ['/in']);
    assert.equal(cache.keeps('/in/f3'), true);
    assert.equal(cache.keeps('/elsewhere/f3'), false);
  });

  it('lists a cached folder again when a file is added, removed or renamed', async () => {
    for (let i = 0; i < 4; i++) await poll();
    assert.deepEqual(remote.lists, []);
    remote.clock = now + 500;
    remote.put('/in/new');
    assert.deepEqual(names(await poll()), ['f0', 'f1', 'f2', 'f3', 'f4', 'new'], 'added');
    assert.equal(cache.keeps('/in/new'), false);
    for (let i = 0; i < 3; i++) await poll();
    assert.deepEqual(remote.lists, []);
    remote.clock = now + 500;
    remote.remove('/in/f0');
    assert.deepEqual(names(await poll()), ['f1', 'f2', 'f3', 'f4', 'new'], 'removed');
    for (let i = 0; i < 3; i++) await poll();
    remote.clock = now + 500;
    remote.remove('/in/f1');
    remote.put('/in/f1-renamed');
    assert.deepEqual(names(await poll()), ['f1-renamed', 'f2', 'f3', 'f4', 'new'], 'renamed');
  });

  it('a change in the same second as the listing that saw the stamp is not hidden', async () => {
    // A file arrives early in the second of the next poll, whose listing sees the stamp of that second...
    remote.clock = now + 800;
    remote.put('/in/early');
    assert.ok(names(await poll()).includes('early'));
    // ...and another one later in the same second, after that listing: the folder's stamp stays the same.
    remote.clock = now + 500;
    remote.put('/in/late');
    assert.ok(names(await poll()).includes('late'));
    for (let i = 0; i < 3; i++) await poll();
    assert.deepEqual(remote.lists, [], 'trusted once a listing came a window after the stamp was first seen');
  });

  it('keeps listing a folder with a file the watch is not done with, even when the folder is unchanged', async () => {
    const pending = new Set(['f2']);
    const r = rules((f) => pending.has(f.relativePath));
    for (let i = 0; i < 6; i++) assert.equal((await poll(r)).length, 5, `poll ${i + 1}`);
    // Rewritten in place: its folder's time stays, and the listing must show its new size.
    remote.put('/in/f2', 99);
    const f2 = (await poll(r)).find((f) => f.relativePath === 'f2');
    assert.equal(f2?.size, 99);
    pending.clear();
    await poll(r);
    assert.deepEqual(await poll(r), [], 'done with everything: left unlisted');
  });

  it('lists every folder in full after its number of polls without a listing, and after its time', async () => {
    const { polls: every, ms } = fullListingAfter('/in');
    assert.ok(every >= FULL_EVERY_POLLS && every < 2 * FULL_EVERY_POLLS);
    let listed = 0;
    for (let i = 0; i < every * 2 + 4; i++) if ((await poll()).length > 0) listed++;
    assert.equal(listed, 3 + 2, 'three until trusted, then one full listing every `every` polls');
    // A file done with and rewritten in place (same name) is seen at the next full listing.
    remote.put('/in/f4', 7);
    let seen = 0;
    for (let i = 0; i < every && seen === 0; i++) seen = (await poll()).find((f) => f.relativePath === 'f4' && f.size === 7) ? i + 1 : 0;
    assert.ok(seen > 0 && seen <= every, `seen after ${seen} polls`);
    // Long intervals: the time bound.
    for (let i = 0; i < 4; i++) await poll();
    now += ms;
    assert.equal((await poll()).length, 5);
  });

  it('spreads the full listings of a tree over the polls', () => {
    const due = new Set(Array.from({ length: 200 }, (_, i) => fullListingAfter(`/in/d${i}`).polls));
    assert.ok(due.size >= FULL_EVERY_POLLS / 2, `${due.size} different poll counts`);
    for (const polls of due) assert.ok(polls >= FULL_EVERY_POLLS && polls < 2 * FULL_EVERY_POLLS);
  });

  it('recursive trees: only the changed sub folder is listed; sub folder stamps come from stats (few) or one listing of their parent (many, and FTP)', async () => {
    remote.mkdir('/in/a');
    remote.mkdir('/in/b');
    remote.put('/in/a/x');
    remote.put('/in/b/y');
    for (let i = 0; i < 4; i++) await poll();
    assert.deepEqual(remote.lists, []);
    assert.deepEqual(remote.stats.sort(), ['/in', '/in/a', '/in/b']);
    remote.clock = now + 500;
    remote.put('/in/b/z');
    assert.deepEqual(names(await poll()), ['b/y', 'b/z'], 'only b listed again');
    assert.deepEqual(remote.lists, ['/in/b']);
    for (let i = 0; i < 3; i++) await poll();
    assert.equal(cache.keeps('/in/b/z'), true);

    // FTP: a folder's stamp is a line of its parent's listing, so the parent is read for its sub folders only.
    for (let i = 0; i < 2; i++) await poll(rules(), 'ftp');
    assert.deepEqual(remote.lists, ['/in'], 'the parent is read for its sub folders');
    assert.deepEqual(remote.stats, ['/in']);
  });

  it('a removed sub folder is forgotten with the next listing of its parent', async () => {
    remote.mkdir('/in/a');
    remote.put('/in/a/x');
    for (let i = 0; i < 4; i++) await poll();
    remote.clock = now + 500;
    remote.folders.delete('/in/a');
    remote.remove('/in/f0');
    assert.deepEqual(names(await poll()), ['f1', 'f2', 'f3', 'f4']);
    assert.equal(cache.size, 1);
  });

  it('minute precision (FTP LIST): trusted only a minute after the stamp was seen', async () => {
    remote = new FakeRemote(now, 'minute');
    remote.mkdir('/in');
    remote.put('/in/f0');
    let firstSkip = 0;
    for (let i = 1; i <= 70 && firstSkip === 0; i++) if ((await poll(rules(), 'ftp')).length === 0) firstSkip = i;
    assert.ok(firstSkip >= 61, `first poll without a listing: ${firstSkip}`);
  });

  it('stops trusting stamps when a full listing finds other names under the same stamp', async () => {
    for (let i = 0; i < 4; i++) await poll();
    remote.foldersFollow = false;
    remote.put('/in/hidden');
    let found = false;
    for (let i = 0; i < 2 * FULL_EVERY_POLLS && !found; i++) found = names(await poll()).includes('hidden');
    assert.ok(found, 'found by the full listing');
    assert.deepEqual(untrusted, ['/in']);
    for (let i = 0; i < 5; i++) assert.equal((await poll()).length, 6, 'listed at every poll from then on');
  });

  it('never caches remotes whose folder times are not known to follow their entries, or a stamp of time 0', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await poll(rules(), 'file360')).length, 5);
    remote.folders.get('/in')!.mtime = 0;
    remote.foldersFollow = false;
    for (let i = 0; i < 5; i++) assert.equal((await poll()).length, 5);
  });

  it('reads the path back out of a listing key', () => {
    assert.equal(pathOfListingKey('a/b\nc.txt\n12\n1700000000000'), 'a/b\nc.txt');
    assert.equal(pathOfListingKey('in/x.pdf\n0\n5'), 'in/x.pdf');
    assert.equal(pathOfListingKey('id\nid:abc\nhash'), undefined);
  });
});
