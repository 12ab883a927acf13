/**
 * The File 360 -> FTP examples (f360-02, 05, and the two-way f360-06) end to end: each example file
 * loaded as a user imports it, pointed at the shared vsftpd and one File 360 simulator for the file;
 * documents put into File 360 folders (and moved between them) as people would, and the outcome read
 * from the FTP server's files and the simulator's `/_sim/state`.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import helper from 'node-red-node-test-helper';
import { servers } from '../../support/dev-servers';
import { nodeRedPath } from '../../support/node-red-under-test';
import { file360ExampleRig, ftpFilesBelow, waitFor } from '../../support/file360-example-flows';

helper.init(nodeRedPath());

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n% ${text}\n%%EOF\n`);
const png = (text: string): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(text)]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Two polls of the examples' File 360 watches (every 2 s), and a margin. */
const TWO_POLLS_MS = 4500;

/** A file on the FTP server once it is there (the put renames it into place whole). */
async function ftpFile(rel: string): Promise<Buffer> {
  const s = servers();
  await waitFor(`${rel} on the FTP server`, () => s.exists(rel));
  return s.readFile(rel);
}

describe('File 360 -> FTP examples (File 360 simulator, vsftpd)', function () {
  this.timeout(120_000);
  const rig = file360ExampleRig();

  it('f360-02: approved assets are pushed to the partner FTP once, then archived in File 360; never sent twice', async () => {
    const s = servers();
    await s.remove('f360-02');
    const keyVisual = png('spring key visual');
    const first = await rig.putDocument('/Marketing/Approved assets', 'Spring campaign key visual.png', keyVisual);
    const { out } = await rig.load('f360-02 Approved assets to partner FTP.json', ['pushed', 'not sent']);

    const [pushed] = await out.count('pushed', 1);
    assert.deepEqual(await ftpFile('f360-02/outbox/Spring campaign key visual.png'), keyVisual);
    assert.equal(pushed.filebridge?.audit?.disposal, 'archived');
    const archived = await rig.waitForDocument('/Marketing/Approved assets/Sent to partner/Spring campaign key visual.png', sha256(keyVisual));
    assert.equal(archived.id, first.id, 'the document was moved, keeping its id');
    assert.equal(await rig.documentAt('/Marketing/Approved assets/Spring campaign key visual.png'), undefined, 'no longer in the approved folder');
    const sentAt = (await stat(s.localPath('f360-02/outbox/Spring campaign key visual.png'))).mtimeMs;

    // A second asset goes out alone; the first is not sent again.
    const priceList = pdf('retail price list');
    await rig.putDocument('/Marketing/Approved assets', 'Retail price list.pdf', priceList);
    await out.count('pushed', 2);
    assert.deepEqual(await ftpFile('f360-02/outbox/Retail price list.pdf'), priceList);
    await sleep(TWO_POLLS_MS);
    assert.equal(out.of('pushed').length, 2, 'nothing sent twice');
    assert.equal((await stat(s.localPath('f360-02/outbox/Spring campaign key visual.png'))).mtimeMs, sentAt, "the partner's copy was not written again");
    assert.deepEqual(await ftpFilesBelow('f360-02/outbox'), ['Retail price list.pdf', 'Spring campaign key visual.png']);
    assert.deepEqual(
      (await rig.documentsIn('/Marketing/Approved assets')).map((d) => d.name),
      [],
      'every approved asset archived',
    );
    assert.equal(out.of('not sent').length, 0);
  });

  it('f360-05: a draft in the review folder is never exported; moved into Approved it goes to the distributor once', async () => {
    const s = servers();
    await s.remove('f360-05');
    await rig.mkdirs('/Releases/Review');
    const draft = pdf('datasheet X100 v2 (draft)');
    const approved = pdf('price list Q1 (approved)');
    const draftDoc = await rig.putDocument('/Releases/Review', 'Datasheet X100 v2.pdf', draft);
    await rig.putDocument('/Releases/Approved', 'Price list Q1.pdf', approved);
    const { out } = await rig.load('f360-05 Release gate from review to distributor FTP.json', ['exported', 'not exported']);

    const [first] = await out.count('exported', 1);
    assert.equal(first.filebridge?.audit?.disposal, 'left');
    assert.deepEqual(await ftpFile('f360-05/distributor/Price list Q1.pdf'), approved);
    await sleep(TWO_POLLS_MS);
    assert.deepEqual(await ftpFilesBelow('f360-05/distributor'), ['Price list Q1.pdf'], 'the draft is not exported');
    assert.equal(out.of('exported').length, 1, 'and the approved one not twice');

    // The reviewer approves the draft: moved into Approved, it goes out.
    await rig.moveDocument(draftDoc.id, '/Releases/Approved');
    await out.count('exported', 2);
    assert.deepEqual(await ftpFile('f360-05/distributor/Datasheet X100 v2.pdf'), draft);
    await sleep(TWO_POLLS_MS);
    assert.equal(out.of('exported').length, 2, 'each approved document exported once');
    assert.deepEqual(
      (await rig.documentsIn('/Releases/Approved')).map((d) => d.name).sort(),
      ['Datasheet X100 v2.pdf', 'Price list Q1.pdf'],
      'approved documents stay in Approved',
    );
    assert.equal(out.of('not exported').length, 0);
  });

  it('f360-05: a document the distributor server refuses stays in Approved; its error report goes to the File 360 exceptions folder', async () => {
    const s = servers();
    await s.remove('f360-05');
    // A folder where the file should land: the put cannot rename its temporary file into place.
    await rig.emptyFolder('/Releases/Approved');
    await s.mkdirp('f360-05/distributor/Blocked sheet.pdf');
    const blocked = pdf('blocked sheet');
    await rig.putDocument('/Releases/Approved', 'Blocked sheet.pdf', blocked);
    const { out } = await rig.load('f360-05 Release gate from review to distributor FTP.json', ['exported', 'not exported']);

    const [notice] = await out.count('not exported', 1);
    assert.match(String(notice.payload), /Blocked sheet\.pdf/);
    type Quarantined = { reportPath: string; report: { leftInPlace?: boolean; fileMoved: boolean; error: { code?: string } } };
    const q = notice.filebridge?.quarantine as Quarantined | undefined;
    assert.match(String(q?.reportPath), /^\/Exceptions\/Distributor export\/[^/]+_Blocked sheet\.pdf\.error\.json$/);
    assert.equal(q?.report.fileMoved, false);
    const reportDoc = await rig.waitForDocument(String(q?.reportPath));
    const report = JSON.parse((await rig.content(reportDoc.id)).toString()) as { file: string; error: { code?: string; message: string } };
    assert.equal(report.file, 'Blocked sheet.pdf');
    assert.ok(report.error.code, `the report names the error code: ${JSON.stringify(report.error)}`);
    assert.ok(await rig.documentAt('/Releases/Approved/Blocked sheet.pdf'), 'the document stays where it is');
    // Quarantined in place: the unchanged document is not sent again at every poll.
    await sleep(TWO_POLLS_MS);
    assert.equal(out.of('not exported').length, 1);
    assert.equal(out.of('exported').length, 0);
  });

  it('f360-06: audit reports go out to the auditor FTP folder; the auditor uploads come back into the evidence folder shared with Auditors', async () => {
    const s = servers();
    await s.remove('f360-06');
    const uploads = 'f360-06/auditor/uploads';
    await s.mkdirp(uploads);
    const auditReport = pdf('audit report 2026');
    const evidence = pdf('bank confirmation');
    await rig.putDocument('/Audit/Reports for auditor', 'Audit report 2026.pdf', auditReport);
    await s.writeFile(`${uploads}/Evidence 17 - bank confirmation.pdf`, evidence);
    const { out } = await rig.load('f360-06 Audit evidence exchange.json', ['sent to auditor', 'evidence filed', 'quarantined']);

    await out.count('sent to auditor', 1);
    assert.deepEqual(await ftpFile('f360-06/auditor/reports/Audit report 2026.pdf'), auditReport);
    await rig.waitForDocument('/Audit/Reports for auditor/Sent/Audit report 2026.pdf', sha256(auditReport));

    const [filed] = await out.count('evidence filed', 1);
    const year = String(new Date().getUTCFullYear());
    const doc = await rig.waitForDocument(`/Audit/Evidence/${year}/Evidence 17 - bank confirmation.pdf`, sha256(evidence));
    assert.equal(filed.filebridge?.file360?.documentId, doc.id);
    assert.ok(await rig.documentAt(`/Audit/Evidence/${year}/Transfer details/Evidence 17 - bank confirmation.pdf.transfer.json`), 'transfer details recorded');
    assert.deepEqual(
      (await rig.folderAt(`/Audit/Evidence/${year}`))?.collaborators.map((c) => [c.type, c.name, c.role]),
      [['group', 'Auditors', 'viewer']],
    );
    await waitFor('the upload archived on FTP', async () => {
      const files = await ftpFilesBelow(uploads);
      return files.some((f) => f.startsWith('.filebridge/archive/') && f.endsWith('/Evidence 17 - bank confirmation.pdf')) &&
        !files.includes('Evidence 17 - bank confirmation.pdf')
        ? files
        : undefined;
    });
    // No echo: the report sent out is not filed back as evidence, the evidence not sent out.
    await sleep(TWO_POLLS_MS);
    assert.equal(out.of('sent to auditor').length, 1);
    assert.equal(out.of('evidence filed').length, 1);
    assert.deepEqual(await ftpFilesBelow('f360-06/auditor/reports'), ['Audit report 2026.pdf']);
    assert.equal(out.of('quarantined').length, 0);
  });

  it('f360-06: a report the auditor server refuses stays in File 360; its error report goes to Exceptions/Audit exchange, not to the FTP side', async () => {
    const s = servers();
    await s.remove('f360-06');
    await s.mkdirp('f360-06/auditor/uploads');
    await s.mkdirp('f360-06/auditor/reports/Blocked report.pdf');
    await rig.emptyFolder('/Audit/Reports for auditor');
    await rig.putDocument('/Audit/Reports for auditor', 'Blocked report.pdf', pdf('blocked report'));
    const { out } = await rig.load('f360-06 Audit evidence exchange.json', ['sent to auditor', 'evidence filed', 'quarantined']);

    const [notice] = await out.count('quarantined', 1);
    const reportPath = String((notice.filebridge?.quarantine as { reportPath?: string } | undefined)?.reportPath);
    assert.match(reportPath, /^\/Exceptions\/Audit exchange\/[^/]+_Blocked report\.pdf\.error\.json$/);
    await rig.waitForDocument(reportPath);
    assert.ok(await rig.documentAt('/Audit/Reports for auditor/Blocked report.pdf'), 'the report stays where it is');
    assert.deepEqual(
      (await ftpFilesBelow('f360-06/auditor')).filter((f) => f.endsWith('.error.json')),
      [],
      'nothing written on the FTP side',
    );
    assert.equal(out.of('sent to auditor').length, 0);
  });
});
