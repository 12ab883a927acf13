import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../src/core/errors';
import { createHash } from 'node:crypto';
import { ContentServerClient } from '../../../src/core/content-server';
import { performUpload, prepareUpload, uploadOutcome } from '../../../src/core/content-server/upload-request';
import { startContentServerSim, type ContentServerSim } from '../../../dev/sim/content-server';

const defaults = { folder: 'Enterprise:Inbound', createFolders: true, collision: 'add-version' as const, categories: '{"Invoice":{"Vendor":"ACME"}}' };

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && pattern.test(err.message));
}

describe('cs-upload request from node settings and message', () => {
  it('names the document after the last part of msg.filename and uses the node defaults', () => {
    const u = prepareUpload(defaults, Buffer.from('abc'), 'C:\\data\\in/report.pdf', undefined);
    assert.equal(u.name, 'report.pdf');
    assert.equal(u.folder, 'Enterprise:Inbound');
    assert.equal(u.collision, 'add-version');
    assert.deepEqual(u.categories, { Invoice: { Vendor: 'ACME' } });
    assert.equal(u.size, 3);
  });

  it('lets msg.filebridge.target override folder, name, collision and categories', () => {
    const u = prepareUpload(defaults, 'text', 'ignored.txt', { folder: 2101, name: 'x.txt', collision: 'rename', categories: { Contract: { Value: 5 } } });
    assert.deepEqual([u.folder, u.name, u.collision, u.categories], [2101, 'x.txt', 'rename', { Contract: { Value: 5 } }]);
  });

  it('refuses what it cannot upload, saying what to set', () => {
    refused(() => prepareUpload(defaults, Buffer.alloc(1), undefined, undefined), /msg\.filename/);
    refused(() => prepareUpload({ ...defaults, folder: '' }, Buffer.alloc(1), 'a', undefined), /Folder/);
    refused(() => prepareUpload(defaults, Buffer.alloc(1), 'a', { collision: 'merge' }), /add-version, skip-identical, rename, fail/);
    refused(() => prepareUpload({ ...defaults, categories: '{oops' }, Buffer.alloc(1), 'a', undefined), /not valid JSON/);
    refused(() => prepareUpload(defaults, { an: 'object' }, 'a', undefined), /Buffer, a string or a readable stream/);
    refused(() => prepareUpload(defaults, Readable.from([]), 'a', { collision: 'skip-identical' }), /stream payload/);
  });

  it('hands a stream out once and refuses a second read instead of sending an empty file', () => {
    const stream = Readable.from([Buffer.from('x')]);
    const u = prepareUpload(defaults, stream, 'a.bin', undefined);
    assert.equal(u.open(), stream);
    refused(() => u.open(), /already read/);
  });

  it('reports a rename when the stored name differs from the requested one', () => {
    const u = prepareUpload({ ...defaults, collision: 'rename' }, Buffer.alloc(1), 'a.txt', undefined);
    const outcome = uploadOutcome(u, { action: 'created', id: 7, parentId: 2200, name: 'a (2).txt', version: 1 });
    assert.deepEqual(outcome, { id: 7, version: 1, name: 'a (2).txt', folderId: 2200, path: 'Enterprise:Inbound/a (2).txt', action: 'renamed' });
  });

  it('opens a stream payload again from its source for a retry, and then allows skip-identical', () => {
    const first = Readable.from([Buffer.from('x')]);
    const again = Readable.from([Buffer.from('x')]);
    let reopened = 0;
    const u = prepareUpload(defaults, first, 'a.bin', { collision: 'skip-identical' }, { size: 1, reopen: () => (reopened++, again) });
    assert.equal(u.size, 1);
    assert.equal(u.open(), first);
    assert.equal(u.open(), again);
    assert.equal(reopened, 1);
  });

  it('takes governance from the node settings unless the message gives it, and checks the JSON settings', () => {
    const node = { ...defaults, classification: ' Finance/Invoices ', holds: 'Audit 2026, Litigation', permissions: '{"Partners":["see"]}', workflow: '2401' };
    const u = prepareUpload(node, 'x', 'a.txt', undefined);
    assert.deepEqual(u.governing, { classification: 'Finance/Invoices', holds: ['Audit 2026', 'Litigation'], permissions: { Partners: ['see'] }, workflow: { map: 2401 } });
    const m = prepareUpload(node, 'x', 'a.txt', { holds: ['Other'], workflow: { map: 'Enterprise:Workflows/Approve', comment: 'go' } });
    assert.deepEqual(m.governing.holds, ['Other']);
    assert.deepEqual(m.governing.workflow, { map: 'Enterprise:Workflows/Approve', comment: 'go' });
    assert.equal(m.governing.classification, 'Finance/Invoices');
    refused(() => prepareUpload({ ...node, permissions: '{"Partners": [see]}' }, 'x', 'a.txt', undefined), /permissions are not valid JSON.*Partners/);
  });

  it('files into a workspace without a folder, and names bad workspace fields', () => {
    const u = prepareUpload({ ...defaults, folder: '' }, 'x', 'a.txt', { workspace: { name: 'ACME' } });
    assert.equal(u.folder, undefined);
    assert.deepEqual(u.workspace, { name: 'ACME', type: undefined });
    refused(() => prepareUpload({ ...defaults, folder: '' }, 'x', 'a.txt', { workspace: { type: 3 } }), /businessObject .* or a name/);
    refused(() => prepareUpload(defaults, 'x', 'a.txt', { folder: { id: 3 } }), /folder must be a path or a node id/);
  });
});

