import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import { ContentServerClient } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { nodeRedPath } from '../../support/node-red-under-test';
import { loadFlow } from '../../support/flow-helper';

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
