import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { startDropboxSim, type DropboxSim } from '../../../../dev/sim/dropbox';
import { contentHashOf } from '../../../../src/core/dropbox/content-hash';
import { openDropboxSession, type DropboxSession } from '../../../../src/core/dropbox/session';
import { createPool } from '../../../../src/core/remote/connect';
import { DEFAULT_PUT_OPTIONS, putFile } from '../../../../src/core/remote/operations';
import { DEFAULT_TIMEOUTS } from '../../../../src/core/remote/server-options';
import { expectCode } from '../../../support/expect-code';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('DropboxSession against the Dropbox simulator: every RemoteSession operation', function () {
  this.timeout(120_000);
  let sim: DropboxSim;
  let session: DropboxSession;
  const base = `/t-${Date.now()}`;

  before(async () => {
    sim = await startDropboxSim({ port: 0 });
    session = await openDropboxSession({ appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url, chunkSize: 4 * 1024 * 1024 });
  });
  after(async () => {
    await session?.close();
    await sim?.stop();
  });
  /** The simulator's entry at a path below the test folder (as stored). */
  const dbx = (below: string): unknown => sim.entry(`${base}${below}`);
  /** The stored names right below a lower-case stored folder path. */
  const dbxNames = (folderLower: string): string[] => {
    const ns = sim.state().namespaces.find((n) => n.kind === 'home');
    return (ns?.entries ?? [])
      .filter((e) => e.path_lower.slice(0, e.path_lower.lastIndexOf('/')) === folderLower)
      .map((e) => e.path_display.slice(e.path_display.lastIndexOf('/') + 1));
  };

  it('writes, stats, lists and reads back a small file (files/upload), with id, rev and content_hash', async () => {
    const data = Buffer.from('hello dropbox\n');
    assert.equal(await session.write(`${base}/a/hello.txt`, Readable.from([data])), data.length);
    const st = await session.stat(`${base}/a/hello.txt`);
    assert.ok(st);
    assert.equal(st.type, 'file');
    assert.equal(st.size, data.length);
    assert.match(st.id ?? '', /^id:/);
    assert.ok(st.rev);
    assert.equal(st.contentHash, contentHashOf(data));
    assert.equal(st.mtimePrecision, 'second');
    assert.ok(Math.abs(st.mtime.getTime() - Date.now()) < 120_000);
    const listed = await session.list(`${base}/a`);
    assert.deepEqual(
      listed.map((e) => [e.name, e.path, e.type, e.size]),
      [['hello.txt', `${base}/a/hello.txt`, 'file', data.length]],
    );
    assert.ok((await readAll(await session.createReadStream(`${base}/a/hello.txt`))).equals(data));
    assert.equal((await readAll(await session.createReadStream(`${base}/a/hello.txt`, { start: 6 }))).toString(), 'dropbox\n');
  });

  it('writes a file of unknown size through an upload session (several 4 MiB chunks) and reads it back', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 123);
    const before = { ...sim.stats().byRoute };
    const pieces = function* (): Generator<Buffer> {
      for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
    };
    assert.equal(await session.write(`${base}/big/nine.bin`, Readable.from(pieces())), data.length);
    const routes = sim.stats().byRoute;
    const used = (route: string): number => (routes[route] ?? 0) - (before[route] ?? 0);
    assert.deepEqual(
      [used('files/upload_session/start'), used('files/upload_session/append_v2'), used('files/upload_session/finish'), used('files/upload')],
      [1, 1, 1, 0],
    );
    const st = await session.stat(`${base}/big/nine.bin`);
    assert.equal(st?.contentHash, contentHashOf(data));
    const back = await readAll(await session.createReadStream(`${base}/big/nine.bin`));
    assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(data).digest('hex'));
    const tail = await readAll(await session.createReadStream(`${base}/big/nine.bin`, { start: 5 * 1024 * 1024 }));
    assert.ok(tail.equals(data.subarray(5 * 1024 * 1024)));
  });

  it('overwrites an existing file (new rev, new content), and writes an empty file', async () => {
    await session.write(`${base}/o.txt`, Readable.from([Buffer.from('one')]));
    const first = await session.stat(`${base}/o.txt`);
    await session.write(`${base}/o.txt`, Readable.from([Buffer.from('two!')]));
    const second = await session.stat(`${base}/o.txt`);
    assert.equal(second?.size, 4);
    assert.notEqual(second?.rev, first?.rev);
    assert.equal(second?.id, first?.id);
    assert.equal(await session.write(`${base}/empty.txt`, Readable.from([])), 0);
    assert.equal((await session.stat(`${base}/empty.txt`))?.size, 0);
    assert.equal((await readAll(await session.createReadStream(`${base}/empty.txt`))).length, 0);
  });

  it('names with non-ASCII characters, emoji and differing case', async () => {
    const names = ['Ünïcödé – 日本語.pdf', 'emoji 😀🚀.txt', 'Quote "q" & percent %20.txt'];
    for (const name of names) await session.write(`${base}/names/${name}`, Readable.from([Buffer.from(name)]));
    const listed = (await session.list(`${base}/names`)).map((e) => e.name).sort();
    assert.deepEqual(listed, [...names].sort());
    for (const name of names) assert.equal((await readAll(await session.createReadStream(`${base}/names/${name}`))).toString(), name);
    // Dropbox paths are case-insensitive and keep the case they were created with.
    const upper = await session.stat(`${base}/NAMES/ÜNÏCÖDÉ – 日本語.PDF`.replace('ÜNÏCÖDÉ', 'ünïcödé'));
    assert.equal(upper?.type, 'file');
    const mixed = await session.stat(`${base.toUpperCase()}/Names/EMOJI 😀🚀.TXT`);
    assert.equal(mixed?.name, 'emoji 😀🚀.txt');
    // A case-only rename is a rename, not a conflict with itself.
    await session.rename(`${base}/names/emoji 😀🚀.txt`, `${base}/names/EMOJI 😀🚀.txt`);
    assert.ok((await session.list(`${base}/names`)).some((e) => e.name === 'EMOJI 😀🚀.txt'));
  });

  it("names Dropbox cannot take (backslash, DEL, a trailing space) are stored under rclone's stand-ins on every write path and read back as they were", async () => {
    const dir = `${base}/mapped `; // a folder whose name ends with a space
    const names = ['x\\y .txt', 'Hero ', 'del\u007F.txt', 'x\uFF3Cy.txt'];
    for (const name of names) await session.write(`${dir}/${name}`, Readable.from([Buffer.from(name)]));
    // Stored under the mapped names (the simulator, like Dropbox, refuses a name ending with a space).
    const stored = dbxNames(`${base}/mapped\u2420`.toLowerCase());
    assert.deepEqual(stored.sort(), ['x\uFF3Cy .txt', 'Hero\u2420', 'del\u2421.txt', 'x\u201B\uFF3Cy.txt'].sort());
    // Listed, looked up, read, followed (list_folder cursors) as the product named them.
    assert.deepEqual((await session.list(dir)).map((e) => [e.name, e.path]).sort(), names.map((n) => [n, `${dir}/${n}`]).sort());
    for (const name of names) {
      assert.equal((await session.stat(`${dir}/${name}`))?.name, name);
      assert.equal((await readAll(await session.createReadStream(`${dir}/${name}`))).toString(), name);
    }
    const changes = await session.changes(dir, undefined, { recursive: true });
    assert.deepEqual(changes.entries.map((e) => e.path).sort(), names.map((n) => `${dir}/${n}`).sort());
    // A move to a mapped name and a folder of a mapped name.
    await session.rename(`${dir}/Hero `, `${dir}/sub\\dir /Villain `);
    assert.ok(dbx('/mapped\u2420/sub\uFF3Cdir\u2420/villain\u2420'), 'moved under the mapped names');
    await session.mkdir(`${dir}/new\\folder `, true);
    assert.equal((await session.stat(`${dir}/new\\folder `))?.type, 'directory');
    assert.deepEqual(
      (await session.list(`${dir}/sub\\dir `)).map((e) => e.name),
      ['Villain '],
    );
  });

  it('a name Dropbox refuses whatever its characters (desktop.ini, Thumbs.db, .DS_Store) is INVALID_INPUT naming the file, before any byte is sent', async () => {
    const uploads = (): number =>
      Object.entries(sim.stats().byRoute)
        .filter(([route]) => route.startsWith('files/upload'))
        .reduce((n, [, c]) => n + c, 0);
    const before = uploads();
    for (const name of ['desktop.ini', 'Thumbs.db', '.DS_Store']) {
      await expectCode(
        session.write(`${base}/refused/${name}`, Readable.from([Buffer.from('x')])),
        'INVALID_INPUT',
        new RegExp(`Cannot write .*${name.replace('.', '\\.')}.* to Dropbox: Dropbox does not store files or folders named`),
      );
    }
    assert.equal(uploads(), before, 'no upload request was made');
    await session.write(`${base}/refused/ok.txt`, Readable.from([Buffer.from('x')]));
    await expectCode(session.rename(`${base}/refused/ok.txt`, `${base}/refused/desktop.ini`), 'INVALID_INPUT', /disallowed_name/);
    await expectCode(session.mkdir(`${base}/refused/.dropbox`, true), 'INVALID_INPUT', /disallowed_name/);
    assert.ok(await session.stat(`${base}/refused/ok.txt`), 'the refused move left the file where it was');
  });

  it('rename: CONFLICT when the target exists unless overwrite; NOT_FOUND when the source is missing', async () => {
    await session.write(`${base}/r/a.txt`, Readable.from([Buffer.from('A')]));
    await session.write(`${base}/r/b.txt`, Readable.from([Buffer.from('B')]));
    await expectCode(session.rename(`${base}/r/a.txt`, `${base}/r/b.txt`), 'CONFLICT');
    assert.equal((await readAll(await session.createReadStream(`${base}/r/b.txt`))).toString(), 'B');
    await session.rename(`${base}/r/a.txt`, `${base}/r/b.txt`, true);
    assert.equal((await readAll(await session.createReadStream(`${base}/r/b.txt`))).toString(), 'A');
    assert.equal(await session.stat(`${base}/r/a.txt`), undefined);
    await session.rename(`${base}/r/b.txt`, `${base}/r/sub/deeper/c.txt`);
    assert.equal((await session.stat(`${base}/r/sub/deeper/c.txt`))?.size, 1);
    await expectCode(session.rename(`${base}/r/missing.txt`, `${base}/r/x.txt`), 'NOT_FOUND');
  });

  it('mkdir (existing folder fine, a file in the way CONFLICT), removeDir only when empty, deleteFile only files', async () => {
    await session.mkdir(`${base}/m/x/y`, true);
    await session.mkdir(`${base}/m/x/y`, true);
    assert.equal((await session.stat(`${base}/m/x/y`))?.type, 'directory');
    await session.write(`${base}/m/file.txt`, Readable.from([Buffer.from('f')]));
    await expectCode(session.mkdir(`${base}/m/file.txt`, false), 'CONFLICT');
    await expectCode(session.removeDir(`${base}/m/x`), 'CONFLICT');
    assert.equal((await session.stat(`${base}/m/x/y`))?.type, 'directory');
    await expectCode(session.deleteFile(`${base}/m/x`), 'INVALID_INPUT');
    await session.removeDir(`${base}/m/x/y`);
    await session.removeDir(`${base}/m/x`);
    assert.equal(await session.stat(`${base}/m/x`), undefined);
    await session.deleteFile(`${base}/m/file.txt`);
    assert.equal(await session.stat(`${base}/m/file.txt`), undefined);
    await expectCode(session.deleteFile(`${base}/m/file.txt`), 'NOT_FOUND');
  });

  it('stat of nothing is undefined; reading or listing nothing is NOT_FOUND; setModifiedTime says it cannot', async () => {
    assert.equal(await session.stat(`${base}/nope.txt`), undefined);
    await expectCode(session.createReadStream(`${base}/nope.txt`), 'NOT_FOUND');
    await expectCode(session.list(`${base}/nope`), 'NOT_FOUND');
    await session.write(`${base}/t.txt`, Readable.from([Buffer.from('t')]));
    assert.equal(await session.setModifiedTime(`${base}/t.txt`, new Date(0)), false);
    await session.ping();
    assert.equal((await session.stat('/'))?.type, 'directory');
  });

  it('a put with "atomic" writes under the real name (Dropbox commits whole): a republished file keeps its id, no temporary file, no move', async () => {
    const pool = createPool({
      protocol: 'dropbox',
      host: '',
      port: 0,
      username: '',
      ...DEFAULT_TIMEOUTS,
      dropbox: { appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url },
    });
    try {
      const path = `${base}/publish/report.pdf`;
      const put = (text: string) => putFile(pool, path, Buffer.from(text), { ...DEFAULT_PUT_OPTIONS, conflict: 'overwrite', atomic: true });
      const moves = (): number => sim.stats().byRoute['files/move_v2'] ?? 0;
      const movesBefore = moves();
      await put('version 1');
      const first = await session.stat(path);
      await put('version 2, longer');
      const second = await session.stat(path);
      assert.ok(first?.id && second?.id);
      assert.equal(second.id, first.id, 'the replaced file keeps its Dropbox id (shared links and history stay)');
      assert.notEqual(second.rev, first.rev);
      assert.equal(second.contentHash, contentHashOf(Buffer.from('version 2, longer')));
      assert.equal(moves(), movesBefore, 'no rename from a temporary name');
      assert.deepEqual(
        (await session.list(`${base}/publish`)).map((e) => e.name),
        ['report.pdf'],
      );
    } finally {
      await pool.close();
    }
  });

  it('lists a folder of more entries than one page (list_folder/continue)', async () => {
    const dir = `${base}/many`;
    const count = 2_150;
    const pool = createPool(
      {
        protocol: 'dropbox',
        host: '',
        port: 0,
        username: '',
        ...DEFAULT_TIMEOUTS,
        dropbox: { appKey: sim.appKey, refreshToken: sim.refreshToken, serviceUrl: sim.url },
      },
      { size: 8 },
    );
    try {
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < count) {
            const i = next++;
            const lease = await pool.acquire();
            try {
              await lease.session.write(`${dir}/f${String(i).padStart(5, '0')}.txt`, Readable.from([Buffer.from(String(i))]));
            } finally {
              lease.release();
            }
          }
        }),
      );
    } finally {
      await pool.close();
    }
    const continued = sim.stats().byRoute['files/list_folder/continue'] ?? 0;
    const listed = await session.list(dir);
    assert.ok((sim.stats().byRoute['files/list_folder/continue'] ?? 0) > continued, 'the listing went on with list_folder/continue');
    assert.equal(listed.length, count);
    assert.equal(new Set(listed.map((e) => e.name)).size, count);
  });
});
