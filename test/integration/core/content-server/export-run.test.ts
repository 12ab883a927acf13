/** Export runs (changes since a mark, one document) against the Content Server simulator. */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  ContentServerClient,
  runChanges,
  runDocument,
  type ChangesRun,
  type ExportHooks,
  type ExportMark,
  type ExportSettings,
  type ExportedDocument,
  type RunOutcome,
} from '../../../../src/core/content-server';
import { startContentServerSim, type ContentServerSim } from '../../../../dev/sim/content-server';
import { DeliveryConfirmations } from '../../../../src/core/content-server/export-confirm';
import { FileBridgeError } from '../../../../src/core/errors';
import { readerFailed } from '../../../../src/core/reader-failure';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const bytes = (b: Buffer) => (): Readable => Readable.from([b]);
const nextSecond = (): Promise<void> => new Promise((r) => setTimeout(r, 1100));

interface Received {
  doc: ExportedDocument;
  sha256: string;
  size: number;
}

/** Reads each payload like a downstream node would: after the emit returned, to the end. */
function reader(onEach?: (doc: ExportedDocument, index: number) => void | 'leave-unread' | 'destroy' | FileBridgeError): {
  hooks: ExportHooks;
  received: Received[];
} {
  const received: Received[] = [];
  const hooks: ExportHooks = {
    emit(doc) {
      const what = onEach?.(doc, received.length);
      setImmediate(() => {
        if (Buffer.isBuffer(doc.payload)) {
          received.push({ doc, sha256: sha256(doc.payload), size: doc.payload.length });
          return;
        }
        const stream = doc.payload;
        if (what === 'leave-unread') return;
        if (what === 'destroy') {
          stream.destroy();
          return;
        }
        if (what instanceof FileBridgeError) {
          // As a node of this package fails a message before reading its payload (src/nodes/kit/failure.ts).
          readerFailed(stream, what);
          stream.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const all = Buffer.concat(chunks);
          received.push({ doc, sha256: sha256(all), size: all.length });
        });
        stream.on('error', () => undefined);
      });
    },
  };
  return { hooks, received };
}

