import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import serverNode from '../../../src/nodes/filebridge-server';
import validateNode from '../../../src/nodes/filebridge-validate';
import { servers } from '../../support/dev-servers';
import { coreNode, nodeRedPath } from '../../support/node-red-under-test';
import { Arrivals, loadFlow, onCall, startTestServer, stopTestServer } from '../../support/flow-helper';
import { serverConfigNode } from '../../support/server-config-node';

helper.init(nodeRedPath());

const NODES: unknown[] = [serverNode, validateNode, coreNode('common/25-catch.js')];

type ValidationError = { rule: string; reason: string; [k: string]: unknown };
type Msg = Record<string, unknown> & {
  payload?: unknown;
  filebridge?: { validation?: { valid: boolean; errors: ValidationError[] }; fields?: Record<string, string>; source?: Record<string, unknown> };
  error?: { code?: string; message: string };
};

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** validate wired to a "valid" and an "invalid" helper node, a Catch node to a third; an SFTP server config. */
function flow(validate: Record<string, unknown>): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    serverConfigNode('sftp'),
    { id: 'validate', z: 'tab', x: 100, y: 100, type: 'filebridge-validate', wires: [['valid'], ['invalid']], ...validate },
    { id: 'valid', z: 'tab', x: 300, y: 80, type: 'helper' },
    { id: 'invalid', z: 'tab', x: 300, y: 120, type: 'helper' },
    { id: 'catch', z: 'tab', x: 100, y: 200, type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', z: 'tab', x: 300, y: 200, type: 'helper' },
  ];
}

let arrivals: Arrivals<Msg> | undefined;

async function load(validate: Record<string, unknown>): Promise<void> {
  await loadFlow(NODES, flow(validate), { srv: { password: servers().password } });
  arrivals = new Arrivals<Msg>(['valid', 'invalid', 'caught']);
}

async function exchange(msg: Record<string, unknown>): Promise<{ id: string; msg: Msg }> {
  if (!arrivals) throw new Error('load a flow first');
  helper.getNode('validate').receive(msg);
  return arrivals.next();
}

const INVOICE_RULES = {
  nameOn: true,
  namePattern: 'INV_(?<vendor>[A-Z]+)_(?<date>\\d{4}-\\d{2}-\\d{2})\\.(pdf|csv)',
  extOn: true,
  extensions: 'pdf, csv',
  sizeOn: true,
  minSize: '',
  maxSize: '1 MB',
  nonEmptyOn: true,
  magicOn: true,
  csvOn: true,
  csvExtensions: 'csv',
  csvHeader: true,
  csvRequired: 'Invoice, Amount',
  csvColumns: '{"Amount": {"type": "number"}}',
  csvMaxRows: '1000',
};

