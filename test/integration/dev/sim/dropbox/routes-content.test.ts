/**
 * The Dropbox simulator's content routes (routes-content.ts): content_hash as Dropbox defines it
 * (computed here independently), write modes, the 150 MiB limit, upload sessions with offsets,
 * finish_batch_v2, and downloads with Dropbox-API-Result and Range.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { download, freshFolder, rpc, upload, useDropboxSim } from '../../../../support/dropbox-sim';

/** Dropbox's content_hash, written out independently of the simulator's streaming hasher. */
function dropboxHash(bytes: Buffer): string {
  const block = 4 * 1024 * 1024;
  const digests: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += block)
    digests.push(
      createHash('sha256')
        .update(bytes.subarray(i, i + block))
        .digest(),
    );
  return createHash('sha256').update(Buffer.concat(digests)).digest('hex');
}

/** 9 MiB + 7 bytes of a repeatable pattern: two full blocks and a short one. */
function patterned(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >> 12)) & 0xff;
  return b;
}

describe('Dropbox simulator: content routes', function () {
  const used = useDropboxSim();
  const put = (path: string, body: string | Buffer, extra: Record<string, unknown> = {}) =>
    upload(used.sim, 'files/upload', { path, ...extra }, body, { token: used.token });
  const session = (route: string, arg: unknown, body: string | Buffer = '') =>
    upload(used.sim, `files/upload_session/${route}`, arg, body, { token: used.token });
  const call = (route: string, arg: unknown) => rpc(used.sim, route, arg, { token: used.token });

  describe('content_hash', function () {
    it('is the SHA-256 of the concatenated SHA-256s of 4 MiB blocks', async function () {
      const dir = await freshFolder(used);
      const bytes = patterned(9 * 1024 * 1024 + 7);
      const a = await put(`${dir}/nine.bin`, bytes);
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json?.content_hash, dropboxHash(bytes));
      assert.equal(a.json?.size, bytes.length);
      // The known value of the Dropbox documentation's rule for an empty file: SHA-256 of nothing.
      const empty = await put(`${dir}/empty.bin`, Buffer.alloc(0));
      assert.equal(empty.json?.content_hash, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      // Exactly one block: the hash of the block's hash, not the block's hash.
      const one = patterned(4 * 1024 * 1024);
      const blockHash = createHash('sha256').update(one).digest();
      const b = await put(`${dir}/one.bin`, one);
      assert.equal(b.json?.content_hash, createHash('sha256').update(blockHash).digest('hex'));
      assert.deepEqual(readFileSync(used.sim.contentFile(`${dir}/nine.bin`) ?? ''), bytes);
    });

    it('refuses an upload whose content_hash does not match the bytes and stores nothing', async function () {
      const dir = await freshFolder(used);
      const bad = await put(`${dir}/h.txt`, 'hello', { content_hash: dropboxHash(Buffer.from('hellO')) });
      assert.equal(bad.status, 409);
      assert.deepEqual(bad.json, { error_summary: 'content_hash_mismatch/..', error: { '.tag': 'content_hash_mismatch' } });
      assert.equal(used.sim.entry(`${dir}/h.txt`), undefined);
      const good = await put(`${dir}/h.txt`, 'hello', { content_hash: dropboxHash(Buffer.from('hello')) });
      assert.equal(good.status, 200);
    });
  });

  describe('files/upload', function () {
    it('honours add, overwrite, update with rev and autorename', async function () {
      const dir = await freshFolder(used);
      const first = await put(`${dir}/doc.txt`, 'v1');
      const rev1 = first.json?.rev as string;
      const conflict = await put(`${dir}/doc.txt`, 'v2');
      assert.equal(conflict.status, 409);
      const err = conflict.json?.error as Record<string, unknown>;
      assert.equal(conflict.json?.error_summary, 'path/conflict/file/..');
      assert.deepEqual(err.reason, { '.tag': 'conflict', conflict: { '.tag': 'file' } });
      assert.equal(typeof err.upload_session_id, 'string');
      const renamed = await put(`${dir}/doc.txt`, 'v2', { autorename: true });
      assert.equal(renamed.json?.path_display, `${dir}/doc (1).txt`);
      const updated = await put(`${dir}/doc.txt`, 'v3', { mode: { '.tag': 'update', update: rev1 } });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.json?.id, first.json?.id);
      const stale = await put(`${dir}/doc.txt`, 'v4', { mode: { '.tag': 'update', update: rev1 } });
      assert.equal(stale.status, 409);
      assert.equal(stale.json?.error_summary, 'path/conflict/file/..');
      const over = await put(`${dir}/doc.txt`, 'v5', { mode: 'overwrite', client_modified: '2025-01-02T03:04:05Z' });
      assert.equal(over.json?.client_modified, '2025-01-02T03:04:05Z');
      const dl = await download(used.sim, `${dir}/doc.txt`, { token: used.token });
      assert.equal(dl.text, 'v5');
      const badTime = await put(`${dir}/doc.txt`, 'v6', { mode: 'overwrite', client_modified: '2025-01-02 03:04' });
      assert.equal(badTime.status, 400);
    });

    it('keeps the bytes of a failed upload as a session whose id commits them elsewhere', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/x.txt`, 'old');
      const failed = await put(`${dir}/x.txt`, 'new bytes');
      const sessionId = (failed.json?.error as { upload_session_id: string }).upload_session_id;
      const finish = await session('finish', { cursor: { session_id: sessionId, offset: 9 }, commit: { path: `${dir}/y.txt` } });
      assert.equal(finish.status, 200, finish.text);
      assert.equal((await download(used.sim, `${dir}/y.txt`, { token: used.token })).text, 'new bytes');
    });

    it('refuses more than 150 MiB in one request with 409 payload_too_large', async function () {
      this.timeout(60000);
      const dir = await freshFolder(used);
      const big = Buffer.alloc(150 * 1024 * 1024 + 1);
      const a = await put(`${dir}/big.bin`, big);
      assert.equal(a.status, 409);
      assert.deepEqual(a.json, { error_summary: 'payload_too_large/..', error: { '.tag': 'payload_too_large' } });
      assert.equal(used.sim.entry(`${dir}/big.bin`), undefined);
    });
  });

  describe('upload sessions', function () {
    it('append at the right offset, answer incorrect_offset with correct_offset, and finish', async function () {
      const dir = await freshFolder(used);
      const bytes = patterned(5 * 1024 * 1024 + 3);
      const part1 = bytes.subarray(0, 3 * 1024 * 1024);
      const part2 = bytes.subarray(3 * 1024 * 1024, 5 * 1024 * 1024);
      const part3 = bytes.subarray(5 * 1024 * 1024);
      const start = await session('start', {}, part1);
      assert.equal(start.status, 200, start.text);
      const id = start.json?.session_id as string;
      const wrong = await session('append_v2', { cursor: { session_id: id, offset: 0 } }, part2);
      assert.equal(wrong.status, 409);
      assert.deepEqual(wrong.json, { error_summary: 'incorrect_offset/..', error: { '.tag': 'incorrect_offset', correct_offset: part1.length } });
      const ok = await session('append_v2', { cursor: { session_id: id, offset: part1.length } }, part2);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.text, 'null');
      const badFinish = await session('finish', { cursor: { session_id: id, offset: 1 }, commit: { path: `${dir}/s.bin` } }, part3);
      assert.equal(badFinish.status, 409);
      assert.deepEqual(badFinish.json, {
        error_summary: 'lookup_failed/incorrect_offset/..',
        error: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: part1.length + part2.length } },
      });
      const done = await session(
        'finish',
        { cursor: { session_id: id, offset: part1.length + part2.length }, commit: { path: `${dir}/s.bin`, mode: 'add' } },
        part3,
      );
      assert.equal(done.status, 200, done.text);
      assert.equal(done.json?.size, bytes.length);
      assert.equal(done.json?.content_hash, dropboxHash(bytes));
      const gone = await session('append_v2', { cursor: { session_id: id, offset: bytes.length } }, 'x');
      assert.deepEqual(gone.json?.error, { '.tag': 'not_found' });
    });

    it('refuses bytes after close and checks the content_hash of each request', async function () {
      const start = await session('start', { close: false }, 'abc');
      const id = start.json?.session_id as string;
      const mismatch = await session('append_v2', { cursor: { session_id: id, offset: 3 }, content_hash: dropboxHash(Buffer.from('xyz')) }, 'def');
      assert.equal(mismatch.json?.error_summary, 'content_hash_mismatch/..');
      const closing = await session('append_v2', { cursor: { session_id: id, offset: 3 }, close: true, content_hash: dropboxHash(Buffer.from('def')) }, 'def');
      assert.equal(closing.status, 200, closing.text);
      const after = await session('append_v2', { cursor: { session_id: id, offset: 6 } }, 'ghi');
      assert.deepEqual(after.json, { error_summary: 'closed/..', error: { '.tag': 'closed' } });
    });

    it('commits closed sessions together with finish_batch_v2 and fails open ones entry by entry', async function () {
      const dir = await freshFolder(used);
      const ids: string[] = [];
      for (const text of ['one', 'two', 'three']) ids.push((await session('start', { close: true }, text)).json?.session_id as string);
      const open = (await session('start', {}, 'open')).json?.session_id as string;
      const batch = await call('files/upload_session/finish_batch_v2', {
        entries: [
          ...ids.map((id, i) => ({
            cursor: { session_id: id, offset: ['one', 'two', 'three'][i]?.length ?? 0 },
            commit: { path: `${dir}/b${i}.txt`, mode: 'add' },
          })),
          { cursor: { session_id: open, offset: 4 }, commit: { path: `${dir}/open.txt` } },
        ],
      });
      assert.equal(batch.status, 200, batch.text);
      const results = batch.json?.entries as Record<string, unknown>[];
      assert.deepEqual(
        results.map((r) => r['.tag']),
        ['success', 'success', 'success', 'failure'],
      );
      assert.equal(results[0]?.path_display, `${dir}/b0.txt`);
      assert.equal(results[2]?.content_hash, dropboxHash(Buffer.from('three')));
      assert.deepEqual(results[3]?.failure, { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'not_closed' } });
      assert.equal((await download(used.sim, `${dir}/b1.txt`, { token: used.token })).text, 'two');
    });

    it('runs the v1 finish_batch as a job that finish_batch/check reports complete', async function () {
      const dir = await freshFolder(used);
      const id = (await session('start', { close: true }, 'v1')).json?.session_id as string;
      const launch = await call('files/upload_session/finish_batch', {
        entries: [{ cursor: { session_id: id, offset: 2 }, commit: { path: `${dir}/v1.txt` } }],
      });
      assert.equal(launch.json?.['.tag'], 'async_job_id');
      const check = await call('files/upload_session/finish_batch/check', { async_job_id: launch.json?.async_job_id });
      assert.equal(check.json?.['.tag'], 'complete');
      assert.equal((check.json?.entries as { '.tag': string }[])[0]?.['.tag'], 'success');
    });
  });

  describe('files/download', function () {
    it('sends the bytes with Dropbox-API-Result, header-safe for non-ASCII names', async function () {
      const dir = await freshFolder(used);
      const up = await put(`${dir}/Über 😀.txt`, 'unicode name');
      const res = await fetch(`${used.sim.url}/2/files/download`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Dropbox-API-Arg': JSON.stringify({ path: up.json?.id }) },
      });
      assert.equal(res.status, 200);
      const raw = res.headers.get('dropbox-api-result') ?? '';
      assert.match(raw, /\\u00dcber \\ud83d\\ude00\.txt/);
      assert.equal((JSON.parse(raw) as { name: string }).name, 'Über 😀.txt');
      assert.equal(await res.text(), 'unicode name');
    });

    it('answers Range with 206 and an exact Content-Range, and 416 outside the file', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/r.txt`, '0123456789');
      const mid = await download(used.sim, `${dir}/r.txt`, { token: used.token, range: 'bytes=2-5' });
      assert.equal(mid.status, 206);
      assert.equal(mid.text, '2345');
      assert.equal(mid.headers.get('content-range'), 'bytes 2-5/10');
      assert.equal(mid.result?.size, 10);
      const open = await download(used.sim, `${dir}/r.txt`, { token: used.token, range: 'bytes=7-' });
      assert.equal(open.text, '789');
      assert.equal(open.headers.get('content-range'), 'bytes 7-9/10');
      const suffix = await download(used.sim, `${dir}/r.txt`, { token: used.token, range: 'bytes=-4' });
      assert.equal(suffix.text, '6789');
      const past = await download(used.sim, `${dir}/r.txt`, { token: used.token, range: 'bytes=10-' });
      assert.equal(past.status, 416);
      assert.equal(past.headers.get('content-range'), 'bytes */10');
    });

    it('answers a folder 409 path/not_file and a missing file 409 path/not_found', async function () {
      const dir = await freshFolder(used);
      const folder = await download(used.sim, dir, { token: used.token });
      assert.equal(folder.status, 409);
      assert.deepEqual(JSON.parse(folder.text), { error_summary: 'path/not_file/..', error: { '.tag': 'path', path: { '.tag': 'not_file' } } });
      const missing = await download(used.sim, `${dir}/none.txt`, { token: used.token });
      assert.equal(JSON.parse(missing.text).error_summary, 'path/not_found/..');
    });
  });
});
