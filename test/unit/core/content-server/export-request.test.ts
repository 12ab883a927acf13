/** Export settings with message overrides, and the high-water mark arithmetic. */
import assert from 'node:assert/strict';
import { advanceMark, markKey, readMark } from '../../../../src/core/content-server';
import { exportRequestFromConfig } from '../../../../src/core/content-server/export-request';
import { FileBridgeError } from '../../../../src/core/errors';

const invalid =
  (message: RegExp) =>
  (err: unknown): boolean =>
    err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && message.test(err.message);

describe('content-server export request and mark', () => {
  it('takes the dialog settings, with msg.filebridge.export overriding folder, filter, glob and recursion', () => {
    const def = {
      mode: 'changes',
      recursive: false,
      filterCategory: 'Invoice',
      filterAttribute: 'Status',
      filterValue: 'Approved',
      bufferLimit: '64',
      idleTimeout: '10',
    };
    const plain = exportRequestFromConfig(def, 'ignored', undefined, 'Enterprise:Inbound');
    assert.deepEqual(plain, {
      mode: 'changes',
      folder: 'Enterprise:Inbound',
      recursive: false,
      where: { category: 'Invoice', attribute: 'Status', equals: 'Approved' },
      nameGlob: undefined,
      onlyChanged: true,
      settings: { bufferLimit: 65536, idleTimeoutMs: 10000, includeCategories: false, sha256: false },
    });
    const over = exportRequestFromConfig(def, undefined, { folder: '2200', recursive: true, nameGlob: '*.pdf', where: null }, 'Enterprise:Inbound');
    assert.equal(over.mode, 'changes');
    if (over.mode !== 'changes') return;
    assert.equal(over.folder, 2200);
    assert.equal(over.recursive, true);
    assert.equal(over.nameGlob, '*.pdf');
    assert.equal(over.where, undefined);
  });

  it('waits for the flow\'s confirmation only when "Delivered when" says so (flows without the property: payload read)', () => {
    assert.equal(exportRequestFromConfig({ deliveredWhen: 'confirmed' }, undefined, undefined, 'X').settings.confirm, true);
    assert.equal(exportRequestFromConfig({ deliveredWhen: 'read' }, undefined, undefined, 'X').settings.confirm, undefined);
    assert.equal(exportRequestFromConfig({}, undefined, undefined, 'X').settings.confirm, undefined);
    assert.throws(() => exportRequestFromConfig({ deliveredWhen: 'stored' }, undefined, undefined, 'X'), invalid(/Delivered when/));
  });

  it('skips a document the flow refuses for good only when told to (flows without the property keep stopping)', () => {
    assert.equal(exportRequestFromConfig({ onRefusal: 'skip' }, undefined, undefined, 'X').settings.onRefusal, 'skip');
    assert.equal(exportRequestFromConfig({ onRefusal: 'stop' }, undefined, undefined, 'X').settings.onRefusal, undefined);
    assert.equal(exportRequestFromConfig({}, undefined, undefined, 'X').settings.onRefusal, undefined);
    assert.throws(() => exportRequestFromConfig({ onRefusal: 'ignore' }, undefined, undefined, 'X'), invalid(/Refused for good.*use stop or skip/));
  });

  it('refuses a missing folder, half a filter, bad numbers and bad ids, naming what to fix', () => {
    assert.throws(() => exportRequestFromConfig({}, undefined, undefined, ''), invalid(/folder to export is missing/));
    assert.throws(() => exportRequestFromConfig({ filterCategory: 'Invoice' }, undefined, undefined, 'X'), invalid(/both a category and an attribute/));
    assert.throws(() => exportRequestFromConfig({ bufferLimit: 'lots' }, undefined, undefined, 'X'), invalid(/Buffer limit/));
    assert.throws(() => exportRequestFromConfig({}, undefined, { where: { category: 'Invoice' } }, 'X'), invalid(/where must be/));
    assert.throws(() => exportRequestFromConfig({ mode: 'document' }, 'report.pdf', undefined, ''), invalid(/node id/));
    assert.throws(() => exportRequestFromConfig({ mode: 'document', version: '1.5' }, 5, undefined, ''), invalid(/whole number/));
    assert.throws(() => exportRequestFromConfig({ mode: 'sideways' }, 5, undefined, ''), invalid(/Unknown export mode/));
  });

  it("one document: a path names the document, and the dialog's filter (or msg.filebridge.export.where) applies", () => {
    const filtered = { mode: 'document', filterCategory: 'Invoice', filterAttribute: 'Status', filterValue: 'Approved' };
    const r = exportRequestFromConfig(filtered, ' Enterprise:Partners/ACME/INV-1.pdf ', undefined, '');
    assert.equal(r.mode === 'document' && r.id, 'Enterprise:Partners/ACME/INV-1.pdf');
    assert.deepEqual(r.mode === 'document' && r.where, { category: 'Invoice', attribute: 'Status', equals: 'Approved' });
    const lifted = exportRequestFromConfig(filtered, 7, { where: null }, '');
    assert.equal(lifted.mode === 'document' && lifted.where, undefined);
    assert.throws(() => exportRequestFromConfig({ mode: 'document', filterCategory: 'Invoice' }, 7, undefined, ''), invalid(/category and an attribute/));
  });

  it('takes the document id from msg.filebridge.export.id or msg.payload, the version from msg or dialog', () => {
    assert.deepEqual(exportRequestFromConfig({ mode: 'document' }, '4711', undefined, ''), {
      mode: 'document',
      id: 4711,
      version: undefined,
      settings: { bufferLimit: 0, idleTimeoutMs: 300000, includeCategories: false, sha256: false },
    });
    const r = exportRequestFromConfig({ mode: 'document', version: '2' }, 'x', { id: 12, version: 3 }, '');
    assert.equal(r.mode === 'document' && r.id, 12);
    assert.equal(r.mode === 'document' && r.version, 3);
  });

  it('advances the mark: newer date starts a new set, the same second adds to it, older leaves it', () => {
    const t1 = new Date('2026-11-02T10:00:00Z');
    const t2 = new Date('2026-11-02T10:00:05Z');
    let m = advanceMark(undefined, 1, t1, 'q', 1);
    assert.deepEqual([m.since, m.seenAtMark, m.seenVersions], [t1.toISOString(), [1], { '1': 1 }]);
    m = advanceMark(m, 2, t1, 'q', 3);
    assert.deepEqual([m.seenAtMark, m.seenVersions], [[1, 2], { '1': 1, '2': 3 }]);
    m = advanceMark(m, 3, t2, 'q', 1);
    assert.deepEqual([m.since, m.seenAtMark, m.seenVersions], [t2.toISOString(), [3], { '3': 1 }]);
    const same = advanceMark(m, 4, t1, 'q', 1);
    assert.deepEqual(same.seenAtMark, [3]);
    assert.deepEqual(readMark(JSON.parse(JSON.stringify(m))), m);
    assert.equal(readMark('garbage'), undefined);
  });

  it('keys marks by folder, recursion, filter and glob', () => {
    const base = { folderId: 2200, recursive: false };
    const keys = new Set([
      markKey(base),
      markKey({ ...base, recursive: true }),
      markKey({ ...base, folderId: 2201 }),
      markKey({ ...base, nameGlob: '*.pdf' }),
      markKey({ ...base, where: { category: 'Invoice', attribute: 'Status', equals: 'Approved' } }),
    ]);
    assert.equal(keys.size, 5);
    assert.equal(
      markKey({ ...base, where: { category: 'invoice', attribute: 'STATUS', equals: 'Approved' } }),
      markKey({ ...base, where: { category: 'Invoice', attribute: 'Status', equals: 'Approved' } }),
    );
  });
});