describe('filebridge-validate node in a Node-RED flow', function () {
  this.timeout(60_000);
  beforeEach(() => startTestServer());
  afterEach(async () => {
    await helper.unload();
    await stopTestServer();
  });

  it('a good file leaves on "valid" with the name fields; the status counts', async () => {
    await load(INVOICE_RULES);
    const statuses: { text?: string }[] = [];
    onCall<{ text?: string }>('validate', 'status', (call) => statuses.push(call.args[0]));
    const pdf = Buffer.from('%PDF-1.7\n...');
    const got = await exchange({ payload: pdf, filename: 'INV_ACME_2026-11-02.pdf', filebridge: { fields: { batch: '7' } } });
    assert.equal(got.id, 'valid', JSON.stringify(got.msg.filebridge ?? got.msg.error));
    assert.deepEqual(got.msg.filebridge?.validation, { valid: true, errors: [] });
    assert.deepEqual(got.msg.filebridge?.fields, { batch: '7', vendor: 'ACME', date: '2026-11-02' });
    assert.deepEqual(got.msg.payload, pdf);
    assert.equal(statuses.at(-1)?.text, 'valid: 1, invalid: 0');
  });

  it('a bad file leaves on "invalid" with every failure listed, and is not an error', async () => {
    await load(INVOICE_RULES);
    const statuses: { text?: string }[] = [];
    onCall<{ text?: string }>('validate', 'status', (call) => statuses.push(call.args[0]));
    const csv = 'Invoice;Total\n1;abc\n';
    const got = await exchange({ payload: csv, filename: 'invoice.csv' });
    assert.equal(got.id, 'invalid');
    const errors = got.msg.filebridge?.validation?.errors ?? [];
    assert.equal(got.msg.filebridge?.validation?.valid, false);
    assert.deepEqual(
      errors.map((e) => e.rule),
      ['name', 'csv', 'csv'],
    );
    assert.match(errors[0].reason, /"invoice\.csv" does not match the pattern/);
    assert.match(errors[1].reason, /no column "Invoice"/);
    assert.match(errors[2].reason, /no column "Amount"/);
    assert.equal(got.msg.payload, csv);
    assert.equal(statuses.at(-1)?.text, 'valid: 0, invalid: 1');

    const pdfNamedCsv = await exchange({ payload: Buffer.from('%PDF-1.4'), filename: 'INV_ACME_2026-11-02.csv' });
    assert.equal(pdfNamedCsv.id, 'invalid');
    assert.deepEqual(
      pdfNamedCsv.msg.filebridge?.validation?.errors.map((e) => e.rule),
      ['magic', 'csv', 'csv'],
    );
    assert.match(pdfNamedCsv.msg.filebridge?.validation?.errors[0].reason ?? '', /expects a text, but the content looks like a PDF document/);
    const empty = await exchange({ payload: Buffer.alloc(0), filename: 'INV_ACME_2026-11-02.pdf' });
    assert.deepEqual(
      empty.msg.filebridge?.validation?.errors.map((e) => e.rule),
      ['magic', 'nonEmpty'],
    );
    assert.equal(statuses.at(-1)?.text, 'valid: 0, invalid: 3');
  });

  describe('stream payloads', () => {
    let spoolDir: string;
    beforeEach(async () => {
      spoolDir = await mkdtemp(join(tmpdir(), 'validate-node-spool-'));
    });
    afterEach(async () => {
      await rm(spoolDir, { recursive: true, force: true });
    });

    it('the next node gets the same bytes as a stream and the temp copy is gone after it is read', async () => {
      await load({ ...INVOICE_RULES, sizeOn: false, spoolDir });
      const rows = ['Invoice,Amount'];
      for (let i = 0; i < 50_000; i++) rows.push(`${i},${i}.50`);
      const data = Buffer.from(rows.join('\r\n'));
      const parts: Buffer[] = [];
      for (let i = 0; i < data.length; i += 4096) parts.push(data.subarray(i, i + 4096));
      const got = await exchange({ payload: Readable.from(parts), filename: 'INV_ACME_2026-11-02.csv' });
      assert.equal(got.id, 'valid', JSON.stringify(got.msg.filebridge?.validation ?? got.msg.error));
      assert.ok(got.msg.payload instanceof Readable);
      const hash = createHash('sha256');
      for await (const chunk of got.msg.payload) hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), sha256(data));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await readdir(spoolDir), []);
    });

    it('a stream whose size the watch gave, with only name/extension/size rules, is handed on unread (no temp copy)', async () => {
      await load({ nameOn: true, namePattern: '(?<campaign>[A-Z0-9]+)_.+\\.mp4', extOn: true, extensions: 'mp4', nonEmptyOn: true, magicOn: true, spoolDir });
      const data = Buffer.alloc(3000, 7);
      const stream = Readable.from([data]);
      const got = await exchange({ payload: stream, filename: 'SPRING26_hero.mp4', filebridge: { source: { name: 'SPRING26_hero.mp4', size: data.length } } });
      assert.equal(got.id, 'valid', JSON.stringify(got.msg.filebridge?.validation ?? got.msg.error));
      assert.equal(got.msg.payload, stream, 'the same stream, so a watch stream stays reopenable for an upload retry');
      assert.deepEqual(await readdir(spoolDir), []);
      const empty = await exchange({
        payload: Readable.from([]),
        filename: 'SPRING26_empty.mp4',
        filebridge: { source: { name: 'SPRING26_empty.mp4', size: 0 } },
      });
      assert.equal(empty.id, 'invalid', 'the known size still feeds the not-empty rule');
    });

    it('a handed-on stream nobody started reading is closed when the flow stops, releasing the temp copy', async () => {
      await load({ nonEmptyOn: true, spoolDir });
      const got = await exchange({ payload: Readable.from([Buffer.from('abc')]), filename: 'a.txt' });
      assert.equal(got.id, 'valid');
      const stream = got.msg.payload as Readable;
      assert.equal(stream.destroyed, false);
      await helper.unload();
      assert.equal(stream.destroyed, true);
      assert.deepEqual(await readdir(spoolDir), []);
    });

    it('an unreadable stream is an error for the Catch node, and leaves no temp file', async () => {
      await load({ ...INVOICE_RULES, spoolDir });
      const broken = new Readable({
        read() {
          this.push(Buffer.from('%PDF-1.7'));
          this.destroy(new Error('socket hang up'));
        },
      });
      const got = await exchange({ payload: broken, filename: 'INV_ACME_2026-11-02.pdf' });
      assert.equal(got.id, 'caught');
      assert.equal(got.msg.error?.code, 'INVALID_INPUT');
      assert.match(got.msg.error?.message ?? '', /payload stream failed while it was being validated: socket hang up/);
      assert.deepEqual(await readdir(spoolDir), []);
    });
  });

  it('a backslash in msg.filename is part of the name (POSIX), so the rules check the whole name; a Windows path is cut at its folders', async () => {
    await load(INVOICE_RULES);
    const pdf = Buffer.from('%PDF-1.7\n...');
    // A legal name on sshd or vsftpd: only its last part matches the pattern, so the name fails.
    const posix = await exchange({ payload: pdf, filename: 'junk\\INV_ACME_2026-11-02.pdf' });
    assert.equal(posix.id, 'invalid', JSON.stringify(posix.msg.filebridge));
    assert.deepEqual(
      posix.msg.filebridge?.validation?.errors.map((e) => e.rule),
      ['name'],
    );
    assert.match(posix.msg.filebridge?.validation?.errors[0].reason ?? '', /"junk\\INV_ACME_2026-11-02\.pdf" does not match/);
    assert.equal(posix.msg.filebridge?.fields, undefined);
    const windows = await exchange({ payload: pdf, filename: 'C:\\in\\INV_ACME_2026-11-02.pdf' });
    assert.equal(windows.id, 'valid', JSON.stringify(windows.msg.filebridge?.validation));
    assert.deepEqual(windows.msg.filebridge?.fields, { vendor: 'ACME', date: '2026-11-02' });
  });

  it('broken rule settings are an INVALID_INPUT error naming the setting', async () => {
    await load({ nameOn: true, namePattern: 'INV_(?<vendor' });
    const got = await exchange({ payload: Buffer.from('x'), filename: 'a.pdf' });
    assert.equal(got.id, 'caught');
    assert.equal(got.msg.error?.code, 'INVALID_INPUT');
    assert.match(got.msg.error?.message ?? '', /Name pattern is not a valid regular expression/);
  });

  it('a message without a file name is an INVALID_INPUT error', async () => {
    await load(INVOICE_RULES);
    const got = await exchange({ payload: Buffer.from('x') });
    assert.equal(got.msg.error?.code, 'INVALID_INPUT');
    assert.match(got.msg.error?.message ?? '', /msg\.filename/);
  });

  describe('side-cars and manifests on the real SFTP server', () => {
    const dir = 'validate-node';
    before(async () => {
      await servers().startAll();
    });
    beforeEach(async () => {
      await servers().remove(dir);
      await servers().mkdirp(`${dir}/inbox/.filebridge/processing`);
    });
    after(async () => {
      await servers().remove(dir);
    });

    const source = (name: string) => ({
      server: 'srv',
      protocol: 'sftp',
      folder: `${dir}/inbox`,
      path: `${dir}/inbox/${name}`,
      relativePath: name,
      name,
      claimPath: `${dir}/inbox/.filebridge/processing/${name}`,
      attempt: 1,
    });

    it('checksum side-car read through msg.filebridge.source.server: match passes and fills source.sha256, mismatch is invalid', async () => {
      const data = randomBytes(100_000);
      await servers().writeFile(`${dir}/inbox/.filebridge/processing/scan.tif`, data);
      await servers().writeFile(`${dir}/inbox/scan.tif.sha256`, `${sha256(data)}  scan.tif\n`);
      await load({ checksumOn: true, checksumAlgorithm: 'auto', checksumSource: 'remote' });
      const ok = await exchange({ payload: data, filename: 'scan.tif', filebridge: { source: source('scan.tif') } });
      assert.equal(ok.id, 'valid', JSON.stringify(ok.msg.filebridge?.validation ?? ok.msg.error));
      assert.equal(ok.msg.filebridge?.source?.sha256, sha256(data));
      assert.equal(ok.msg.filebridge?.source?.path, `${dir}/inbox/scan.tif`);

      await servers().writeFile(`${dir}/inbox/scan.tif.sha256`, sha256('an older scan'));
      const bad = await exchange({ payload: data, filename: 'scan.tif', filebridge: { source: source('scan.tif') } });
      assert.equal(bad.id, 'invalid');
      assert.equal(bad.msg.filebridge?.validation?.errors[0].rule, 'checksum');
      assert.equal(bad.msg.filebridge?.validation?.errors[0].expected, sha256('an older scan'));
      assert.equal(bad.msg.filebridge?.validation?.errors[0].actual, sha256(data));
    });

    it('a side-car given in the message (TypedInput property)', async () => {
      const data = Buffer.from('hello');
      await load({ checksumOn: true, checksumAlgorithm: 'md5', checksumSource: 'message', sidecar: 'checks', sidecarType: 'msg' });
      const md5 = createHash('md5').update(data).digest('hex');
      assert.equal((await exchange({ payload: data, filename: 'h.txt', checks: `MD5 (h.txt) = ${md5}` })).id, 'valid');
      assert.equal((await exchange({ payload: data, filename: 'h.txt', checks: { md5: '0'.repeat(32) } })).id, 'invalid');
    });

    it('manifest completeness against the folder on the server', async () => {
      await servers().writeFile(`${dir}/inbox/p1.pdf`, '%PDF');
      await servers().writeFile(`${dir}/inbox/.filebridge/processing/p2.pdf`, '%PDF');
      await load({ manifestOn: true, manifestSource: 'self', nonEmptyOn: true });
      const manifest = Buffer.from('["p1.pdf", "p2.pdf", "p3.pdf"]');
      const incomplete = await exchange({ payload: manifest, filename: 'batch.json', filebridge: { source: source('batch.json') } });
      assert.equal(incomplete.id, 'invalid');
      assert.deepEqual(
        incomplete.msg.filebridge?.validation?.errors.map((e) => [e.rule, e.missing]),
        [['manifest', ['p3.pdf']]],
      );
      await servers().writeFile(`${dir}/inbox/p3.pdf`, '%PDF');
      const complete = await exchange({ payload: manifest, filename: 'batch.json', filebridge: { source: source('batch.json') } });
      assert.equal(complete.id, 'valid', JSON.stringify(complete.msg.filebridge?.validation));
    });

    it('a source server that is not deployed is an INVALID_INPUT error, not an invalid file', async () => {
      await load({ checksumOn: true, checksumSource: 'remote' });
      const got = await exchange({ payload: Buffer.from('x'), filename: 'x.pdf', filebridge: { source: { ...source('x.pdf'), server: 'gone' } } });
      assert.equal(got.id, 'caught');
      assert.equal(got.msg.error?.code, 'INVALID_INPUT');
      assert.match(got.msg.error?.message ?? '', /server configuration gone/);
    });
  });
});
