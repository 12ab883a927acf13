import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, chown, readdir, stat, writeFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { FileBridgeError } from '../../../../src/core/errors';
import { createPool } from '../../../../src/core/remote/connect';
import {
  deleteEntry,
  listEntries,
  makeFolder,
  moveEntry,
  openFile,
  openStream,
  putFile,
  readFileToBuffer,
  statEntry,
  DEFAULT_PUT_OPTIONS,
  PutOptions,
} from '../../../../src/core/remote/operations';
import { SessionPool } from '../../../../src/core/remote/session-pool';
import type { Protocol, RemoteSession } from '../../../../src/core/remote/types';
import { servers } from '../../../support/dev-servers';
import { expectCode } from '../../../support/expect-code';
import { retainedArrayBuffers } from '../../../support/memory';
import { PROTOCOLS, optionsFor, serverFor } from '../../../support/server-options';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256OfStream(stream: Readable): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  await pipeline(
    stream,
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb();
      },
    }),
  );
  return { hash: hash.digest('hex'), bytes };
}

const MiB = 1024 * 1024;

const put = (overrides: Partial<PutOptions> = {}): PutOptions => ({ ...DEFAULT_PUT_OPTIONS, ...overrides });

async function ownedByTestUser(localPath: string): Promise<void> {
  const home = await stat(servers().root);
  await chown(localPath, home.uid, home.gid);
}

