import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import mapNode from '../../../src/nodes/filebridge-map-metadata';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { serverConfigNode } from '../../support/server-config-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, mapNode, coreNode('common/25-catch.js')];

type Msg = Record<string, unknown> & { payload?: unknown; filebridge?: Record<string, Record<string, unknown>>; error?: { code?: string; message: string } };

/** The invoice example of the node's help text. */
const INVOICE = {
  namePattern: '^INV_(?<vendor>[A-Z]+)_(?<date>\\d{4}-\\d{2}-\\d{2})_(?<no>\\d+)',
  rules: [
    { field: 'folder', kind: 'template', value: 'Partners/{fields.vendor}/{fields.date:yyyy}', required: true },
    { field: 'name', kind: 'template', value: 'Invoice {fields.no} {fields.vendor}.pdf' },
    { field: 'categories.Invoice.Vendor', kind: 'field', value: 'vendor', required: true },
    { field: 'categories.Invoice.Number', kind: 'field', value: 'no', type: 'number' },
    { field: 'categories.Invoice.Date', kind: 'date', value: 'fields.date', option: 'yyyy-MM-dd' },
    { field: 'classification', kind: 'constant', value: 'Finance/Invoices' },
    { field: 'permissions.Partners', kind: 'constant', value: 'see, see_contents' },
  ],
};

function flow(map: Record<string, unknown>, extra: Record<string, unknown>[] = []): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'map', z: 'tab', x: 100, y: 100, type: 'filebridge-map-metadata', name: '', tableFrom: 'none', wires: [['out']], ...map },
    { id: 'out', z: 'tab', x: 300, y: 100, type: 'helper' },
    { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
    ...extra,
  ];
}

let arrivals: Arrivals<Msg> | undefined;

async function load(nodes: Record<string, unknown>[], credentials: Record<string, Record<string, string>> = {}): Promise<void> {
  await loadFlow(NODES, nodes, credentials);
  arrivals = new Arrivals<Msg>(['out', 'caught']);
}

async function exchange(msg: Record<string, unknown>): Promise<{ out?: Msg; caught?: Msg }> {
  if (!arrivals) throw new Error('load a flow first');
  helper.getNode('map').receive(msg);
  const { id, msg: got } = await arrivals.next();
  return id === 'out' ? { out: got } : { caught: got };
}

function fileMessage(relativePath: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const name = relativePath.split('/').pop()!;
  return {
    filename: name,
    filebridge: {
      correlationId: 'c-1',
      source: { server: 'srv', folder: 'inbox', path: `inbox/${relativePath}`, relativePath, name, size: 10, mtime: '2026-11-02T10:00:00.000Z' },
      ...extra,
    },
  };
}

