/*
 * filebridge-server with protocol "dropbox" against the Dropbox simulator: the editor's admin
 * endpoints (Connect to Dropbox with PKCE, Test connection, folder picker), the rule that a sign-in
 * is only sent to the service URL and app key it was made for, and a remote node working on a
 * Dropbox folder through the server node.
 */
import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import { startDropboxSim, type DropboxSim } from '../../../dev/sim/dropbox';
import { scopedRefreshToken, dropboxSecretScope } from '../../../src/core/remote/dropbox-config';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, startTestServer, stopTestServer } from '../../support/flow-helper';

helper.init(nodeRedPath());

type Answer = {
  ok: boolean;
  error?: { code: string; message: string };
  account?: { name?: string };
  entries?: { name: string; type: string }[];
  url?: string;
  state?: string;
  folder?: { id: string; path: string };
  parent?: { id: string };
  children?: { id: string; name: string; container: boolean }[];
};

/** The runtime's credential store, as a deploy keeps it (the helper's `load` replaces it). */
function runtimeCredentials(id: string): Record<string, string> | undefined {
  return (helper as unknown as { credentials: { get(id: string): Record<string, string> | undefined } }).credentials.get(id);
}

async function post(path: string, body: Record<string, unknown>): Promise<Answer> {
  const res = await helper.request().post(path).send(body).expect(200);
  return res.body as Answer;
}

