/**
 * file360 put's core against the strict File 360 simulator: the bytes and their SHA-256 arrive, folders
 * are created from the template, each collision strategy does what it says, shares are applied once,
 * the transfer details document says where the file came from, and a message that cannot be put
 * fails before any request, with its stream unread.
 */
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { openFile360Client, type File360Client } from '../../../../src/core/file360';
import { performF360Put, prepareF360Put, type F360PutInput, type F360TransferDetails } from '../../../../src/core/file360/put';
import { f360PutSettingsFromConfig, type F360PutConfigFields } from '../../../../src/core/file360/put-config';
import type { SourceFacts } from '../../../../src/core/pipeline/source';
import { expectCode } from '../../../support/expect-code';
import { f360ClientOptions, QUICK_RETRIES, useFile360Sim, type UsedFile360Sim } from '../../../support/file360-sim';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** A stream of `data` in chunks of 64 KiB, recording whether anyone read from it. */
function chunked(data: Buffer): Readable & { pulled: boolean } {
  let offset = 0;
  const s = new Readable({
    read() {
      s.pulled = true;
      if (offset >= data.length) return void this.push(null);
      const part = data.subarray(offset, offset + 65536);
      offset += part.length;
      this.push(part);
    },
  }) as Readable & { pulled: boolean };
  s.pulled = false;
  return s;
}

function sourceFacts(name: string, size: number, extra: Partial<SourceFacts> = {}): SourceFacts {
  return {
    server: 'cfg1',
    watch: 'w1',
    protocol: 'sftp',
    host: 'partner.example.com',
    port: 22,
    folder: '/outbound',
    path: `/outbound/acme/${name}`,
    relativePath: `acme/${name}`,
    name,
    claimPath: `/outbound/acme/.filebridge-claim.${name}`,
    size,
    mtime: '2026-11-02T10:00:00.000Z',
    claimedAt: '2026-11-02T10:00:05.000Z',
    attempt: 1,
    ...extra,
  };
}