describe('filebridge-map-metadata node in a Node-RED flow', function () {
  this.timeout(60_000);
  beforeEach(() => startTestServer());
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });

  it('maps the help example: folder, name, categories, classification and permissions from the file name', async () => {
    await load(flow(INVOICE));
    const statuses: string[] = [];
    onCall<{ text?: string }>('map', 'status', (call) => statuses.push(String(call.args[0]?.text)));
    const payload = Readable.from([Buffer.from('%PDF')]);
    const { out, caught } = await exchange({ ...fileMessage('INV_ACME_2026-11-02_0042.pdf'), payload });
    assert.equal(caught, undefined);
    assert.deepEqual(out?.filebridge?.target, {
      folder: 'Partners/ACME/2026',
      name: 'Invoice 0042 ACME.pdf',
      categories: { Invoice: { Vendor: 'ACME', Number: 42, Date: '2026-11-02' } },
      classification: 'Finance/Invoices',
      permissions: { Partners: ['see', 'see_contents'] },
    });
    assert.deepEqual(out?.filebridge?.fields, { vendor: 'ACME', date: '2026-11-02', no: '0042' });
    assert.equal(out?.filebridge?.source.path, 'inbox/INV_ACME_2026-11-02_0042.pdf', 'the source facts travel on');
    assert.ok(out?.payload instanceof Readable, 'the payload stream passes through');
    const chunks: Buffer[] = [];
    for await (const chunk of out.payload as Readable) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '%PDF');
    assert.equal(statuses.at(-1), 'Invoice 0042 ACME.pdf');
  });

  it("JSONata rules use Node-RED's evaluator ($flowContext) and the result merges into an existing target", async () => {
    await load(
      flow({
        rules: [
          { field: 'workspace.name', kind: 'jsonata', value: '$flowContext("tenant") & " " & $uppercase(filebridge.source.relativePath)' },
          { field: 'folder', kind: 'path', value: '*' },
          { field: 'categories.Transfer.Host', kind: 'msg', value: 'topic' },
        ],
      }),
    );
    helper.getNode('map').context().flow.set('tenant', 'T1');
    const { out, caught } = await exchange({
      ...fileMessage('legacy/finance/old.pdf', { target: { collision: 'rename', folder: 'ignored', categories: { Transfer: { Size: 10 } } } }),
      topic: 'sftp.example',
    });
    assert.equal(caught, undefined);
    assert.deepEqual(out?.filebridge?.target, {
      collision: 'rename',
      folder: 'legacy/finance',
      workspace: { name: 'T1 LEGACY/FINANCE/OLD.PDF' },
      categories: { Transfer: { Size: 10, Host: 'sftp.example' } },
    });
  });

  it('missing required values reach a Catch node as MAPPING naming every field; the status names them too', async () => {
    await load(flow(INVOICE));
    const statuses: string[] = [];
    onCall<{ text?: string }>('map', 'status', (call) => statuses.push(String(call.args[0]?.text)));
    const { out, caught } = await exchange({ ...fileMessage('scan.pdf'), payload: Buffer.from('x') });
    assert.equal(out, undefined);
    assert.equal(caught?.error?.code, 'MAPPING');
    assert.match(caught?.error?.message ?? '', /name pattern \(the file name "scan\.pdf" does not match/);
    assert.match(caught?.error?.message ?? '', /folder \(no field "vendor"/);
    assert.match(caught?.error?.message ?? '', /categories\.Invoice\.Vendor \(no field "vendor"/);
    assert.equal(caught?.filebridge?.source.path, 'inbox/scan.pdf', 'quarantine can still find the file');
    // The canvas shows 40 characters; the error message above has the full list.
    assert.equal(statuses.at(-1), 'MAPPING: name pattern, folder, categori…');
  });

  it('rules that cannot work are refused at deploy and every message fails with INVALID_INPUT', async () => {
    await load(flow({ rules: [{ field: 'name', kind: 'jsonata', value: '$uppercase(' }] }));
    const { caught } = await exchange(fileMessage('a.pdf'));
    assert.equal(caught?.error?.code, 'INVALID_INPUT');
    assert.match(caught?.error?.message ?? '', /Rule 1 \(name\): the JSONata expression is not valid/);
  });

  it('an inline table typed in the node; a server left selected from before is not used', async () => {
    // A server whose configuration is unusable: any message that touched it would fail.
    const brokenServer = { id: 'srv', type: 'filebridge-server', protocol: 'sftp', host: '', port: 22, username: 'u', hostKey: '' };
    await load(
      flow(
        {
          server: 'srv',
          tableFrom: 'inline',
          tableKey: 'code',
          tableValue: 'code,workspace,hold\nQM,Quality,QM retention\nHS,Safety,\n',
          namePattern: '^(?<code>[A-Z]{2})_(?<period>\\d{4}-\\d{2})',
          rules: [
            { field: 'workspace.name', kind: 'lookup', value: 'fields.code', option: 'workspace', required: true },
            { field: 'holds', kind: 'lookup', value: 'fields.code', option: 'hold' },
            { field: 'categories.Report.Period', kind: 'date', value: 'fields.period', option: 'yyyy-MM' },
          ],
        },
        [brokenServer],
      ),
    );
    const qm = await exchange(fileMessage('QM_2026-10_report.pdf'));
    assert.equal(qm.caught?.error?.message, undefined);
    assert.deepEqual(qm.out?.filebridge?.target, { workspace: { name: 'Quality' }, holds: ['QM retention'], categories: { Report: { Period: '2026-10' } } });
    const hs = await exchange(fileMessage('HS_2026-09_report.pdf'));
    assert.deepEqual(hs.out?.filebridge?.target, { workspace: { name: 'Safety' }, categories: { Report: { Period: '2026-09' } } });
  });

  describe('with a manifest on the real SFTP server', () => {
    const dir = 'map-node';
    before(async () => {
      await servers().startAll();
      await servers().remove(dir);
      await servers().writeFile(`${dir}/manifests/bo.csv`, 'bo;extSystemId;boType;class\n4711;SAP;BUS2032;Sales/Orders\n');
    });
    after(() => servers().remove(dir));

    it('looks up the business workspace by the business object id in the file name', async () => {
      const s = servers();
      const server = serverConfigNode('sftp');
      await load(
        flow(
          {
            server: 'srv',
            tableFrom: 'remote',
            tableValue: `${dir}/manifests/bo.csv`,
            tableKey: 'bo',
            namePattern: '^SO_(?<bo>\\d+)_',
            rules: [
              { field: 'workspace.businessObject.boId', kind: 'field', value: 'bo', required: true },
              { field: 'workspace.businessObject.extSystemId', kind: 'lookup', value: 'fields.bo', option: 'extSystemId', required: true },
              { field: 'workspace.businessObject.boType', kind: 'lookup', value: 'fields.bo', option: 'boType', required: true },
              { field: 'classification', kind: 'lookup', value: 'fields.bo', option: 'class' },
            ],
          },
          [server],
        ),
        { srv: { password: s.password } },
      );
      const ok = await exchange(fileMessage('SO_4711_confirmation.pdf'));
      assert.equal(ok.caught?.error?.message, undefined);
      assert.deepEqual(ok.out?.filebridge?.target, {
        workspace: { businessObject: { boId: '4711', extSystemId: 'SAP', boType: 'BUS2032' } },
        classification: 'Sales/Orders',
      });
      const unknown = await exchange(fileMessage('SO_4712_confirmation.pdf'));
      assert.equal(unknown.caught?.error?.code, 'MAPPING');
      assert.match(unknown.caught?.error?.message ?? '', /workspace\.businessObject\.extSystemId \(no row with key "4712"/);
    });
  });

  describe('preview endpoint', () => {
    it('answers with the target for a sample name, or with the MAPPING error naming the fields', async () => {
      await load(flow(INVOICE));
      const body = { ...INVOICE, tableFrom: 'none', sample: 'INV_GLOBEX_2025-12-31_7.pdf', fields: '' };
      const ok = await helper.request().post('/filebridge/map-metadata/preview').send(body).expect(200);
      assert.equal(ok.body.ok, true);
      assert.deepEqual(ok.body.target, {
        folder: 'Partners/GLOBEX/2025',
        name: 'Invoice 7 GLOBEX.pdf',
        categories: { Invoice: { Vendor: 'GLOBEX', Number: 7, Date: '2025-12-31' } },
        classification: 'Finance/Invoices',
        permissions: { Partners: ['see', 'see_contents'] },
      });
      const bad = await helper
        .request()
        .post('/filebridge/map-metadata/preview')
        .send({ ...body, sample: 'scan.pdf' })
        .expect(200);
      assert.equal(bad.body.ok, false);
      assert.equal(bad.body.error.code, 'MAPPING');
      assert.deepEqual(bad.body.error.fields, ['name pattern', 'folder', 'categories.Invoice.Vendor']);
      // What could be mapped is shown beside the error, to help fix the rules.
      assert.deepEqual(bad.body.target, { classification: 'Finance/Invoices', permissions: { Partners: ['see', 'see_contents'] } });
    });

    it('uses sample fields and path segments, and reports broken rules as INVALID_INPUT', async () => {
      await load(flow(INVOICE));
      const rules = [
        { field: 'folder', kind: 'template', value: '{path:0}/{fields.partner}' },
        { field: 'categories.Report.Period', kind: 'date', value: 'fields.period', option: "yyyy-'Q'Q" },
      ];
      const ok = await helper
        .request()
        .post('/filebridge/map-metadata/preview')
        .send({ rules, tableFrom: 'none', sample: 'compliance/RPT.pdf', fields: '{"partner": "ACME", "period": "2026-08"}' })
        .expect(200);
      assert.deepEqual(ok.body, {
        ok: true,
        target: { folder: 'compliance/ACME', categories: { Report: { Period: '2026-Q3' } } },
        fields: { partner: 'ACME', period: '2026-08' },
      });
      const broken = await helper
        .request()
        .post('/filebridge/map-metadata/preview')
        .send({ rules: [{ field: 'titel', kind: 'constant', value: 'x' }], sample: 'a.pdf' })
        .expect(200);
      assert.equal(broken.body.ok, false);
      assert.equal(broken.body.error.code, 'INVALID_INPUT');
      assert.match(broken.body.error.message, /"titel" is not a target field/);
    });
  });
});
