/**
 * The Dropbox simulator must be as strict as the real API (shared/reference/node-red-and-dropbox.md):
 * a client that passes here must not fail against Dropbox because the simulator was lax.
 * Here: authorization, request formats, Dropbox-API-Path-Root and the account (server.ts).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { rpc, upload, useDropboxSim } from '../../../../support/dropbox-sim';

describe('Dropbox simulator: server', function () {
  const used = useDropboxSim();

  describe('authorization', function () {
    it('answers a request without Authorization with a plain-text 400', async function () {
      const a = await rpc(used.sim, 'files/list_folder', { path: '' });
      assert.equal(a.status, 400);
      assert.match(a.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(a.text, 'Error in call to API function "files/list_folder": Must provide HTTP header "Authorization" or URL parameter "authorization".');
    });

    it('answers a malformed Authorization with a plain-text 400 that does not repeat the value', async function () {
      const a = await rpc(used.sim, 'files/list_folder', { path: '' }, { headers: { Authorization: 'Basic c2VjcmV0' } });
      assert.equal(a.status, 400);
      assert.match(a.text, /Expecting "Bearer <oauth2-access-token>"/);
      assert.doesNotMatch(a.text, /c2VjcmV0/);
    });

    it('answers an unknown token 401 invalid_access_token and an expired one 401 expired_access_token', async function () {
      const unknown = await rpc(used.sim, 'files/list_folder', { path: '' }, { token: 'sl.nope' });
      assert.equal(unknown.status, 401);
      assert.deepEqual(unknown.json, { error_summary: 'invalid_access_token/..', error: { '.tag': 'invalid_access_token' } });
      const token = used.sim.issueAccessToken();
      assert.equal((await rpc(used.sim, 'files/list_folder', { path: '' }, { token })).status, 200);
      used.sim.expireAccessTokens();
      const expired = await rpc(used.sim, 'files/list_folder', { path: '' }, { token });
      assert.equal(expired.status, 401);
      assert.deepEqual(expired.json, { error_summary: 'expired_access_token/..', error: { '.tag': 'expired_access_token' } });
      used.token = used.sim.issueAccessToken();
    });

    it('expires access tokens after accessTokenTtlSeconds', async function () {
      used.sim.setFaults({ accessTokenTtlSeconds: 1 });
      const token = used.sim.issueAccessToken();
      assert.equal((await rpc(used.sim, 'users/get_current_account', undefined, { token })).status, 200);
      await new Promise((r) => setTimeout(r, 1100));
      const a = await rpc(used.sim, 'users/get_current_account', undefined, { token });
      assert.equal(a.status, 401);
      assert.equal((a.json?.error as { '.tag': string })['.tag'], 'expired_access_token');
    });
  });

  describe('request formats', function () {
    it('takes RPC arguments only as JSON with Content-Type application/json', async function () {
      const form = await rpc(
        used.sim,
        'files/list_folder',
        { path: '' },
        { token: used.token, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
      );
      assert.equal(form.status, 400);
      assert.match(form.text, /Bad HTTP "Content-Type" header: "application\/x-www-form-urlencoded"/);
      const charset = await rpc(
        used.sim,
        'files/list_folder',
        { path: '' },
        { token: used.token, headers: { 'Content-Type': 'application/json; charset=utf-8' } },
      );
      assert.equal(charset.status, 200);
    });

    it('takes a bodyless POST without Content-Type for a route without arguments, as the SDK sends it', async function () {
      const a = await rpc(used.sim, 'users/get_current_account', undefined, { token: used.token });
      assert.equal(a.status, 200, a.text);
      assert.equal(a.json?.email, 'sim.user@example.com');
      const withArg = await rpc(used.sim, 'users/get_current_account', { foo: 1 }, { token: used.token });
      assert.equal(withArg.status, 400);
    });

    it('refuses unknown and missing argument fields with 400', async function () {
      const unknown = await rpc(used.sim, 'files/list_folder', { path: '', pathh: 'x' }, { token: used.token });
      assert.equal(unknown.status, 400);
      assert.match(unknown.text, /unknown field 'pathh'/);
      const missing = await rpc(used.sim, 'files/get_metadata', {}, { token: used.token });
      assert.equal(missing.status, 400);
      assert.match(missing.text, /missing required field 'path'/);
    });

    it('refuses "/" as the root of list_folder and a path without a leading slash', async function () {
      const slash = await rpc(used.sim, 'files/list_folder', { path: '/' }, { token: used.token });
      assert.equal(slash.status, 400);
      assert.match(slash.text, /Specify the root folder as an empty string/);
      const relative = await rpc(used.sim, 'files/get_metadata', { path: 'Clients' }, { token: used.token });
      assert.equal(relative.status, 400);
      assert.match(relative.text, /did not match pattern/);
    });

    it('takes a content route argument only from Dropbox-API-Arg (or the arg URL parameter), never from the body', async function () {
      const noArg = await fetch(`${used.sim.url}/2/files/upload`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'application/octet-stream' },
        body: 'x',
      });
      assert.equal(noArg.status, 400);
      const viaQuery = await fetch(`${used.sim.url}/2/files/upload?arg=${encodeURIComponent(JSON.stringify({ path: '/Inbox/q.txt' }))}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'application/octet-stream' },
        body: 'q',
      });
      assert.equal(viaQuery.status, 200, await viaQuery.text());
      const json = await upload(used.sim, 'files/upload', { path: '/Inbox/j.txt' }, 'j', {
        token: used.token,
        headers: { 'Content-Type': 'application/json' },
      });
      assert.equal(json.status, 400);
      assert.match(json.text, /Expecting one of "application\/octet-stream"/);
    });

    it('refuses raw non-ASCII in Dropbox-API-Arg and accepts it \\u-escaped', async function () {
      const status = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${used.sim.url}/2/files/upload`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${used.token}`,
            'Content-Type': 'application/octet-stream',
            // The bytes of UTF-8 "é" sent as they are (Node passes latin1 header strings through byte by byte).
            'Dropbox-API-Arg': Buffer.from('{"path":"/Inbox/caf\u00e9.txt"}', 'utf8').toString('latin1'),
          },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end('x');
      });
      assert.equal(status.status, 400);
      assert.match(status.text, /Dropbox-API-Arg/);
      const ok = await upload(used.sim, 'files/upload', { path: '/Inbox/café 😀.txt' }, 'x', { token: used.token });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json?.path_display, '/Inbox/café 😀.txt');
    });

    it('answers an unknown route 404', async function () {
      const a = await rpc(used.sim, 'files/no_such_route', {}, { token: used.token });
      assert.equal(a.status, 404);
    });
  });

  describe('account and team space', function () {
    it('reports the team root in root_info and serves the team folders with Dropbox-API-Path-Root', async function () {
      const account = await rpc(used.sim, 'users/get_current_account', undefined, { token: used.token });
      const root = account.json?.root_info as Record<string, string>;
      assert.equal(root['.tag'], 'team');
      assert.equal(root.root_namespace_id, used.sim.rootNamespaceId);
      assert.equal(root.home_namespace_id, used.sim.homeNamespaceId);
      assert.equal((account.json?.team as { name: string }).name, 'Sim Team');
      assert.equal((account.json?.name as { display_name: string }).display_name, 'Sim User');

      const home = await rpc(used.sim, 'files/list_folder', { path: '' }, { token: used.token });
      const homeNames = (home.json?.entries as { name: string }[]).map((e) => e.name);
      assert.ok(homeNames.includes('Clients') && !homeNames.includes('Finance'), homeNames.join());
      const team = await rpc(used.sim, 'files/list_folder', { path: '' }, { token: used.token, pathRoot: { '.tag': 'root', root: root.root_namespace_id } });
      assert.equal(team.status, 200, team.text);
      const teamNames = (team.json?.entries as { name: string }[]).map((e) => e.name).sort();
      assert.deepEqual(teamNames, ['Finance', 'Legal', 'Projects']);
      const byNs = await rpc(
        used.sim,
        'files/get_metadata',
        { path: '/Finance/Invoices' },
        { token: used.token, pathRoot: { '.tag': 'namespace_id', namespace_id: used.sim.rootNamespaceId } },
      );
      assert.equal(byNs.json?.['.tag'], 'folder');
    });

    it('answers a wrong root namespace 422 invalid_root with the right root_info', async function () {
      const a = await rpc(used.sim, 'files/list_folder', { path: '' }, { token: used.token, pathRoot: { '.tag': 'root', root: '999' } });
      assert.equal(a.status, 422);
      assert.equal((a.json?.error as { '.tag': string })['.tag'], 'invalid_root');
      assert.equal((a.json?.error as { invalid_root: { root_namespace_id: string } }).invalid_root.root_namespace_id, used.sim.rootNamespaceId);
    });

    it('writes into the team space with the header and shows it in /_sim/state', async function () {
      const pathRoot = { '.tag': 'root', root: used.sim.rootNamespaceId };
      const up = await upload(used.sim, 'files/upload', { path: '/Projects/team-note.txt' }, 'team', { token: used.token, pathRoot });
      assert.equal(up.status, 200, up.text);
      const state = (await (await fetch(`${used.sim.url}/_sim/state`)).json()) as { namespaces: { kind: string; entries: { path_display: string }[] }[] };
      const team = state.namespaces.find((n) => n.kind === 'team_root');
      const home = state.namespaces.find((n) => n.kind === 'home');
      assert.ok(team?.entries.some((e) => e.path_display === '/Projects/team-note.txt'));
      assert.ok(!home?.entries.some((e) => e.path_display === '/Projects/team-note.txt'));
    });
  });

  it('has a personal-only variant whose root_info is user', async function () {
    const { startDropboxSim } = await import('../../../../../dev/sim/dropbox');
    const sim = await startDropboxSim({ teamSpace: false });
    try {
      const a = await rpc(sim, 'users/get_current_account', undefined, { token: sim.issueAccessToken() });
      const root = a.json?.root_info as Record<string, string>;
      assert.equal(root['.tag'], 'user');
      assert.equal(root.root_namespace_id, sim.homeNamespaceId);
    } finally {
      await sim.stop();
    }
  });
});
