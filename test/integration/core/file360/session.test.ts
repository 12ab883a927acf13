/**
 * File 360 folders behind the RemoteSession contract, against the strict simulator: paths resolved by
 * exact name from the user's root, entries with ids as strings, streamed upload with overwrite, a
 * move that keeps the name (and a rename refused), folders made recursively, reads from an offset,
 * and NOT_FOUND where nothing is.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { openFile360Client, File360Session, createFile360Pool, type File360Client } from '../../../../src/core/file360';
import { DEFAULT_PUT_OPTIONS, putFile, listEntries, moveEntry, deleteEntry } from '../../../../src/core/remote/operations';
import { expectCode } from '../../../support/expect-code';
import { call, f360ClientOptions, QUICK_RETRIES, useFile360Sim } from '../../../support/file360-sim';

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('File 360 session (RemoteSession on File 360 folders)', function () {
  const used = useFile360Sim();
  let client: File360Client;
  let session: File360Session;
  let n = 0;
  let top: string;

  before(function () {
    client = openFile360Client(f360ClientOptions(used.sim, QUICK_RETRIES));
  });
  beforeEach(async function () {
    session = new File360Session(client);
    top = `/s${++n}-${Date.now()}`;
    await session.mkdir(top, false);
  });
  afterEach(async function () {
    await session.close();
  });
  after(function () {
    client.close();
  });

  it('mkdir makes missing folders (recursive), an existing one is fine, and list gives folders and documents with ids as strings', async function () {
    await session.mkdir(`${top}/A/B/C`, true);
    await session.mkdir(`${top}/A/B`, true);
    await session.mkdir(`${top}/A/B`, false);
    assert.ok(used.sim.folderAt(`${top}/A/B/C`));
    await expectCode(session.mkdir(`${top}/X/Y`, false), 'NOT_FOUND', /no folder "X"/);
    await used.sim.putFile(`${top}/A`, 'order.csv', 'a,b\n1,2\n');
    const entries = await session.list(`${top}/A`);
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual([...byName.keys()].sort(), ['B', 'order.csv']);
    const doc = byName.get('order.csv')!;
    const sim = used.sim.documentAt(`${top}/A/order.csv`)!;
    assert.equal(doc.type, 'file');
    assert.equal(doc.size, 8);
    assert.equal(doc.path, `${top}/A/order.csv`);
    assert.equal(typeof doc.id, 'string');
    assert.equal(doc.id, sim.id, 'the id is the exact digits (above 2^53)');
    assert.ok(BigInt(doc.id!) > 2n ** 53n);
    assert.equal(doc.mtime.toISOString(), new Date(sim.lastModified).toISOString());
    assert.equal(doc.mtimePrecision, 'second');
    assert.equal(byName.get('B')!.type, 'directory');
  });

  it('names are matched exactly: a folder "inbox" is not "Inbox"', async function () {
    await session.mkdir(`${top}/Inbox`, false);
    await used.sim.putFile(`${top}/Inbox`, 'Report.PDF', 'x');
    assert.equal(await session.stat(`${top}/inbox`), undefined);
    assert.equal(await session.stat(`${top}/Inbox/report.pdf`), undefined);
    assert.equal((await session.stat(`${top}/Inbox/Report.PDF`))?.type, 'file');
    await expectCode(session.list(`${top}/inbox`), 'NOT_FOUND');
  });

  it('write streams an upload; a second write to the name overwrites the same document (same id); read back, also from an offset', async function () {
    const data = randomBytes(300_000);
    await session.mkdir(`${top}/out`, false);
    assert.equal(await session.write(`${top}/out/data.bin`, Readable.from([data.subarray(0, 100_000), data.subarray(100_000)])), data.length);
    const first = used.sim.documentAt(`${top}/out/data.bin`)!;
    assert.equal(first.sha256, sha(data));
    const again = randomBytes(1000);
    assert.equal(await session.write(`${top}/out/data.bin`, Readable.from([again])), 1000);
    const second = used.sim.documentAt(`${top}/out/data.bin`)!;
    assert.equal(second.id, first.id, 'overwrite keeps the document');
    assert.equal(second.sha256, sha(again));
    assert.equal((await session.list(`${top}/out`)).length, 1, 'no "data (1).bin"');
    assert.deepEqual(await readAll(await session.createReadStream(`${top}/out/data.bin`)), again);
    assert.deepEqual(await readAll(await session.createReadStream(`${top}/out/data.bin`, { start: 600 })), again.subarray(600));
    assert.deepEqual(await readAll(await session.createReadStream(`${top}/out/data.bin`, { start: 1000 })), Buffer.alloc(0));
    await expectCode(session.createReadStream(`${top}/out/data.bin`, { start: -1 }), 'INVALID_INPUT');
  });

  it('an upload dropped halfway (past the 8 MiB the client keeps of a plain stream) is sent again whole when the source can be reopened (a Buffer put)', async function () {
    const data = randomBytes(20 * 1024 * 1024 + 3);
    const pool = createFile360Pool(client, { size: 1 });
    try {
      used.sim.setFaults({ dropUploadNext: 1 });
      const put = await putFile(pool, `${top}/retry/big.bin`, data, { ...DEFAULT_PUT_OPTIONS, conflict: 'overwrite' });
      assert.equal(put.bytes, data.length);
      assert.equal(used.sim.documentAt(`${top}/retry/big.bin`)?.sha256, sha(data));
      // The same bytes as a plain stream cannot be sent again once more than the kept 8 MiB went out.
      used.sim.setFaults({ dropUploadNext: 1 });
      const chunks = Array.from({ length: 21 }, (_, i) => data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      await expectCode(session.upload(`${top}/retry/plain.bin`, Readable.from(chunks), { size: data.length }), 'CONNECTION');
      assert.equal(used.sim.documentAt(`${top}/retry/plain.bin`), undefined, 'nothing stored');
    } finally {
      await pool.close();
    }
  });

  it('a read from an offset beyond the first chunks of a big document gives exactly the rest', async function () {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await used.sim.putFile(top, 'big.bin', data);
    const got = await readAll(await session.createReadStream(`${top}/big.bin`, { start: 2 * 1024 * 1024 + 5 }));
    assert.equal(sha(got), sha(data.subarray(2 * 1024 * 1024 + 5)));
  });

  it('write into a folder that is not there is NOT_FOUND; over a folder of that name CONFLICT', async function () {
    await expectCode(session.write(`${top}/missing/x.txt`, Readable.from(['x'])), 'NOT_FOUND');
    await session.mkdir(`${top}/taken`, false);
    await expectCode(session.write(`${top}/taken`, Readable.from(['x'])), 'CONFLICT', /folder named "taken"/);
  });

  it('NOT_FOUND codes: stat undefined, read, delete and move of a missing document', async function () {
    assert.equal(await session.stat(`${top}/nope.txt`), undefined);
    assert.equal(await session.stat(`${top}/nofolder/nope.txt`), undefined);
    await expectCode(session.createReadStream(`${top}/nope.txt`), 'NOT_FOUND');
    await expectCode(session.deleteFile(`${top}/nope.txt`), 'NOT_FOUND');
    await expectCode(session.rename(`${top}/nope.txt`, `${top}/sub/nope.txt`), 'NOT_FOUND');
    await expectCode(session.list(`${top}/nofolder`), 'NOT_FOUND');
  });

  it('rename moves a document between folders keeping its name (same id); a change of name is INVALID_INPUT saying why', async function () {
    await session.mkdir(`${top}/in`, false);
    await session.mkdir(`${top}/archive/2026`, true);
    const doc = await used.sim.putFile(`${top}/in`, 'inv.pdf', 'pdf');
    await session.rename(`${top}/in/inv.pdf`, `${top}/archive/2026/inv.pdf`);
    assert.equal(used.sim.documentAt(`${top}/in/inv.pdf`), undefined);
    assert.equal(used.sim.documentAt(`${top}/archive/2026/inv.pdf`)?.id, doc.id);
    await expectCode(
      session.rename(`${top}/archive/2026/inv.pdf`, `${top}/archive/2026/inv-done.pdf`),
      'INVALID_INPUT',
      /only moves documents between folders, keeping the name/,
    );
    assert.ok(used.sim.documentAt(`${top}/archive/2026/inv.pdf`), 'nothing changed');
    await expectCode(session.rename(`${top}/archive/2026/inv.pdf`, `${top}/nowhere/inv.pdf`), 'NOT_FOUND');
  });

  it('a name collision on a move: CONFLICT, or with overwrite the other document goes and ours takes its place', async function () {
    await session.mkdir(`${top}/a`, false);
    await session.mkdir(`${top}/b`, false);
    const mine = await used.sim.putFile(`${top}/a`, 'x.csv', 'mine');
    await used.sim.putFile(`${top}/b`, 'x.csv', 'theirs');
    await expectCode(session.rename(`${top}/a/x.csv`, `${top}/b/x.csv`), 'CONFLICT', /already has a document/);
    assert.equal(used.sim.documentAt(`${top}/b/x.csv`)?.sha256, sha('theirs'));
    await session.rename(`${top}/a/x.csv`, `${top}/b/x.csv`, true);
    assert.equal(used.sim.documentAt(`${top}/b/x.csv`)?.id, mine.id);
    assert.equal(used.sim.documentAt(`${top}/a/x.csv`), undefined);
    assert.equal(used.sim.state().documents.filter((d) => d.path === `${top}/b/x.csv`).length, 1);
  });

  it('deleteFile sends the document to the trash; removeDir removes an empty folder only', async function () {
    await session.mkdir(`${top}/d/e`, true);
    await used.sim.putFile(`${top}/d`, 'gone.txt', 'x');
    await session.deleteFile(`${top}/d/gone.txt`);
    assert.equal(used.sim.documentAt(`${top}/d/gone.txt`), undefined);
    assert.ok(used.sim.state().trash.some((t) => t.name === 'gone.txt'));
    await expectCode(session.removeDir(`${top}/d`), 'CONFLICT', /not empty/);
    await session.removeDir(`${top}/d/e`);
    assert.equal(used.sim.folderAt(`${top}/d/e`), undefined);
    await expectCode(session.removeDir('/'), 'INVALID_INPUT');
  });

  it('a folder deleted and made again by someone else is found anew (the cached id is dropped on NOT_FOUND)', async function () {
    await session.mkdir(`${top}/cache/inner`, true);
    await session.write(`${top}/cache/inner/one.txt`, Readable.from(['1']));
    const old = used.sim.folderAt(`${top}/cache`)!;
    // Someone deletes the folder and makes a new one of the same name through the API.
    assert.equal((await call(used.sim, 'PUT', `/api/v1/folders/${old.id}`, { token: used.token, json: { state: 'deleted' } })).status < 300, true);
    await used.sim.putFile(`${top}`, 'marker.txt', 'm');
    const made = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'cache', parentId: used.sim.folderAt(top)!.id } });
    const made2 = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'inner', parentId: (made.json as { id: string }).id } });
    assert.equal(made2.status, 201);
    await session.write(`${top}/cache/inner/two.txt`, Readable.from(['2']));
    assert.ok(used.sim.documentAt(`${top}/cache/inner/two.txt`));
    assert.deepEqual(
      (await session.list(`${top}/cache/inner`)).map((e) => e.name),
      ['two.txt'],
    );
  });

  it('a document moved in by someone else shows in the listing with its id and time', async function () {
    await session.mkdir(`${top}/watched`, false);
    await session.mkdir(`${top}/elsewhere`, false);
    const doc = await used.sim.putFile(`${top}/elsewhere`, 'moved.csv', 'm,1\n');
    assert.deepEqual(await session.list(`${top}/watched`), []);
    const moved = await call(used.sim, 'PUT', `/api/v1/documents/${doc.id}`, {
      token: used.token,
      json: { parentId: used.sim.folderAt(`${top}/watched`)!.id },
    });
    assert.ok(moved.status < 300, moved.text);
    const [entry] = await session.list(`${top}/watched`);
    assert.equal(entry.name, 'moved.csv');
    assert.equal(entry.id, doc.id);
    assert.equal(entry.size, 4);
  });

  it('ping is a real round trip to the service', async function () {
    await session.ping();
    const before = used.sim.stats().requests;
    await session.ping();
    assert.ok(used.sim.stats().requests > before, 'ping called the service');
  });

  it('the operations (put, list, move, delete) work through a pool of File 360 sessions over one client', async function () {
    const pool = createFile360Pool(client, { size: 2 });
    try {
      const put = await putFile(pool, `${top}/pool/hello.txt`, Readable.from(['hello']), { ...DEFAULT_PUT_OPTIONS, conflict: 'fail' });
      assert.equal(put.path, `${top}/pool/hello.txt`);
      assert.equal(used.sim.documentAt(`${top}/pool/hello.txt`)?.sha256, sha('hello'));
      await expectCode(putFile(pool, `${top}/pool/hello.txt`, Readable.from(['x']), { ...DEFAULT_PUT_OPTIONS, conflict: 'fail' }), 'CONFLICT');
      assert.deepEqual(
        (await listEntries(pool, `${top}/pool`)).map((e) => e.name),
        ['hello.txt'],
      );
      await moveEntry(pool, `${top}/pool/hello.txt`, `${top}/pool/done/hello.txt`, { overwrite: false, createFolders: true });
      assert.ok(used.sim.documentAt(`${top}/pool/done/hello.txt`));
      await deleteEntry(pool, `${top}/pool/done/hello.txt`, { missingOk: false, folder: false });
      assert.equal(used.sim.documentAt(`${top}/pool/done/hello.txt`), undefined);
      assert.ok(!used.sim.state().documents.some((d) => d.path.startsWith(`${top}/pool/`) && d.name.startsWith('.')), 'no temporary names');
    } finally {
      await pool.close();
    }
  });
});