for (const protocol of PROTOCOLS) {
  describe(`remote operations over ${protocol} (real server)`, function () {
    let pool: SessionPool<RemoteSession>;
    const dir = `ops-${protocol}`;
    const s = () => servers();

    before(async () => {
      await s().startAll();
      await s().remove(dir);
      await s().mkdirp(dir);
      pool = createPool(optionsFor(protocol), { size: 2, connectRetries: 1, backoffBaseMs: 50 });
    });

    after(async () => {
      await pool.close();
    });

    it('puts a Buffer atomically and reads it back byte for byte', async () => {
      const data = randomBytes(300_001);
      const result = await putFile(pool, `${dir}/a.bin`, data, put());
      assert.deepEqual(
        { path: result.path, bytes: result.bytes, skipped: result.skipped, renamed: result.renamed },
        { path: `${dir}/a.bin`, bytes: data.length, skipped: false, renamed: false },
      );
      assert.equal(sha256(await s().readFile(`${dir}/a.bin`)), sha256(data));
      const leftovers = (await readdir(s().localPath(dir))).filter((n) => n.endsWith('.part'));
      assert.deepEqual(leftovers, [], 'no temporary file may remain');
      const { data: back, entry } = await readFileToBuffer(pool, `${dir}/a.bin`, 1_000_000);
      assert.equal(sha256(back), sha256(data));
      assert.equal(entry.size, data.length);
    });

    it('round-trips random binary data through put-stream and get-stream (odd sizes, empty file)', async () => {
      for (const size of [0, 1, 65_537, 3 * 1024 * 1024 + 13]) {
        const data = randomBytes(size);
        const chunks = [data.subarray(0, Math.floor(size / 3)), data.subarray(Math.floor(size / 3))];
        await putFile(pool, `${dir}/rt-${size}.bin`, Readable.from(chunks), put());
        assert.equal(sha256(await s().readFile(`${dir}/rt-${size}.bin`)), sha256(data), `stored bytes differ for ${size}`);
        const { stream, entry } = await openFile(pool, `${dir}/rt-${size}.bin`);
        assert.equal(entry.size, size);
        const got = await sha256OfStream(stream);
        assert.equal(got.bytes, size);
        assert.equal(got.hash, sha256(data), `read bytes differ for ${size}`);
      }
    });

    it("keeps the source's modification time on the written file (temporary name, renamed into place)", async () => {
      const mtime = new Date('2025-03-04T05:06:07.890Z');
      const kept = await putFile(pool, `${dir}/kept time.pdf`, Readable.from([randomBytes(5_000)]), put({ mtime }));
      assert.equal(kept.mtime, '2025-03-04T05:06:07.000Z');
      assert.equal((await stat(s().localPath(`${dir}/kept time.pdf`))).mtime.toISOString(), '2025-03-04T05:06:07.000Z');
      const unticked = await putFile(pool, `${dir}/upload time.pdf`, randomBytes(10), put({ mtime, keepMtime: false }));
      assert.equal(unticked.mtime, undefined);
      assert.ok(Date.now() - (await stat(s().localPath(`${dir}/upload time.pdf`))).mtime.getTime() < 600_000, 'the upload keeps its own time');
    });

    it('reads from a start offset', async () => {
      const data = randomBytes(100_000);
      await s().writeFile(`${dir}/offset.bin`, data);
      const { stream } = await openFile(pool, `${dir}/offset.bin`, 12_345);
      assert.equal((await sha256OfStream(stream)).hash, sha256(data.subarray(12_345)));
    });

    it('holds memory flat while the consumer of a get-stream does not read', async () => {
      const size = 32 * MiB;
      const data = randomBytes(size);
      await s().writeFile(`${dir}/paused.bin`, data);
      const expected = sha256(data);
      // A session is open before the baseline, so its own buffers are not counted as the stream's.
      await statEntry(pool, `${dir}/paused.bin`);
      const baseline = await retainedArrayBuffers();
      const { stream } = await openFile(pool, `${dir}/paused.bin`);
      const hash = createHash('sha256');
      let bytes = 0;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.once('data', (chunk: Buffer) => {
          stream.pause();
          stream.off('error', reject);
          hash.update(chunk);
          bytes += chunk.length;
          resolve();
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const early = (await retainedArrayBuffers()) - baseline;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const held = (await retainedArrayBuffers()) - baseline;
      // SFTP keeps its read budget (4 MiB) plus a 1 MiB high-water mark; FTP only the stream
      // buffers between data socket and consumer, the rest waits in TCP.
      const bound = protocol === 'sftp' ? 7 * MiB : 2 * MiB;
      assert.ok(held < bound, `${held} bytes of buffers held while the consumer was paused`);
      assert.ok(held - early < MiB / 2, `buffers grew from ${early} to ${held} bytes while the consumer was paused`);
      stream.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      stream.resume();
      await finished(stream);
      assert.equal(bytes, size);
      assert.equal(hash.digest('hex'), expected);
    });

    it('applies the conflict policies: fail, skip, rename, overwrite', async () => {
      await s().writeFile(`${dir}/c.txt`, 'original');
      await expectCode(putFile(pool, `${dir}/c.txt`, 'new', put({ conflict: 'fail' })), 'CONFLICT', /already exists/);
      assert.equal((await s().readFile(`${dir}/c.txt`)).toString(), 'original');
      const skipped = await putFile(pool, `${dir}/c.txt`, 'new', put({ conflict: 'skip' }));
      assert.equal(skipped.skipped, true);
      assert.equal((await s().readFile(`${dir}/c.txt`)).toString(), 'original');
      const renamed = await putFile(pool, `${dir}/c.txt`, 'second', put({ conflict: 'rename' }));
      assert.deepEqual([renamed.path, renamed.renamed], [`${dir}/c_1.txt`, true]);
      const renamedAgain = await putFile(pool, `${dir}/c.txt`, 'third', put({ conflict: 'rename' }));
      assert.equal(renamedAgain.path, `${dir}/c_2.txt`);
      assert.equal((await s().readFile(`${dir}/c_2.txt`)).toString(), 'third');
      await putFile(pool, `${dir}/c.txt`, 'replaced', put({ conflict: 'overwrite' }));
      assert.equal((await s().readFile(`${dir}/c.txt`)).toString(), 'replaced');
    });

    it('a stream source refused by the conflict policy is released, not left hanging', async () => {
      await s().writeFile(`${dir}/busy.txt`, 'x');
      const source = Readable.from([Buffer.from('payload')]);
      await expectCode(putFile(pool, `${dir}/busy.txt`, source, put({ conflict: 'fail' })), 'CONFLICT');
      assert.equal(source.destroyed, true);
    });

    it('creates missing folders, or refuses with NOT_FOUND when told not to', async () => {
      await putFile(pool, `${dir}/deep/er/x.txt`, 'x', put());
      assert.equal((await s().readFile(`${dir}/deep/er/x.txt`)).toString(), 'x');
      await expectCode(putFile(pool, `${dir}/nowhere/x.txt`, 'x', put({ createFolders: false })), 'NOT_FOUND', /create missing folders/);
    });

    it('writes a done file after the data file, and can write without the temporary name', async () => {
      const result = await putFile(pool, `${dir}/d.csv`, 'a;b\n', put({ doneSuffix: '.done', atomic: false }));
      assert.equal(result.donePath, `${dir}/d.csv.done`);
      assert.equal((await s().readFile(`${dir}/d.csv.done`)).length, 0);
      assert.equal((await s().readFile(`${dir}/d.csv`)).toString(), 'a;b\n');
    });

    it('lists with glob, recursion, depth limit, folders and dot files', async () => {
      const base = `${dir}/tree`;
      await s().writeFile(`${base}/a.pdf`, 'a');
      await s().writeFile(`${base}/b.xml`, 'bb');
      await s().writeFile(`${base}/.hidden.pdf`, 'h');
      await s().writeFile(`${base}/sub/c.pdf`, 'ccc');
      await s().writeFile(`${base}/sub/deeper/d.pdf`, 'dddd');
      const flat = await listEntries(pool, base);
      assert.deepEqual(
        flat.map((e) => e.name),
        ['a.pdf', 'b.xml'],
      );
      const pdfs = await listEntries(pool, base, { glob: '**/*.pdf', recursive: true });
      assert.deepEqual(
        pdfs.map((e) => e.relativePath),
        ['a.pdf', 'sub/c.pdf', 'sub/deeper/d.pdf'],
      );
      assert.deepEqual(
        pdfs.map((e) => e.size),
        [1, 3, 4],
      );
      assert.ok(pdfs.every((e) => e.type === 'file' && e.mtime instanceof Date && Math.abs(e.mtime.getTime() - Date.now()) < 48 * 3600_000));
      const shallow = await listEntries(pool, base, { glob: '**/*.pdf', recursive: true, maxDepth: 1 });
      assert.deepEqual(
        shallow.map((e) => e.relativePath),
        ['a.pdf', 'sub/c.pdf'],
      );
      const withFolders = await listEntries(pool, base, { includeFolders: true, includeDotFiles: true });
      assert.deepEqual(
        withFolders.map((e) => `${e.name}:${e.type}`),
        ['.hidden.pdf:file', 'a.pdf:file', 'b.xml:file', 'sub:directory'],
      );
      await expectCode(listEntries(pool, `${dir}/no-such-folder`), 'NOT_FOUND');
    });

    it('stats files, folders and missing paths', async () => {
      await s().writeFile(`${dir}/st/f.txt`, '12345');
      const file = await statEntry(pool, `${dir}/st/f.txt`);
      assert.equal(file?.type, 'file');
      assert.equal(file?.size, 5);
      assert.equal((await statEntry(pool, `${dir}/st`))?.type, 'directory');
      assert.equal(await statEntry(pool, `${dir}/st/missing.txt`), undefined);
    });

    it('moves and renames, creating the target folder, refusing to overwrite unless told to', async () => {
      await s().writeFile(`${dir}/mv/one.txt`, 'one');
      await s().writeFile(`${dir}/mv/two.txt`, 'two');
      await moveEntry(pool, `${dir}/mv/one.txt`, `${dir}/mv/archive/2026/one.txt`, { overwrite: false, createFolders: true });
      assert.equal(await s().exists(`${dir}/mv/one.txt`), false);
      assert.equal((await s().readFile(`${dir}/mv/archive/2026/one.txt`)).toString(), 'one');
      await s().writeFile(`${dir}/mv/three.txt`, 'three');
      await expectCode(moveEntry(pool, `${dir}/mv/three.txt`, `${dir}/mv/two.txt`, { overwrite: false, createFolders: true }), 'CONFLICT');
      assert.equal((await s().readFile(`${dir}/mv/two.txt`)).toString(), 'two');
      await moveEntry(pool, `${dir}/mv/three.txt`, `${dir}/mv/two.txt`, { overwrite: true, createFolders: true });
      assert.equal((await s().readFile(`${dir}/mv/two.txt`)).toString(), 'three');
      await expectCode(moveEntry(pool, `${dir}/mv/gone.txt`, `${dir}/mv/x.txt`, { overwrite: false, createFolders: true }), 'NOT_FOUND');
    });

    it('deletes files and, only when asked, empty folders', async () => {
      await s().writeFile(`${dir}/del/f.txt`, 'f');
      assert.deepEqual(await deleteEntry(pool, `${dir}/del/f.txt`, { missingOk: false, folder: false }), { path: `${dir}/del/f.txt`, deleted: true });
      assert.equal(await s().exists(`${dir}/del/f.txt`), false);
      await expectCode(deleteEntry(pool, `${dir}/del/f.txt`, { missingOk: false, folder: false }), 'NOT_FOUND');
      assert.deepEqual(await deleteEntry(pool, `${dir}/del/f.txt`, { missingOk: true, folder: false }), { path: `${dir}/del/f.txt`, deleted: false });
      await expectCode(deleteEntry(pool, `${dir}/del`, { missingOk: false, folder: false }), 'INVALID_INPUT');
      await deleteEntry(pool, `${dir}/del`, { missingOk: false, folder: true });
      assert.equal(await s().exists(`${dir}/del`), false);
    });

    it('mkdir is recursive, accepts an existing folder, refuses a file in the way', async () => {
      await makeFolder(pool, `${dir}/mk/a/b/c`);
      assert.equal((await stat(s().localPath(`${dir}/mk/a/b/c`))).isDirectory(), true);
      await makeFolder(pool, `${dir}/mk/a/b/c`);
      await s().writeFile(`${dir}/mk/file`, 'x');
      await expectCode(makeFolder(pool, `${dir}/mk/file/sub`), 'CONFLICT');
    });

    it('reports NOT_FOUND for a missing file and PERMISSION_DENIED for an unreadable one', async () => {
      await expectCode(openFile(pool, `${dir}/missing.bin`), 'NOT_FOUND');
      const secret = s().localPath(`${dir}/secret.bin`);
      await writeFile(secret, 'top secret');
      await chown(secret, 0, 0);
      await chmod(secret, 0o600);
      await expectCode(readFileToBuffer(pool, `${dir}/secret.bin`, 1000), 'PERMISSION_DENIED');
    });

    it('openStream reads the bytes, refuses a missing file and a folder, and over SFTP sends no stat first', async () => {
      const data = randomBytes(20_480);
      await s().writeFile(`${dir}/small.bin`, data);
      await s().mkdirp(`${dir}/a folder`);
      const one = createPool(optionsFor(protocol), { size: 1, connectRetries: 1, backoffBaseMs: 50 });
      try {
        let stats = 0;
        const lease = await one.acquire();
        const session = lease.session;
        const stat = session.stat.bind(session);
        session.stat = (path) => (stats++, stat(path));
        lease.release(false);
        const got = await sha256OfStream(await openStream(one, `${dir}/small.bin`));
        assert.deepEqual([got.bytes, got.hash], [data.length, sha256(data)]);
        assert.equal(stats, protocol === 'sftp' ? 0 : 1, 'SFTP checks the file with the open and fstat it sends anyway');
        await expectCode(openStream(one, `${dir}/missing.bin`), 'NOT_FOUND');
        await expectCode(openStream(one, `${dir}/a folder`), 'INVALID_INPUT');
        const again = await sha256OfStream(await openStream(one, `${dir}/small.bin`, 480));
        assert.equal(again.hash, sha256(data.subarray(480)), 'the pool slot was given back and the offset is kept');
      } finally {
        await one.close();
      }
    });

    it('refuses the Buffer output above its limit, before reading the file', async () => {
      await s().writeFile(`${dir}/big-for-buffer.bin`, randomBytes(2048));
      await expectCode(readFileToBuffer(pool, `${dir}/big-for-buffer.bin`, 1024), 'INVALID_INPUT', /stream output/);
    });

    it('survives the server going away mid-transfer: CONNECTION, then the next request succeeds', async function () {
      this.timeout(120_000);
      const local = s().localPath(`${dir}/interrupted.bin`);
      await pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < 64; i++) yield randomBytes(1024 * 1024);
          })(),
        ),
        createWriteStream(local),
      );
      await ownedByTestUser(local);
      const { stream } = await openFile(pool, `${dir}/interrupted.bin`);
      let seen = 0;
      // Settled into a value at once: the failure arrives while the test is still stopping the server.
      const consumed = sha256OfStream(
        stream.on('data', (c: Buffer) => {
          seen += c.length;
        }),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      // Slow the reader so the transfer is surely still running when the server dies.
      stream.pause();
      await new Promise((r) => setTimeout(r, 100));
      await serverFor(protocol).stop();
      stream.resume();
      const err = await consumed;
      try {
        assert.ok(err instanceof FileBridgeError, `expected the stream to fail, it delivered ${seen} bytes: ${String(err)}`);
        assert.ok(err.code === 'CONNECTION' || err.code === 'TIMEOUT', `got ${err.code}: ${err.message}`);
        assert.ok(seen < 64 * 1024 * 1024);
        await expectCode(statEntry(pool, `${dir}/interrupted.bin`), 'CONNECTION');
      } finally {
        await serverFor(protocol).start();
      }
      const entry = await statEntry(pool, `${dir}/interrupted.bin`);
      assert.equal(entry?.size, 64 * 1024 * 1024);
    });
  });
}