describe('content-server export runs', function () {
  this.timeout(30_000);
  let sim: ContentServerSim;
  let client: ContentServerClient;
  const settings: ExportSettings = { bufferLimit: 0, idleTimeoutMs: 5000, includeCategories: false };

  before(async () => {
    sim = await startContentServerSim({ port: 0 });
    client = new ContentServerClient({ baseUrl: sim.apiBase, auth: { kind: 'password', username: 'Admin', password: 'livelink' }, retry: { retries: 0 } });
  });
  after(async () => {
    await client.close();
    await sim.stop();
  });

  async function simSha(id: number, version?: number): Promise<string> {
    const versions = (await (await fetch(`${sim.url}/__sim/versions/${id}`)).json()) as { version_number: number; sha256: string }[];
    const v = version === undefined ? versions[versions.length - 1] : versions.find((x) => x.version_number === version);
    assert.ok(v, `version ${String(version)} of ${id} in the simulator`);
    return v.sha256;
  }

  /** A run over `folder` with the mark kept in `marks`. */
  function changesRun(folder: string, marks: Map<string, ExportMark>, extra: Partial<ChangesRun> = {}): ChangesRun {
    return {
      runId: 'r',
      folder,
      recursive: false,
      onlyChanged: true,
      loadMark: async (key) => marks.get(key),
      saveMark: async (key, mark) => {
        marks.set(key, mark);
      },
      ...extra,
    };
  }

  async function run(
    folder: string,
    marks: Map<string, ExportMark>,
    extra: Partial<ChangesRun> = {},
    s: ExportSettings = settings,
    onEach?: Parameters<typeof reader>[0],
  ): Promise<{ outcome: RunOutcome; received: Received[] }> {
    const { hooks, received } = reader(onEach);
    const outcome = await runChanges(client, changesRun(folder, marks, extra), s, hooks);
    return { outcome, received };
  }

  it('sends every document once with exact bytes, nothing on the second run, and a new version again', async () => {
    const folder = 'Enterprise:ExportBasic';
    const ids: number[] = [];
    for (const name of ['a.bin', 'b.bin', 'c.bin']) {
      ids.push((await client.upload({ target: folder, createFolders: true, name, open: bytes(randomBytes(2000)) })).id);
    }
    const marks = new Map<string, ExportMark>();
    const first = await run(folder, marks);
    assert.equal(first.outcome.error, undefined);
    assert.equal(first.outcome.summary.complete, true);
    assert.equal(first.outcome.summary.sent, 3);
    assert.deepEqual(first.received.map((r) => r.doc.cs.id).sort(), [...ids].sort());
    for (const r of first.received) {
      assert.equal(r.sha256, await simSha(r.doc.cs.id), `bytes of ${r.doc.filename}`);
      assert.equal(r.size, r.doc.cs.size);
      assert.equal(r.doc.cs.version, 1);
      assert.equal(r.doc.cs.path, '');
      assert.equal(r.doc.count, 3);
    }
    assert.deepEqual(
      first.received.map((r) => r.doc.index),
      [1, 2, 3],
    );
    assert.ok(first.outcome.summary.mark?.since, 'a mark was kept');

    const second = await run(folder, marks);
    assert.equal(second.outcome.summary.count, 0);
    assert.equal(second.received.length, 0);

    // Possibly within the same second as the mark: the version number tells the change apart.
    const data = randomBytes(1500);
    await client.upload({ target: folder, name: 'b.bin', open: bytes(data), collision: 'add-version' });
    const third = await run(folder, marks);
    assert.deepEqual(
      third.received.map((r) => [r.doc.filename, r.doc.cs.version, r.sha256]),
      [['b.bin', 2, sha256(data)]],
    );
    assert.equal((await run(folder, marks)).received.length, 0);
  });

  it('a new version within the same second as the mark is sent; the version already sent is not', async () => {
    const folder = 'Enterprise:ExportSameSecond';
    const doc = await client.upload({ target: folder, createFolders: true, name: 's.bin', open: bytes(Buffer.from('v1')) });
    await client.upload({ target: folder, name: 's.bin', open: bytes(Buffer.from('v2')), collision: 'add-version' });
    const modified = (await client.getNode(doc.id)).modifyDate;
    assert.ok(modified);
    const marks = new Map<string, ExportMark>();
    const probe = await run(folder, marks);
    const key = [...marks.keys()][0];
    // As if version 1 had been delivered at the very second version 2 arrived.
    marks.set(key, { since: modified.toISOString(), seenAtMark: [doc.id], seenVersions: { [String(doc.id)]: 1 }, query: 'q', updatedAt: '' });
    const again = await run(folder, marks);
    assert.deepEqual(
      again.received.map((r) => [r.doc.cs.version, r.sha256]),
      [[2, sha256(Buffer.from('v2'))]],
    );
    assert.equal(probe.received.length, 1);
    assert.equal((await run(folder, marks)).received.length, 0, 'version 2 is now in the mark');
  });

  it('sends only documents whose category attribute matches, and a document once it comes to match', async () => {
    const folder = 'Enterprise:ExportInvoices';
    const make = async (name: string, status: string): Promise<number> =>
      (
        await client.upload({
          target: folder,
          createFolders: true,
          name,
          open: bytes(Buffer.from(name)),
          categories: { Invoice: { Vendor: 'ACME', Status: status } },
        })
      ).id;
    const folderId = await client.resolveFolder(folder, { create: true });
    await client.applyCategory(folderId, { '9830_2': 'Default' });
    const approved = await make('approved-1.pdf', 'Approved');
    const draft = await make('draft-1.pdf', 'Draft');
    const marks = new Map<string, ExportMark>();
    const where = { category: 'Invoice', attribute: 'Status', equals: 'Approved' };
    const first = await run(folder, marks, { where });
    assert.deepEqual(
      first.received.map((r) => r.doc.cs.id),
      [approved],
    );
    await nextSecond();
    await client.applyCategory(draft, { Invoice: { Status: 'Approved' } });
    const second = await run(folder, marks, { where });
    assert.deepEqual(
      second.received.map((r) => r.doc.cs.id),
      [draft],
    );
  });

  it('gives folder paths relative to the exported folder when recursive, and honours a name glob', async () => {
    const base = 'Enterprise:ExportTree';
    await client.upload({ target: base, createFolders: true, name: 'top.txt', open: bytes(Buffer.from('t')) });
    await client.upload({ target: `${base}/Sub`, createFolders: true, name: 'mid.txt', open: bytes(Buffer.from('m')) });
    await client.upload({ target: `${base}/Sub/Deeper`, createFolders: true, name: 'deep.txt', open: bytes(Buffer.from('d')) });
    await client.upload({ target: `${base}/Sub/Deeper`, name: 'deep.csv', open: bytes(Buffer.from('c')) });
    const all = await run(base, new Map(), { recursive: true });
    assert.deepEqual(all.received.map((r) => `${r.doc.cs.path}|${r.doc.filename}`).sort(), [
      'Sub/Deeper|deep.csv',
      'Sub/Deeper|deep.txt',
      'Sub|mid.txt',
      '|top.txt',
    ]);
    const flat = await run(base, new Map(), { recursive: false });
    assert.deepEqual(
      flat.received.map((r) => r.doc.filename),
      ['top.txt'],
    );
    const globbed = await run(base, new Map(), { recursive: true, nameGlob: '*.TXT' });
    assert.deepEqual(globbed.received.map((r) => r.doc.filename).sort(), ['deep.txt', 'mid.txt', 'top.txt']);
  });

  it('a run broken by the server keeps the mark on the last delivered document; the next run sends the rest', async () => {
    const folder = 'Enterprise:ExportBroken';
    const names = ['1.txt', '2.txt', '3.txt', '4.txt'];
    for (const name of names) await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
    const marks = new Map<string, ExportMark>();
    const broken = await run(folder, marks, {}, settings, (_doc, index) => {
      // Content Server goes down after the second document went out.
      if (index === 1) sim.setFaults({ failNext: 1000 });
    });
    sim.setFaults({ failNext: 0 });
    assert.equal(broken.outcome.error?.code, 'CONNECTION');
    assert.equal(broken.outcome.summary.complete, false);
    assert.equal(broken.outcome.summary.sent, 2);
    assert.equal(broken.outcome.summary.errors[0]?.code, 'CONNECTION');
    const resumed = await run(folder, marks);
    assert.equal(resumed.outcome.error, undefined);
    const all = [...broken.received, ...resumed.received].map((r) => r.doc.filename);
    assert.deepEqual(all.sort(), names, 'every document exactly once');
  });

  it('a document deleted between listing and sending is reported as NOT_FOUND and passed over', async () => {
    const folder = 'Enterprise:ExportDeleted';
    const first = await client.upload({ target: folder, createFolders: true, name: 'stays.txt', open: bytes(Buffer.from('s')) });
    const gone = await client.upload({ target: folder, name: 'goes.txt', open: bytes(Buffer.from('g')) });
    const last = await client.upload({ target: folder, name: 'after.txt', open: bytes(Buffer.from('a')) });
    const marks = new Map<string, ExportMark>();
    const received: number[] = [];
    // The receiver of stays.txt deletes goes.txt before it reads, so the deletion lands after the listing.
    const outcome = await runChanges(client, changesRun(folder, marks), settings, {
      emit(doc) {
        void (async () => {
          if (doc.cs.id === first.id) await client.nodes.delete(gone.id);
          for await (const chunk of doc.payload as Readable) assert.ok(chunk);
          received.push(doc.cs.id);
        })();
      },
    });
    assert.equal(outcome.error, undefined);
    assert.equal(outcome.summary.complete, true);
    assert.deepEqual(received.sort(), [first.id, last.id].sort());
    assert.deepEqual(
      outcome.summary.errors.map((e) => [e.id, e.code]),
      [[gone.id, 'NOT_FOUND']],
    );
    assert.equal((await run(folder, marks)).received.length, 0);
  });

  it('an unread payload times out (TIMEOUT) and is sent again; a payload closed early is not delivered either', async () => {
    const folder = 'Enterprise:ExportUnread';
    for (const name of ['x.txt', 'y.txt']) await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) });
    const marks = new Map<string, ExportMark>();
    const quick = { ...settings, idleTimeoutMs: 300 };
    const unread = await run(folder, marks, {}, quick, (_doc, index) => (index === 0 ? 'leave-unread' : undefined));
    assert.equal(unread.outcome.error?.code, 'TIMEOUT');
    assert.equal(unread.outcome.summary.sent, 0);
    const closed = await run(folder, marks, {}, quick, () => 'destroy');
    assert.equal(closed.outcome.error?.code, 'CONNECTION');
    assert.match(closed.outcome.error?.message ?? '', /before reading it to the end/);
    const ok = await run(folder, marks);
    assert.deepEqual(ok.received.map((r) => r.doc.filename).sort(), ['x.txt', 'y.txt']);
  });

  describe('a document the flow refuses for good', () => {
    const refusal = (): FileBridgeError => new FileBridgeError('INVALID_INPUT', 'Dropbox does not store files or folders named "desktop.ini"');
    async function three(folder: string): Promise<number[]> {
      const ids: number[] = [];
      for (const name of ['1.txt', 'desktop.ini', '3.txt'])
        ids.push((await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) })).id);
      return ids;
    }
    const failSecond =
      (err: () => FileBridgeError) =>
      (doc: ExportedDocument): FileBridgeError | undefined =>
        doc.filename === 'desktop.ini' ? err() : undefined;

    it('with "skip": the documents before and after it are delivered, it is listed as skipped with its code, the mark passes it, the next run sends nothing', async () => {
      const folder = 'Enterprise:ExportRefusedSkip';
      const [one, ini, three_] = await three(folder);
      const marks = new Map<string, ExportMark>();
      const reported: [number, string, string][] = [];
      const { hooks, received } = reader(failSecond(refusal));
      hooks.skipped = (doc, entry, error) => reported.push([doc.cs.id, entry.code, error.code]);
      const outcome = await runChanges(client, changesRun(folder, marks), { ...settings, onRefusal: 'skip' }, hooks);
      assert.equal(outcome.error, undefined);
      assert.equal(outcome.summary.complete, true);
      assert.deepEqual(
        received.map((r) => r.doc.cs.id),
        [one, three_],
      );
      assert.equal(outcome.summary.sent, 2);
      assert.deepEqual(
        outcome.summary.skipped.map((e) => [e.id, e.name, e.version, e.code]),
        [[ini, 'desktop.ini', 1, 'INVALID_INPUT']],
      );
      assert.match(outcome.summary.skipped[0].message, /failed to store 'desktop\.ini'.*Dropbox does not store files or folders named "desktop\.ini"/);
      assert.deepEqual(reported, [[ini, 'INVALID_INPUT', 'INVALID_INPUT']]);
      assert.deepEqual(outcome.summary.errors, []);
      const next = await run(folder, marks);
      assert.equal(next.outcome.summary.count, 0, 'the mark is past the third document');
      assert.equal(next.received.length, 0);
    });

    it('with "skip", a storing node that refuses every document with the same words (its settings) stops the run at the first: nothing is skipped, all are sent once it is fixed', async () => {
      const folder = 'Enterprise:ExportRefusedAll';
      const ids: number[] = [];
      for (const name of ['a.txt', 'b.txt', 'c.txt', 'd.txt'])
        ids.push((await client.upload({ target: folder, createFolders: true, name, open: bytes(Buffer.from(name)) })).id);
      const marks = new Map<string, ExportMark>();
      // As remote put fails every message when its Path expression gives nothing.
      const misconfigured = (): FileBridgeError => new FileBridgeError('INVALID_INPUT', 'The path must be a text, got undefined. Check "Path" or msg.path.');
      const reported: number[] = [];
      const { hooks, received } = reader(() => misconfigured());
      hooks.skipped = (doc) => reported.push(doc.cs.id);
      const stopped = await runChanges(client, changesRun(folder, marks), { ...settings, onRefusal: 'skip' }, hooks);
      assert.equal(stopped.error?.code, 'INVALID_INPUT');
      assert.match(stopped.error?.message ?? '', /failed to store 'a\.txt'.*3 documents in a row were refused with these same words/);
      assert.equal(stopped.error?.details.refusedInARow, 3);
      assert.equal(stopped.summary.complete, false);
      assert.deepEqual(stopped.summary.skipped, []);
      assert.deepEqual(reported, [], 'no document reported as skipped');
      assert.equal(received.length, 0);
      const fixed = await run(folder, marks);
      assert.deepEqual(
        fixed.received.map((r) => r.doc.cs.id),
        ids,
        'the mark did not move: every document is sent once the node is fixed',
      );
    });

    it('with "skip", a run whose only two documents are refused with the same words stops too; documents refused for their own names are skipped however many', async () => {
      const two = 'Enterprise:ExportRefusedBoth';
      for (const name of ['a.txt', 'b.txt']) await client.upload({ target: two, createFolders: true, name, open: bytes(Buffer.from(name)) });
      const marks = new Map<string, ExportMark>();
      const same = await run(
        two,
        marks,
        {},
        { ...settings, onRefusal: 'skip' },
        () => new FileBridgeError('MAPPING', 'Required target field "vendor" has no value'),
      );
      assert.equal(same.outcome.error?.code, 'MAPPING');
      assert.equal(same.outcome.error?.details.refusedInARow, 2);
      assert.equal((await run(two, marks)).received.length, 2, 'both sent once fixed');

      const named = 'Enterprise:ExportRefusedNamed';
      const ids: number[] = [];
      for (const name of ['desktop.ini', 'thumbs.db', '.ds_store', 'ok.txt'])
        ids.push((await client.upload({ target: named, createFolders: true, name, open: bytes(Buffer.from(name)) })).id);
      const names = new Map<string, ExportMark>();
      const refusing = await run(named, names, {}, { ...settings, onRefusal: 'skip' }, (doc) =>
        doc.filename === 'ok.txt' ? undefined : new FileBridgeError('INVALID_INPUT', `Dropbox does not store files or folders named "${doc.filename}"`),
      );
      assert.equal(refusing.outcome.error, undefined);
      assert.deepEqual(
        refusing.outcome.summary.skipped.map((e) => e.id),
        ids.slice(0, 3),
      );
      assert.deepEqual(
        refusing.received.map((r) => r.doc.cs.id),
        [ids[3]],
      );
      assert.equal((await run(named, names)).received.length, 0, 'the mark is past all four');
    });

    it('with "stop" (flows made before the option): the run stops at it with the code the flow reported, and sends it again next run', async () => {
      const folder = 'Enterprise:ExportRefusedStop';
      const [one, ini, three_] = await three(folder);
      const marks = new Map<string, ExportMark>();
      const stopped = await run(folder, marks, {}, settings, failSecond(refusal));
      assert.equal(stopped.outcome.error?.code, 'INVALID_INPUT');
      assert.match(stopped.outcome.error?.message ?? '', /failed to store 'desktop\.ini'.*: the export stopped here and sends it again next run/);
      assert.equal(stopped.outcome.summary.complete, false);
      assert.deepEqual(stopped.outcome.summary.skipped, []);
      assert.deepEqual(
        stopped.received.map((r) => r.doc.cs.id),
        [one],
      );
      const again = await run(folder, marks);
      assert.deepEqual(
        again.received.map((r) => r.doc.cs.id),
        [ini, three_],
      );
    });

    it('with "skip", a passing failure (connection, timeout, permission) still stops the run at the document', async () => {
      const folder = 'Enterprise:ExportRefusedTransient';
      const [one, ini, three_] = await three(folder);
      const marks = new Map<string, ExportMark>();
      for (const code of ['CONNECTION', 'TIMEOUT', 'PERMISSION_DENIED'] as const) {
        const broken = await run(
          folder,
          marks,
          {},
          { ...settings, onRefusal: 'skip' },
          failSecond(() => new FileBridgeError(code, 'no')),
        );
        assert.equal(broken.outcome.error?.code, code);
        assert.deepEqual(broken.outcome.summary.skipped, []);
        assert.equal(broken.outcome.summary.complete, false);
      }
      const again = await run(folder, marks);
      assert.deepEqual(
        again.received.map((r) => r.doc.cs.id),
        [ini, three_],
      );
      assert.ok(one);
    });

    it('"Delivered when: the flow confirms": a VALIDATION failure reported back by a Catch node is skipped; a put failing NOT_FOUND stops the run', async () => {
      const folder = 'Enterprise:ExportRefusedConfirm';
      const [one, ini, three_] = await three(folder);
      const marks = new Map<string, ExportMark>();
      const confirmations = new DeliveryConfirmations();
      const flow = (failure: Record<string, unknown>): { hooks: ExportHooks; received: number[] } => {
        const received: number[] = [];
        const hooks: ExportHooks = {
          expectConfirmation: (index, what, timeoutMs) => confirmations.expect('c', index, what, timeoutMs),
          emit(doc) {
            void (async () => {
              const facts = { export: { runId: 'c', index: doc.index } };
              // The file is read whole, then the storing node fails (a rename refused...) and a Catch node sends the message back.
              for await (const chunk of doc.payload as Readable) assert.ok(chunk);
              if (doc.filename === 'desktop.ini') confirmations.receive(facts, failure);
              else {
                received.push(doc.cs.id);
                confirmations.receive(facts, undefined);
              }
            })();
          },
        };
        return { hooks, received };
      };
      const confirm: ExportSettings = { ...settings, confirm: true, onRefusal: 'skip' };
      const missing = flow({ code: 'NOT_FOUND', message: 'no folder /out' });
      const stopped = await runChanges(client, changesRun(folder, marks, { runId: 'c' }), confirm, missing.hooks);
      assert.equal(stopped.error?.code, 'NOT_FOUND');
      assert.deepEqual(
        stopped.summary.errors.map((e) => e.code),
        ['NOT_FOUND'],
      );
      assert.equal(stopped.summary.errors[0].id, undefined, 'not a document gone from Content Server');
      assert.deepEqual(missing.received, [one]);
      const invalid = flow({ code: 'VALIDATION', message: 'Validation failed: extension .ini not allowed' });
      const skipped = await runChanges(client, changesRun(folder, marks, { runId: 'c' }), confirm, invalid.hooks);
      assert.equal(skipped.error, undefined);
      assert.deepEqual(invalid.received, [three_]);
      assert.deepEqual(
        skipped.summary.skipped.map((e) => [e.id, e.code]),
        [[ini, 'VALIDATION']],
      );
      assert.equal((await run(folder, marks)).received.length, 0);
    });
  });

  it('small documents travel as Buffers under the buffer limit, larger ones as streams; the report lists them, with SHA-256 when asked', async () => {
    const folder = 'Enterprise:ExportBuffers';
    const small = randomBytes(100);
    const large = randomBytes(5000);
    await client.upload({ target: folder, createFolders: true, name: 'small.bin', open: bytes(small) });
    await client.upload({ target: folder, name: 'large.bin', open: bytes(large) });
    const types: Record<string, string> = {};
    const got = await run(folder, new Map(), {}, { ...settings, bufferLimit: 1024 }, (doc) => {
      types[doc.filename] = Buffer.isBuffer(doc.payload) ? 'buffer' : 'stream';
    });
    assert.deepEqual(types, { 'small.bin': 'buffer', 'large.bin': 'stream' });
    assert.deepEqual(Object.fromEntries(got.received.map((r) => [r.doc.filename, r.sha256])), { 'small.bin': sha256(small), 'large.bin': sha256(large) });
    assert.deepEqual(
      got.outcome.summary.documents.map((d) => [d.name, d.size, d.sha256]),
      [
        ['small.bin', 100, undefined],
        ['large.bin', 5000, undefined],
      ],
    );
    const hashed = await run(folder, new Map(), {}, { ...settings, bufferLimit: 1024, sha256: true });
    assert.deepEqual(
      hashed.outcome.summary.documents.map((d) => [d.name, d.size, d.sha256]),
      [
        ['small.bin', 100, sha256(small)],
        ['large.bin', 5000, sha256(large)],
      ],
    );
  });

  it('with "only changed" off sends everything each time and keeps no mark', async () => {
    const folder = 'Enterprise:ExportAll';
    await client.upload({ target: folder, createFolders: true, name: 'one.txt', open: bytes(Buffer.from('1')) });
    const marks = new Map<string, ExportMark>();
    assert.equal((await run(folder, marks, { onlyChanged: false })).received.length, 1);
    assert.equal((await run(folder, marks, { onlyChanged: false })).received.length, 1);
    assert.equal(marks.size, 0);
  });

  it('one document: latest by default, a given version, coded errors for a folder or a missing id', async () => {
    const v1 = randomBytes(700);
    const v2 = randomBytes(800);
    const doc = await client.upload({ target: 'Enterprise:ExportOne', createFolders: true, name: 'one.bin', open: bytes(v1) });
    await client.upload({ target: 'Enterprise:ExportOne', name: 'one.bin', open: bytes(v2), collision: 'add-version' });
    const latest = reader();
    const outcome = await runDocument(client, { runId: 'd', id: doc.id }, settings, latest.hooks);
    assert.equal(outcome.error, undefined);
    assert.equal(latest.received[0].sha256, sha256(v2));
    assert.equal(latest.received[0].doc.cs.version, 2);
    assert.equal(latest.received[0].sha256, await simSha(doc.id, 2));
    const first = reader();
    await runDocument(client, { runId: 'd', id: doc.id, version: 1 }, settings, first.hooks);
    assert.equal(first.received[0].sha256, sha256(v1));
    assert.equal((await runDocument(client, { runId: 'd', id: doc.id, version: 9 }, settings, reader().hooks)).error?.code, 'NOT_FOUND');
    assert.equal((await runDocument(client, { runId: 'd', id: 2200 }, settings, reader().hooks)).error?.code, 'INVALID_INPUT');
    const missing = await runDocument(client, { runId: 'd', id: 987654 }, settings, reader().hooks);
    assert.equal(missing.error?.code, 'NOT_FOUND');
    assert.equal(missing.summary.errors[0].code, 'NOT_FOUND');
  });

  it('one document by path; with a category filter only a matching document is sent, else NOT_FOUND and nothing emitted', async () => {
    const folderId = await client.resolveFolder('Enterprise:OneApproved', { create: true });
    await client.applyCategory(folderId, { '9830_2': 'Default' });
    const body = randomBytes(900);
    const ok = await client.upload({ target: 'Enterprise:OneApproved', name: 'ok.pdf', open: bytes(body), categories: { Invoice: { Status: 'Approved' } } });
    const draft = await client.upload({
      target: 'Enterprise:OneApproved',
      name: 'draft.pdf',
      open: bytes(randomBytes(9)),
      categories: { Invoice: { Status: 'Draft' } },
    });
    const where = { category: 'invoice', attribute: 'STATUS', equals: 'Approved' };
    const got = reader();
    const outcome = await runDocument(client, { runId: 'p', id: 'Enterprise:OneApproved/OK.pdf', where }, settings, got.hooks);
    assert.equal(outcome.error, undefined);
    assert.deepEqual(
      got.received.map((r) => [r.doc.cs.id, r.sha256]),
      [[ok.id, sha256(body)]],
    );
    const refused = reader();
    const no = await runDocument(client, { runId: 'p', id: draft.id, where }, settings, refused.hooks);
    assert.equal(no.error?.code, 'NOT_FOUND');
    assert.equal(refused.received.length, 0);
    assert.equal((await runDocument(client, { runId: 'p', id: 'Enterprise:OneApproved/none.pdf' }, settings, reader().hooks)).error?.code, 'NOT_FOUND');
    assert.equal((await runDocument(client, { runId: 'p', id: 'Enterprise:Nowhere/ok.pdf' }, settings, reader().hooks)).error?.code, 'NOT_FOUND');
    assert.equal((await runDocument(client, { runId: 'p', id: 'Enterprise:OneApproved/' }, settings, reader().hooks)).error?.code, 'INVALID_INPUT');
  });

  it('a missing folder is NOT_FOUND before anything is sent', async () => {
    const { outcome, received } = await run('Enterprise:NoSuchFolder', new Map());
    assert.equal(outcome.error?.code, 'NOT_FOUND');
    assert.equal(received.length, 0);
  });
});
