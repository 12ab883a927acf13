import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { createHash } from 'node:crypto';
import { ContentServerClient } from '../../../../src/core/content-server';
import { performUpload, prepareUpload, reopenableSource } from '../../../../src/core/content-server/upload-request';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { watchedSource } from '../../../support/claimed-source';

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

/*
 * A watched file delivered again after a crash: its runtime died between the upload and the ack,
 * and lease recovery sent the same file (same server, path, size and time) with attempt + 1, a new
 * claim name and a new correlation id. Whatever the collision policy, nothing is stored twice, and
 * recognising it costs no download.
 */
describe('cs-upload: a watched file delivered again after a crash stores nothing twice', function () {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  let downloads = 0;
  let versionReads = 0;
  type SimDoc = { id: number; name: string; description: string; versions: { version_number: number; sha256: string; description: string }[] };
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const simNode = async (id: number): Promise<SimDoc> => (await (await fetch(`${sim.url}/__sim/nodes/${id}`)).json()) as never;
  const base = { folder: 'Enterprise:Inbound/Redelivery', createFolders: true, categories: '' };

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = new ContentServerClient({ baseUrl: `${sim.url}/otcs/cs.exe`, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    // Counted on the client's own calls (the server is real: the simulator), to state what a check costs.
    const nodes = client.nodes;
    const download = nodes.download.bind(nodes);
    const versions = nodes.versions.bind(nodes);
    nodes.download = (...args) => (downloads++, download(...args));
    nodes.versions = (...args) => (versionReads++, versions(...args));
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  const watched = watchedSource;

  /** One delivery through prepareUpload and performUpload, as cs-upload runs it; `stream` sends a watch-like stream. */
  async function deliver(
    collision: string,
    name: string,
    bytes: Buffer,
    attempt: number,
    o: { stream?: boolean; target?: Record<string, unknown>; mtime?: string } = {},
  ): Promise<Awaited<ReturnType<typeof performUpload>>> {
    const source = watched(name, bytes.length, attempt, o.mtime);
    const payload = o.stream ? Readable.from([bytes]) : bytes;
    const origin = reopenableSource(source, () => Readable.from([bytes]));
    return performUpload(client, prepareUpload({ ...base, collision: collision as 'fail' }, payload, name, o.target, origin));
  }

  async function otherFile(name: string, content: string): Promise<number> {
    return (await client.upload({ target: base.folder, createFolders: true, name, open: () => Readable.from([Buffer.from(content)]) })).id;
  }

  it('add-version: the re-delivery finds the version it added, also after another file added a newer one', async () => {
    const id = await otherFile('report.pdf', 'an older report');
    const bytes = Buffer.from('%PDF the report of attempt 1');
    const first = await deliver('add-version', 'report.pdf', bytes, 1, { stream: true });
    assert.deepEqual([first.action, first.id, first.version], ['versioned', id, 2]);
    // A different file of that name (another time) comes through meanwhile: a real new version.
    const newer = await deliver('add-version', 'report.pdf', Buffer.from('%PDF corrected report'), 1, { mtime: '2026-11-02T12:00:00.000Z' });
    assert.deepEqual([newer.action, newer.version], ['versioned', 3]);
    const downloadsBefore = downloads;
    const again = await deliver('add-version', 'report.pdf', bytes, 2, { stream: true });
    assert.deepEqual([again.action, again.redelivered, again.id, again.version], ['skipped', true, id, 2]);
    assert.equal(downloads, downloadsBefore, 'recognised without a download');
    const node = await simNode(id);
    assert.deepEqual(
      node.versions.map((v) => v.sha256),
      [sha(Buffer.from('an older report')), sha(bytes), sha(Buffer.from('%PDF corrected report'))],
    );
    assert.match(node.versions[1].description, /^filebridge delivery [0-9a-f]{32}$/);
  });

  it('a new file costs no version read and no download, and neither does the re-delivery of the document it created', async () => {
    const [d0, v0] = [downloads, versionReads];
    const bytes = Buffer.from('brand new');
    const first = await deliver('add-version', 'new-file.txt', bytes, 1, { stream: true });
    assert.equal(first.action, 'created');
    assert.deepEqual([downloads - d0, versionReads - v0], [0, 0]);
    const again = await deliver('add-version', 'new-file.txt', bytes, 2, { stream: true });
    assert.deepEqual([again.action, again.redelivered, again.version], ['skipped', true, 1]);
    assert.deepEqual([downloads - d0, versionReads - v0], [0, 0], 'a document this delivery created carries the mark in its own description');
    assert.equal((await simNode(first.id)).versions.length, 1);
  });

  it('skip-identical: the re-delivery is recognised although the latest version is another file', async () => {
    await otherFile('statement.csv', 'a,b\n1,2\n');
    const bytes = Buffer.from('a,b\n3,4\n');
    const first = await deliver('skip-identical', 'statement.csv', bytes, 1, { stream: true });
    assert.deepEqual([first.action, first.version], ['versioned', 2]);
    await deliver('skip-identical', 'statement.csv', Buffer.from('a,b\n5,6\n'), 1, { mtime: '2026-11-03T10:00:00.000Z' });
    const again = await deliver('skip-identical', 'statement.csv', bytes, 2, { stream: true });
    assert.deepEqual([again.action, again.redelivered, again.version], ['skipped', true, 2]);
    assert.equal((await simNode(first.id)).versions.length, 3);
  });

  it('rename: the re-delivery finds the renamed copy it created instead of making another', async () => {
    await otherFile('scan.tif', 'somebody else');
    const bytes = Buffer.from('II*\0 scan of attempt 1');
    const first = await deliver('rename', 'scan.tif', bytes, 1, { stream: true });
    assert.deepEqual([first.action, first.name], ['renamed', 'scan (2).tif']);
    const again = await deliver('rename', 'scan.tif', bytes, 2, { stream: true });
    assert.deepEqual([again.action, again.redelivered, again.id, again.name], ['skipped', true, first.id, 'scan (2).tif']);
    const tree = await (await fetch(`${sim.url}/__sim/tree`)).text();
    assert.equal(tree.includes('scan (3).tif'), false, 'no third copy');
  });

  it('fail: the re-delivery of the document it created is no CONFLICT; a different file of that name still is', async () => {
    const bytes = Buffer.from('invoice 7');
    const first = await deliver('fail', 'INV-7.pdf', bytes, 1);
    assert.equal(first.action, 'created');
    const again = await deliver('fail', 'INV-7.pdf', bytes, 2);
    assert.deepEqual([again.action, again.redelivered, again.id, again.version], ['skipped', true, first.id, 1]);
    await assert.rejects(
      deliver('fail', 'INV-7.pdf', Buffer.from('invoice 7, resent changed'), 1, { mtime: '2026-11-05T10:00:00.000Z' }),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'CONFLICT',
    );
  });

  it('target.document: the re-delivery of a returned copy adds no second version and starts no second workflow', async () => {
    const id = await otherFile('Contract 9.pdf', 'draft');
    const bytes = Buffer.from('%PDF signed');
    const target = { document: id, holds: ['Tax Audit'], workflow: { map: 2401 } };
    const first = await deliver('add-version', 'Contract 9 (CS-1)_signed.pdf', bytes, 1, { target });
    const again = await deliver('add-version', 'Contract 9 (CS-1)_signed.pdf', bytes, 2, { target });
    assert.deepEqual([first.action, first.version, again.action, again.redelivered, again.version], ['versioned', 2, 'skipped', true, 2]);
    assert.equal((await simNode(id)).versions.length, 2);
    assert.deepEqual(again.governance?.holds, [{ id: 2, name: 'Tax Audit' }], 'governed again: holds are idempotent');
    const records = (await (await fetch(`${sim.url}/__sim/records`)).json()) as { processes: { doc_ids: number[] }[] };
    assert.equal(records.processes.filter((p) => p.doc_ids.includes(id)).length, 1, 'one workflow');
  });

  it('the same path, size and time with other bytes (both digests known) is another file, not a re-delivery', async () => {
    const first = await deliver('add-version', 'same-facts.bin', Buffer.from('AAAA'), 1);
    const other = await deliver('add-version', 'same-facts.bin', Buffer.from('BBBB'), 2);
    assert.deepEqual([first.action, other.action, other.version], ['created', 'versioned', 2]);
  });

  it("keeps the user's description beside the mark, within the 255 characters of a version description", async () => {
    await otherFile('described.pdf', 'v1');
    const description = `Signed copy returned by the partner ${'and a long explanation '.repeat(20)}`;
    const bytes = Buffer.from('v2 bytes');
    const first = await deliver('add-version', 'described.pdf', bytes, 1, { target: { description } });
    const v2 = (await simNode(first.id)).versions[1].description;
    assert.ok(v2.length <= 255, `${v2.length} characters`);
    assert.ok(v2.startsWith('Signed copy returned by the partner and a long'), v2);
    assert.match(v2, /\nfilebridge delivery [0-9a-f]{32} sha256 [0-9a-f]{64}$/);
    const created = await deliver('add-version', 'described-new.pdf', bytes, 1, { target: { description: 'Migrated from /staging/x.pdf' } });
    assert.match((await simNode(created.id)).description, /^Migrated from \/staging\/x\.pdf\nfilebridge delivery [0-9a-f]{32} sha256 [0-9a-f]{64}$/);
    const again = await deliver('add-version', 'described.pdf', bytes, 2, { target: { description } });
    assert.equal(again.redelivered, true);
  });
});
