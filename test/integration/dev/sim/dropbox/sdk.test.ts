/**
 * The official `dropbox` SDK (the version package.json pins) against the simulator: whatever the SDK
 * sends, Dropbox takes, so the simulator must take it too (shared/reference/node-red-and-dropbox.md:
 * token refresh with every parameter in the query string and an empty JSON-typed body, bodyless POSTs
 * for routes without arguments, longpoll without Authorization, Dropbox-API-Path-Root). Its `fetch`
 * option reaches the plain-HTTP simulator by rewriting the three Dropbox hosts.
 * (filesDownload of the pinned 10.34.0 needs node-fetch's res.buffer; content downloads are the
 * client's own, tested in routes-content.test.ts.)
 */
import assert from 'node:assert/strict';
import { Dropbox, DropboxAuth, DropboxResponseError } from 'dropbox';
import { useDropboxSim } from '../../../../support/dropbox-sim';

describe('Dropbox simulator: driven by the official dropbox SDK', function () {
  const used = useDropboxSim();
  const seen: { url: string; method: string; headers: Record<string, string>; bodyLength: number }[] = [];

  const sdkFetch = (input: string, init: RequestInit = {}): Promise<Response> => {
    const url = String(input).replace(/^https:\/\/(api|content|notify)\.dropboxapi\.com/, used.sim.url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body = init.body;
    seen.push({ url, method: init.method ?? 'GET', headers, bodyLength: typeof body === 'string' ? body.length : body ? -1 : 0 });
    return fetch(url, init);
  };

  const client = (pathRoot?: string): Dropbox => {
    const auth = new DropboxAuth({ clientId: used.sim.appKey, refreshToken: used.sim.refreshToken, fetch: sdkFetch });
    return new Dropbox({ auth, fetch: sdkFetch, ...(pathRoot ? { pathRoot } : {}) });
  };

  it('refreshes the token its own way and reads the account with a bodyless POST', async function () {
    seen.length = 0;
    const refreshesBefore = used.sim.stats().tokenRefreshes;
    const account = await client().usersGetCurrentAccount();
    assert.equal(account.status, 200);
    assert.equal(account.result.email, 'sim.user@example.com');
    assert.equal(account.result.root_info['.tag'], 'team');
    assert.equal(used.sim.stats().tokenRefreshes, refreshesBefore + 1);
    const refresh = seen.find((s) => s.url.includes('/oauth2/token'));
    assert.ok(refresh?.url.includes('grant_type=refresh_token'), 'the SDK puts the refresh parameters in the query string');
    const me = seen.find((s) => s.url.endsWith('/2/users/get_current_account'));
    assert.equal(me?.bodyLength, 0);
  });

  it('uploads, lists, reads metadata and gets a 409 with the route error', async function () {
    const dbx = client();
    const folder = `/sdk-${Date.now()}`;
    const up = await dbx.filesUpload({ path: `${folder}/Ünïcödé.txt`, contents: Buffer.from('from the sdk') });
    assert.equal(up.result.path_display, `${folder}/Ünïcödé.txt`);
    assert.equal(up.result.size, 12);
    const list = await dbx.filesListFolder({ path: folder });
    assert.deepEqual(
      list.result.entries.map((e) => e.name),
      ['Ünïcödé.txt'],
    );
    const meta = await dbx.filesGetMetadata({ path: up.result.id });
    assert.equal(meta.result['.tag'], 'file');
    await assert.rejects(dbx.filesCreateFolderV2({ path: folder }), (err: unknown) => {
      assert.ok(err instanceof DropboxResponseError);
      assert.equal(err.status, 409);
      assert.equal((err.error as { error_summary: string }).error_summary, 'path/conflict/folder/..');
      return true;
    });
  });

  it('runs an upload session the way its helpers do (0-byte start with an empty argument)', async function () {
    const dbx = client();
    const start = await dbx.filesUploadSessionStart({ contents: Buffer.alloc(0) });
    const cursor = { session_id: start.result.session_id, offset: 0 };
    await dbx.filesUploadSessionAppendV2({ cursor, contents: Buffer.from('abc') });
    const done = await dbx.filesUploadSessionFinish({
      cursor: { ...cursor, offset: 3 },
      commit: { path: `/sdk-session-${Date.now()}.txt` },
      contents: Buffer.from('def'),
    });
    assert.equal(done.result.size, 6);
  });

  it('longpolls without an Authorization header and sees a change', async function () {
    const dbx = client();
    const folder = `/sdk-poll-${Date.now()}`;
    await dbx.filesCreateFolderV2({ path: folder });
    const cursor = (await dbx.filesListFolderGetLatestCursor({ path: folder })).result.cursor;
    seen.length = 0;
    const poll = dbx.filesListFolderLongpoll({ cursor, timeout: 30 });
    await new Promise((r) => setTimeout(r, 100));
    await used.sim.putFile(`${folder}/new.txt`, 'n');
    const answer = await poll;
    assert.equal(answer.result.changes, true);
    const sent = seen.find((s) => s.url.endsWith('/2/files/list_folder/longpoll'));
    assert.equal(sent?.headers.authorization, undefined);
  });

  it('reaches the team space with its pathRoot option', async function () {
    const dbx = client(JSON.stringify({ '.tag': 'root', root: used.sim.rootNamespaceId }));
    const list = await dbx.filesListFolder({ path: '' });
    assert.deepEqual(list.result.entries.map((e) => e.name).sort(), ['Finance', 'Legal', 'Projects']);
  });
});
