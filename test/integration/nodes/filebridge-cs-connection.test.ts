import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import serverNode from '../../../src/nodes/filebridge-server';
import { ContentServerClient } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow } from '../../support/flow-helper';
import { startHttpTrap, type CredentialTrap } from '../../support/credential-trap';

helper.init(nodeRedPath());

const NODES: unknown[] = [csConnectionNode];
const PASSWORD = 'livelink';

type Entry = { id: number; name: string; type: number; container: boolean };
type Folder = { id: number; name: string; path: string };
type BrowseBody = { ok: boolean; folder: Folder; parent?: Folder; children: Entry[]; truncated: boolean; error?: { code: string; message: string } };
type CategoriesBody = {
  ok: boolean;
  categories: { id: number; name: string; attributes: { key: string; name: string; type: string; required: boolean; validValues?: string[] }[] }[];
  error?: { code: string; message: string };
};

describe('filebridge-cs-connection admin endpoints (folder and category pickers)', function () {
  this.timeout(60_000);
  const { sim } = simulatorAndNodeRed();
  const bodies: string[] = [];

  before(async () => {
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: PASSWORD } });
    await client.upload({ target: 'Enterprise:Partners/ACME', name: 'Picker sample.pdf', open: () => Readable.from([Buffer.from('sample')]) });
    await client.close();
  });
  beforeEach(async () => {
    await loadFlow(NODES, [{ id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin' }], {
      conn: { password: PASSWORD },
    });
  });
  afterEach(() => {
    for (const b of bodies.splice(0)) assert.doesNotMatch(b, new RegExp(PASSWORD), 'an admin answer carried the password');
  });

  async function post<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const res = await helper.request().post(path).send(body).expect(200);
    bodies.push(JSON.stringify(res.body));
    return res.body as T;
  }

  it('browses the Enterprise workspace by default: folders first, sorted by name, no parent', async () => {
    const b = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn' });
    assert.equal(b.ok, true, JSON.stringify(b));
    assert.deepEqual(b.folder, { id: 2000, name: 'Enterprise Workspace', path: 'Enterprise' });
    assert.equal(b.parent, undefined);
    assert.equal(b.truncated, false);
    const names = b.children.map((c) => c.name);
    for (const n of ['Partners', 'Inbound', 'Archive', 'Customers']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    const containers = b.children.filter((c) => c.container).map((c) => c.name);
    assert.deepEqual(
      containers,
      [...containers].sort((x, y) => x.localeCompare(y, undefined, { sensitivity: 'base' })),
    );
    assert.equal(b.children.find((c) => c.name === 'Partners')?.id, 2100);
  });

  it('browses a sub-folder by path and by id, listing a document as a non-container', async () => {
    const byPath = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn', folder: 'Enterprise:Partners/ACME' });
    assert.equal(byPath.ok, true, JSON.stringify(byPath));
    assert.deepEqual(byPath.folder, { id: 2101, name: 'ACME', path: 'Enterprise:Partners/ACME' });
    assert.deepEqual(byPath.parent, { id: 2100, name: 'Partners', path: 'Enterprise:Partners' });
    const doc = byPath.children.find((c) => c.name === 'Picker sample.pdf');
    assert.ok(doc, JSON.stringify(byPath.children));
    assert.equal(doc.container, false);
    assert.equal(doc.type, 144);
    const byId = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn', folder: 2100 });
    assert.equal(byId.ok, true, JSON.stringify(byId));
    assert.equal(byId.folder.path, 'Enterprise:Partners');
    assert.deepEqual(
      byId.children.map((c) => [c.name, c.container]),
      [
        ['ACME', true],
        ['Globex', true],
      ],
    );
    const byIdText = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn', folder: '2101' });
    assert.equal(byIdText.folder.path, 'Enterprise:Partners/ACME');
  });

  it('works from the dialog before deploy, with typed fields and credentials', async () => {
    const b = await post<BrowseBody>('/filebridge/cs/browse', {
      baseUrl: sim.apiBase,
      authMode: 'password',
      username: 'Admin',
      credentials: { password: PASSWORD },
      folder: 'Enterprise:Partners',
    });
    assert.equal(b.ok, true, JSON.stringify(b));
    assert.equal(b.folder.id, 2100);
  });

  it('an unknown folder is NOT_FOUND, a wrong password AUTHENTICATION, an undeployed connection says to deploy', async () => {
    const missing = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn', folder: 'Enterprise:Partners/Nobody' });
    assert.equal(missing.ok, false);
    assert.equal(missing.error?.code, 'NOT_FOUND');
    const missingId = await post<BrowseBody>('/filebridge/cs/browse', { id: 'conn', folder: 999999 });
    assert.equal(missingId.error?.code, 'NOT_FOUND');
    const bad = await post<BrowseBody>('/filebridge/cs/browse', {
      baseUrl: sim.apiBase,
      authMode: 'password',
      username: 'Admin',
      credentials: { password: 'wrong-secret' },
    });
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, 'AUTHENTICATION');
    assert.doesNotMatch(JSON.stringify(bad), /wrong-secret/);
    const undeployed = await post<BrowseBody>('/filebridge/cs/browse', { id: 'not-deployed' });
    assert.equal(undeployed.ok, false);
    assert.equal(undeployed.error?.code, 'INVALID_INPUT');
    assert.match(undeployed.error?.message ?? '', /deploy the connection first/);
  });

  it('lists the categories of a folder carrying Invoice with attribute names, types and valid values', async () => {
    const c = await post<CategoriesBody>('/filebridge/cs/categories', { id: 'conn', node: 2461 });
    assert.equal(c.ok, true, JSON.stringify(c));
    const invoice = c.categories.find((x) => x.name === 'Invoice');
    assert.ok(invoice, JSON.stringify(c.categories));
    assert.equal(invoice.id, 9830);
    const byName = new Map(invoice.attributes.map((a) => [a.name, a]));
    assert.equal(byName.get('Vendor')?.type, 'string');
    assert.equal(byName.get('Amount')?.type, 'real');
    assert.deepEqual(byName.get('Status')?.validValues, ['Draft', 'Approved', 'Paid', 'Rejected']);
    const byPath = await post<CategoriesBody>('/filebridge/cs/categories', { id: 'conn', node: 'Enterprise:Archive' });
    assert.equal(byPath.ok, true, JSON.stringify(byPath));
    assert.deepEqual(byPath.categories, []);
    const missing = await post<CategoriesBody>('/filebridge/cs/categories', { id: 'conn', node: 'Enterprise:Nope' });
    assert.equal(missing.error?.code, 'NOT_FOUND');
  });
});

