import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import remoteNode from '../../../src/nodes/filebridge-remote';
import csConnectionNode from '../../../src/nodes/filebridge-cs-connection';
import csExportNode from '../../../src/nodes/filebridge-cs-export';
import type { ExportSummary } from '../../../src/core/content-server';
import { simulatorAndNodeRed } from '../../support/simulator-flows';
import { servers } from '../../support/dev-servers';
import { NODE_RED_PACKAGE, coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow } from '../../support/flow-helper';
import { coreNodes, prepareExample, type PreparedExample } from '../../support/example-flows';

helper.init(nodeRedPath());

type Msg = Record<string, unknown> & { payload?: unknown; error?: { code?: string; message: string }; filebridge?: Record<string, Record<string, unknown>> };

const NODES: unknown[] = [serverNode, remoteNode, csConnectionNode, csExportNode, ...coreNodes(), coreNode('network/21-httpin.js')];
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const bytes = (b: Buffer) => (): Readable => Readable.from([b]);
/** Content Server modify dates have whole seconds: a change must land in a later second to be "after" the mark. */
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

/** The test helper loads flows but not context stores: this is what Node-RED's start does. */
function loadContextStores(): Promise<void> {
  return (helper as unknown as { _context: { load(): Promise<void> } })._context.load();
}

/**
 * Node-RED's own localfilesystem store, as `settings.js` would configure it. The test helper's unload
 * "cleans" every node context (no node is left in its empty flow), which a real redeploy of the same
 * flow never does, so only that is switched off.
 */
function fileStore(config: Record<string, unknown>): unknown {
  const home = require.resolve(`${NODE_RED_PACKAGE}/package.json`).replace(/package\.json$/, '');
  const create = require(require.resolve('@node-red/runtime/lib/nodes/context/localfilesystem', { paths: [home] })) as (c: Record<string, unknown>) => {
    clean: () => Promise<void>;
  };
  const store = create(config);
  store.clean = () => Promise.resolve();
  return store;
}

/**
 * The http in nodes' routes. The test helper's `request()` reaches the admin app; http in nodes
 * register on the node app (RED.httpNode), which the helper's runtime keeps to itself.
 */
