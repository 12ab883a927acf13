/*
 * The Dropbox -> Content Server ingest examples (dbx-cs-01, 03, 04, 07) run end to end: each example
 * loaded as a user imports it, pointed at the Dropbox simulator and the Content Server simulator,
 * files dropped into Dropbox as a collaborator would, and the outcome read through the simulators'
 * inspection endpoints (documents, category values, versions, classification, permissions,
 * workflows, owner in Content Server; files, revs and content hashes in Dropbox).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import helper from 'node-red-node-test-helper';
import { nodeRedPath } from '../../support/node-red-under-test';
import { accessToken, rpc } from '../../support/dropbox-sim';
import { collect, csInspection, dropboxExampleRig, dropboxState, dropFile, type ExampleMsg } from '../../support/dropbox-example-flows';

helper.init(nodeRedPath());

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** Dropbox's content_hash of a small file (one block): SHA-256 of the block's SHA-256. */
const dropboxHash = (b: Buffer): string => createHash('sha256').update(createHash('sha256').update(b).digest()).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`);
const audits = (got: { name: string; msg: ExampleMsg }[], at: string): Map<string, NonNullable<NonNullable<ExampleMsg['filebridge']>['audit']>> =>
  new Map(
    got
      .filter((g) => g.name === at)
      .map((g) => g.msg.filebridge?.audit)
      .filter((a) => a !== undefined)
      .map((a) => [a.source.name, a]),
  );

describe('Dropbox -> Content Server ingest examples (Dropbox and Content Server simulators)', function () {
  this.timeout(90_000);
  const rig = dropboxExampleRig();
  const cs = csInspection(() => rig.cs());

  it('dbx-cs-01: a finalized contract is copied into its client folder, classified, with category and permissions; the Dropbox file stays; an edit becomes version 2', async () => {
    const dbx = rig.dropbox();
    const contract = pdf('Master services agreement ACME, final');
    const draft = pdf('still a draft');
    await dropFile(dbx, '/Clients/ACME/Final/C-2026-017_Master services agreement.pdf', contract);
    await dropFile(dbx, '/Clients/ACME/Drafts/C-2026-018_Draft.pdf', draft);
    await dropFile(dbx, '/Clients/Globex/Final/notes.pdf', pdf('no contract number'));
    const before = await dropboxState(dbx);
    const example = await rig.load('dbx-cs-01 Finalized files to governed folders.json');

    const got = await collect(example, ['filed', 'quarantined'], 2);
    const filed = audits(got, 'filed').get('C-2026-017_Master services agreement.pdf');
    assert.ok(filed, JSON.stringify(got.map((g) => g.msg.filebridge?.audit)));
    const doc = await cs.node(filed.target?.id as number);
    assert.equal(await cs.pathOf(doc.id), 'Partners/ACME/Contracts/C-2026-017_Master services agreement.pdf');
    assert.equal(doc.versions.length, 1);
    assert.equal(doc.versions[0].sha256, sha256(contract));
    assert.equal(doc.categories['9840']['9840_2'], 'C-2026-017');
    assert.deepEqual(doc.categories['9840']['9840_3'], ['ACME']);
    assert.match(doc.description, /^Finalized in Dropbox as \/Clients\/ACME\/Final\/C-2026-017_Master services agreement\.pdf\n/);
    const records = await cs.records();
    assert.deepEqual(
      records.classifications[String(doc.id)].map((c) => c.class_id),
      [2503],
    );
    const perms = records.permissions[String(doc.id)];
    assert.deepEqual(perms.find((p) => p.type === 'custom' && p.right_id === 2003)?.permissions, ['see', 'see_contents', 'modify']);
    assert.deepEqual(perms.find((p) => p.type === 'custom' && p.right_id === 2004)?.permissions, ['see', 'see_contents']);

    // Copied, not moved: the file is where it was, same id and bytes; the draft was not touched.
    const after = await dropboxState(dbx);
    const path = '/clients/acme/final/c-2026-017_master services agreement.pdf';
    assert.equal(after.get(path)?.id, before.get(path)?.id);
    assert.equal(after.get(path)?.content_hash, before.get(path)?.content_hash);
    assert.equal(after.get('/clients/acme/drafts/c-2026-018_draft.pdf')?.rev, before.get('/clients/acme/drafts/c-2026-018_draft.pdf')?.rev);
    // The name without a contract number is quarantined inside Dropbox with its report.
    const q = got.find((g) => g.name === 'quarantined')?.msg.filebridge;
    assert.equal(q?.audit?.source.name, 'notes.pdf');
    assert.equal(after.has('/clients/globex/final/notes.pdf'), false);
    assert.ok(after.has(String(q?.quarantine?.path).toLowerCase()), `no quarantined file at ${q?.quarantine?.path}`);
    assert.match(String(q?.quarantine?.path), /^\/Clients\/\.filebridge\/failed\//);
    assert.ok(after.has(String(q?.quarantine?.reportPath).toLowerCase()), 'no error report beside it');

    // The client edits the final contract in Dropbox: version 2 of the same document; the unchanged
    // file is not sent again meanwhile.
    const amended = pdf('Master services agreement ACME, final, amended');
    await dropFile(dbx, '/Clients/ACME/Final/C-2026-017_Master services agreement.pdf', amended);
    const [again] = await collect(example, ['filed', 'quarantined'], 1);
    assert.equal(again.name, 'filed');
    assert.equal(again.msg.filebridge?.audit?.target?.id, doc.id);
    const versions = (await cs.node(doc.id)).versions;
    assert.deepEqual(
      versions.map((v) => v.sha256),
      [sha256(contract), sha256(amended)],
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await cs.node(doc.id)).versions.length, 2, 'an unchanged file was sent again');
  });

  it('dbx-cs-03: attributes come from the Dropbox folder, file type, naming convention and team; the file moves to filed', async () => {
    const dbx = rig.dropbox();
    const audit = pdf('supplier audit October');
    const kpis = Buffer.from('kpi,value\nscrap,0.4\n');
    await dropFile(dbx, '/Projects/Quality/Audits/Supplier audit_2026-10.pdf', audit, 'team');
    await dropFile(dbx, '/Projects/Finance/Monthly KPIs/KPI extract_2026-11.csv', kpis, 'team');
    await dropFile(dbx, '/Projects/Quality/Audits/Supplier audit.pdf', pdf('no period'), 'team');
    await dropFile(dbx, '/Projects/Marketing/Reports/Campaign_2026-11.pdf', pdf('a team not in the table'), 'team');
    const example = await rig.load('dbx-cs-03 Metadata enrichment from folder, type, name and team.json');

    const got = await collect(example, ['filed', 'quarantined'], 4);
    const filed = audits(got, 'filed');
    const expected = [
      [
        'Supplier audit_2026-10.pdf',
        audit,
        'Compliance/Quality/2026',
        'Audits (pdf)',
        '2026-10',
        '2026-10-01',
        'QMS (Quality team)',
        '/Projects/Quality/Audits',
      ],
      [
        'KPI extract_2026-11.csv',
        kpis,
        'Compliance/Finance/2026',
        'Monthly KPIs (csv)',
        '2026-11',
        '2026-11-01',
        'SAP FI (Finance team)',
        '/Projects/Finance/Monthly KPIs',
      ],
    ] as const;
    const teamState = await dropboxState(dbx, 'team');
    for (const [name, bytes, folder, type, period, start, system, from] of expected) {
      const a = filed.get(name);
      assert.ok(a, `${name} not filed: ${JSON.stringify(got.map((g) => g.msg.filebridge?.audit))}`);
      const doc = await cs.node(a.target?.id as number);
      assert.equal(await cs.pathOf(doc.id), `${folder}/${name}`);
      assert.equal(doc.versions[0].sha256, sha256(bytes));
      const attrs = doc.categories['9860'];
      assert.equal(attrs['9860_2'], type);
      assert.equal(attrs['9860_3'], period);
      assert.match(String(attrs['9860_4']), new RegExp(`^${start}`));
      assert.equal(attrs['9860_5'], system);
      assert.deepEqual(
        (await cs.records()).classifications[String(doc.id)].map((c) => c.class_id),
        [2513],
      );
      // Moved in Dropbox to the filed folder of its team and report folder.
      assert.equal(teamState.has(`${from}/${name}`.toLowerCase()), false, `${name} still in ${from}`);
      const moved = teamState.get(`/projects/.filebridge/filed/${from.slice('/Projects/'.length)}/${name}`.toLowerCase());
      assert.equal(moved?.content_hash, dropboxHash(bytes), `${name} not in the filed folder with its bytes (now at ${a.sourceNowAt})`);
    }
    const quarantined = got.filter((g) => g.name === 'quarantined').map((g) => g.msg.filebridge);
    assert.deepEqual(quarantined.map((q) => q?.audit?.source.name).sort(), ['Campaign_2026-11.pdf', 'Supplier audit.pdf']);
    const marketing = quarantined.find((q) => q?.audit?.source.name === 'Campaign_2026-11.pdf');
    assert.equal(marketing?.audit?.error?.code, 'MAPPING');
    for (const q of quarantined) assert.ok(teamState.has(String(q?.quarantine?.path).toLowerCase()), `not in ${q?.quarantine?.path}`);
  });

  it('dbx-cs-04: an invoice moved into "Ready for approval" is filed and an Invoice Approval workflow started with it; the file moves to submitted', async () => {
    const dbx = rig.dropbox();
    const invoice = pdf('invoice 0042 ACME');
    await dropFile(dbx, '/Invoices/Inbox/INV_ACME_2026-11-02_0042.pdf', invoice);
    await dropFile(dbx, '/Invoices/Ready for approval/README.txt', 'not watched: only PDFs');
    const example = await rig.load('dbx-cs-04 Ready for approval starts a workflow.json');
    // Someone moves the invoice into the folder once it is ready (a move in Dropbox, seen by the cursor).
    await new Promise((r) => setTimeout(r, 1000));
    const moved = await rpc(
      dbx,
      'files/move_v2',
      { from_path: '/Invoices/Inbox/INV_ACME_2026-11-02_0042.pdf', to_path: '/Invoices/Ready for approval/INV_ACME_2026-11-02_0042.pdf' },
      { token: await accessToken(dbx) },
    );
    assert.equal(moved.status, 200, moved.text);
    await dropFile(dbx, '/Invoices/Ready for approval/INV_acme_2026-11-02.pdf', pdf('bad name'));

    const got = await collect(example, ['approval started', 'quarantined'], 2);
    const a = audits(got, 'approval started').get('INV_ACME_2026-11-02_0042.pdf');
    assert.ok(a, JSON.stringify(got.map((g) => g.msg.filebridge?.audit)));
    const doc = await cs.node(a.target?.id as number);
    assert.equal(await cs.pathOf(doc.id), 'Partners/ACME/Invoices/2026/INV_ACME_2026-11-02_0042.pdf');
    assert.equal(doc.versions[0].sha256, sha256(invoice));
    assert.equal(doc.categories['9830']['9830_2'], 'ACME');
    assert.match(String(doc.categories['9830']['9830_4']), /^2026-11-02/);
    assert.equal(doc.categories['9830']['9830_5'], 'Draft');
    const records = await cs.records();
    assert.deepEqual(
      records.classifications[String(doc.id)].map((c) => c.class_id),
      [2502],
    );
    const processes = records.processes.filter((p) => p.doc_ids.includes(doc.id));
    assert.equal(processes.length, 1, JSON.stringify(records.processes));
    assert.equal(processes[0].workflow_id, 2401);
    assert.equal(processes[0].comment, 'Please approve invoice 0042 of ACME (from Dropbox: /Invoices/Ready for approval/INV_ACME_2026-11-02_0042.pdf)');

    const state = await dropboxState(dbx);
    assert.equal(state.has('/invoices/ready for approval/inv_acme_2026-11-02_0042.pdf'), false);
    const d = new Date();
    const day = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
    assert.equal(a.sourceNowAt, `/Invoices/Ready for approval/.filebridge/submitted/${day}/INV_ACME_2026-11-02_0042.pdf`);
    assert.ok(state.has(`/invoices/ready for approval/.filebridge/submitted/${day}/inv_acme_2026-11-02_0042.pdf`));
    assert.ok(state.has('/invoices/ready for approval/readme.txt'), 'a file the watch does not take stays');
    const q = got.find((g) => g.name === 'quarantined')?.msg.filebridge;
    assert.equal(q?.audit?.source.name, 'INV_acme_2026-11-02.pdf');
    assert.equal(records.processes.length, 1, 'a quarantined file started no workflow');
  });
  it('dbx-cs-07: client submissions are filed under the client with its account manager as owner, moved out of the request, and a review message is emitted', async () => {
    const dbx = rig.dropbox();
    const order = pdf('signed order form ACME');
    const globex = pdf('Globex invoice');
    const acmeSame = pdf('ACME invoice, same name as Globex');
    await dropFile(dbx, '/File requests/ACME/Signed order form.pdf', order);
    await dropFile(dbx, '/File requests/Globex/Invoice.pdf', globex);
    await dropFile(dbx, '/File requests/ACME/Invoice.pdf', acmeSame);
    await dropFile(dbx, '/File requests/ACME/Contract.pdf', 'not a PDF at all');
    await dropFile(dbx, '/File requests/Initech/Offer.pdf', pdf('a client without an account manager'));
    const example = await rig.load('dbx-cs-07 External intake with owner and review message.json');

    const got = await collect(example, ['review request', 'quarantined'], 5);
    const reviews = got.filter((g) => g.name === 'review request').map((g) => g.msg);
    assert.equal(reviews.length, 3, JSON.stringify(got.map((g) => [g.name, g.msg.filebridge?.audit])));
    const d = new Date();
    const month = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    const expected = [
      ['/File requests/ACME/Signed order form.pdf', order, 'ACME', 'jdoe', 1001],
      ['/File requests/Globex/Invoice.pdf', globex, 'Globex', 'msmith', 1002],
      ['/File requests/ACME/Invoice.pdf', acmeSame, 'ACME', 'jdoe', 1001],
    ] as const;
    const state = await dropboxState(dbx);
    for (const [from, bytes, client, owner, ownerId] of expected) {
      const review = reviews.find((m) => (m.payload as { submittedAs?: string }).submittedAs === from);
      assert.ok(review, `no review message for ${from}`);
      assert.equal(review.topic, 'review');
      const payload = review.payload as { documentId: number; name: string; path: string; client: string; owner: string };
      assert.equal(payload.client, client);
      assert.equal(payload.owner, owner);
      const doc = await cs.node(payload.documentId);
      assert.equal(await cs.pathOf(doc.id), `Inbound/Client submissions/${client}/${month}/${from.split('/').pop()}`);
      assert.equal(doc.versions.length, 1);
      assert.equal(doc.versions[0].sha256, sha256(bytes));
      const perms = (await cs.records()).permissions[String(doc.id)];
      assert.equal(perms.find((p) => p.type === 'owner')?.right_id, ownerId, `${from}: owner`);
      assert.deepEqual(perms.find((p) => p.type === 'custom' && p.right_id === 2003)?.permissions, ['see', 'see_contents']);
      // Out of the file request, into received/<client>/.
      assert.equal(state.has(from.toLowerCase()), false, `${from} is still in the request folder`);
      assert.equal(state.get(`/file requests/.filebridge/received/${client}/${from.split('/').pop()}`.toLowerCase())?.content_hash, dropboxHash(bytes));
    }
    const quarantined = new Map(got.filter((g) => g.name === 'quarantined').map((g) => [g.msg.filebridge?.audit?.source.name, g.msg.filebridge]));
    assert.deepEqual([...quarantined.keys()].sort(), ['Contract.pdf', 'Offer.pdf']);
    assert.equal(quarantined.get('Offer.pdf')?.audit?.error?.code, 'MAPPING');
    for (const q of quarantined.values()) assert.ok(state.has(String(q?.quarantine?.path).toLowerCase()), `not in ${q?.quarantine?.path}`);

    // ACME submits another Invoice.pdf: a document of its own under a new name, the first one untouched.
    const first = reviews.find((m) => (m.payload as { submittedAs?: string }).submittedAs === '/File requests/ACME/Invoice.pdf')?.payload as {
      documentId: number;
    };
    const second = pdf('ACME invoice, the next one');
    await dropFile(dbx, '/File requests/ACME/Invoice.pdf', second);
    const [next] = await collect(example, ['review request', 'quarantined'], 1);
    assert.equal(next.name, 'review request');
    const p2 = next.msg.payload as { documentId: number; name: string; owner: string };
    assert.notEqual(p2.documentId, first.documentId);
    assert.notEqual(p2.name, 'Invoice.pdf');
    assert.equal(p2.owner, 'jdoe');
    assert.equal((await cs.node(p2.documentId)).versions[0].sha256, sha256(second));
    assert.equal((await cs.node(first.documentId)).versions.length, 1);
  });
});
