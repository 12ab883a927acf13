import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { createHash } from 'node:crypto';
import { ContentServerClient } from '../../../../src/core/content-server';
import { performUpload, prepareUpload } from '../../../../src/core/content-server/upload-request';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';

const defaults = { folder: 'Enterprise:Inbound', createFolders: true, collision: 'add-version' as const, categories: '{"Invoice":{"Vendor":"ACME"}}' };

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && pattern.test(err.message));
}

describe('cs-upload adding a version to a document given by id (msg.filebridge.target.document)', function () {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const simNode = async (
    id: number,
  ): Promise<{
    versions: { version_number: number; file_name: string; sha256: string; description: string }[];
    categories: Record<string, Record<string, unknown>>;
    parent_id: number;
  }> => (await (await fetch(`${sim.url}/__sim/nodes/${id}`)).json()) as never;

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe`,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      categoryTemplates: [2470],
    });
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  async function contract(name: string): Promise<number> {
    const created = await client.upload({
      target: 'Enterprise:Partners/ACME',
      name,
      open: () => Readable.from([Buffer.from('draft')]),
      categories: { Contract: { 'Contract Number': 'C-1', Signed: false } },
    });
    return created.id;
  }

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
      document: String(id),
      description: 'Signed copy returned by ACME',
      categories: { Contract: { Signed: true } },
      holds: ['Tax Audit'],
    });
    const outcome = await performUpload(client, u);
    assert.deepEqual([outcome.id, outcome.version, outcome.action, outcome.name, outcome.folderId], [id, 2, 'versioned', 'Contract roundtrip A.pdf', 2101]);
    assert.deepEqual(outcome.governance?.holds, [{ id: 2, name: 'Tax Audit' }]);
    const node = await simNode(id);
    assert.equal(node.versions.length, 2);
    assert.deepEqual(
      [node.versions[1].file_name, node.versions[1].sha256, node.versions[1].description],
      ['Contract roundtrip A (CS-1)_signed.pdf', sha(signed), 'Signed copy returned by ACME'],
    );
    assert.equal(node.versions[0].sha256, sha(Buffer.from('draft')));
    assert.equal(node.categories['9840']['9840_6'], true);
    assert.equal(node.categories['9840']['9840_2'], 'C-1');
  });

  it('fails with NOT_FOUND for an id that names nothing or a folder, storing nothing', async () => {
    for (const [document, why] of [
      [987654, /No document 987654 to add a version to: no node has that id/],
      [2101, /No document 2101 .*'ACME' is not a document \(type 0\)/],
    ] as const) {
      const u = prepareUpload(defaults, Buffer.from('x'), 'x (CS-1).pdf', { document });
      await assert.rejects(performUpload(client, u), (err: unknown) => err instanceof FileBridgeError && err.code === 'NOT_FOUND' && why.test(err.message));
    }
    assert.equal((await fetch(`${sim.url}/__sim/tree`).then((r) => r.text())).includes('x (CS-1).pdf'), false);
  });

  it('checks governance names before the version is added', async () => {
    const id = await contract('Contract roundtrip B.pdf');
    const u = prepareUpload(defaults, Buffer.from('v2'), 'b.pdf', { document: id, holds: ['No such hold'] });
    await assert.rejects(
      performUpload(client, u),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'NOT_FOUND' && /No such hold/.test(err.message),
    );
    assert.equal((await simNode(id)).versions.length, 1);
  });
});