async function serveHttpNodes(): Promise<{
  post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}> {
  const util = (helper as unknown as { _registryUtil: { createNodeApi(n: object): { httpNode: RequestListener } } })._registryUtil;
  const server: Server = createServer(util.createNodeApi({}).httpNode);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async post(path, body) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('example flows: Content Server -> SFTP disaster recovery and retransmission', function () {
  this.timeout(60_000);
  // A fresh simulator per test: the DR export copies everything below its folder, so documents another test seeded would count.
  const { sim, client } = simulatorAndNodeRed({ perTest: true });

  describe('sftp-cs-07', () => {
    const file = 'sftp-cs-07 DR export of changes to SFTP.json';

    async function seedTree(): Promise<Record<string, Buffer>> {
      const docs: Record<string, Buffer> = {
        'ACME/Orders/PO-1001.pdf': randomBytes(3000),
        'ACME/contract.docx': randomBytes(1200),
        'Globex/price-list.csv': Buffer.from('sku;price\nA;1.00\n'),
        'readme.txt': Buffer.from('partners'),
      };
      for (const [rel, body] of Object.entries(docs)) {
        const slash = rel.lastIndexOf('/');
        const folder = slash < 0 ? 'Enterprise:Partners' : `Enterprise:Partners/${rel.slice(0, slash)}`;
        await client.upload({ target: folder, createFolders: true, name: rel.slice(slash + 1), open: bytes(body) });
      }
      return docs;
    }

    async function load(): Promise<{ example: PreparedExample; runs: Arrivals<Msg>; reports: Arrivals<Msg>; copies: Arrivals<Msg> }> {
      const example = prepareExample(file, { csApiBase: sim.apiBase });
      await loadFlow(NODES, example.flow, example.credentials);
      await loadContextStores();
      const caught = helper.getNode(example.byName('debug', 'error code and text').id);
      caught.on('input', (m: Msg) => assert.fail(`the example's Catch node got: ${m.error?.code} ${m.error?.message}`));
      return {
        example,
        runs: new Arrivals<Msg>([example.byName('debug', 'run summary').id]),
        reports: new Arrivals<Msg>([example.byName('debug', 'run report written').id]),
        copies: new Arrivals<Msg>([example.byName('debug', 'copied').id]),
      };
    }

    /** One run, until its report and every copy's final rename (the export only knows the SFTP upload read each file). */
    async function run(example: PreparedExample, runs: Arrivals<Msg>, copies: Arrivals<Msg>): Promise<ExportSummary> {
      helper.getNode(example.byName('inject', 'Every minute').id).receive({});
      const summary = (await runs.next()).msg.payload as ExportSummary;
      for (let i = 0; i < summary.sent; i++) await copies.next();
      return summary;
    }

    async function assertBackedUp(docs: Record<string, Buffer>): Promise<void> {
      const s = servers();
      for (const [rel, body] of Object.entries(docs)) assert.equal(sha256(await s.readFile(`dr-backup/files/${rel}`)), sha256(body), rel);
    }

    it('copies the whole tree, then only what changed, with a run report file per run (default settings: no file store)', async () => {
      const s = servers();
      await s.remove('dr-backup');
      const docs = await seedTree();
      const { example, runs, reports, copies } = await load();

      const first = await run(example, runs, copies);
      assert.equal(first.sent, 4);
      assert.equal(first.complete, true);
      await assertBackedUp(docs);
      const firstReport = (await reports.next()).msg.filebridge?.put.path as string;
      assert.match(firstReport, /^dr-backup\/runs\/\d{4}-\d{2}-\d{2}-\d{6}-run\.json$/);
      const written = JSON.parse((await s.readFile(firstReport)).toString()) as ExportSummary;
      assert.equal(written.runId, first.runId);
      assert.deepEqual(written.documents.map((d) => `${d.path ? `${d.path}/` : ''}${d.name}`).sort(), Object.keys(docs).sort());
      for (const d of written.documents)
        assert.equal(d.sha256, sha256(docs[`${d.path ? `${d.path}/` : ''}${d.name}`]), "the report carries each file's SHA-256");

      // Nothing changed: nothing copied and no report file.
      const idle = await run(example, runs, copies);
      assert.equal(idle.count, 0);
      assert.deepEqual(idle.mark, first.mark);

      await nextSecond();
      const changed = randomBytes(2500);
      await client.upload({ target: 'Enterprise:Partners/ACME/Orders', name: 'PO-1001.pdf', open: bytes(changed), collision: 'add-version' });
      const added = Buffer.from('new partner');
      await client.upload({ target: 'Enterprise:Partners/Initech', createFolders: true, name: 'welcome.txt', open: bytes(added) });
      const second = await run(example, runs, copies);
      assert.deepEqual(second.documents.map((d) => [d.path, d.name, d.version]).sort(), [
        ['ACME/Orders', 'PO-1001.pdf', 2],
        ['Initech', 'welcome.txt', 1],
      ]);
      await assertBackedUp({ ...docs, 'ACME/Orders/PO-1001.pdf': changed, 'Initech/welcome.txt': added });
      const secondReport = (await reports.next()).msg.filebridge?.put.path as string;
      assert.notEqual(secondReport, firstReport);
      assert.equal((JSON.parse((await s.readFile(secondReport)).toString()) as ExportSummary).sent, 2);
      assert.deepEqual(
        readdirSync(s.localPath('dr-backup/runs')).sort(),
        [firstReport, secondReport].map((p) => p.slice('dr-backup/runs/'.length)).sort(),
        'the idle run left no report',
      );
    });

    describe('with the `file` context store configured in settings.js', () => {
      let dir: string;
      before(() => {
        dir = mkdtempSync(join(tmpdir(), 'sftp-cs-07-context-'));
        helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: fileStore, config: { dir, cache: false } } } } as never);
      });
      after(() => {
        helper.settings({});
        rmSync(dir, { recursive: true, force: true });
      });

      it('the mark survives a redeploy: the next run copies only what changed meanwhile', async () => {
        const s = servers();
        await s.remove('dr-backup');
        const docs = await seedTree();
        let { example, runs, copies } = await load();
        assert.equal((await run(example, runs, copies)).sent, 4);
        await assertBackedUp(docs);

        await helper.unload();
        await nextSecond();
        const edited = Buffer.from('sku;price\nA;1.10\n');
        await client.upload({ target: 'Enterprise:Partners/Globex', name: 'price-list.csv', open: bytes(edited), collision: 'add-version' });
        ({ example, runs, copies } = await load());
        const after = await run(example, runs, copies);
        assert.deepEqual(
          after.documents.map((d) => d.name),
          ['price-list.csv'],
        );
        assert.equal(sha256(await s.readFile('dr-backup/files/Globex/price-list.csv')), sha256(edited));
      });
    });
  });

  describe('sftp-cs-08', () => {
    const file = 'sftp-cs-08 Retransmit approved version on request.json';
    const outbound = 'Enterprise:Partners/ACME/Outbound';

    async function load(): Promise<{ example: PreparedExample; sent: Arrivals<Msg> }> {
      const example = prepareExample(file, { csApiBase: sim.apiBase });
      await loadFlow(NODES, example.flow, example.credentials);
      return { example, sent: new Arrivals<Msg>([example.byName('debug', 're-sent').id]) };
    }

    async function seed(): Promise<{ invoice: number; draft: number; v2: Buffer }> {
      // Names of categories resolve through the folder the document goes into.
      await client.applyCategory(await client.resolveFolder(outbound, { create: true }), { '9830_2': 'Default' });
      const v1 = randomBytes(4000);
      const invoice = await client.upload({ target: outbound, name: 'INV-0042.pdf', open: bytes(v1), categories: { Invoice: { Status: 'Approved' } } });
      const v2 = randomBytes(4100);
      await client.upload({ target: outbound, name: 'INV-0042.pdf', open: bytes(v2), collision: 'add-version' });
      const draft = await client.upload({
        target: outbound,
        name: 'INV-0043.pdf',
        open: bytes(randomBytes(100)),
        categories: { Invoice: { Status: 'Draft' } },
      });
      return { invoice: invoice.id, draft: draft.id, v2 };
    }

    it('the inject re-sends the latest approved version, replacing the earlier transmission', async () => {
      const s = servers();
      await s.remove('partner-acme');
      await s.writeFile('partner-acme/outbound/INV-0042.pdf', 'the earlier transmission');
      const { invoice, v2 } = await seed();
      const { example, sent } = await load();
      helper.getNode(example.byName('inject', 'Retransmit INV-0042.pdf').id).receive({});
      const { msg } = await sent.next();
      assert.deepEqual(msg.payload, {
        status: 'sent',
        id: invoice,
        name: 'INV-0042.pdf',
        version: 2,
        path: 'partner-acme/outbound/INV-0042.pdf',
        bytes: v2.length,
      });
      assert.equal(sha256(await s.readFile('partner-acme/outbound/INV-0042.pdf')), sha256(v2));
    });

    it('POST /filebridge/retransmit answers 200 once the file is replaced, 404 NOT_FOUND for a missing or unapproved document, 400 without one', async () => {
      const s = servers();
      await s.remove('partner-acme');
      const { invoice, draft, v2 } = await seed();
      await load();
      const http = await serveHttpNodes();
      try {
        const post = (body: unknown) => http.post('/filebridge/retransmit', body);
        await s.writeFile('partner-acme/outbound/INV-0042.pdf', 'the earlier transmission');
        const byId = await post({ id: invoice });
        assert.equal(byId.status, 200);
        assert.deepEqual(byId.body, {
          status: 'sent',
          id: invoice,
          name: 'INV-0042.pdf',
          version: 2,
          path: 'partner-acme/outbound/INV-0042.pdf',
          bytes: v2.length,
        });
        assert.equal(sha256(await s.readFile('partner-acme/outbound/INV-0042.pdf')), sha256(v2), 'in place when the caller hears 200');

        await s.writeFile('partner-acme/outbound/INV-0042.pdf', 'lost again');
        const byPath = await post({ path: `${outbound}/INV-0042.pdf` });
        assert.equal(byPath.status, 200);
        assert.equal(byPath.body.version, 2);
        assert.equal(sha256(await s.readFile('partner-acme/outbound/INV-0042.pdf')), sha256(v2));

        const notApproved = await post({ id: draft });
        assert.deepEqual([notApproved.status, notApproved.body.error], [404, 'NOT_FOUND']);
        assert.match(String(notApproved.body.message), /Invoice \/ Status = Approved/);
        assert.equal(await s.exists('partner-acme/outbound/INV-0043.pdf'), false, 'a draft is never sent');

        const missing = await post({ id: 999999 });
        assert.deepEqual([missing.status, missing.body.error], [404, 'NOT_FOUND']);
        const missingPath = await post({ path: `${outbound}/INV-9999.pdf` });
        assert.deepEqual([missingPath.status, missingPath.body.error], [404, 'NOT_FOUND']);

        const nothing = await post({ reference: 'INV-0042' });
        assert.deepEqual([nothing.status, nothing.body.error], [400, 'INVALID_INPUT']);
      } finally {
        await http.close();
      }
    });
  });
});
