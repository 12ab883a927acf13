/** applyTarget against the simulator: every governance part lands, and bad names stop it before any write. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ContentServerClient, applyTarget, parseGovernanceTarget } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';

type Records = {
  classifications: Record<string, { class_id: number }[]>;
  holds: Record<string, number[]>;
  permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
  processes: { process_id: number; workflow_id: number; doc_ids: number[]; comment: string }[];
};
type SimNodeView = { id: number; parent_id: number; name: string; categories: Record<string, Record<string, unknown>> };

function isCode(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    if (!(err instanceof FileBridgeError)) throw err;
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('content-server applyTarget', () => {
  let sim: ContentServerSim;
  let client: ContentServerClient;
  let counter = 0;

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    // Documents inherit the folder's categories, so Invoice names resolve through the parent.
    const folder = await client.resolveFolder('Enterprise:Governed', { create: true });
    await client.applyCategory(folder, { '9830_2': 'Default' });
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  async function newDoc(folder = 'Enterprise:Governed'): Promise<number> {
    counter += 1;
    return (await client.upload({ target: folder, createFolders: true, name: `doc-${counter}.pdf`, open: () => Readable.from([Buffer.from('x')]) })).id;
  }
  async function records(): Promise<Records> {
    return (await (await fetch(`${sim.url}/__sim/records`)).json()) as Records;
  }
  async function inspect(id: number): Promise<SimNodeView> {
    return (await (await fetch(`${sim.url}/__sim/nodes/${id}`)).json()) as SimNodeView;
  }
  function custom(r: Records, nodeId: number, memberId: number): string[] | undefined {
    return r.permissions[String(nodeId)]?.find((p) => p.type === 'custom' && p.right_id === memberId)?.permissions;
  }

  it('applies categories, classification, holds, permissions (object form) and a workflow in one go', async () => {
    const doc = await newDoc();
    const done = await applyTarget(client, doc, {
      folder: 'ignored here',
      name: 'ignored.pdf',
      categories: { Invoice: { Vendor: 'ACME', Amount: '12.50', Status: 'Approved' } },
      classification: '2500:Finance/Invoices',
      holds: ['Tax Audit', 'litigation acme 2026'],
      permissions: { Finance: ['see', 'see_contents', 'modify'], jdoe: ['see'] },
      workflow: { map: 'Enterprise:Workflows/Invoice Approval', comment: 'please approve' },
    });
    const node = await inspect(doc);
    assert.equal(node.categories['9830']['9830_2'], 'ACME');
    assert.equal(node.categories['9830']['9830_3'], 12.5);
    assert.equal(node.categories['9830']['9830_5'], 'Approved');
    const r = await records();
    assert.deepEqual(
      r.classifications[String(doc)].map((c) => c.class_id),
      [2502],
    );
    assert.deepEqual([...r.holds[String(doc)]].sort(), [1, 2]);
    assert.deepEqual(custom(r, doc, 2002), ['see', 'see_contents', 'modify']);
    assert.deepEqual(custom(r, doc, 1001), ['see']);
    const process = r.processes.find((p) => p.doc_ids.includes(doc));
    assert.ok(process, 'a process with the document attached');
    assert.equal(process.workflow_id, 2401);
    assert.equal(process.comment, 'please approve');
    assert.deepEqual(done, {
      categories: [{ id: 9830, name: 'Invoice' }],
      classification: 2502,
      holds: [
        { id: 2, name: 'Tax Audit' },
        { id: 1, name: 'Litigation ACME 2026' },
      ],
      permissions: [
        { member: 'Finance', memberId: 2002, permissions: ['see', 'see_contents', 'modify'], applyTo: 0 },
        { member: 'jdoe', memberId: 1001, permissions: ['see'], applyTo: 0 },
      ],
      workflow: { mapId: 2401, processId: process.process_id, docIds: [doc] },
    });
  });

  it('takes the permissions list form with applyTo, ids for classification and map, and the classification root option', async () => {
    const folder = await client.resolveFolder('Enterprise:Governed/Sub', { create: true });
    const inside = await newDoc('Enterprise:Governed/Sub');
    const done = await applyTarget(
      client,
      folder,
      {
        permissions: [{ member: 'Finance', permissions: 'see,see_contents', applyTo: 2 }],
        classification: 'Finance/Contracts',
        workflow: { map: 2401 },
      },
      { classificationRoot: 2500, attach: [inside] },
    );
    const r = await records();
    assert.deepEqual(custom(r, folder, 2002), ['see', 'see_contents']);
    assert.deepEqual(custom(r, inside, 2002), ['see', 'see_contents'], 'applyTo 2 reaches the sub-items');
    assert.deepEqual(
      r.classifications[String(folder)].map((c) => c.class_id),
      [2503],
    );
    assert.deepEqual(done.workflow?.docIds, [folder, inside]);
    assert.deepEqual(r.processes.find((p) => p.process_id === done.workflow?.processId)?.doc_ids, [folder, inside]);
  });

  it('makes a user the owner, keeping the owner permissions, before the workflow starts', async () => {
    const doc = await newDoc();
    // As Content Server lists them (GET /v2/nodes/{id}/permissions): the simulator keeps no entry until one is written.
    const ownerOf = async (): Promise<Record<string, unknown> | undefined> => (await client.governance.permissions(doc)).find((p) => p.type === 'owner');
    const before = await ownerOf();
    assert.equal(before?.right_id, 1000, 'the uploader (Admin) owns a new document');
    const done = await applyTarget(client, doc, { owner: 'msmith', permissions: { jdoe: ['see'] }, workflow: { map: 2401 } });
    const after = await ownerOf();
    assert.equal(after?.right_id, 1002);
    assert.deepEqual(after?.permissions, before?.permissions);
    assert.deepEqual(done.owner, { member: 'msmith', memberId: 1002 });
    assert.ok(done.workflow, 'the workflow started after the owner was set');
    // Applied again: still msmith, nothing fails.
    await applyTarget(client, doc, { owner: 'msmith' });
    assert.equal((await ownerOf())?.right_id, 1002);
    assert.equal((await records()).permissions[String(doc)].find((p) => p.type === 'owner')?.right_id, 1002);
  });

  it('implies see and see_contents, and re-applying the same target changes nothing and does not fail', async () => {
    const doc = await newDoc();
    const target = { permissions: { Finance: ['modify'] }, holds: ['Tax Audit'], classification: 2502, categories: { '9830': { Vendor: 'Globex' } } };
    await applyTarget(client, doc, target);
    await applyTarget(client, doc, target);
    const r = await records();
    assert.deepEqual(custom(r, doc, 2002), ['see', 'see_contents', 'modify']);
    assert.deepEqual(r.holds[String(doc)], [2]);
    assert.deepEqual(
      r.classifications[String(doc)].map((c) => c.class_id),
      [2502],
    );
    assert.equal((await inspect(doc)).categories['9830']['9830_2'], 'Globex');
  });

  it('category by id resolves attribute names from the category itself, without any template', async () => {
    const doc = await newDoc('Enterprise:Plain');
    await applyTarget(client, doc, { categories: { '9840': { 'Contract Number': 'C-1', Parties: ['A', 'B'], Signed: 'true' } } });
    const node = await inspect(doc);
    assert.equal(node.categories['9840']['9840_2'], 'C-1');
    assert.deepEqual(node.categories['9840']['9840_3'], ['A', 'B']);
    assert.equal(node.categories['9840']['9840_6'], true);
  });

  describe('unknown names fail before anything is written', () => {
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      ['hold', { holds: ['Tax Audit', 'No Such Hold'] }, 'NOT_FOUND', /target\.holds\[1\].*No Such Hold.*known: 'Litigation ACME 2026', 'Tax Audit'/],
      ['member', { permissions: { Finance: ['see'], Nobody: ['see'] } }, 'NOT_FOUND', /target\.permissions.*Nobody/],
      ['classification path', { classification: '2500:Finance/Nothing' }, 'NOT_FOUND', /classification.*Nothing/],
      ['classification id', { classification: 2401 }, 'INVALID_INPUT', /target\.classification.*'Invoice Approval'.*not a classification/],
      ['workflow map path', { workflow: { map: 'Enterprise:Workflows/Nope' } }, 'NOT_FOUND', /workflow\.map.*Nope/],
      ['workflow map id', { workflow: { map: 2400 } }, 'INVALID_INPUT', /workflow\.map.*not a workflow map/],
      ['attribute', { categories: { Invoice: { Vendr: 'x' } } }, 'INVALID_INPUT', /target\.categories.*Vendr/],
      ['category', { categories: { Invoyce: { Vendor: 'x' } } }, 'INVALID_INPUT', /Unknown category 'Invoyce'/],
      ['owner', { owner: 'nobody' }, 'NOT_FOUND', /target\.owner: No user named 'nobody'/],
      ['owner (a group is no owner)', { owner: 'Finance' }, 'NOT_FOUND', /target\.owner: No user named 'Finance'/],
    ];
    for (const [what, part, code, message] of cases) {
      it(`unknown ${what}: ${code}`, async () => {
        const doc = await newDoc();
        const target = { categories: { Invoice: { Vendor: 'Should not be set' } }, holds: ['Tax Audit'], permissions: { Finance: ['see'] }, ...part };
        await assert.rejects(applyTarget(client, doc, target), isCode(code, message));
        const r = await records();
        assert.equal(r.holds[String(doc)], undefined, 'no hold');
        assert.equal(custom(r, doc, 2002), undefined, 'no access granted');
        assert.equal(
          r.processes.some((p) => p.doc_ids.includes(doc)),
          false,
          'no workflow',
        );
        assert.notEqual((await inspect(doc)).categories['9830']?.['9830_2'], 'Should not be set');
      });
    }

    it('a classification path without a root says how to give one', async () => {
      await assert.rejects(applyTarget(client, await newDoc(), { classification: 'Finance/Invoices' }), isCode('INVALID_INPUT', /no classification root/));
    });

    it('a missing node is NOT_FOUND', async () => {
      await assert.rejects(applyTarget(client, 999999, { holds: ['Tax Audit'] }), isCode('NOT_FOUND'));
    });
  });

  it('a failure after some writes names what was applied', async () => {
    const doc = await newDoc();
    // The server refuses a workflow start once (after the holds are on).
    const target = { holds: ['Tax Audit'], workflow: { map: 2401 } };
    const calls = { before: 0 };
    const start = client.workflows.start.bind(client.workflows);
    client.workflows.start = async (w) => {
      calls.before += 1;
      sim.script([{ status: 500, body: { error: 'Invalid request: workflow engine is paused' } }]);
      return start(w);
    };
    try {
      await assert.rejects(applyTarget(client, doc, target), isCode('CS_REJECTED', /paused.*already has: holds/));
    } finally {
      client.workflows.start = start;
    }
    assert.equal(calls.before, 1);
    assert.deepEqual((await records()).holds[String(doc)], [2]);
  });

  describe('target validation names the field', () => {
    const cases: [unknown, RegExp][] = [
      ['text', /^msg\.filebridge\.target must be an object/],
      [{ categories: [] }, /target\.categories must be an object/],
      [{ categories: { Invoice: 'ACME' } }, /target\.categories\.Invoice must be an object/],
      [{ classification: '' }, /target\.classification must be a node id or a name/],
      [{ holds: [] }, /target\.holds must be a list/],
      [{ holds: ['ok', { id: 1 }] }, /target\.holds\[1\]/],
      [{ permissions: 'Finance' }, /target\.permissions must be an object/],
      [{ permissions: { Finance: ['see', 'fly'] } }, /target\.permissions\.Finance\[1\] is not a permission: "fly"/],
      [{ permissions: { Finance: [] } }, /target\.permissions\.Finance must list permissions/],
      [{ permissions: [{ permissions: ['see'] }] }, /target\.permissions\[0\]\.member/],
      [{ permissions: [{ member: 'Finance', permissions: ['see'], applyTo: 7 }] }, /target\.permissions\[0\]\.applyTo must be 0/],
      [{ owner: '' }, /target\.owner must be a user name/],
      [{ owner: 1001 }, /target\.owner must be a user name/],
      [{ workflow: 2401 }, /target\.workflow must be an object/],
      [{ workflow: { comment: 'x' } }, /target\.workflow\.map must be a node id/],
      [{ workflow: { map: 1, comment: 5 } }, /target\.workflow\.comment must be a text/],
    ];
    for (const [target, message] of cases) {
      it(JSON.stringify(target), () => {
        assert.throws(() => parseGovernanceTarget(target), isCode('INVALID_INPUT', message));
      });
    }
    it('an empty target does nothing (and reads nothing)', async () => {
      const before = sim.stats().requests;
      assert.deepEqual(await applyTarget(client, 999999, { folder: 'Enterprise:X', name: 'a.pdf' }), {});
      assert.equal(sim.stats().requests, before);
    });
  });
});