describe('cs-upload adding a version to a document given by id (msg.filebridge.target.document)', function () {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const simNode = async (id: number): Promise<{ versions: { version_number: number; file_name: string; sha256: string; description: string }[]; categories: Record<string, Record<string, unknown>>; parent_id: number }> =>
    (await (await fetch(`${sim.url}/__sim/nodes/${id}`)).json()) as never;

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = new ContentServerClient({ baseUrl: `${sim.url}/otcs/cs.exe`, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, categoryTemplates: [2470] });
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  async function contract(name: string): Promise<number> {
    const created = await client.upload({
      target: 'Enterprise:Partners/ACME', name, open: () => Readable.from([Buffer.from('draft')]),
      categories: { Contract: { 'Contract Number': 'C-1', Signed: false } },
    });
    return created.id;
  }

  it('takes the id as a number or as digits, ignores folder, name and collision, and keeps the file name for the version', () => {
    const u = prepareUpload({ ...defaults, folder: '' }, Buffer.from('x'), 'in/Contract (CS-42)_signed.pdf', { document: ' 42 ', folder: 'Elsewhere', name: 'Other.pdf', collision: 'fail' });
    assert.deepEqual([u.document, u.folder, u.name, u.collision], [42, undefined, 'Contract (CS-42)_signed.pdf', 'add-version']);
    assert.equal(prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: 42 }).document, 42);
    assert.equal(prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: '' }).document, undefined);
    for (const bad of ['42a', -3, 0, 1.5, { id: 42 }, true]) refused(() => prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: bad }), /target\.document must be the node id of the document/);
  });

  it('with skip-identical, a file delivered twice (a crash before its ack) adds one version, not two', async () => {
    const id = await contract('Contract delivered twice.pdf');
    const signed = Buffer.from('%PDF signed twice');
    const target = { document: id, collision: 'skip-identical' };
    const first = await performUpload(client, prepareUpload({ ...defaults, folder: '', categories: '' }, signed, 'x_signed.pdf', target));
    const again = await performUpload(client, prepareUpload({ ...defaults, folder: '', categories: '' }, signed, 'x_signed.pdf', target));
    assert.deepEqual([first.action, first.version, again.action, again.version], ['versioned', 2, 'skipped', 2]);
    assert.equal((await simNode(id)).versions.length, 2);
    refused(() => prepareUpload(defaults, Readable.from([signed]), 'x.pdf', target), /stream payload/);
  });

  it('adds version 2 to the same node with the bytes, the description, categories and governance', async () => {
    const id = await contract('Contract roundtrip A.pdf');
    const signed = Buffer.from('%PDF signed by ACME');
    const u = prepareUpload({ ...defaults, folder: '', categories: '' }, signed, 'Contract roundtrip A (CS-1)_signed.pdf', {
      document: String(id), description: 'Signed copy returned by ACME', categories: { Contract: { Signed: true } }, holds: ['Tax Audit'],
    });
    const outcome = await performUpload(client, u);
    assert.deepEqual([outcome.id, outcome.version, outcome.action, outcome.name, outcome.folderId], [id, 2, 'versioned', 'Contract roundtrip A.pdf', 2101]);
    assert.deepEqual(outcome.governance?.holds, [{ id: 2, name: 'Tax Audit' }]);
    const node = await simNode(id);
    assert.equal(node.versions.length, 2);
    assert.deepEqual([node.versions[1].file_name, node.versions[1].sha256, node.versions[1].description], ['Contract roundtrip A (CS-1)_signed.pdf', sha(signed), 'Signed copy returned by ACME']);
    assert.equal(node.versions[0].sha256, sha(Buffer.from('draft')));
    assert.equal(node.categories['9840']['9840_6'], true);
    assert.equal(node.categories['9840']['9840_2'], 'C-1');
  });

  it('fails with NOT_FOUND for an id that names nothing or a folder, storing nothing', async () => {
    for (const [document, why] of [[987654, /No document 987654 to add a version to: no node has that id/], [2101, /No document 2101 .*'ACME' is not a document \(type 0\)/]] as const) {
      const u = prepareUpload(defaults, Buffer.from('x'), 'x (CS-1).pdf', { document });
      await assert.rejects(performUpload(client, u), (err: unknown) => err instanceof FileBridgeError && err.code === 'NOT_FOUND' && why.test(err.message));
    }
    assert.equal((await fetch(`${sim.url}/__sim/tree`).then((r) => r.text())).includes('x (CS-1).pdf'), false);
  });

  it('checks governance names before the version is added', async () => {
    const id = await contract('Contract roundtrip B.pdf');
    const u = prepareUpload(defaults, Buffer.from('v2'), 'b.pdf', { document: id, holds: ['No such hold'] });
    await assert.rejects(performUpload(client, u), (err: unknown) => err instanceof FileBridgeError && err.code === 'NOT_FOUND' && /No such hold/.test(err.message));
    assert.equal((await simNode(id)).versions.length, 1);
  });
});