describe('large files stream with flat memory (200 MB, real servers) [volume]', function () {
  this.timeout(600_000);
  const SIZE = 200 * 1024 * 1024;

  for (const protocol of ['sftp', 'ftp'] as Protocol[]) {
    it(`${protocol}: get-stream piped into put-stream copies 200 MB intact with bounded RSS`, async () => {
      const s = servers();
      await s.startAll();
      await s.mkdirp(`big-${protocol}`);
      const local = s.localPath(`big-${protocol}/source.bin`);
      const block = randomBytes(1024 * 1024);
      const hash = createHash('sha256');
      await pipeline(
        Readable.from(
          (function* () {
            for (let i = 0; i < SIZE / block.length; i++) {
              // Vary each block so a transfer that repeats or drops a block is caught by the checksum.
              const b = Buffer.from(block);
              b.writeUInt32BE(i, 0);
              hash.update(b);
              yield b;
            }
          })(),
        ),
        createWriteStream(local),
      );
      await ownedByTestUser(local);
      const expected = hash.digest('hex');

      const pool = createPool(optionsFor(protocol), { size: 2 });
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      try {
        const { stream, entry } = await openFile(pool, `big-${protocol}/source.bin`);
        assert.equal(entry.size, SIZE);
        const result = await putFile(pool, `big-${protocol}/copy.bin`, stream, put());
        assert.equal(result.bytes, SIZE);
      } finally {
        clearInterval(sampler);
        await pool.close();
      }
      const growthMb = (peak - baseline) / 1024 / 1024;
      console.log(
        `      ${protocol} 200 MB copy: peak RSS ${(peak / 1024 / 1024).toFixed(0)} MB (+${growthMb.toFixed(0)} MB over ${(baseline / 1024 / 1024).toFixed(0)} MB)`,
      );
      assert.ok(growthMb < 100, `RSS grew by ${growthMb.toFixed(0)} MB while streaming 200 MB: something buffers the file`);
      const copied = await sha256OfStream(createReadStream(s.localPath(`big-${protocol}/copy.bin`)));
      assert.equal(copied.bytes, SIZE);
      assert.equal(copied.hash, expected);
      await s.remove(`big-${protocol}`);
    });
  }
});
