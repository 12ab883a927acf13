import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csActionNode from '../../../src/nodes/filebridge-cs-action';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall } from '../../support/flow-helper';

helper.init(nodeRedPath());

const NODES: unknown[] = [csConnectionNode, csActionNode, coreNode('common/25-catch.js')];

type ActionFacts = { action: string; nodeId: number; result: Record<string, unknown> };
type Msg = Record<string, unknown> & { filebridge?: { action?: ActionFacts }; error?: { code?: string; message: string } };
type SimNodeView = { id: number; parent_id: number; name: string; categories: Record<string, Record<string, unknown>> };
type Records = {
  classifications: Record<string, { class_id: number }[]>;
  holds: Record<string, number[]>;
  permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
  processes: { process_id: number; workflow_id: number; doc_ids: number[]; comment: string }[];
};

describe('filebridge-cs-action node in a Node-RED flow', function () {
  this.timeout(60_000);
  const { sim, client } = simulatorAndNodeRed();
  let arrivals: Arrivals<Msg> | undefined;
  let counter = 0;

  before(async () => {
    const folder = await client.resolveFolder('Enterprise:Actions', { create: true });
    await client.applyCategory(folder, { '9830_2': 'Default' });
  });

  async function newDoc(name?: string): Promise<number> {
    counter += 1;
    return (await client.upload({ target: 'Enterprise:Actions', name: name ?? `doc-${counter}.pdf`, open: () => Readable.from([Buffer.from('x')]) })).id;
  }
  async function inspect(id: number): Promise<SimNodeView> {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200);
    return (await res.json()) as SimNodeView;
  }
  async function records(): Promise<Records> {
    return (await (await fetch(`${sim.url}/__sim/records`)).json()) as Records;
  }
  function custom(r: Records, nodeId: number, memberId: number): string[] | undefined {
    return r.permissions[String(nodeId)]?.find((p) => p.type === 'custom' && p.right_id === memberId)?.permissions;
  }

  async function load(action: Record<string, unknown>): Promise<void> {
    // Several flows per test: each replaces the last.
    await helper.unload();
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 10, retries: 1 },
        {
          id: 'act',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-cs-action',
          connection: 'conn',
          nodeId: 'filebridge.cs.id',
          nodeIdType: 'msg',
          wires: [['out']],
          ...action,
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { conn: { password: 'livelink' } },
    );
    arrivals = new Arrivals<Msg>(['out', 'caught']);
  }

  async function exchange(msg: Record<string, unknown>): Promise<{ out?: Msg; caught?: Msg }> {
    if (!arrivals) throw new Error('load a flow first');
    helper.getNode('act').receive(msg);
    const { id, msg: got } = await arrivals.next();
    return id === 'out' ? { out: got } : { caught: got };
  }

  const fromUpload = (id: number, target?: Record<string, unknown>): Record<string, unknown> => ({
    payload: 'kept',
    filebridge: { cs: { id }, ...(target ? { target } : {}) },
  });

  it('categories: sets values by name from the setting and reports them', async () => {
    await load({ action: 'categories', categories: JSON.stringify({ Invoice: { Vendor: 'ACME', Status: 'Paid' } }), categoriesType: 'json' });
    const statuses: { fill?: string; text?: string }[] = [];
    onCall<{ fill?: string; text?: string }>('act', 'status', (call) => statuses.push(call.args[0]));
    const doc = await newDoc();
    const got = await exchange(fromUpload(doc));
    assert.deepEqual(statuses.at(-1), { fill: 'green', shape: 'dot', text: 'categories: Invoice' });
    assert.equal(got.caught?.error?.message, undefined);
    assert.deepEqual(got.out?.filebridge?.action, { action: 'categories', nodeId: doc, result: { categories: [{ id: 9830, name: 'Invoice' }] } });
    assert.equal(got.out?.payload, 'kept');
    const node = await inspect(doc);
    assert.equal(node.categories['9830']['9830_2'], 'ACME');
    assert.equal(node.categories['9830']['9830_5'], 'Paid');
  });

  it('classify: an empty setting falls back to msg.filebridge.target.classification; the root setting resolves the path', async () => {
    await load({ action: 'classify', classification: '', classificationType: 'str', classificationRoot: '2500' });
    const doc = await newDoc();
    const got = await exchange(fromUpload(doc, { classification: 'Finance/Invoices' }));
    assert.equal(got.out?.filebridge?.action?.result.classification, 2502, JSON.stringify(got.caught?.error));
    assert.deepEqual(
      (await records()).classifications[String(doc)].map((c) => c.class_id),
      [2502],
    );
    const statuses: { fill?: string; text?: string }[] = [];
    onCall<{ fill?: string; text?: string }>('act', 'status', (call) => statuses.push(call.args[0]));
    const missing = await exchange(fromUpload(doc, { classification: 'Finance/Receipts' }));
    assert.deepEqual(statuses.at(-1), { fill: 'red', shape: 'ring', text: 'NOT_FOUND' });
    assert.equal(missing.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(missing.caught?.error?.message), /Receipts/);
  });

  it('hold puts an item on hold and release takes it off; an unknown hold is NOT_FOUND with nothing applied', async () => {
    const doc = await newDoc();
    await load({ action: 'hold', holds: '["Tax Audit", "Litigation ACME 2026"]', holdsType: 'json' });
    const held = await exchange(fromUpload(doc));
    assert.deepEqual(
      held.out?.filebridge?.action?.result.holds,
      [
        { id: 2, name: 'Tax Audit' },
        { id: 1, name: 'Litigation ACME 2026' },
      ],
      JSON.stringify(held.caught?.error),
    );
    assert.deepEqual([...(await records()).holds[String(doc)]].sort(), [1, 2]);

    const other = await newDoc();
    const settingWins = await exchange(fromUpload(other, { holds: ['Litigation ACME 2026'] }));
    assert.deepEqual(
      settingWins.out?.filebridge?.action?.result.holds,
      [
        { id: 2, name: 'Tax Audit' },
        { id: 1, name: 'Litigation ACME 2026' },
      ],
      'the setting, not the target, is used',
    );
    await load({ action: 'hold', holds: 'holds', holdsType: 'msg' });
    const third = await newDoc();
    const notFound = await exchange({ ...fromUpload(third), holds: ['Tax Audit', 'Nope'] });
    assert.equal(notFound.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(notFound.caught?.error?.message), /msg\.holds\[1\].*Nope/);
    assert.equal((await records()).holds[String(third)], undefined, 'Tax Audit was not applied either');

    await load({ action: 'release', holds: 'Tax Audit', holdsType: 'str' });
    const released = await exchange(fromUpload(doc));
    assert.deepEqual(released.out?.filebridge?.action?.result, { released: [{ id: 2, name: 'Tax Audit' }], notOnHold: [] });
    assert.deepEqual((await records()).holds[String(doc)], [1]);
    const again = await exchange(fromUpload(doc));
    assert.deepEqual(again.out?.filebridge?.action?.result, { released: [], notOnHold: ['Tax Audit'] });
  });

  it('permissions: grants from the setting (object form, apply-to default) and revokes by member name', async () => {
    const doc = await newDoc();
    await load({
      action: 'permissions',
      permissionMode: 'grant',
      permissions: JSON.stringify({ Finance: ['modify'], jdoe: ['see'] }),
      permissionsType: 'json',
      applyTo: '0',
    });
    const granted = await exchange(fromUpload(doc));
    assert.deepEqual(
      granted.out?.filebridge?.action?.result.granted,
      [
        { member: 'Finance', memberId: 2002, permissions: ['see', 'see_contents', 'modify'], applyTo: 0 },
        { member: 'jdoe', memberId: 1001, permissions: ['see'], applyTo: 0 },
      ],
      JSON.stringify(granted.caught?.error),
    );
    let r = await records();
    assert.deepEqual(custom(r, doc, 2002), ['see', 'see_contents', 'modify']);
    assert.deepEqual(custom(r, doc, 1001), ['see']);

    await load({ action: 'permissions', permissionMode: 'grant', permissions: '', permissionsType: 'json' });
    const other = await newDoc();
    const unknown = await exchange(
      fromUpload(other, {
        permissions: [
          { member: 'Finance', permissions: ['see'] },
          { member: 'Ghosts', permissions: ['see'] },
        ],
      }),
    );
    assert.equal(unknown.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(unknown.caught?.error?.message), /msg\.filebridge\.target\.permissions.*Ghosts/);
    assert.equal(custom(await records(), other, 2002), undefined, 'Finance was not granted either');
    const badPerm = await exchange(fromUpload(other, { permissions: { Finance: ['see', 'fly'] } }));
    assert.equal(badPerm.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(badPerm.caught?.error?.message), /msg\.filebridge\.target\.permissions\.Finance\[1\]/);

    await load({ action: 'permissions', permissionMode: 'revoke', members: 'jdoe, Finance', membersType: 'str' });
    const revoked = await exchange(fromUpload(doc));
    assert.deepEqual(revoked.out?.filebridge?.action?.result, {
      revoked: [
        { member: 'jdoe', memberId: 1001 },
        { member: 'Finance', memberId: 2002 },
      ],
      hadNoAccess: [],
    });
    r = await records();
    assert.equal(custom(r, doc, 2002), undefined);
    assert.equal(custom(r, doc, 1001), undefined);
  });

  it('workflow: starts the map (by path) with a comment and several documents attached', async () => {
    const a = await newDoc();
    const b = await newDoc();
    await load({
      action: 'workflow',
      nodeId: 'docs',
      nodeIdType: 'msg',
      workflowMap: 'Enterprise:Workflows/Invoice Approval',
      workflowMapType: 'str',
      comment: 'comment',
      commentType: 'msg',
    });
    const got = await exchange({ docs: [a, String(b)], comment: 'Please approve' });
    const result = got.out?.filebridge?.action?.result;
    assert.ok(result, JSON.stringify(got.caught?.error));
    assert.equal(got.out?.filebridge?.action?.nodeId, a);
    const process = (await records()).processes.find((p) => p.process_id === result.processId);
    assert.ok(process);
    assert.equal(process.workflow_id, 2401);
    assert.deepEqual(process.doc_ids, [a, b]);
    assert.equal(process.comment, 'Please approve');
    assert.deepEqual(result, { mapId: 2401, processId: process.process_id, docIds: [a, b] });

    await load({ action: 'workflow', workflowMap: '2400', workflowMapType: 'num' });
    const notMap = await exchange(fromUpload(a));
    assert.equal(notMap.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(notMap.caught?.error?.message), /"Workflow map" setting.*not a workflow map/);
  });

  it('move: to a path it creates; an item of that name already there is a CONFLICT', async () => {
    const doc = await newDoc('move-me.pdf');
    await load({ action: 'move', destination: 'Enterprise:Archive/2026/Q4', destinationType: 'str', createFolders: true });
    const got = await exchange(fromUpload(doc));
    const result = got.out?.filebridge?.action?.result;
    assert.ok(result, JSON.stringify(got.caught?.error));
    const moved = await inspect(doc);
    assert.equal(result.parentId, moved.parent_id);
    assert.equal(result.moved, true);
    assert.equal((await inspect(moved.parent_id)).name, 'Q4');
    assert.equal(result.previousParentId, await client.resolveFolder('Enterprise:Actions'));

    const twin = await newDoc('move-me.pdf');
    const clash = await exchange(fromUpload(twin));
    assert.equal(clash.caught?.error?.code, 'CONFLICT');
    assert.equal((await inspect(twin)).parent_id, result.previousParentId, 'the twin stayed where it was');

    await load({ action: 'move', destination: 'Enterprise:Archive/Nowhere', destinationType: 'str', createFolders: false });
    const missing = await exchange(fromUpload(twin));
    assert.equal(missing.caught?.error?.code, 'NOT_FOUND');
  });

  it('move: the destination from an environment variable (the env type of the typed input); an unset one moves nothing', async () => {
    const doc = await newDoc('env-move.pdf');
    const before = (await inspect(doc)).parent_id;
    process.env.FILEBRIDGE_TEST_CS_ARCHIVE = 'Enterprise:Archive/FromEnv';
    try {
      await load({ action: 'move', destination: 'FILEBRIDGE_TEST_CS_ARCHIVE', destinationType: 'env', createFolders: true });
      // Read per message, not at deploy: a variable gone by then is missing.
      delete process.env.FILEBRIDGE_TEST_CS_ARCHIVE;
      const unset = await exchange(fromUpload(doc));
      assert.equal(unset.out, undefined);
      assert.equal(unset.caught?.error?.code, 'INVALID_INPUT', 'a deployment without the variable fails the message, coded');
      assert.equal((await inspect(doc)).parent_id, before, 'nothing moved');

      process.env.FILEBRIDGE_TEST_CS_ARCHIVE = 'Enterprise:Archive/FromEnv';
      const got = await exchange(fromUpload(doc));
      const result = got.out?.filebridge?.action?.result;
      assert.ok(result, JSON.stringify(got.caught?.error));
      const moved = await inspect(doc);
      assert.equal(result.parentId, moved.parent_id);
      assert.equal((await inspect(moved.parent_id)).name, 'FromEnv');
      assert.equal(result.previousParentId, before);
    } finally {
      delete process.env.FILEBRIDGE_TEST_CS_ARCHIVE;
    }
  });

  it('rename: renames from an expression; an existing name is a CONFLICT', async () => {
    const doc = await newDoc('draft.pdf');
    await newDoc('taken.pdf');
    await load({ action: 'rename', newName: '"approved-" & filename', newNameType: 'jsonata' });
    const got = await exchange({ ...fromUpload(doc), filename: 'draft.pdf' });
    assert.deepEqual(
      got.out?.filebridge?.action?.result,
      { id: doc, name: 'approved-draft.pdf', previousName: 'draft.pdf', renamed: true },
      JSON.stringify(got.caught?.error),
    );
    assert.equal((await inspect(doc)).name, 'approved-draft.pdf');
    const second = await exchange({ ...fromUpload(doc), filename: 'x.pdf' });
    assert.equal(second.out?.filebridge?.action?.result.name, 'approved-x.pdf');
    await load({ action: 'rename', newName: 'taken.pdf', newNameType: 'str' });
    const refused = await exchange(fromUpload(doc));
    assert.equal(refused.caught?.error?.code, 'CONFLICT');
    assert.equal((await inspect(doc)).name, 'approved-x.pdf');
  });

  it('apply target: everything in msg.filebridge.target at once', async () => {
    const doc = await newDoc();
    await load({ action: 'apply-target', target: 'filebridge.target', targetType: 'msg' });
    const got = await exchange(
      fromUpload(doc, {
        folder: 'Enterprise:Actions',
        categories: { Invoice: { Vendor: 'Globex', Amount: 99.5 } },
        classification: '2500:Finance/Contracts',
        holds: ['Tax Audit'],
        permissions: { Finance: ['see', 'see_contents'] },
        workflow: { map: 2401, comment: 'auto' },
      }),
    );
    const result = got.out?.filebridge?.action?.result as Record<string, unknown> & { workflow?: { processId: number } };
    assert.ok(result, JSON.stringify(got.caught?.error));
    assert.deepEqual(Object.keys(result), ['categories', 'classification', 'holds', 'permissions', 'workflow']);
    const node = await inspect(doc);
    assert.equal(node.categories['9830']['9830_2'], 'Globex');
    assert.equal(node.categories['9830']['9830_3'], 99.5);
    const r = await records();
    assert.deepEqual(
      r.classifications[String(doc)].map((c) => c.class_id),
      [2503],
    );
    assert.deepEqual(r.holds[String(doc)], [2]);
    assert.deepEqual(custom(r, doc, 2002), ['see', 'see_contents']);
    assert.deepEqual(r.processes.find((p) => p.process_id === result.workflow?.processId)?.doc_ids, [doc]);

    const nothing = await exchange(fromUpload(doc, { folder: 'Enterprise:Actions' }));
    assert.equal(nothing.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(nothing.caught?.error?.message), /nothing to apply/);
  });

  it('bad input: no node id, a list of ids outside workflow, a missing node, no connection', async () => {
    await load({ action: 'hold', holds: 'Tax Audit', holdsType: 'str' });
    const none = await exchange({ payload: 'x' });
    assert.equal(none.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(none.caught?.error?.message), /No node id in msg\.filebridge\.cs\.id/);
    const list = await exchange({ filebridge: { cs: { id: [1, 2] } } });
    assert.equal(list.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(list.caught?.error?.message), /only the workflow action/);
    const gone = await exchange(fromUpload(987654));
    assert.equal(gone.caught?.error?.code, 'NOT_FOUND');
    const text = await exchange(fromUpload('abc' as unknown as number));
    assert.equal(text.caught?.error?.code, 'INVALID_INPUT');

    await helper.unload();
    await loadFlow(NODES, [
      { id: 'tab', type: 'tab', label: 'test' },
      {
        id: 'act',
        z: 'tab',
        x: 100,
        y: 100,
        type: 'filebridge-cs-action',
        connection: '',
        action: 'hold',
        holds: 'Tax Audit',
        nodeId: 'filebridge.cs.id',
        nodeIdType: 'msg',
        wires: [['out']],
      },
      { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
      { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
    ]);
    arrivals = new Arrivals<Msg>(['out', 'caught']);
    const noConn = await exchange(fromUpload(1));
    assert.equal(noConn.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(noConn.caught?.error?.message), /No Content Server connection/);
  });
});