describe('file360 put (core) against the simulator', function () {
  this.timeout(60_000);
  const used: UsedFile360Sim = useFile360Sim();
  let client: File360Client;
  let seq = 0;
  let base: string;

  const put = (fields: F360PutConfigFields, input: Partial<F360PutInput>) =>
    performF360Put(
      client,
      prepareF360Put(f360PutSettingsFromConfig({ ...fields, folder: fields.folder === undefined ? base : `${base}/${String(fields.folder)}` }), {
        payload: Buffer.from('x'),
        filename: 'x.txt',
        facts: {},
        server: 'file360://sim',
        now: new Date('2026-11-02T10:00:06.000Z'),
        ...input,
      }),
    );
  const uploads = (): number => used.sim.stats().byRoute['POST /api/v3/documents'] ?? 0;
  const shareCalls = (): number => used.sim.stats().byRoute['POST /api/v1/folders/{id}/collaborators'] ?? 0;

  beforeEach(() => {
    base = `p${++seq}-${Date.now()}`;
    client = openFile360Client(f360ClientOptions(used.sim, QUICK_RETRIES));
  });
  afterEach(() => client.close());

  it('streams a 9 MiB file into folders made from the template; bytes and SHA-256 arrive, computed on the way', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 123);
    const name = 'INV_0042.pdf';
    const out = await put(
      { folder: 'Suppliers/{fields.supplier}/{yyyy}' },
      { payload: chunked(data), filename: undefined, facts: { source: sourceFacts(name, data.length), fields: { supplier: 'ACME' }, correlationId: 'corr-1' } },
    );
    const doc = used.sim.documentAt(`/${base}/Suppliers/ACME/2026/${name}`);
    assert.ok(doc, 'the document is in the templated folder');
    assert.equal(doc.size, data.length);
    assert.equal(doc.sha256, sha(data));
    assert.equal(readFileSync(used.sim.contentFile(doc.id) ?? '').equals(data), true, 'the same bytes');
    assert.deepEqual(
      { ...out, detailsDocumentId: typeof out.detailsDocumentId },
      {
        server: 'file360://sim',
        documentId: doc.id,
        name,
        folderId: used.sim.folderAt(`/${base}/Suppliers/ACME/2026`)?.id,
        folder: `/${base}/Suppliers/ACME/2026`,
        path: `/${base}/Suppliers/ACME/2026/${name}`,
        size: data.length,
        sha256: sha(data),
        collision: 'fail',
        renamed: false,
        shared: [],
        detailsDocumentId: 'string',
      },
    );
    assert.equal(typeof out.documentId, 'string');
  });

  it('reports progress about once a second while a slow stream is sent', async () => {
    const size = 24 * 65536;
    let produced = 0;
    const slow = new Readable({
      read() {
        if (produced >= size) return void this.push(null);
        produced += 65536;
        setTimeout(() => this.push(Buffer.alloc(65536, 3)), 100);
      },
    });
    const seen: number[] = [];
    const prepared = prepareF360Put(f360PutSettingsFromConfig({ folder: `${base}/P`, details: 'none' }), {
      payload: slow,
      filename: 'slow.bin',
      facts: {},
      server: 's',
    });
    const out = await performF360Put(client, prepared, (sent) => seen.push(sent));
    assert.equal(out.size, size);
    assert.ok(seen.length >= 1, 'progress was reported');
    assert.ok(
      seen.every((n, i) => n > 0 && n <= size && (i === 0 || n >= seen[i - 1])),
      seen.join(', '),
    );
  });

  it('records the transfer details as <name>.transfer.json in the details subfolder', async () => {
    const data = Buffer.from('a;b\n1;2\n');
    const out = await put(
      { folder: 'In', detailsFolder: 'Provenance' },
      {
        payload: data,
        filename: '/local/orders.csv',
        facts: { source: sourceFacts('orders.csv', data.length, { sha256: sha(data) }), correlationId: 'corr-7' },
      },
    );
    const doc = used.sim.documentAt(`/${base}/In/Provenance/orders.csv.transfer.json`);
    assert.ok(doc, 'the details document is in In/Provenance');
    assert.equal(doc.id, out.detailsDocumentId);
    const details = JSON.parse(readFileSync(used.sim.contentFile(doc.id) ?? '', 'utf8')) as F360TransferDetails;
    assert.deepEqual(details, {
      format: 'filebridge-transfer-details/1',
      document: {
        id: out.documentId,
        name: 'orders.csv',
        path: `/${base}/In/orders.csv`,
        folderId: out.folderId,
        size: data.length,
        sha256: sha(data),
        collision: 'fail',
        renamed: false,
      },
      source: {
        server: 'sftp://partner.example.com:22',
        protocol: 'sftp',
        host: 'partner.example.com',
        port: 22,
        path: '/outbound/acme/orders.csv',
        name: 'orders.csv',
        size: data.length,
        mtime: '2026-11-02T10:00:00.000Z',
        sha256: sha(data),
      },
      filename: '/local/orders.csv',
      correlationId: 'corr-7',
      transferredAt: '2026-11-02T10:00:06.000Z',
    });
    // details 'none' writes no such document.
    const plain = await put({ folder: 'Plain', details: 'none' }, { payload: 'x', filename: 'y.txt' });
    assert.equal(plain.detailsDocumentId, undefined);
    assert.equal(used.sim.folderAt(`/${base}/Plain/Transfer details`), undefined);
  });

  describe('collision strategies', () => {
    it('fail: CONFLICT naming the document and the fix; the stored document keeps its bytes', async () => {
      await put({ folder: 'C' }, { payload: 'first', filename: 'a.txt' });
      const err = await expectCode(
        put({ folder: 'C' }, { payload: 'second', filename: 'a.txt' }),
        'CONFLICT',
        /already has a document "a.txt".*overwrite or rename/,
      );
      assert.equal(err.details.name, 'a.txt');
      const doc = used.sim.documentAt(`/${base}/C/a.txt`);
      assert.equal(doc?.sha256, sha('first'));
      assert.equal(used.sim.state().documents.filter((d) => d.path.startsWith(`/${base}/C/`) && d.parentId === doc?.parentId).length, 1);
    });

    it('overwrite: the same document id gets the new bytes, and its details say so', async () => {
      const first = await put({ folder: 'O', collision: 'overwrite' }, { payload: 'first', filename: 'a.txt' });
      const second = await put({ folder: 'O', collision: 'overwrite' }, { payload: 'second!', filename: 'a.txt' });
      assert.equal(second.documentId, first.documentId);
      assert.equal(second.renamed, false);
      assert.equal(used.sim.documentAt(`/${base}/O/a.txt`)?.sha256, sha('second!'));
      assert.equal(second.detailsDocumentId, first.detailsDocumentId, 'the details document is overwritten too');
      const details = JSON.parse(readFileSync(used.sim.contentFile(second.detailsDocumentId ?? '') ?? '', 'utf8')) as F360TransferDetails;
      assert.equal(details.document.sha256, sha('second!'));
    });

    it('rename: a second document with the name File 360 gave, renamed: true, and its own details document', async () => {
      const first = await put({ folder: 'R', collision: 'rename' }, { payload: 'first', filename: 'a.txt' });
      const second = await put({ folder: 'R', collision: 'rename' }, { payload: 'second', filename: 'a.txt' });
      assert.notEqual(second.documentId, first.documentId);
      assert.equal(second.renamed, true);
      assert.notEqual(second.name, 'a.txt');
      assert.equal(second.path, `/${base}/R/${second.name}`);
      assert.equal(used.sim.documentAt(second.path)?.sha256, sha('second'));
      assert.equal(used.sim.documentAt(`/${base}/R/a.txt`)?.sha256, sha('first'));
      assert.ok(used.sim.documentAt(`/${base}/R/Transfer details/${second.name}.transfer.json`), 'details named after the stored name');
    });
  });

  it('Create missing folders off: NOT_FOUND naming the folder, and no upload', async () => {
    await client.resolveFolder(base, { create: true });
    const before = uploads();
    await expectCode(put({ folder: 'Missing/{yyyy}', createFolders: false }, { payload: 'x', filename: 'a.txt' }), 'NOT_FOUND', /no folder "Missing"/);
    assert.equal(uploads(), before);
  });

  describe('shares', () => {
    it('applies the shares to the target folder once: a second put finds them there and shares nothing again', async () => {
      const shares = [
        { kind: 'group', name: 'Supplier ACME', role: 'viewer' },
        { kind: 'user', name: 'ada.auditor@example.com', role: 'editor' },
      ];
      const calls = shareCalls();
      const first = await put({ folder: 'S/{fields.s}', shares }, { payload: '1', filename: 'a.txt', facts: { fields: { s: 'ACME' } } });
      assert.deepEqual(
        first.shared.map((s) => s.action),
        ['added', 'added'],
      );
      const second = await put({ folder: 'S/{fields.s}', shares }, { payload: '2', filename: 'b.txt', facts: { fields: { s: 'ACME' } } });
      assert.deepEqual(
        second.shared.map((s) => `${s.kind}:${s.name}:${s.role}:${s.action}`),
        ['group:Supplier ACME:viewer:kept', 'user:ada.auditor@example.com:editor:kept'],
      );
      assert.equal(shareCalls() - calls, 2, 'two shares for two puts');
      const folder = used.sim.folderAt(`/${base}/S/ACME`);
      assert.deepEqual(folder?.collaborators.map((c) => `${c.type}:${c.name}:${c.role}`).sort(), ['group:Supplier ACME:viewer', 'user:Ada Auditor:editor']);
      // Another role for the group: shared again with that role.
      const third = await put(
        { folder: 'S/{fields.s}', shares: [{ kind: 'group', name: 'Supplier ACME', role: 'editor' }] },
        { payload: '3', filename: 'c.txt', facts: { fields: { s: 'ACME' } } },
      );
      assert.deepEqual(
        third.shared.map((s) => s.action),
        ['changed'],
      );
      assert.equal(used.sim.folderAt(`/${base}/S/ACME`)?.collaborators.find((c) => c.type === 'group')?.role, 'editor');
    });

    it('an unknown group fails with NOT_FOUND before the upload: nothing stored, nothing shared', async () => {
      const before = uploads();
      const calls = shareCalls();
      await expectCode(
        put(
          {
            folder: 'U',
            shares: [
              { kind: 'user', name: 'ada.auditor@example.com', role: 'viewer' },
              { kind: 'group', name: 'No Such Group', role: 'viewer' },
            ],
          },
          { payload: 'x', filename: 'a.txt' },
        ),
        'NOT_FOUND',
        /no group named exactly "No Such Group"/,
      );
      assert.equal(uploads(), before);
      assert.equal(shareCalls(), calls);
    });
  });

  describe('a watched file sent again after a crash (attempt 2) is recognised by its transfer details', () => {
    for (const collision of ['fail', 'rename', 'overwrite']) {
      it(`${collision}: stored once; the second put reports the first document with redelivered: true and uploads nothing`, async () => {
        const data = randomBytes(20_000);
        const first = await put(
          { folder: 'D', collision },
          { payload: chunked(data), filename: undefined, facts: { source: sourceFacts('r.pdf', data.length) } },
        );
        const before = uploads();
        const again = chunked(data);
        const second = await put(
          { folder: 'D', collision },
          {
            payload: again,
            filename: undefined,
            facts: { source: sourceFacts('r.pdf', data.length, { attempt: 2, claimPath: '/outbound/acme/.other-claim' }) },
          },
        );
        assert.equal(uploads(), before, 'nothing uploaded');
        assert.deepEqual(second, { ...first, redelivered: true });
        assert.equal(again.destroyed, true, 'the unread stream was let go');
        const docs = used.sim.state().documents.filter((d) => d.path.startsWith(`/${base}/D/`) && !d.path.includes('Transfer details'));
        assert.deepEqual(
          docs.map((d) => d.name),
          ['r.pdf'],
        );
      });
    }

    it('another file of the same name (changed modification time), or details off, is not taken for the earlier one', async () => {
      const first = await put({ folder: 'E', collision: 'rename' }, { payload: 'one', filename: undefined, facts: { source: sourceFacts('e.txt', 3) } });
      const changed = await put(
        { folder: 'E', collision: 'rename' },
        { payload: 'two', filename: undefined, facts: { source: sourceFacts('e.txt', 3, { attempt: 2, mtime: '2026-11-02T11:00:00.000Z' }) } },
      );
      assert.equal(changed.redelivered, undefined);
      assert.notEqual(changed.documentId, first.documentId);
      assert.equal(changed.renamed, true);
      const off = await put({ folder: 'F', details: 'none' }, { payload: 'one', filename: undefined, facts: { source: sourceFacts('f.txt', 3) } });
      assert.equal(off.detailsDocumentId, undefined);
      await expectCode(
        put({ folder: 'F', details: 'none' }, { payload: 'one', filename: undefined, facts: { source: sourceFacts('f.txt', 3, { attempt: 2 }) } }),
        'CONFLICT',
      );
    });
  });

  describe('bad input fails before any request, with the stream unread', () => {
    it('a missing template field', async () => {
      const requests = used.sim.stats().requests;
      const payload = chunked(Buffer.from('content'));
      assert.throws(
        () =>
          prepareF360Put(f360PutSettingsFromConfig({ folder: 'Suppliers/{fields.supplier}' }), {
            payload,
            filename: 'a.txt',
            facts: { fields: { other: 'x' } },
            server: 's',
          }),
        /needs msg\.filebridge\.fields\.supplier/,
      );
      assert.equal(used.sim.stats().requests, requests, 'no request was made');
      assert.equal(payload.pulled, false, 'the stream was not read');
      assert.equal(payload.destroyed, false, 'and is still there for whoever handles the error');
    });

    it('no name, a bad override folder, shares on the root, a payload of the wrong type', () => {
      const settings = f360PutSettingsFromConfig({});
      const input: F360PutInput = { payload: 'x', filename: undefined, facts: {}, server: 's' };
      assert.throws(() => prepareF360Put(settings, input), /No document name/);
      assert.throws(() => prepareF360Put(settings, { ...input, filename: 'a', facts: { target: { folder: 42 } } }), /target\.folder must be a folder path/);
      assert.throws(() => prepareF360Put(settings, { ...input, filename: 'a', payload: { not: 'bytes' } }), /must be a stream, a Buffer or a string/);
      assert.throws(
        () => prepareF360Put(f360PutSettingsFromConfig({ shares: [{ kind: 'group', name: 'Auditors', role: 'viewer' }] }), { ...input, filename: 'a' }),
        /cannot share the root folder/,
      );
    });

    it('msg.filebridge.target.folder overrides the template (with the same tokens)', async () => {
      const out = await put(
        { folder: 'Ignored' },
        { payload: 'x', filename: 'a.txt', facts: { target: { folder: `${base}/Over/{fields.k}` }, fields: { k: 'K' } } },
      );
      assert.equal(out.path, `/${base}/Over/K/a.txt`);
    });
  });
});