/** What a user does on the authorize page: open it, click Allow, read the code shown. */
async function allowOnAuthorizePage(url: string): Promise<string> {
  const page = await fetch(url);
  assert.equal(page.status, 200, await page.clone().text());
  const html = await page.text();
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  assert.ok(form, `no sign-in form on the authorize page: ${html}`);
  const fields = new URLSearchParams();
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields.set(m[1], m[2].replace(/&amp;/g, '&'));
  fields.set('decision', 'allow');
  const answer = await fetch(new URL(form[1], url), { method: 'POST', body: fields, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  const shown = await answer.text();
  const code = /id="code">([^<]+)</.exec(shown);
  assert.ok(code, `no code after Allow: ${shown}`);
  return code[1];
}

/** An HTTP server that is not the Dropbox it pretends to be: it records everything sent to it. */
interface Trap {
  url: string;
  received: string[];
  saw(secret: string): boolean;
  close(): Promise<void>;
}

async function startTrap(): Promise<Trap> {
  const received: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)} ${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('trap');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    saw: (secret) => received.some((r) => r.includes(secret)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('filebridge-server with protocol dropbox (Dropbox simulator)', function () {
  this.timeout(60_000);
  let sim: DropboxSim;
  let trap: Trap;

  before(async () => {
    sim = await startDropboxSim({ accessTokenTtlSeconds: 3600 });
  });
  after(async () => {
    await sim?.stop();
  });
  beforeEach(async () => {
    await startTestServer();
    trap = await startTrap();
  });
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
    await trap.close();
  });

  const settings = (): Record<string, unknown> => ({ protocol: 'dropbox', appKey: sim.appKey, serviceUrl: sim.url, teamRoot: false });

  function dropboxServer(fields: Record<string, unknown> = {}): Record<string, unknown> {
    return { id: 'dbx', type: 'filebridge-server', ...settings(), poolSize: 2, connectRetries: 1, ...fields };
  }

  it('Test connection shows the account name and the folder listing, and never the refresh token', async () => {
    await loadFlow([serverNode], [dropboxServer()], { dbx: { refreshToken: sim.refreshToken } });
    const answer = await post('/filebridge/server/test', { id: 'dbx', ...settings(), folder: '/Clients', credentials: { refreshToken: '__PWRD__' } });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.account?.name, 'Sim User');
    assert.deepEqual(answer.entries?.map((e) => `${e.name}:${e.type}`).sort(), ['ACME:directory', 'Globex:directory']);
    assert.doesNotMatch(JSON.stringify(answer), new RegExp(sim.refreshToken));
    // The team space lists the team folders instead.
    const team = await post('/filebridge/server/test', { id: 'dbx', ...settings(), teamRoot: true, folder: '', credentials: { refreshToken: '__PWRD__' } });
    assert.equal(team.ok, true, JSON.stringify(team));
    assert.ok(
      team.entries?.some((e) => e.name === 'Finance'),
      JSON.stringify(team),
    );
  });

  it('Connect to Dropbox: PKCE sign-in on the authorize page, the token kept in the runtime, only the account name answered', async () => {
    await loadFlow([serverNode], []);
    const exchangesBefore = sim.stats().codeExchanges;
    const started = await post('/filebridge/server/dropbox/authorize', { id: 'new-dbx', appKey: sim.appKey, serviceUrl: sim.url });
    assert.equal(started.ok, true, JSON.stringify(started));
    assert.ok(started.url?.startsWith(`${sim.url}/oauth2/authorize?`), started.url);
    const authorize = new URL(started.url ?? '');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('token_access_type'), 'offline');
    assert.equal(authorize.searchParams.get('client_id'), sim.appKey);
    // The verifier never leaves the runtime: neither the URL nor the answer carry it.
    assert.equal(authorize.searchParams.get('code_verifier'), null);
    const code = await allowOnAuthorizePage(started.url ?? '');

    const connected = await post('/filebridge/server/dropbox/connect', { id: 'new-dbx', state: started.state, code });
    assert.equal(connected.ok, true, JSON.stringify(connected));
    assert.deepEqual(connected, { ok: true, account: { name: 'Sim User' } });
    assert.equal(sim.stats().codeExchanges, exchangesBefore + 1);
    // The state is single use: the same code and state again are refused without asking Dropbox.
    const again = await post('/filebridge/server/dropbox/connect', { id: 'new-dbx', state: started.state, code });
    assert.equal(again.ok, false);
    assert.equal(again.error?.code, 'INVALID_INPUT');
    assert.match(again.error?.message ?? '', /Connect to Dropbox" again/);
    assert.equal(sim.stats().codeExchanges, exchangesBefore + 1);

    // The dialog's Test connection (not deployed yet) uses the sign-in it just made.
    const tested = await post('/filebridge/server/test', { id: 'new-dbx', ...settings(), credentials: { refreshToken: '__PWRD__' } });
    assert.equal(tested.ok, true, JSON.stringify(tested));
    assert.equal(tested.account?.name, 'Sim User');

    // Deployed (after Done the editor does not send the token: the runtime keeps what it stored), the node works.
    const kept = runtimeCredentials('new-dbx');
    assert.ok(kept?.refreshToken, 'the sign-in was not kept with the configuration');
    await helper.unload();
    await loadFlow([serverNode], [dropboxServer({ id: 'new-dbx' })], { 'new-dbx': kept });
    const browse = await post('/filebridge/server/dropbox/browse', {
      id: 'new-dbx',
      ...settings(),
      folder: '/Clients',
      credentials: { refreshToken: '__PWRD__' },
    });
    assert.equal(browse.ok, true, JSON.stringify(browse));
    assert.deepEqual(browse.folder, { id: '/Clients', path: '/Clients' });
    assert.deepEqual(browse.parent, { id: '' });
    assert.deepEqual(
      browse.children?.map((c) => [c.id, c.container]),
      [
        ['/Clients/ACME', true],
        ['/Clients/Globex', true],
      ],
    );
  });

  it('a code for another configuration, a made-up state or a wrong code is refused; the endpoints need a configuration id', async () => {
    await loadFlow([serverNode], []);
    const started = await post('/filebridge/server/dropbox/authorize', { id: 'one', appKey: sim.appKey, serviceUrl: sim.url });
    const code = await allowOnAuthorizePage(started.url ?? '');
    const other = await post('/filebridge/server/dropbox/connect', { id: 'another', state: started.state, code });
    assert.equal(other.error?.code, 'INVALID_INPUT', JSON.stringify(other));
    const madeUp = await post('/filebridge/server/dropbox/connect', { id: 'one', state: 'made-up', code });
    assert.equal(madeUp.error?.code, 'INVALID_INPUT');
    const fresh = await post('/filebridge/server/dropbox/authorize', { id: 'one', appKey: sim.appKey, serviceUrl: sim.url });
    const wrong = await post('/filebridge/server/dropbox/connect', { id: 'one', state: fresh.state, code: 'wrongcode-123456' });
    assert.equal(wrong.ok, false);
    assert.equal(wrong.error?.code, 'AUTHENTICATION', JSON.stringify(wrong));
    const noId = await post('/filebridge/server/dropbox/authorize', { appKey: sim.appKey, serviceUrl: sim.url });
    assert.equal(noId.error?.code, 'INVALID_INPUT');
    const badKey = await post('/filebridge/server/dropbox/authorize', { id: 'one', appKey: 'no spaces allowed', serviceUrl: sim.url });
    assert.equal(badKey.error?.code, 'INVALID_INPUT');
  });

  it('a stored sign-in is never sent to another service URL or with another app key: refused before any request', async () => {
    const scope = dropboxSecretScope({ appKey: sim.appKey, serviceUrl: sim.url });
    const stored = scopedRefreshToken(sim.refreshToken, scope);
    await loadFlow([serverNode], [dropboxServer()], { dbx: { refreshToken: stored } });
    const refreshesBefore = sim.stats().tokenRefreshes;
    for (const path of ['/filebridge/server/test', '/filebridge/server/dropbox/browse']) {
      const elsewhere = await post(path, { id: 'dbx', ...settings(), serviceUrl: trap.url, credentials: { refreshToken: '__PWRD__' } });
      assert.equal(elsewhere.ok, false);
      assert.equal(elsewhere.error?.code, 'AUTHENTICATION', JSON.stringify(elsewhere));
      assert.match(elsewhere.error?.message ?? '', /another app key or service URL/);
      const otherKey = await post(path, { id: 'dbx', ...settings(), appKey: 'attacker-app', credentials: { refreshToken: '__PWRD__' } });
      assert.equal(otherKey.error?.code, 'AUTHENTICATION', JSON.stringify(otherKey));
      // Leaving the token out is no way around it.
      const omitted = await post(path, { id: 'dbx', ...settings(), serviceUrl: trap.url });
      assert.equal(omitted.ok, false);
    }
    assert.equal(trap.received.length, 0, trap.received.join('\n'));
    assert.equal(sim.stats().tokenRefreshes, refreshesBefore, 'the simulator was asked for a token with another app key');
  });

  it('a bare refresh token deployed with the flow is used for the deployed settings only', async () => {
    await loadFlow([serverNode], [dropboxServer()], { dbx: { refreshToken: sim.refreshToken } });
    const elsewhere = await post('/filebridge/server/test', {
      id: 'dbx',
      ...settings(),
      serviceUrl: `${trap.url}/`,
      credentials: { refreshToken: '__PWRD__' },
    });
    assert.equal(elsewhere.error?.code, 'AUTHENTICATION', JSON.stringify(elsewhere));
    assert.equal(trap.saw(sim.refreshToken), false, trap.received.join('\n'));
    assert.equal(trap.received.length, 0);
  });

  it('a deployed configuration whose service URL changed after its sign-in does not start, and sends nothing anywhere', async () => {
    const stored = scopedRefreshToken(sim.refreshToken, dropboxSecretScope({ appKey: sim.appKey, serviceUrl: sim.url }));
    await loadFlow(
      [serverNode, remoteNode, coreNode('common/25-catch.js')],
      [
        { id: 'tab', type: 'tab', label: 'dropbox' },
        dropboxServer({ serviceUrl: trap.url }),
        {
          id: 'remote',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-remote',
          server: 'dbx',
          operation: 'list',
          path: '/Clients',
          pathType: 'str',
          wires: [['out']],
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { dbx: { refreshToken: stored } },
    );
    const arrivals = new Arrivals<{ error?: { code?: string; message?: string } }>(['out', 'caught']);
    helper.getNode('remote').receive({});
    const got = await arrivals.next();
    assert.equal(got.id, 'caught');
    assert.equal(got.msg.error?.code, 'AUTHENTICATION');
    assert.match(got.msg.error?.message ?? '', /Connect to Dropbox" again/);
    assert.equal(trap.received.length, 0, trap.received.join('\n'));
  });

  it('a filebridge-remote node lists, puts and gets on a Dropbox folder through the server node', async () => {
    await loadFlow(
      [serverNode, remoteNode, coreNode('common/25-catch.js')],
      [
        { id: 'tab', type: 'tab', label: 'dropbox' },
        dropboxServer(),
        {
          id: 'remote',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-remote',
          server: 'dbx',
          operation: 'list',
          path: '',
          pathType: 'str',
          output: 'buffer',
          wires: [['out']],
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { dbx: { refreshToken: sim.refreshToken } },
    );
    type Msg = { payload?: unknown; filename?: string; error?: { code?: string; message?: string }; filebridge?: Record<string, Record<string, unknown>> };
    const arrivals = new Arrivals<Msg>(['out', 'caught']);
    const exchange = async (msg: Record<string, unknown>): Promise<Msg> => {
      helper.getNode('remote').receive(msg);
      const got = await arrivals.next();
      assert.equal(got.id, 'out', JSON.stringify(got.msg.error));
      return got.msg;
    };
    const body = Buffer.from('Report for ACME, 2026-12\n', 'utf8');
    const put = await exchange({ operation: 'put', path: '/Clients/ACME/outbox/', payload: body, filename: 'report.txt' });
    assert.equal(put.filebridge?.put.path, '/Clients/ACME/outbox/report.txt');
    // The simulator holds the bytes, under the name given, with the content hash Dropbox computes.
    const entry = sim.entry('/clients/acme/outbox/REPORT.TXT');
    assert.equal(entry?.path_display, '/Clients/ACME/outbox/report.txt');
    assert.equal(entry?.size, body.length);
    const list = await exchange({ operation: 'list', path: '/Clients/ACME' });
    const names = (list.payload as { name: string }[]).map((e) => e.name).sort();
    assert.deepEqual(names, ['Welcome.txt']);
    const outbox = await exchange({ operation: 'list', path: '/clients/acme/OUTBOX' });
    assert.deepEqual(
      (outbox.payload as { name: string; size: number }[]).map((e) => [e.name, e.size]),
      [['report.txt', body.length]],
    );
    const got = await exchange({ operation: 'get', path: '/Clients/ACME/outbox/report.txt' });
    assert.deepEqual(got.payload, body);
    assert.equal(got.filename, 'report.txt');
  });
});
