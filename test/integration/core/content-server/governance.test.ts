/** OTDS login, records management, holds, permissions, business workspaces, workflows and change browsing against the simulator. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ContentServerClient, nextMark, type Change } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';

const text = (s: string) => (): Readable => Readable.from([Buffer.from(s)]);

function isCode(code: string, message?: RegExp) {
  return (err: unknown): boolean => err instanceof FileBridgeError && err.code === code && (!message || message.test(err.message));
}

describe('content-server governance, workspaces, workflows, changes', () => {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  let doc: number;

  before(async () => {
    sim = await startContentServerSim();
    client = new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe/api`,
      auth: { kind: 'password', username: 'Admin', password: 'livelink' },
      classificationRoot: 2500,
    });
    doc = (await client.upload({ target: 'Enterprise:Governed', createFolders: true, name: 'contract.pdf', open: text('c') })).id;
  });
  after(async () => {
    await sim.stop();
  });

  it('logs in with OTDS client credentials (bearer exchanged for a ticket)', async () => {
    const c = new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe/api`,
      auth: { kind: 'otds', otdsUrl: sim.url, clientId: 'filebridge', clientSecret: 'filebridge-secret' },
    });
    assert.equal((await c.whoami()).name, 'Admin');
    sim.expireTickets();
    assert.equal((await c.getNode(2000)).id, 2000);
    assert.equal(c.http.keeper.logins, 2, 'a second token exchange after the expiry');
    const bad = new ContentServerClient({
      baseUrl: `${sim.url}/otcs/cs.exe/api`,
      auth: { kind: 'otds', otdsUrl: sim.url, clientId: 'filebridge', clientSecret: 'wrong' },
    });
    await assert.rejects(bad.whoami(), isCode('AUTHENTICATION', /invalid_client/));
  });

  it('classifies by id and by path with a fresh rm_metadataToken each time', async () => {
    assert.equal(await client.governance.classify(doc, 'Finance/Contracts'), 2503);
    assert.equal(await client.governance.classify(doc, 2502), 2502);
    assert.equal(await client.governance.classify(doc, 2502), 2502, 'already applied: left alone');
    const { items } = await client.governance.classifications(doc);
    assert.deepEqual(items.map((c) => c.classId).sort(), [2502, 2503]);
    await assert.rejects(client.governance.classify(doc, 'Finance/Nothing'), isCode('NOT_FOUND', /Nothing/));
  });

  it('puts holds on by name and keeps a held document from being deleted', async () => {
    const applied = await client.governance.applyHolds(doc, ['litigation acme 2026', 2]);
    assert.deepEqual(
      applied.map((h) => h.id),
      [1, 2],
    );
    await client.governance.applyHolds(doc, ['Tax Audit']);
    assert.deepEqual((await client.governance.nodeHolds(doc)).map((h) => h.name).sort(), ['Litigation ACME 2026', 'Tax Audit']);
    await assert.rejects(client.governance.applyHolds(doc, ['Nope']), isCode('INVALID_INPUT', /Unknown hold 'Nope'/));
    await assert.rejects(client.nodes.delete(doc), isCode('CS_REJECTED', /on hold/));
    await client.governance.removeHold(doc, 1);
    await client.governance.removeHold(doc, 2);
  });

  it('grants and changes assigned access by user and group name', async () => {
    await client.governance.grant(doc, 'Finance', ['see_contents', 'modify']);
    await client.governance.grant(doc, 'jdoe', ['see_contents']);
    let perms = await client.governance.permissions(doc);
    const finance = perms.find((p) => p.type === 'custom' && p.right_id === 2002);
    assert.deepEqual(finance?.permissions, ['see', 'see_contents', 'modify']);
    await client.governance.grant(doc, 'finance', ['see_contents']);
    perms = await client.governance.permissions(doc);
    assert.deepEqual(perms.find((p) => p.type === 'custom' && p.right_id === 2002)?.permissions, ['see', 'see_contents']);
    await client.governance.revoke(doc, 'jdoe');
    perms = await client.governance.permissions(doc);
    assert.equal(
      perms.some((p) => p.type === 'custom' && p.right_id === 1001),
      false,
    );
    await assert.rejects(client.governance.grant(doc, 'Nobody', ['see']), isCode('NOT_FOUND', /Nobody/));
  });

  it('finds or creates a business workspace by business object and files into it', async () => {
    const bo = { extSystemId: 'SAP', boType: 'KNA1', boId: '4711' };
    assert.equal(await client.workspaces.byBusinessObject(bo), undefined);
    const first = await client.workspaces.ensure({ templateId: 3001, workspaceTypeId: 10, name: 'ACME Corp', businessObject: bo });
    assert.equal(first.created, true);
    assert.equal(first.workspace.name, 'ACME Corp (4711)', 'the server naming rule, read back');
    const again = await client.workspaces.ensure({ templateId: 3001, workspaceTypeId: 10, name: 'ACME Corp', businessObject: bo });
    assert.deepEqual([again.created, again.workspace.id], [false, first.workspace.id]);
    assert.deepEqual(
      (await client.workspaces.find({ name: 'ACME Corp (4711)' })).map((w) => w.id),
      [first.workspace.id],
    );
    assert.deepEqual(await client.workspaces.find({ name: 'ACME' }), [], 'exact names only');
    const filed = await client.upload({ target: `${first.workspace.id}:Invoices`, createFolders: true, name: 'i.pdf', open: text('i') });
    assert.equal(filed.action, 'created');
  });

  it('starts a workflow with attached documents, with and without a comment', async () => {
    const p1 = await client.workflows.start({ workflowId: 2401, docIds: [doc] });
    const p2 = await client.workflows.start({ workflowId: 2401, docIds: [doc], comment: 'please approve' });
    assert.notEqual(p1, p2);
    // A real status names the process, not its documents (pyxecm get_workflow_status).
    const status = await client.workflows.status(p2);
    assert.deepEqual(
      [(status.wf_details as { work_workID: number }).work_workID, (status.wf_details as { wf_name: string }).wf_name],
      [p2, 'Invoice Approval'],
    );
    const records = (await (await fetch(`${sim.url}/__sim/records`)).json()) as { processes: { process_id: number; doc_ids: number[] }[] };
    assert.deepEqual(records.processes.find((p) => p.process_id === p2)?.doc_ids, [doc]);
    await assert.rejects(client.workflows.start({ workflowId: 2000, docIds: [doc] }), isCode('CS_REJECTED', /workflow map/));
  });

  it('lists documents changed since a high-water mark, recursively', async function () {
    this.timeout(20_000);
    const base = 'Enterprise:Export';
    await client.upload({ target: `${base}/sub`, createFolders: true, name: 'a.txt', open: text('a') });
    await client.upload({ target: base, name: 'b.txt', open: text('b') });
    const all: Change[] = [];
    for await (const c of client.changes({ folder: base, recursive: true })) all.push(c);
    assert.deepEqual(all.map((c) => c.node.name).sort(), ['a.txt', 'b.txt']);
    const mark = nextMark(all);
    // The simulator stamps whole seconds, like the server.
    await new Promise((r) => setTimeout(r, 1100));
    await client.upload({ target: `${base}/sub`, name: 'a.txt', open: text('a2') });
    await client.upload({ target: base, name: 'c.txt', open: text('c') });
    const changed: string[] = [];
    for await (const c of client.changes({ folder: base, recursive: true, ...mark })) changed.push(c.node.name);
    assert.deepEqual(changed.sort(), ['a.txt', 'c.txt']);
    const flat: string[] = [];
    for await (const c of client.changes({ folder: base, ...mark })) flat.push(c.node.name);
    assert.deepEqual(flat, ['c.txt']);
  });

  it('keeps items changed in the same second as the mark, without repeating those already sent', async () => {
    const base = 'Enterprise:SameSecond';
    const first = await client.upload({ target: base, createFolders: true, name: 'one.txt', open: text('1') });
    const sent: Change[] = [];
    for await (const c of client.changes({ folder: base })) sent.push(c);
    const mark = nextMark(sent);
    assert.deepEqual(mark.seenAtMark, [first.id]);
    // Another file in the same second as the mark (the simulator stamps whole seconds).
    const second = await client.upload({ target: base, name: 'two.txt', open: text('2') });
    const again: string[] = [];
    // Same second as the mark (the usual case here) or a later one: either way it is new, and one.txt is not.
    for await (const c of client.changes({ folder: base, ...mark })) again.push(c.node.name);
    assert.deepEqual(again, ['two.txt']);
    const none: string[] = [];
    for await (const c of client.changes({ folder: base, ...nextMark([{ node: await client.getNode(second.id), path: [] }], mark) })) none.push(c.node.name);
    assert.deepEqual(none, []);
  });

  it('finds every item although one is deleted while the folder is listed page by page', async function () {
    this.timeout(30_000);
    const base = 'Enterprise:Shifting';
    const names: string[] = [];
    for (let i = 0; i < 130; i++) {
      names.push(`doc-${String(i).padStart(3, '0')}.txt`);
      await client.upload({ target: base, createFolders: true, name: names[i], open: text(String(i)) });
    }
    const found: string[] = [];
    let deleted: string | undefined;
    for await (const c of client.changes({ folder: base })) {
      found.push(c.node.name);
      if (!deleted) {
        // Page 1 (100 items) is in; removing one of them moves the first item of page 2 onto page 1.
        const victim = await client.nodes.findChild(await client.resolveFolder(base), names[129 - 50]);
        deleted = victim?.name;
        await client.nodes.delete(victim?.id as number);
      }
    }
    assert.equal(deleted, names[79]);
    const missing = names.filter((n) => n !== deleted && !found.includes(n));
    assert.deepEqual(missing, []);
    assert.equal(new Set(found).size, found.length, 'nothing twice');
  });

  it('filters changes by a category attribute value', async () => {
    const base = 'Enterprise:Approvals';
    const folder = await client.resolveFolder(base, { create: true });
    await client.applyCategory(folder, { '9830_5': 'Draft' });
    await client.upload({ target: base, name: 'ok.pdf', open: text('1'), categories: { Invoice: { Status: 'Approved' } } });
    await client.upload({ target: base, name: 'draft.pdf', open: text('2'), categories: { Invoice: { Status: 'Draft' } } });
    await client.upload({ target: base, name: 'plain.pdf', open: text('3') });
    const names: string[] = [];
    for await (const c of client.changes({ folder: base, where: { category: 'invoice', attribute: 'status', equals: 'Approved' } })) names.push(c.node.name);
    assert.deepEqual(names, ['ok.pdf']);
  });

  it('searches by name and type below a folder, paging through', async () => {
    sim.setFaults({ searchLagMs: 0 });
    const folder = await client.resolveFolder('Enterprise:Searchable', { create: true });
    for (let i = 0; i < 7; i++) await client.upload({ target: folder, name: `contract-${i}.pdf`, open: text(String(i)) });
    await client.upload({ target: folder, name: 'other.pdf', open: text('x') });
    const hits: string[] = [];
    for await (const n of client.search({ where: 'OTName:contract* AND OTSubType:144', locationId: folder, sort: 'asc_OTName', pageSize: 3 }))
      hits.push(n.name);
    assert.deepEqual(
      hits,
      Array.from({ length: 7 }, (_, i) => `contract-${i}.pdf`),
    );
    const first: string[] = [];
    for await (const n of client.search({ where: 'OTName:contract*', locationId: folder, maxResults: 2 })) first.push(n.name);
    assert.equal(first.length, 2);
  });
});
