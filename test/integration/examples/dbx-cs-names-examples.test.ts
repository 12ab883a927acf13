/*
 * Names between Dropbox and Content Server, end to end through the shipped examples: a Dropbox file
 * whose name Content Server cannot take is filed under its mapped name (dbx-cs-07, watch ->
 * cs-upload), and a Content Server document whose name Dropbox cannot take is published under its
 * mapped Dropbox name and lists back as itself (dbx-cs-02, cs-export -> remote put); a name with no
 * mapping reaches the Catch as INVALID_INPUT naming the file.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import helper from 'node-red-node-test-helper';
import { nodeRedPath } from '../../support/node-red-under-test';
import { collect, csInspection, dropboxExampleRig, dropboxState, dropFile } from '../../support/dropbox-example-flows';
import { openDropboxSession } from '../../../src/core/dropbox/session';
import { ContentServerClient } from '../../../src/core/content-server/client';
import { contentHashOf } from '../../../src/core/dropbox/content-hash';

helper.init(nodeRedPath());

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const pdf = (text: string): Buffer => Buffer.from(`%PDF-1.7\n${text}\n%%EOF\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Names between Dropbox and Content Server (examples dbx-cs-07 and dbx-cs-02, both simulators)', function () {
  this.timeout(90_000);
  const rig = dropboxExampleRig();
  const cs = csInspection(() => rig.cs());

  it("dbx-cs-07: a Dropbox file named with ':' and one of 252 characters are filed under their mapped Content Server names", async () => {
    const dbx = rig.dropbox();
    const colon = pdf('order of 10:30');
    const longName = `${'Signed purchase order for the framework agreement on terminal equipment '.repeat(4).slice(0, 248)}.pdf`;
    assert.equal(longName.length, 252);
    const long = pdf('a long name');
    await dropFile(dbx, '/File requests/ACME/Order 10:30.pdf', colon);
    await dropFile(dbx, `/File requests/ACME/${longName}`, long);
    const example = await rig.load('dbx-cs-07 External intake with owner and review message.json');

    const got = await collect(example, ['review request', 'quarantined'], 2);
    assert.deepEqual(
      got.map((g) => g.name),
      ['review request', 'review request'],
      JSON.stringify(got.map((g) => g.msg.filebridge?.audit)),
    );
    const bySource = new Map(got.map((g) => [(g.msg.payload as { submittedAs: string }).submittedAs, g.msg.payload as { documentId: number }]));
    const colonDoc = await cs.node(bySource.get('/File requests/ACME/Order 10:30.pdf')!.documentId);
    assert.equal(colonDoc.name, 'Order 10\uFF1A30.pdf');
    assert.equal(colonDoc.versions[0].sha256, sha256(colon));
    // Start of the name, '~', 8 hex of the SHA-256 of the whole name, the extension: 248 characters.
    const longDoc = await cs.node(bySource.get(`/File requests/ACME/${longName}`)!.documentId);
    const expected = `${longName.slice(0, 248 - 13)}~${sha256(longName).slice(0, 8)}.pdf`;
    assert.equal(longDoc.name, expected);
    assert.equal(longDoc.name.length, 248);
    assert.equal(longDoc.versions[0].sha256, sha256(long));
  });

  it('dbx-cs-02: a document named with a backslash is published under its mapped Dropbox name and lists back as itself; desktop.ini reaches the Catch as INVALID_INPUT', async () => {
    const dbx = rig.dropbox();
    const client = new ContentServerClient({ baseUrl: rig.cs().apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    const release = 'Enterprise:Partners/ACME/Dropbox release';
    const spec = pdf('spec rev B');
    await client.upload({ target: release, createFolders: true, name: 'Spec\\Rev B.pdf', open: () => Readable.from([spec]) });
    // Stored as cs-upload stores a file named 'Agenda 10:30.pdf' (':' mapped to '：'): published under that file's own name.
    const agenda = pdf('agenda');
    await client.upload({ target: release, name: 'Agenda 10\uFF1A30.pdf', open: () => Readable.from([agenda]) });
    await client.upload({ target: release, name: 'desktop.ini', open: () => Readable.from([Buffer.from('[.ShellClassInfo]')]) });
    const example = await rig.load('dbx-cs-02 Publish CS documents to a Dropbox shared folder.json');
    type Msg = Record<string, unknown> & { error?: { code?: string; message?: string } };
    const errors: Msg[] = [];
    const published: Record<string, unknown>[] = [];
    helper.getNode(example.byName('debug', 'error code and text').id).on('input', (m: Msg) => errors.push(m));
    helper.getNode(example.byName('debug', 'published').id).on('input', (m: Record<string, unknown>) => published.push(m));
    helper.getNode(example.byName('inject', 'Publish now').id).receive({});
    for (let i = 0; i < 150 && (published.length < 2 || !errors.some((m) => m.error?.code === 'INVALID_INPUT')); i++) await sleep(200);

    assert.equal(published.length, 2);
    // The put's error names the file and what to do (the export then reports the document as not delivered).
    const refused = errors.find((m) => m.error?.code === 'INVALID_INPUT');
    assert.ok(refused, JSON.stringify(errors));
    assert.match(refused.error?.message ?? '', /desktop\.ini.*Dropbox does not store files or folders named "desktop\.ini"/);
    const state = await dropboxState(dbx);
    const stored = state.get('/clients/acme/from us/spec\uFF3Crev b.pdf');
    assert.ok(stored, [...state.keys()].join(', '));
    assert.equal(stored.path_display, '/Clients/ACME/From us/Spec\uFF3CRev B.pdf');
    assert.equal(
      [...state.keys()].some((p) => p.includes('desktop.ini')),
      false,
    );
    assert.equal(state.get('/clients/acme/from us/agenda 10:30.pdf')?.path_display, '/Clients/ACME/From us/Agenda 10:30.pdf');
    // Through the package the file has its own name again.
    const session = await openDropboxSession({ appKey: dbx.appKey, refreshToken: dbx.refreshToken, serviceUrl: dbx.url });
    try {
      assert.deepEqual(
        (await session.list('/Clients/ACME/From us'))
          .filter((e) => e.type === 'file')
          .map((e) => e.name)
          .sort(),
        ['Agenda 10:30.pdf', 'Spec\\Rev B.pdf'],
      );
    } finally {
      await session.close();
      await client.close();
    }
  });
});

describe('A document Dropbox refuses for good does not block publishing (example dbx-cs-02, both simulators)', function () {
  this.timeout(90_000);
  // A Content Server simulator of its own: the release folder holds only this test's documents.
  const rig = dropboxExampleRig();

  it('dbx-cs-02: desktop.ini between two documents is skipped and reported as INVALID_INPUT, the two others are published, and the next run is not blocked by it', async () => {
    const dbx = rig.dropbox();
    const client = new ContentServerClient({ baseUrl: rig.cs().apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' } });
    const release = 'Enterprise:Partners/ACME/Dropbox release';
    const brief = pdf('brief');
    const notes = pdf('notes');
    // Oldest first: Brief.pdf, then desktop.ini, then Notes.pdf (same second: by id, in this order too).
    await client.upload({ target: release, createFolders: true, name: 'Brief.pdf', open: () => Readable.from([brief]) });
    const ini = await client.upload({ target: release, name: 'desktop.ini', open: () => Readable.from([Buffer.from('[.ShellClassInfo]')]) });
    await client.upload({ target: release, name: 'Notes.pdf', open: () => Readable.from([notes]) });
    await client.close();
    const example = await rig.load('dbx-cs-02 Publish CS documents to a Dropbox shared folder.json');
    type Msg = Record<string, unknown> & { error?: { code?: string; message?: string; source?: { id?: string } }; filebridge?: Record<string, unknown> };
    const exportId = example.byName('filebridge-cs-export', 'selected for ACME').id;
    const errors: Msg[] = [];
    const published: string[] = [];
    const reports: {
      count: number;
      sent: number;
      complete: boolean;
      skipped: { id: number; name: string; version: number; code: string; message: string }[];
    }[] = [];
    helper.getNode(example.byName('debug', 'error code and text').id).on('input', (m: Msg) => errors.push(m));
    helper.getNode(example.byName('debug', 'published').id).on('input', (m: Msg) => published.push(String(m.filename)));
    helper.getNode(example.byName('debug', 'run report').id).on('input', (m: Msg) => reports.push(m.payload as (typeof reports)[number]));
    helper.getNode(example.byName('inject', 'Publish now').id).receive({});
    for (let i = 0; i < 150 && reports.length < 1; i++) await sleep(200);

    assert.equal(reports.length, 1, 'the first run ended');
    assert.deepEqual(published, ['Brief.pdf', 'Notes.pdf']);
    const [first] = reports;
    assert.equal(first.count, 3);
    assert.equal(first.sent, 2);
    assert.equal(first.complete, true);
    assert.deepEqual(
      first.skipped.map((e) => [e.id, e.name, e.version, e.code]),
      [[ini.id, 'desktop.ini', 1, 'INVALID_INPUT']],
    );
    assert.match(first.skipped[0].message, /Dropbox does not store files or folders named "desktop\.ini"/);
    // The export's own report of the skipped document reaches the Catch, with the document's facts.
    const skipped = errors.filter((m) => m.error?.source?.id === exportId);
    assert.deepEqual(
      skipped.map((m) => [m.error?.code, (m.filebridge?.cs as { name?: string } | undefined)?.name, (m.filebridge?.export as { skipped?: boolean }).skipped]),
      [['INVALID_INPUT', 'desktop.ini', true]],
    );
    assert.match(skipped[0].error?.message ?? '', /desktop\.ini.*refused for good, so it was skipped/);
    const state = await dropboxState(dbx);
    assert.equal(state.get('/clients/acme/from us/brief.pdf')?.content_hash, contentHashOf(brief), [...state.keys()].join(', '));
    assert.equal(state.get('/clients/acme/from us/notes.pdf')?.content_hash, contentHashOf(notes), [...state.keys()].join(', '));
    assert.equal(
      [...state.keys()].some((p) => p.includes('desktop.ini')),
      false,
    );

    // The next run finds nothing new: desktop.ini is behind the mark and blocks nothing.
    const before = errors.length;
    helper.getNode(example.byName('inject', 'Publish now').id).receive({});
    for (let i = 0; i < 150 && reports.length < 2; i++) await sleep(200);
    assert.equal(reports.length, 2, 'the second run ended');
    assert.deepEqual([reports[1].count, reports[1].sent, reports[1].complete, reports[1].skipped], [0, 0, true, []]);
    assert.equal(errors.length, before, JSON.stringify(errors.slice(before).map((m) => m.error)));
    assert.deepEqual(published, ['Brief.pdf', 'Notes.pdf']);
  });
});
