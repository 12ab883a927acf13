import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csUploadNode from '../../../src/nodes/filebridge-cs-upload';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import ackNode from '../../../src/nodes/filebridge-ack';
import { servers } from '../../support/dev-servers';
import { serverConfigNode } from '../../support/server-config-node';
import { ContentServerClient } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall } from '../../support/flow-helper';

helper.init(nodeRedPath());

const NODES: unknown[] = [csConnectionNode, csUploadNode, coreNode('common/25-catch.js')];
const PIPELINE_NODES: unknown[] = [
  serverNode,
  watchNode,
  csConnectionNode,
  csUploadNode,
  ackNode,
  coreNode('function/10-switch.js'),
  coreNode('common/25-catch.js'),
];

type CsFacts = { id: number; version: number; name: string; folderId: number; path: string; action: string };
type Msg = Record<string, unknown> & { filebridge?: { cs?: CsFacts }; error?: { code?: string; message: string } };
type SimNodeView = {
  id: number;
  parent_id: number;
  name: string;
  versions: { version_number: number; sha256: string; file_size: number }[];
  categories: Record<string, Record<string, unknown>>;
};

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('filebridge-cs-upload node in a Node-RED flow', function () {
  this.timeout(60_000);
  const { sim } = simulatorAndNodeRed();
  let arrivals: Arrivals<Msg> | undefined;

  async function inspect(id: number): Promise<SimNodeView> {
    const res = await fetch(`${sim.url}/__sim/nodes/${id}`);
    assert.equal(res.status, 200);
    return (await res.json()) as SimNodeView;
  }

  async function load(upload: Record<string, unknown>, password = 'livelink', connection: Record<string, unknown> = {}): Promise<void> {
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'test' },
        { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 10, retries: 1, ...connection },
        {
          id: 'up',
          z: 'tab',
          x: 100,
          y: 100,
          type: 'filebridge-cs-upload',
          connection: 'conn',
          folder: 'Enterprise:Inbound/2026',
          createFolders: true,
          collision: 'add-version',
          categories: '',
          wires: [['out']],
          ...upload,
        },
        { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
      ],
      { conn: { password } },
    );
    arrivals = new Arrivals<Msg>(['out', 'caught']);
  }

  async function exchange(msg: Record<string, unknown>): Promise<{ out?: Msg; caught?: Msg }> {
    if (!arrivals) throw new Error('load a flow first');
    helper.getNode('up').receive(msg);
    const { id, msg: got } = await arrivals.next();
    return id === 'out' ? { out: got } : { caught: got };
  }

  it('uploads a Buffer into a folder it creates, then adds version 2 under add-version', async () => {
    await load({});
    const data = randomBytes(5000);
    const first = await exchange({ payload: data, filename: '/tmp/in/report.pdf' });
    assert.equal(first.caught?.error?.message, undefined);
    const cs = first.out?.filebridge?.cs;
    assert.ok(cs);
    assert.equal(cs.action, 'created');
    assert.equal(cs.version, 1);
    assert.equal(cs.name, 'report.pdf');
    assert.equal(cs.path, 'Enterprise:Inbound/2026/report.pdf');
    const doc = await inspect(cs.id);
    assert.equal(doc.parent_id, cs.folderId);
    const folder = await inspect(cs.folderId);
    assert.equal(folder.name, '2026');
    assert.equal(folder.parent_id, 2200);
    assert.equal(doc.versions[0].sha256, sha256(data));

    const data2 = randomBytes(300);
    const second = await exchange({ payload: data2, filename: 'report.pdf' });
    assert.equal(second.out?.filebridge?.cs?.action, 'versioned');
    assert.equal(second.out?.filebridge?.cs?.version, 2);
    assert.equal(second.out?.filebridge?.cs?.id, cs.id);
    const after = await inspect(cs.id);
    assert.deepEqual(
      after.versions.map((v) => v.version_number),
      [1, 2],
    );
    assert.equal(after.versions[1].sha256, sha256(data2));
  });

  it('skip-identical (from msg.filebridge.target) skips the same content and versions different content', async () => {
    await load({ collision: 'fail' });
    const created = await exchange({ payload: 'same text', filebridge: { target: { folder: 'Enterprise:Inbound/skip', name: 'same.txt' } } });
    assert.equal(created.out?.filebridge?.cs?.action, 'created', JSON.stringify(created.caught?.error));
    const skipped = await exchange({
      payload: 'same text',
      filebridge: { target: { folder: 'Enterprise:Inbound/skip', name: 'same.txt', collision: 'skip-identical' } },
    });
    assert.equal(skipped.out?.filebridge?.cs?.action, 'skipped');
    assert.equal(skipped.out?.filebridge?.cs?.version, 1);
    const changed = await exchange({
      payload: 'other text',
      filebridge: { target: { folder: 'Enterprise:Inbound/skip', name: 'same.txt', collision: 'skip-identical' } },
    });
    assert.equal(changed.out?.filebridge?.cs?.action, 'versioned');
    assert.equal((await inspect(created.out?.filebridge?.cs?.id as number)).versions.length, 2);
    const renamed = await exchange({ payload: 'x', filebridge: { target: { folder: 'Enterprise:Inbound/skip', name: 'same.txt', collision: 'rename' } } });
    assert.equal(renamed.out?.filebridge?.cs?.action, 'renamed');
    assert.equal(renamed.out?.filebridge?.cs?.name, 'same (2).txt');
    const refused = await exchange({ payload: 'x', filename: 'same.txt', filebridge: { target: { folder: 'Enterprise:Inbound/skip' } } });
    assert.equal(refused.caught?.error?.code, 'CONFLICT');
  });

  describe('categories', () => {
    before(async () => {
      // Category names resolve from the target folder's categories: give the folder the Invoice category.
      const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
      const folder = await client.resolveFolder('Enterprise:Invoices', { create: true });
      await client.applyCategory(folder, { '9830_2': 'Default Vendor' });
      await client.close();
    });

    it('sets category values by name from the node configuration', async () => {
      await load({ folder: 'Enterprise:Invoices', categories: JSON.stringify({ Invoice: { Vendor: 'ACME', Amount: 12.5, Status: 'Approved' } }) });
      const got = await exchange({ payload: Buffer.from('%PDF'), filename: 'inv-1.pdf' });
      assert.equal(got.caught?.error?.message, undefined);
      const doc = await inspect(got.out?.filebridge?.cs?.id as number);
      assert.equal(doc.categories['9830']['9830_2'], 'ACME');
      assert.equal(doc.categories['9830']['9830_3'], 12.5);
      assert.equal(doc.categories['9830']['9830_5'], 'Approved');
    });

    it('a wrong attribute name reaches the Catch node as INVALID_INPUT naming it, and writes nothing', async () => {
      await load({ folder: 'Enterprise:Invoices' });
      const got = await exchange({ payload: Buffer.from('x'), filename: 'inv-2.pdf', filebridge: { target: { categories: { Invoice: { Vendr: 'ACME' } } } } });
      assert.equal(got.out, undefined);
      assert.equal(got.caught?.error?.code, 'INVALID_INPUT');
      assert.match(String(got.caught?.error?.message), /Vendr/);
      const tree = (await (await fetch(`${sim.url}/__sim/tree`)).json()) as unknown;
      assert.doesNotMatch(JSON.stringify(tree), /"inv-2\.pdf"/);
    });
  });

  it('uploads a stream payload; a stream with skip-identical is refused clearly', async () => {
    await load({});
    const data = randomBytes(300_000);
    const chunks = [data.subarray(0, 100_000), data.subarray(100_000)];
    const got = await exchange({ payload: Readable.from(chunks), filename: 'stream.bin' });
    assert.equal(got.caught?.error?.message, undefined);
    assert.equal(got.out?.filebridge?.cs?.action, 'created');
    const doc = await inspect(got.out?.filebridge?.cs?.id as number);
    assert.equal(doc.versions[0].sha256, sha256(data));
    assert.equal(doc.versions[0].file_size, data.length);
    const refused = await exchange({ payload: Readable.from([data]), filename: 'stream.bin', filebridge: { target: { collision: 'skip-identical' } } });
    assert.equal(refused.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(refused.caught?.error?.message), /stream/);
  });

  it('a stream upload cut off on the network is not silently resent: INVALID_INPUT says the stream was read', async () => {
    await load({});
    sim.setFaults({ dropUploadRate: 1 });
    try {
      const got = await exchange({ payload: Readable.from([randomBytes(200_000)]), filename: 'dropped.bin' });
      assert.equal(got.caught?.error?.code, 'INVALID_INPUT', JSON.stringify(got.caught?.error));
      assert.match(String(got.caught?.error?.message), /stream and was already read/);
    } finally {
      sim.setFaults({ dropUploadRate: 0 });
    }
  });

  it('files into the business workspace of a business object, creating it once from the template', async () => {
    await load({ folder: '' });
    const target = (n: number): Record<string, unknown> => ({
      folder: 'Invoices/2026',
      workspace: { businessObject: { extSystemId: 'SAP', boType: 'KNA1', boId: '9001' }, create: { templateId: 3001, workspaceTypeId: 10, name: 'Globex' } },
      name: `ws-inv-${n}.pdf`,
    });
    // Two files for a customer without a workspace arrive together: one workspace, both filed in it.
    helper.getNode('up').receive({ payload: Buffer.from('one'), filebridge: { target: target(1) } });
    helper.getNode('up').receive({ payload: Buffer.from('two'), filebridge: { target: target(2) } });
    const got = [await arrivals!.next(), await arrivals!.next()];
    for (const g of got) assert.equal(g.id, 'out', JSON.stringify(g.msg.error));
    const facts = got.map((g) => g.msg.filebridge?.cs as CsFacts & { workspace: { id: number; name: string; created: boolean } });
    assert.equal(facts[0].workspace.id, facts[1].workspace.id);
    assert.deepEqual(facts.map((f) => f.workspace.created).sort(), [false, true]);
    assert.equal(facts[0].workspace.name, 'Globex (9001)');
    const folder = await inspect(facts[0].folderId);
    assert.equal(folder.name, '2026');
    const invoices = await inspect(folder.parent_id);
    assert.deepEqual([invoices.name, invoices.parent_id], ['Invoices', facts[0].workspace.id]);
    const ws = (await (await fetch(`${sim.url}/__sim/tree?root=${facts[0].workspace.id}`)).json()) as unknown;
    assert.match(JSON.stringify(ws), /ws-inv-1\.pdf/);
    assert.match(JSON.stringify(ws), /ws-inv-2\.pdf/);

    const missing = await exchange({
      payload: Buffer.from('x'),
      filebridge: { target: { name: 'n.pdf', workspace: { businessObject: { extSystemId: 'SAP', boType: 'KNA1', boId: 'nope' } } } },
    });
    assert.equal(missing.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(missing.caught?.error?.message), /SAP \/ KNA1 \/ nope.*workspace\.create/);
    const half = await exchange({
      payload: Buffer.from('x'),
      filebridge: { target: { name: 'n.pdf', workspace: { businessObject: { extSystemId: 'SAP', boId: '1' } } } },
    });
    assert.equal(half.caught?.error?.code, 'INVALID_INPUT');
    assert.match(String(half.caught?.error?.message), /boType/);
  });

  it('governs the stored document: classification by path, holds, permissions by name, workflow; a wrong name stores nothing', async () => {
    await load({ folder: 'Enterprise:Inbound/governed', holds: 'Tax Audit', permissions: '{"Finance": ["modify"]}' }, 'livelink', {
      classificationRoot: '2500',
    });
    type Records = {
      classifications: Record<string, { class_id: number }[]>;
      holds: Record<string, number[]>;
      permissions: Record<string, { type: string; right_id: number | null; permissions: string[] }[]>;
      processes: { process_id: number; workflow_id: number; doc_ids: number[]; comment: string }[];
    };
    const records = async (): Promise<Records> => (await (await fetch(`${sim.url}/__sim/records`)).json()) as Records;
    const got = await exchange({
      payload: Buffer.from('%PDF-1.7'),
      filename: 'gov.pdf',
      filebridge: { target: { classification: 'Finance/Invoices', workflow: { map: 2401, comment: 'please check' } } },
    });
    const cs = got.out?.filebridge?.cs as CsFacts & { governance: { classification: number; holds: { name: string }[]; workflow: { processId: number } } };
    assert.ok(cs, JSON.stringify(got.caught?.error));
    const r = await records();
    assert.deepEqual(
      r.classifications[String(cs.id)].map((c) => c.class_id),
      [2502],
    );
    assert.deepEqual(r.holds[String(cs.id)], [2]);
    assert.deepEqual(r.permissions[String(cs.id)].find((p) => p.type === 'custom' && p.right_id === 2002)?.permissions, ['see', 'see_contents', 'modify']);
    const started = r.processes.find((p) => p.process_id === cs.governance.workflow.processId);
    assert.deepEqual([started?.workflow_id, started?.doc_ids, started?.comment], [2401, [cs.id], 'please check']);
    assert.deepEqual(
      cs.governance.holds.map((h) => h.name),
      ['Tax Audit'],
    );

    // The same content again under skip-identical: governed again (idempotent), no second workflow.
    const again = await exchange({
      payload: Buffer.from('%PDF-1.7'),
      filename: 'gov.pdf',
      filebridge: { target: { collision: 'skip-identical', workflow: { map: 2401 } } },
    });
    assert.equal(again.out?.filebridge?.cs?.action, 'skipped', JSON.stringify(again.caught?.error));
    assert.equal((await records()).processes.filter((p) => p.doc_ids.includes(cs.id)).length, 1);

    const typo = await exchange({ payload: Buffer.from('x'), filename: 'typo.pdf', filebridge: { target: { holds: ['Tax Audti'] } } });
    assert.equal(typo.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(typo.caught?.error?.message), /Tax Audti/);
    const member = await exchange({ payload: Buffer.from('x'), filename: 'typo.pdf', filebridge: { target: { permissions: { Ghosts: ['see'] } } } });
    assert.equal(member.caught?.error?.code, 'NOT_FOUND');
    const tree = JSON.stringify((await (await fetch(`${sim.url}/__sim/tree`)).json()) as unknown);
    assert.doesNotMatch(tree, /typo\.pdf/, 'nothing stored for a wrong name');
  });

  it('msg.filebridge.target.document adds a version to that document wherever it is; an unknown id fails with NOT_FOUND', async () => {
    await load({ folder: 'Enterprise:Inbound/ignored', collision: 'fail', holds: 'Tax Audit' });
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    const draft = await client.upload({ target: 'Enterprise:Partners/Globex', name: 'Contract Globex.pdf', open: () => Readable.from([Buffer.from('draft')]) });
    await client.close();
    const signed = randomBytes(4000);
    const got = await exchange({
      payload: signed,
      filename: 'Contract Globex (CS-x)_signed.pdf',
      filebridge: { target: { document: String(draft.id), description: 'signed by Globex' } },
    });
    const cs = got.out?.filebridge?.cs as CsFacts & { governance: { holds: { name: string }[] } };
    assert.ok(cs, JSON.stringify(got.caught?.error));
    assert.deepEqual([cs.id, cs.version, cs.action, cs.name, cs.folderId], [draft.id, 2, 'versioned', 'Contract Globex.pdf', 2102]);
    assert.deepEqual(
      cs.governance.holds.map((h) => h.name),
      ['Tax Audit'],
    );
    const doc = await inspect(draft.id);
    assert.deepEqual(
      doc.versions.map((v) => v.version_number),
      [1, 2],
    );
    assert.equal(doc.versions[1].sha256, sha256(signed));
    const gone = await exchange({ payload: signed, filename: 'x.pdf', filebridge: { target: { document: 99999999 } } });
    assert.equal(gone.caught?.error?.code, 'NOT_FOUND');
    assert.match(String(gone.caught?.error?.message), /No document 99999999 to add a version to/);
    assert.doesNotMatch(
      JSON.stringify((await (await fetch(`${sim.url}/__sim/tree`)).json()) as unknown),
      /"ignored"|"x\.pdf"/,
      'neither the folder setting nor the file name made a document',
    );
  });

  it('keeps a busy flow going: 100 uploads through ticket expiries and 20 % error answers all arrive once', async function () {
    this.timeout(120_000);
    // 20 % failures need room: with 8 retries a request fails for good about once in 2 million.
    await load({ folder: 'Enterprise:Inbound/busy' }, 'livelink', { retries: 8 });
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    const statsBefore = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { logins: number };
    sim.setFaults({ errorRate: 0.2, latencyMs: 10 });
    // The session ends under the uploads in flight, again and again (about 2.5 s of traffic).
    let expiries = 0;
    const expiry = setInterval(() => {
      sim.expireTickets();
      expiries++;
    }, 500);
    const sent = new Map<string, string>();
    try {
      for (let i = 0; i < 100; i++) {
        const data = randomBytes(2000 + i);
        sent.set(`busy-${i}.bin`, sha256(data));
        helper.getNode('up').receive({ payload: data, filename: `busy-${i}.bin` });
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const results: Msg[] = [];
      for (let i = 0; i < 100; i++) {
        const a = await arrivals!.next();
        assert.equal(a.id, 'out', JSON.stringify(a.msg.error));
        results.push(a.msg);
      }
      assert.deepEqual(new Set(results.map((r) => r.filebridge?.cs?.action)), new Set(['created']));
    } finally {
      clearInterval(expiry);
      sim.setFaults({ errorRate: 0, latencyMs: 0 });
    }
    const statsAfter = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { logins: number };
    const logins = statsAfter.logins - statsBefore.logins;
    // One shared re-login per expiry (the first login of the flow included), not one per request.
    assert.ok(logins >= 3 && logins <= expiries + 1, `${logins} logins for ${expiries} expiries`);
    const folder = await client.resolveFolder('Enterprise:Inbound/busy');
    const stored = new Map<string, string>();
    for await (const child of client.nodes.children(folder)) {
      const view = await inspect(child.id);
      assert.equal(view.versions.length, 1, `${child.name} stored once`);
      stored.set(child.name, view.versions[0].sha256);
    }
    assert.deepEqual(stored, sent);
    await client.close();
  });

  /*
   * The crash of the issue, in one runtime: the first delivery is filed but its message never reaches
   * the ack (a switch drops attempt 1, as a runtime killed between upload and ack would), the watch's
   * in-flight timeout frees its slot and lease recovery sends the same file again as attempt 2 with a
   * new correlation id. It must be filed once: under the old default "add version" it became a second
   * identical version.
   */
  for (const collision of ['add-version', 'skip-identical', 'rename', 'fail']) {
    it(`${collision}: a file the watch sends again after a lost run is filed once, and then acked`, async function () {
      this.timeout(60_000);
      const dir = `cs-redelivery-${collision}`;
      await servers().remove(dir);
      const data = randomBytes(40_000);
      // Another file of that name is there already: add-version, skip-identical and rename act on it.
      await exchangeLess(collision);
      await servers().writeFile(`${dir}/inbox/report.pdf`, data);
      await loadFlow(
        PIPELINE_NODES,
        [
          { id: 'tab', type: 'tab', label: 'redelivery' },
          serverConfigNode('sftp', { poolSize: 3 }),
          { id: 'conn', type: 'filebridge-cs-connection', baseUrl: sim.apiBase, authMode: 'password', username: 'Admin', timeout: 10, retries: 1 },
          {
            id: 'watch',
            z: 'tab',
            x: 100,
            y: 100,
            type: 'filebridge-watch',
            server: 'srv',
            folder: `${dir}/inbox`,
            intervalSeconds: 0.25,
            stability: 'age',
            minAgeSeconds: 0,
            leaseSeconds: 1.5,
            inFlightTimeoutSeconds: 1,
            output: 'stream',
            wires: [['up']],
          },
          {
            id: 'up',
            z: 'tab',
            x: 300,
            y: 100,
            type: 'filebridge-cs-upload',
            connection: 'conn',
            folder: `Enterprise:Inbound/${dir}`,
            createFolders: true,
            collision,
            categories: '',
            wires: [['lost', 'filed']],
          },
          { id: 'filed', z: 'tab', x: 500, y: 200, type: 'helper' },
          // Attempt 1 goes nowhere: the run that filed it is lost before its ack.
          {
            id: 'lost',
            z: 'tab',
            x: 500,
            y: 100,
            type: 'switch',
            property: 'filebridge.source.attempt',
            propertyType: 'msg',
            rules: [{ t: 'gte', v: '2', vt: 'num' }],
            checkall: 'true',
            repair: false,
            outputs: 1,
            wires: [['ack']],
          },
          { id: 'ack', z: 'tab', x: 700, y: 100, type: 'filebridge-ack', action: 'delete', wires: [['acked']] },
          { id: 'acked', z: 'tab', x: 900, y: 100, type: 'helper' },
          { id: 'catch', z: 'tab', x: 100, y: 300, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
          { id: 'caught', z: 'tab', x: 300, y: 300, type: 'helper' },
        ],
        { srv: { password: servers().password }, conn: { password: 'livelink' } },
      );
      const got = new Arrivals<Msg & { filebridge?: { source?: { attempt: number } } }>(['filed', 'acked', 'caught']);
      const first = await got.next();
      assert.equal(first.id, 'filed', JSON.stringify(first.msg.error));
      assert.equal(first.msg.filebridge?.source?.attempt, 1);
      const cs = first.msg.filebridge?.cs;
      assert.ok(cs);
      const again = await got.next();
      assert.equal(again.id, 'filed', JSON.stringify(again.msg.error));
      assert.equal(again.msg.filebridge?.source?.attempt, 2, 'sent again by lease recovery');
      assert.deepEqual(
        [again.msg.filebridge?.cs?.action, (again.msg.filebridge?.cs as { redelivered?: boolean } | undefined)?.redelivered, again.msg.filebridge?.cs?.id],
        ['skipped', true, cs.id],
      );
      assert.equal((await got.next()).id, 'acked');
      const doc = await inspect(cs.id);
      assert.deepEqual(doc.versions.filter((v) => v.sha256 === sha256(data)).length, 1, 'the file is stored once');
      const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
      const names: string[] = [];
      for await (const child of client.nodes.children(cs.folderId)) names.push(child.name);
      await client.close();
      assert.deepEqual(names.sort(), collision === 'rename' ? ['report (2).pdf', 'report.pdf'] : ['report.pdf'], 'no further document');
      assert.equal(await servers().exists(`${dir}/inbox/report.pdf`), false, 'acked (deleted) once filed');
    });
  }

  /** For the policies that act on an existing document: another file of the name is filed first. */
  async function exchangeLess(collision: string): Promise<void> {
    if (collision === 'fail') return;
    const client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    try {
      await client.upload({
        target: `Enterprise:Inbound/cs-redelivery-${collision}`,
        createFolders: true,
        name: 'report.pdf',
        open: () => Readable.from([Buffer.from(`an earlier report ${collision}`)]),
      });
    } finally {
      await client.close();
    }
  }

  it('shows upload progress for a large stream whose size the source message gives', async function () {
    this.timeout(60_000);
    await load({});
    sim.setFaults({ latencyMs: 0 });
    const statuses: string[] = [];
    onCall<{ text?: string }>('up', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    const size = 64 * 1024 * 1024;
    let produced = 0;
    const slow = new Readable({
      read() {
        if (produced >= size) return void this.push(null);
        produced += 1024 * 1024;
        // About 2.5 s in all, so the once-a-second progress status shows up.
        setTimeout(() => this.push(Buffer.alloc(1024 * 1024, 7)), 40);
      },
    });
    const got = await exchange({ payload: slow, filename: 'big.bin', filebridge: { source: { size } } });
    assert.equal(got.out?.filebridge?.cs?.action, 'created', JSON.stringify(got.caught?.error));
    assert.ok(
      statuses.some((t) => /^big\.bin \d+% of 64 MiB$/.test(t)),
      statuses.join(' | '),
    );
    assert.match(statuses[statuses.length - 1], /created: big\.bin/);
  });

  it('a small file shows "uploading" and then its outcome: no progress status for its one chunk', async () => {
    await load({});
    const statuses: string[] = [];
    onCall<{ text?: string }>('up', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    const got = await exchange({ payload: Buffer.from('small'), filename: 'small.txt' });
    assert.equal(got.out?.filebridge?.cs?.action, 'created', JSON.stringify(got.caught?.error));
    assert.deepEqual(statuses, ['uploading small.txt', 'created: small.txt']);
  });

  it('the admin test endpoint reports the user and version; a wrong password gives AUTHENTICATION; no secrets', async () => {
    await load({});
    const ok = await helper
      .request()
      .post('/filebridge/cs/test')
      .send({
        id: 'conn',
        baseUrl: sim.apiBase,
        authMode: 'password',
        username: 'Admin',
        credentials: { password: '__PWRD__' },
      })
      .expect(200);
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    assert.equal(ok.body.user.name, 'Admin');
    assert.equal(typeof ok.body.version, 'string');
    assert.doesNotMatch(JSON.stringify(ok.body), /livelink/);
    const bad = await helper
      .request()
      .post('/filebridge/cs/test')
      .send({
        baseUrl: sim.apiBase,
        authMode: 'password',
        username: 'Admin',
        credentials: { password: 'wrong-secret' },
      })
      .expect(200);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.error.code, 'AUTHENTICATION');
    assert.doesNotMatch(JSON.stringify(bad.body), /wrong-secret/);
  });

  it('the admin test endpoint logs in with OTDS client credentials; a missing secret is INVALID_INPUT', async () => {
    await loadFlow(NODES, []);
    const ok = await helper
      .request()
      .post('/filebridge/cs/test')
      .send({
        baseUrl: sim.apiBase,
        authMode: 'otds',
        otdsUrl: sim.url,
        clientId: 'filebridge',
        credentials: { clientSecret: 'filebridge-secret' },
      })
      .expect(200);
    assert.equal(ok.body.ok, true, JSON.stringify(ok.body));
    assert.equal(ok.body.user.name, 'Admin');
    assert.doesNotMatch(JSON.stringify(ok.body), /filebridge-secret/);
    const missing = await helper
      .request()
      .post('/filebridge/cs/test')
      .send({ baseUrl: sim.apiBase, authMode: 'otds', otdsUrl: sim.url, clientId: 'filebridge' })
      .expect(200);
    assert.equal(missing.body.ok, false);
    assert.equal(missing.body.error.code, 'INVALID_INPUT');
  });
});
