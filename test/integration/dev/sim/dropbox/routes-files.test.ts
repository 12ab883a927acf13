/**
 * The Dropbox simulator's folder routes (routes-files.ts, store.ts): list_folder paging and cursors
 * that report changes and deletions, get_latest_cursor, longpoll, case-insensitive paths that keep
 * path_display, `id:` ids, revs, and move/copy/delete results wrapped in `metadata`.
 */
import assert from 'node:assert/strict';
import { freshFolder, rpc, upload, useDropboxSim } from '../../../../support/dropbox-sim';

type Entry = { '.tag': string; name: string; path_lower: string; path_display: string; id: string; rev?: string; content_hash?: string };

describe('Dropbox simulator: files routes', function () {
  const used = useDropboxSim();
  const call = (route: string, arg: unknown) => rpc(used.sim, route, arg, { token: used.token });
  const put = (path: string, text: string, extra: Record<string, unknown> = {}) =>
    upload(used.sim, 'files/upload', { path, ...extra }, text, { token: used.token });
  const entries = (a: { json: Record<string, unknown> | undefined }): Entry[] => a.json?.entries as Entry[];

  describe('list_folder', function () {
    it('pages with limit and has_more, then reports nothing new', async function () {
      const dir = await freshFolder(used);
      for (let i = 0; i < 5; i++) assert.equal((await put(`${dir}/f${i}.txt`, `x${i}`)).status, 200);
      const first = await call('files/list_folder', { path: dir, limit: 2 });
      assert.equal(first.status, 200, first.text);
      assert.equal(entries(first).length, 2);
      assert.equal(first.json?.has_more, true);
      const names = entries(first).map((e) => e.name);
      let cursor = first.json?.cursor as string;
      for (;;) {
        const next = await call('files/list_folder/continue', { cursor });
        assert.equal(next.status, 200, next.text);
        names.push(...entries(next).map((e) => e.name));
        cursor = next.json?.cursor as string;
        if (next.json?.has_more !== true) break;
      }
      assert.deepEqual(names.sort(), ['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt']);
      const idle = await call('files/list_folder/continue', { cursor });
      assert.deepEqual(entries(idle), []);
      assert.equal(idle.json?.has_more, false);
    });

    it('lists recursively (the folder itself first) or only direct children', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/Sub/deep.txt`, 'd');
      await put(`${dir}/top.txt`, 't');
      const flat = await call('files/list_folder', { path: dir });
      assert.deepEqual(
        entries(flat)
          .map((e) => e.name)
          .sort(),
        ['Sub', 'top.txt'],
      );
      const deep = await call('files/list_folder', { path: dir, recursive: true });
      const paths = entries(deep).map((e) => e.path_display);
      assert.equal(paths[0], dir);
      assert.deepEqual(paths.slice(1).sort(), [`${dir}/Sub`, `${dir}/Sub/deep.txt`, `${dir}/top.txt`]);
    });

    it('answers a missing folder 409 path/not_found and a file 409 path/not_folder', async function () {
      const missing = await call('files/list_folder', { path: '/no/such/folder' });
      assert.equal(missing.status, 409);
      assert.deepEqual(missing.json, { error_summary: 'path/not_found/..', error: { '.tag': 'path', path: { '.tag': 'not_found' } } });
      const dir = await freshFolder(used);
      await put(`${dir}/a.txt`, 'a');
      const file = await call('files/list_folder', { path: `${dir}/a.txt` });
      assert.equal(file.status, 409);
      assert.equal(file.json?.error_summary, 'path/not_folder/..');
    });

    it('refuses a limit outside 1..2000', async function () {
      assert.equal((await call('files/list_folder', { path: '', limit: 0 })).status, 400);
      assert.equal((await call('files/list_folder', { path: '', limit: 2001 })).status, 400);
    });
  });

  describe('cursors', function () {
    it('report new, changed, moved and deleted entries, deletions as `deleted`', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/keep.txt`, 'k');
      await put(`${dir}/gone.txt`, 'g');
      await put(`${dir}/moving.txt`, 'm');
      const start = await call('files/list_folder/get_latest_cursor', { path: dir, recursive: true });
      assert.equal(start.status, 200, start.text);
      const cursor = start.json?.cursor as string;
      assert.deepEqual(entries(await call('files/list_folder/continue', { cursor })), []);

      await put(`${dir}/new.txt`, 'n');
      await put(`${dir}/keep.txt`, 'k2', { mode: 'overwrite' });
      assert.equal((await call('files/delete_v2', { path: `${dir}/gone.txt` })).status, 200);
      assert.equal((await call('files/move_v2', { from_path: `${dir}/moving.txt`, to_path: `${dir}/Moved/moving.txt` })).status, 200);

      const changes = await call('files/list_folder/continue', { cursor });
      const byPath = new Map(entries(changes).map((e) => [e.path_lower, e['.tag']]));
      const lower = dir.toLowerCase();
      assert.equal(byPath.get(`${lower}/new.txt`), 'file');
      assert.equal(byPath.get(`${lower}/keep.txt`), 'file');
      assert.equal(byPath.get(`${lower}/gone.txt`), 'deleted');
      assert.equal(byPath.get(`${lower}/moving.txt`), 'deleted');
      assert.equal(byPath.get(`${lower}/moved/moving.txt`), 'file');
      assert.equal(byPath.get(`${lower}/moved`), 'folder');
      const deleted = entries(changes).find((e) => e['.tag'] === 'deleted' && e.name === 'gone.txt');
      assert.deepEqual(deleted, { '.tag': 'deleted', name: 'gone.txt', path_lower: `${lower}/gone.txt`, path_display: `${dir}/gone.txt` });
    });

    it('a non-recursive cursor does not report changes in subfolders', async function () {
      const dir = await freshFolder(used);
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: dir })).json?.cursor as string;
      await put(`${dir}/Sub/inner.txt`, 'i');
      const changes = entries(await call('files/list_folder/continue', { cursor }));
      assert.deepEqual(
        changes.map((e) => e.path_display),
        [`${dir}/Sub`],
      );
    });

    it('include_deleted lists what used to exist', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/was.txt`, 'w');
      await call('files/delete_v2', { path: `${dir}/was.txt` });
      const without = await call('files/list_folder', { path: dir });
      assert.deepEqual(entries(without), []);
      const withDeleted = await call('files/list_folder', { path: dir, include_deleted: true });
      assert.deepEqual(
        entries(withDeleted).map((e) => [e['.tag'], e.name]),
        [['deleted', 'was.txt']],
      );
    });

    it('answers reset after a cursor reset', async function () {
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: '' })).json?.cursor as string;
      used.sim.resetCursors();
      const a = await call('files/list_folder/continue', { cursor });
      assert.equal(a.status, 409);
      assert.deepEqual(a.json, { error_summary: 'reset/..', error: { '.tag': 'reset' } });
    });
  });

  describe('longpoll', function () {
    const longpoll = (arg: unknown, headers: Record<string, string> = {}) =>
      fetch(`${used.sim.url}/2/files/list_folder/longpoll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify(arg),
      });

    it('refuses an Authorization header with 400', async function () {
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: '' })).json?.cursor as string;
      const res = await longpoll({ cursor }, { Authorization: `Bearer ${used.token}` });
      assert.equal(res.status, 400);
      assert.match(await res.text(), /includes an Authorization header, but this function does not use it/);
    });

    it('returns changes: true as soon as something changes, false at the timeout', async function () {
      const dir = await freshFolder(used);
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: dir })).json?.cursor as string;
      used.sim.setFaults({ longpollCapMs: 300 });
      const t0 = Date.now();
      const idle = await longpoll({ cursor, timeout: 30 });
      assert.equal(idle.status, 200);
      assert.deepEqual(await idle.json(), { changes: false });
      assert.ok(Date.now() - t0 >= 290);

      used.sim.setFaults({ longpollCapMs: 0 });
      const waiting = longpoll({ cursor, timeout: 30 });
      await new Promise((r) => setTimeout(r, 100));
      await put(`${dir}/arrived.txt`, 'a');
      const t1 = Date.now();
      const changed = await waiting;
      assert.deepEqual(await changed.json(), { changes: true });
      assert.ok(Date.now() - t1 < 2000);
    });

    it('asks for a backoff when longpollBackoffSeconds is set', async function () {
      const dir = await freshFolder(used);
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: dir })).json?.cursor as string;
      await put(`${dir}/x.txt`, 'x');
      used.sim.setFaults({ longpollBackoffSeconds: 5 });
      assert.deepEqual(await (await longpoll({ cursor })).json(), { changes: true, backoff: 5 });
    });

    it('takes timeouts from 30 to 480 only', async function () {
      const cursor = (await call('files/list_folder/get_latest_cursor', { path: '' })).json?.cursor as string;
      assert.equal((await longpoll({ cursor, timeout: 10 })).status, 400);
      assert.equal((await longpoll({ cursor, timeout: 481 })).status, 400);
    });
  });

  describe('paths, ids and revs', function () {
    it('finds paths whatever their case and keeps path_display', async function () {
      const dir = await freshFolder(used);
      const up = await put(`${dir}/Report Q1.PDF`, 'r');
      assert.equal(up.json?.path_display, `${dir}/Report Q1.PDF`);
      const meta = await call('files/get_metadata', { path: `${dir.toUpperCase()}/report q1.pdf` });
      assert.equal(meta.status, 200, meta.text);
      assert.equal(meta.json?.path_display, `${dir}/Report Q1.PDF`);
      assert.equal(meta.json?.path_lower, `${dir}/report q1.pdf`.toLowerCase());
      // A differently cased parent in a new upload lands in the existing folder.
      const other = await put(`${dir.toUpperCase()}/second.txt`, 's');
      assert.equal(other.json?.path_display, `${dir}/second.txt`);
      const again = await put(`${dir}/REPORT Q1.pdf`, 'other bytes');
      assert.equal(again.status, 409);
      assert.equal(again.json?.error_summary, 'path/conflict/file/..');
    });

    it('takes an id: wherever a path goes, and the id survives a move', async function () {
      const dir = await freshFolder(used);
      const up = await put(`${dir}/a.txt`, 'a');
      const id = up.json?.id as string;
      assert.match(id, /^id:/);
      const byId = await call('files/get_metadata', { path: id });
      assert.equal(byId.json?.path_display, `${dir}/a.txt`);
      const moved = await call('files/move_v2', { from_path: id, to_path: `${dir}/b.txt` });
      assert.equal(moved.status, 200, moved.text);
      const meta = (moved.json?.metadata ?? {}) as Entry;
      assert.equal(meta.id, id);
      assert.equal(meta.path_display, `${dir}/b.txt`);
      assert.equal((await call('files/get_metadata', { path: id })).json?.path_display, `${dir}/b.txt`);
      const folderId = (await call('files/get_metadata', { path: dir })).json?.id as string;
      assert.equal((await call('files/get_metadata', { path: `${folderId}/b.txt` })).json?.id, id);
    });

    it('gives a new rev on every write and keeps the rev for identical bytes', async function () {
      const dir = await freshFolder(used);
      const r1 = (await put(`${dir}/v.txt`, 'one')).json?.rev as string;
      assert.match(r1, /^[0-9a-f]{9,}$/);
      const r2 = (await put(`${dir}/v.txt`, 'two', { mode: 'overwrite' })).json?.rev as string;
      assert.notEqual(r2, r1);
      const same = await put(`${dir}/v.txt`, 'two', { mode: 'add' });
      assert.equal(same.status, 200);
      assert.equal(same.json?.rev, r2);
      const moved = await call('files/move_v2', { from_path: `${dir}/v.txt`, to_path: `${dir}/w.txt` });
      assert.notEqual((moved.json?.metadata as Entry).rev, r2);
    });

    it('renames by case only with move_v2', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/case.txt`, 'c');
      const a = await call('files/move_v2', { from_path: `${dir}/case.txt`, to_path: `${dir}/CASE.txt` });
      assert.equal(a.status, 200, a.text);
      assert.equal((a.json?.metadata as Entry).path_display, `${dir}/CASE.txt`);
    });

    it('refuses malformed paths and names Dropbox does not take', async function () {
      const dir = await freshFolder(used);
      const trailing = await call('files/get_metadata', { path: `${dir}/x/` });
      assert.equal(trailing.status, 409);
      assert.equal(trailing.json?.error_summary, 'path/malformed_path/..');
      const disallowed = await put(`${dir}/desktop.ini`, 'x');
      assert.equal(disallowed.status, 409);
      assert.equal(disallowed.json?.error_summary, 'path/disallowed_name/..');
      // A name ending with a space, the file's or a folder's on the way: malformed_path, an upload's
      // inside UploadWriteFailed (reason + upload_session_id), as Dropbox answers it.
      const spaced = await put(`${dir}/Hero `, 'x');
      assert.equal(spaced.status, 409);
      assert.equal(spaced.json?.error_summary, 'path/malformed_path/..');
      const error = spaced.json?.error as { '.tag': string; reason: { '.tag': string }; upload_session_id: unknown };
      assert.deepEqual([error['.tag'], error.reason['.tag'], typeof error.upload_session_id], ['path', 'malformed_path', 'string']);
      const folder = await call('files/create_folder_v2', { path: `${dir}/Folder /inner` });
      assert.equal(folder.json?.error_summary, 'path/malformed_path/..');
      assert.equal((await put(`${dir}/Hero\u2420`, 'x')).status, 200, 'the stand-in rclone uses is a name like any other');
    });
  });

  describe('create, move, copy, delete', function () {
    it('wraps results in `metadata` and reports conflicts with 409 shapes', async function () {
      const dir = await freshFolder(used);
      const folder = await call('files/create_folder_v2', { path: `${dir}/New` });
      assert.equal((folder.json?.metadata as Entry)['.tag'], undefined, 'CreateFolderResult.metadata is FolderMetadata: no tag');
      assert.equal((folder.json?.metadata as Entry).path_display, `${dir}/New`);
      const dup = await call('files/create_folder_v2', { path: `${dir}/new` });
      assert.equal(dup.status, 409);
      assert.deepEqual(dup.json, {
        error_summary: 'path/conflict/folder/..',
        error: { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } },
      });
      const renamed = await call('files/create_folder_v2', { path: `${dir}/new`, autorename: true });
      assert.equal((renamed.json?.metadata as Entry).name, 'new (1)');

      const up = await put(`${dir}/a.txt`, 'abc');
      const copy = await call('files/copy_v2', { from_path: `${dir}/a.txt`, to_path: `${dir}/New/a.txt` });
      assert.equal(copy.status, 200, copy.text);
      const copied = copy.json?.metadata as Entry;
      assert.notEqual(copied.id, up.json?.id);
      assert.equal(copied.content_hash, up.json?.content_hash);
      const clash = await call('files/move_v2', { from_path: `${dir}/a.txt`, to_path: `${dir}/New/a.txt` });
      assert.equal(clash.status, 409);
      assert.deepEqual(clash.json, { error_summary: 'to/conflict/file/..', error: { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': 'file' } } } });
      const auto = await call('files/move_v2', { from_path: `${dir}/a.txt`, to_path: `${dir}/New/a.txt`, autorename: true });
      assert.equal((auto.json?.metadata as Entry).name, 'a (1).txt');
      const missing = await call('files/move_v2', { from_path: `${dir}/nope.txt`, to_path: `${dir}/x.txt` });
      assert.equal(missing.json?.error_summary, 'from_lookup/not_found/..');
      const intoItself = await call('files/move_v2', { from_path: `${dir}/New`, to_path: `${dir}/New/Inner` });
      assert.equal(intoItself.json?.error_summary, 'cant_move_folder_into_itself/..');

      const del = await call('files/delete_v2', { path: `${dir}/New` });
      assert.equal(del.status, 200);
      assert.equal((del.json?.metadata as Entry).path_display, `${dir}/New`);
      assert.equal((await call('files/get_metadata', { path: `${dir}/New/a.txt` })).status, 409);
      const again = await call('files/delete_v2', { path: `${dir}/New` });
      assert.deepEqual(again.json, { error_summary: 'path_lookup/not_found/..', error: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } } });
    });
  });

  describe('shared links', function () {
    it('creates a link, answers shared_link_already_exists with the link, lists it, and serves the file', async function () {
      const dir = await freshFolder(used);
      await put(`${dir}/share.txt`, 'shared bytes');
      const link = await call('sharing/create_shared_link_with_settings', { path: `${dir}/share.txt` });
      assert.equal(link.status, 200, link.text);
      assert.equal(link.json?.['.tag'], 'file');
      const url = link.json?.url as string;
      const again = await call('sharing/create_shared_link_with_settings', { path: `${dir}/share.txt`, settings: {} });
      assert.equal(again.status, 409);
      const err = again.json?.error as { '.tag': string; shared_link_already_exists: { '.tag': string; metadata: { url: string } } };
      assert.equal(again.json?.error_summary, 'shared_link_already_exists/metadata/..');
      assert.equal(err.shared_link_already_exists.metadata.url, url);
      const list = await call('sharing/list_shared_links', { path: `${dir}/share.txt` });
      assert.deepEqual(
        (list.json?.links as { url: string }[]).map((l) => l.url),
        [url],
      );
      const res = await fetch(url);
      assert.equal(await res.text(), 'shared bytes');
    });
  });
});