/*
 * Test connection and the pickers act with a deployed connection's stored secrets. Played as an
 * attacker with write access to the admin API would: a deployed node's id plus a URL of the
 * attacker's choosing. The trap is that URL; it records every login that reaches it.
 */
describe('filebridge-cs-connection admin endpoints never hand a stored secret to another server', function () {
  this.timeout(60_000);
  const { sim } = simulatorAndNodeRed();
  const OTDS_SECRET = 'filebridge-secret';
  let trap: CredentialTrap;

  beforeEach(async () => {
    trap = await startHttpTrap();
  });
  afterEach(async () => {
    await trap.close();
  });

  type Answer = { ok: boolean; error?: { code: string; message: string }; user?: { name: string } };

  async function post(path: string, body: Record<string, unknown>): Promise<Answer> {
    const res = await helper.request().post(path).send(body).expect(200);
    const answer = res.body as Answer;
    for (const secret of [PASSWORD, OTDS_SECRET]) assert.doesNotMatch(JSON.stringify(answer), new RegExp(secret), 'an admin answer carried a secret');
    return answer;
  }

  function refusedAsUntyped(answer: Answer, secret = 'password'): void {
    // First what matters most: the secret reached no trap.
    assert.equal(trap.saw(PASSWORD) || trap.saw(OTDS_SECRET), false, `the trap received a stored secret: ${trap.received.join(' | ')}`);
    assert.equal(answer.ok, false, JSON.stringify(answer));
    assert.equal(answer.error?.code, 'INVALID_INPUT', JSON.stringify(answer));
    assert.match(answer.error?.message ?? '', new RegExp(`type the ${secret} again`));
  }

  function trapSawNothing(): void {
    assert.equal(trap.saw(PASSWORD) || trap.saw(OTDS_SECRET), false, trap.received.join('\n'));
    assert.equal(trap.connections, 0, `the trap was contacted: ${trap.received.join('\n')}`);
  }

  const deployedPassword = (): Record<string, unknown> => ({ baseUrl: sim.apiBase, authMode: 'password', username: 'Admin' });
  const deployedOtds = (): Record<string, unknown> => ({ baseUrl: sim.apiBase, authMode: 'otds', otdsUrl: sim.url, clientId: 'filebridge' });

  it('another base URL or user than deployed: Test connection, browse and categories refuse, the password reaches no one', async () => {
    await loadFlow([csConnectionNode], [{ id: 'conn', type: 'filebridge-cs-connection', ...deployedPassword() }], { conn: { password: PASSWORD } });
    const elsewhere = { id: 'conn', ...deployedPassword(), baseUrl: `http://${trap.host}:${trap.port}/otcs/cs.exe/api`, credentials: { password: '__PWRD__' } };
    refusedAsUntyped(await post('/filebridge/cs/test', elsewhere));
    refusedAsUntyped(await post('/filebridge/cs/browse', { ...elsewhere, folder: 'Enterprise' }));
    refusedAsUntyped(await post('/filebridge/cs/categories', { ...elsewhere, node: 2000 }));
    refusedAsUntyped(await post('/filebridge/cs/test', { ...elsewhere, baseUrl: sim.apiBase, username: 'Guest' }));
    // The secret left out entirely: nothing stored is used, so the login has no password.
    const omitted = await post('/filebridge/cs/test', { id: 'conn', ...deployedPassword(), baseUrl: `http://${trap.host}:${trap.port}/api` });
    assert.equal(omitted.ok, false);
    assert.equal(omitted.error?.code, 'INVALID_INPUT');
    assert.match(omitted.error?.message ?? '', /needs a password/);
    trapSawNothing();
  });

  it('another OTDS URL or client id than deployed: refused, the client secret reaches no one', async () => {
    await loadFlow([csConnectionNode], [{ id: 'conn', type: 'filebridge-cs-connection', ...deployedOtds() }], { conn: { clientSecret: OTDS_SECRET } });
    const asDeployed = { id: 'conn', ...deployedOtds(), credentials: { password: '', clientSecret: '__PWRD__', ticket: '' } };
    refusedAsUntyped(await post('/filebridge/cs/test', { ...asDeployed, otdsUrl: `http://${trap.host}:${trap.port}` }), 'client secret');
    refusedAsUntyped(await post('/filebridge/cs/test', { ...asDeployed, clientId: 'someone-else' }), 'client secret');
    refusedAsUntyped(await post('/filebridge/cs/browse', { ...asDeployed, authMode: 'password', username: 'Admin', credentials: { password: '__PWRD__' } }));
    trapSawNothing();
    // As deployed, the stored secret is used: the legitimate path of the dialog.
    const ok = await post('/filebridge/cs/test', asDeployed);
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.user?.name, 'Admin');
  });

  it('the id of a server node or of a core http request node lends no secret, and an id alone only uses a connection node', async () => {
    await loadFlow(
      [csConnectionNode, serverNode, coreNode('network/21-httprequest.js')],
      [
        { id: 'tab', type: 'tab', label: 'secrets' },
        { id: 'srv', type: 'filebridge-server', protocol: 'sftp', host: '127.0.0.1', port: 1, username: 'Admin' },
        { id: 'web', type: 'http request', z: 'tab', method: 'GET', url: 'http://127.0.0.1:1/', authType: 'basic', wires: [[]] },
      ],
      { srv: { password: PASSWORD }, web: { user: 'Admin', password: PASSWORD } },
    );
    const toTrap = { baseUrl: `http://${trap.host}:${trap.port}/api`, authMode: 'password', username: 'Admin', credentials: { password: '__PWRD__' } };
    for (const id of ['srv', 'web']) {
      refusedAsUntyped(await post('/filebridge/cs/test', { id, ...toTrap }));
      refusedAsUntyped(await post('/filebridge/cs/browse', { id, ...toTrap }));
      const idOnly = await post('/filebridge/cs/browse', { id });
      assert.equal(idOnly.ok, false);
      assert.equal(idOnly.error?.code, 'INVALID_INPUT');
      assert.match(idOnly.error?.message ?? '', /deploy the connection first/);
    }
    trapSawNothing();
  });

  it('a connection that is not deployed has no stored secret to lend', async () => {
    await loadFlow([csConnectionNode], []);
    refusedAsUntyped(await post('/filebridge/cs/test', { id: 'never-deployed', ...deployedPassword(), credentials: { password: '__PWRD__' } }));
    trapSawNothing();
  });

  it('unchanged settings with the stored password pass, from Test connection and from the pickers', async () => {
    await loadFlow([csConnectionNode], [{ id: 'conn', type: 'filebridge-cs-connection', ...deployedPassword(), timeout: '30' }], {
      conn: { password: PASSWORD },
    });
    // Settings that do not decide where the secret goes may differ (the dialog is being edited).
    const asDeployed = { id: 'conn', ...deployedPassword(), timeout: '45', credentials: { password: '__PWRD__', clientSecret: '', ticket: '' } };
    const ok = await post('/filebridge/cs/test', asDeployed);
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.user?.name, 'Admin');
    const browsed = await post('/filebridge/cs/browse', { ...asDeployed, folder: 'Enterprise:Partners' });
    assert.equal(browsed.ok, true, JSON.stringify(browsed));
  });
});
