/*
 * filebridge-f360-put ("file360 put") in a Node-RED flow: files an SFTP watch claims go into the File
 * 360 simulator. The bytes and their SHA-256 arrive and msg.filebridge.file360 says where; a name
 * taken under collision "fail" reaches the Catch node as CONFLICT while the source stays claimed (the
 * node never acks); a token that ends between two files is renewed; no secret shows in a message, a
 * status or an error.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import helper from 'node-red-node-test-helper';
import f360PutNode from '../../../src/nodes/filebridge-f360-put';
import serverNode from '../../../src/nodes/filebridge-server';
import watchNode from '../../../src/nodes/filebridge-watch';
import ackNode from '../../../src/nodes/filebridge-ack';
import { openFile360Client } from '../../../src/core/file360';
import type { F360PutOutcome, F360TransferDetails } from '../../../src/core/file360/put';
import { servers } from '../../support/dev-servers';
import { serverConfigNode } from '../../support/server-config-node';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall } from '../../support/flow-helper';
import { f360ClientOptions, f360ServerCredentials, f360ServerNode, useFile360Sim } from '../../support/file360-sim';
import { localFiles, sha, waitFor } from '../../support/watch-pipeline';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, watchNode, f360PutNode, ackNode, coreNode('common/25-catch.js'), coreNode('function/10-switch.js')];

type Msg = Record<string, unknown> & {
  payload?: unknown;
  error?: { code?: string; message: string };
  filebridge?: { file360?: F360PutOutcome; source?: { name: string; sha256?: string; claimPath: string; path: string } };
};

describe('filebridge-f360-put node in a Node-RED flow', function () {
  this.timeout(60_000);
  const used = useFile360Sim();
  let seq = 0;
  let statuses: string[];
  let logged: string[];

  afterEach(async () => {
    await helper.unload();
  });

  /** watch (SFTP, `dir/inbox`) -> file360 put -> ack (delete) -> acked; Catch(put) -> caught. */
  async function load(
    dir: string,
    put: Record<string, unknown>,
    f360Credentials: Record<string, string> = {},
    watch: Record<string, unknown> = {},
    extra: Record<string, unknown>[] = [],
    collect = ['acked', 'caught'],
  ): Promise<Arrivals<Msg>> {
    await loadFlow(
      NODES,
      [
        { id: 'tab', type: 'tab', label: 'f360 put' },
        serverConfigNode('sftp', { id: 'srv', poolSize: 2 }),
        f360ServerNode(used.sim, { id: 'f360' }),
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
          recursive: true,
          output: 'stream',
          sha256: true,
          wires: [['put']],
          ...watch,
        },
        {
          id: 'put',
          z: 'tab',
          x: 300,
          y: 100,
          type: 'filebridge-f360-put',
          server: 'f360',
          folder: `${dir}/Suppliers/{relativeDir}/{yyyy}`,
          createFolders: true,
          collision: 'fail',
          shares: [],
          details: 'record',
          detailsFolder: 'Transfer details',
          wires: [['ack']],
          ...put,
        },
        { id: 'ack', z: 'tab', x: 500, y: 100, type: 'filebridge-ack', action: 'delete', wires: [['acked']] },
        { id: 'acked', z: 'tab', x: 700, y: 100, type: 'helper' },
        { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: ['put'], uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
        ...extra,
      ],
      {
        srv: { password: servers().password },
        f360: { ...f360ServerCredentials(used.sim), ...f360Credentials },
      },
    );
    statuses = [];
    logged = [];
    onCall<{ text?: string }>('put', 'status', (call) => statuses.push(String(call.args[0]?.text ?? '')));
    onCall<unknown>('put', 'error', (call) => logged.push(call.args.map((a) => (a instanceof Error ? a.message : JSON.stringify(a))).join(' ')));
    return new Arrivals<Msg>(collect);
  }

  /** Neither secret of the File 360 configuration (nor the SFTP password) in anything the flow shows. */
  function assertNoSecret(...seen: unknown[]): void {
    const text = JSON.stringify([seen, statuses, logged]);
    for (const secret of [used.sim.clientSecret, used.sim.password, servers().password]) assert.ok(!text.includes(secret), 'a secret showed');
  }

  it('a watched SFTP file arrives in File 360 with its SHA-256; msg.filebridge.file360 says where; the ack deletes the source', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    const data = randomBytes(300_000);
    await servers().writeFile(`${dir}/inbox/ACME/INV_0042.pdf`, data);
    const arrivals = await load(dir, {}, {});
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'acked', JSON.stringify(msg.error));
    const f = msg.filebridge?.file360;
    assert.ok(f);
    const year = String(new Date().getUTCFullYear());
    const folder = `/${dir}/Suppliers/ACME/${year}`;
    const doc = used.sim.documentAt(`${folder}/INV_0042.pdf`);
    assert.ok(doc, 'the document is in the templated folder');
    assert.equal(doc.sha256, sha(data));
    assert.deepEqual(
      { ...f, detailsDocumentId: typeof f.detailsDocumentId },
      {
        server: `file360://${used.sim.url.replace(/^https?:\/\//, '')} (${used.sim.user})`,
        documentId: doc.id,
        name: 'INV_0042.pdf',
        folderId: used.sim.folderAt(folder)?.id,
        folder,
        path: `${folder}/INV_0042.pdf`,
        size: data.length,
        sha256: sha(data),
        collision: 'fail',
        renamed: false,
        shared: [],
        detailsDocumentId: 'string',
      },
    );
    assert.equal(f.sha256, msg.filebridge?.source?.sha256, "the put's hash is the watch's");
    assert.equal('payload' in msg, false, 'the payload was released');
    const details = JSON.parse(await readFile(used.sim.contentFile(f.detailsDocumentId ?? '') ?? '', 'utf8')) as F360TransferDetails;
    assert.equal(details.source?.server, `sftp://${servers().sftp.host}:${servers().sftp.port}`);
    assert.equal(details.source?.path, msg.filebridge?.source?.path);
    assert.equal(details.document.sha256, sha(data));
    await waitFor('the ack to delete the source', async () => (await localFiles(dir)).length === 0);
    assert.ok(
      statuses.some((s) => s.startsWith('stored: INV_0042.pdf')),
      statuses.join(' | '),
    );
    assertNoSecret(msg, details);
  });

  it("with the watch's SHA-256 off the put hashes the bytes itself; the details still carry the file's SHA-256", async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    const data = randomBytes(200_000);
    await servers().writeFile(`${dir}/inbox/plain.bin`, data);
    const arrivals = await load(dir, { folder: `${dir}/T` }, {}, { sha256: false });
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'acked', JSON.stringify(msg.error));
    assert.equal(msg.filebridge?.source?.sha256, undefined, 'the watch computed nothing');
    assert.equal(msg.filebridge?.file360?.sha256, sha(data));
    assert.equal(used.sim.documentAt(`/${dir}/T/plain.bin`)?.sha256, sha(data));
    const details = JSON.parse(await readFile(used.sim.contentFile(msg.filebridge?.file360?.detailsDocumentId ?? '') ?? '', 'utf8')) as F360TransferDetails;
    assert.equal(details.document.sha256, sha(data));
  });

  it('an upload dropped halfway is sent again from the claimed file, opened anew; the SHA-256 reported is that of the bytes stored', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    // Above the 8 MiB the client replays from memory: the retry must open the claimed file again.
    const data = randomBytes(10 * 1024 * 1024);
    await servers().writeFile(`${dir}/inbox/big.bin`, data);
    const uploads = used.sim.stats().byRoute['POST /api/v3/documents'] ?? 0;
    used.sim.setFaults({ dropUploadNext: 1 });
    const arrivals = await load(dir, { folder: `${dir}/T`, collision: 'overwrite' });
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'acked', JSON.stringify(msg.error));
    // The dropped attempt, the retry, and the details document.
    assert.equal((used.sim.stats().byRoute['POST /api/v3/documents'] ?? 0) - uploads, 3);
    assert.equal(used.sim.documentAt(`/${dir}/T/big.bin`)?.sha256, sha(data));
    assert.equal(msg.filebridge?.file360?.sha256, sha(data));
    assert.equal(msg.filebridge?.file360?.size, data.length);
  });

  it('collision "fail" on a taken name: Catch gets CONFLICT, File 360 keeps its document, the source stays claimed (not lost, not acked)', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    const year = String(new Date().getUTCFullYear());
    const client = openFile360Client(f360ClientOptions(used.sim));
    await client.resolveFolder(`${dir}/Suppliers/ACME/${year}`, { create: true });
    client.close();
    const before = await used.sim.putFile(`/${dir}/Suppliers/ACME/${year}`, 'order.csv', 'someone else put this here');
    const data = Buffer.from('a;b\n1;2\n');
    await servers().writeFile(`${dir}/inbox/ACME/order.csv`, data);
    const arrivals = await load(dir, {});
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'CONFLICT');
    assert.match(msg.error?.message ?? '', /already has a document "order\.csv".*nothing was stored/);
    assert.equal(used.sim.documentAt(`/${dir}/Suppliers/ACME/${year}/order.csv`)?.sha256, before.sha256, 'the document in File 360 is unchanged');
    // The watched file is where the watch claimed it, with its bytes: the node never acks.
    const left = await localFiles(dir);
    assert.equal(left.length, 1, left.join(', '));
    assert.notEqual(left[0], 'inbox/ACME/order.csv', 'still claimed (not back in the inbox, not deleted)');
    assert.equal(sha(await servers().readFile(`${dir}/${left[0]}`)), sha(data));
    assert.ok(statuses.includes('CONFLICT'), statuses.join(' | '));
    assertNoSecret(msg);
  });

  it('a missing template field: Catch gets INVALID_INPUT naming it, nothing is sent, the source stays claimed', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    await servers().writeFile(`${dir}/inbox/x.txt`, 'x');
    const uploads = used.sim.stats().byRoute['POST /api/v3/documents'] ?? 0;
    const arrivals = await load(dir, { folder: `${dir}/{fields.supplier}` });
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    assert.match(msg.error?.message ?? '', /msg\.filebridge\.fields\.supplier/);
    assert.equal(used.sim.stats().byRoute['POST /api/v3/documents'] ?? 0, uploads, 'no upload');
    const left = await localFiles(dir);
    assert.equal(left.length, 1);
    assert.notEqual(left[0], 'inbox/x.txt');
  });

  it('a token that ends between two files is renewed once, and both files arrive', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    await servers().writeFile(`${dir}/inbox/one.txt`, 'one');
    const arrivals = await load(dir, { folder: `${dir}/T`, details: 'none' });
    const first = await arrivals.next();
    assert.equal(first.id, 'acked', JSON.stringify(first.msg.error));
    const issued = used.sim.stats().tokensIssued;
    const refused = used.sim.stats().unauthorized;
    used.sim.expireTokens();
    await servers().writeFile(`${dir}/inbox/two.txt`, 'two');
    const second = await arrivals.next();
    assert.equal(second.id, 'acked', JSON.stringify(second.msg.error));
    assert.equal(used.sim.documentAt(`/${dir}/T/two.txt`)?.sha256, sha(Buffer.from('two')));
    assert.equal(used.sim.stats().tokensIssued - issued, 1, 'one new token');
    assert.ok(used.sim.stats().unauthorized > refused, 'the old token was refused first');
    assertNoSecret(first.msg, second.msg);
  });

  it('a wrong client secret: Catch gets AUTHENTICATION, and the secret is nowhere in the error, status or log', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    await servers().writeFile(`${dir}/inbox/x.txt`, 'x');
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const arrivals = await load(dir, { folder: `${dir}/A` }, { clientSecret: wrong });
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'AUTHENTICATION');
    const text = JSON.stringify([msg, statuses, logged]);
    assert.ok(!text.includes(wrong), 'the wrong secret showed');
    assertNoSecret(msg);
  });

  it('a server configuration of another protocol: INVALID_INPUT saying to pick a File 360 one', async () => {
    const dir = `f360-put-${++seq}-${Date.now()}`;
    await servers().writeFile(`${dir}/inbox/x.txt`, 'x');
    const arrivals = await load(dir, { server: 'srv' });
    const { id, msg } = await arrivals.next();
    assert.equal(id, 'caught');
    assert.equal(msg.error?.code, 'INVALID_INPUT');
    assert.match(msg.error?.message ?? '', /not a File 360 connection/);
    assert.equal(statuses[0], 'not a File 360 server', 'shown at deploy');
  });

  /*
   * The crash between the put and the ack, in one runtime: attempt 1 is stored but its message never
   * reaches the ack (a switch drops it, as a runtime killed there would); the watch's lease recovery
   * sends the same file again as attempt 2. Under "rename" that used to be a second document.
   */
  for (const collision of ['rename', 'fail']) {
    it(`${collision}: a file the watch sends again after a lost run is stored once, recognised by its transfer details, then acked`, async () => {
      const dir = `f360-put-${++seq}-${Date.now()}`;
      const data = randomBytes(50_000);
      await servers().writeFile(`${dir}/inbox/report.pdf`, data);
      const arrivals = await load(
        dir,
        { folder: `${dir}/R`, collision, wires: [['filed', 'lost']] },
        {},
        { stability: 'age', minAgeSeconds: 0, leaseSeconds: 1.5, inFlightTimeoutSeconds: 1 },
        [
          { id: 'filed', z: 'tab', x: 500, y: 300, type: 'helper' },
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
        ],
        ['filed', 'acked', 'caught'],
      );
      const first = await arrivals.next();
      assert.equal(first.id, 'filed', JSON.stringify(first.msg.error));
      const f1 = first.msg.filebridge?.file360;
      assert.ok(f1);
      const again = await arrivals.next();
      assert.equal(again.id, 'filed', JSON.stringify(again.msg.error));
      assert.equal((again.msg.filebridge?.source as { attempt?: number } | undefined)?.attempt, 2, 'sent again by lease recovery');
      assert.deepEqual(again.msg.filebridge?.file360, { ...f1, redelivered: true });
      assert.equal((await arrivals.next()).id, 'acked');
      const docs = used.sim.state().documents.filter((d) => d.path.startsWith(`/${dir}/R/`) && !d.path.includes('/Transfer details/'));
      assert.deepEqual(
        docs.map((d) => `${d.name} ${d.sha256}`),
        [`report.pdf ${sha(data)}`],
        'one document',
      );
      await waitFor('the ack to delete the source', async () => (await localFiles(dir)).length === 0);
    });
  }
});
