import { strict as assert } from 'node:assert';
import { PassThrough, Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { createHash } from 'node:crypto';
import { deliveryOf } from '../../../../src/core/content-server/delivery-mark';
import { counterName } from '../../../../src/core/content-server/upload';
import { contentSource, prepareUpload, reopenableSource, uploadOutcome } from '../../../../src/core/content-server/upload-request';

const defaults = { folder: 'Enterprise:Inbound', createFolders: true, collision: 'add-version' as const, categories: '{"Invoice":{"Vendor":"ACME"}}' };

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && pattern.test(err.message));
}

describe('cs-upload request from node settings and message', () => {
  it('names the document after the last part of msg.filename and uses the node defaults', () => {
    const u = prepareUpload(defaults, Buffer.from('abc'), 'C:\\data\\in/report.pdf', undefined);
    assert.equal(u.name, 'report.pdf');
    assert.equal(u.folder, 'Enterprise:Inbound');
    assert.equal(u.collision, 'add-version');
    assert.deepEqual(u.categories, { Invoice: { Vendor: 'ACME' } });
    assert.equal(u.size, 3);
  });

  it('skips identical content when neither the node nor the message names a policy', () => {
    assert.equal(prepareUpload({ ...defaults, collision: '' }, Buffer.from('abc'), 'a.pdf', undefined).collision, 'skip-identical');
    assert.equal(prepareUpload({ ...defaults, collision: '' }, Buffer.from('abc'), 'a.pdf', { document: 7 }).collision, 'skip-identical');
    assert.equal(prepareUpload({ ...defaults, collision: '' }, Buffer.from('abc'), 'a.pdf', { collision: 'fail' }).collision, 'fail');
    refused(
      () => prepareUpload({ ...defaults, collision: '' }, Readable.from([]), 'a.pdf', undefined),
      /skip-identical \(the default.*another collision policy/,
    );
  });

  it('lets msg.filebridge.target override folder, name, collision and categories', () => {
    const u = prepareUpload(defaults, 'text', 'ignored.txt', { folder: 2101, name: 'x.txt', collision: 'rename', categories: { Contract: { Value: 5 } } });
    assert.deepEqual([u.folder, u.name, u.collision, u.categories], [2101, 'x.txt', 'rename', { Contract: { Value: 5 } }]);
  });

  it('refuses what it cannot upload, saying what to set', () => {
    refused(() => prepareUpload(defaults, Buffer.alloc(1), undefined, undefined), /msg\.filename/);
    refused(() => prepareUpload({ ...defaults, folder: '' }, Buffer.alloc(1), 'a', undefined), /Folder/);
    refused(() => prepareUpload(defaults, Buffer.alloc(1), 'a', { collision: 'merge' }), /add-version, skip-identical, rename, fail/);
    refused(() => prepareUpload({ ...defaults, categories: '{oops' }, Buffer.alloc(1), 'a', undefined), /not valid JSON/);
    refused(() => prepareUpload(defaults, { an: 'object' }, 'a', undefined), /Buffer, a string or a readable stream/);
    refused(() => prepareUpload(defaults, Readable.from([]), 'a', { collision: 'skip-identical' }), /stream payload/);
  });

  it("refuses a name set in msg.filebridge.target.name that Content Server refuses (':', more than 248 characters) before anything is read or sent", () => {
    refused(() => prepareUpload(defaults, Buffer.alloc(1), 'x', { name: 'Invoice 10:30.pdf' }), /contains ':', which Content Server does not allow in names/);
    refused(() => prepareUpload(defaults, Buffer.alloc(1), 'x', { name: `${'é'.repeat(245)}.pdf` }), /has 249 characters; Content Server allows 248/);
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), `${'é'.repeat(244)}.pdf`, undefined).name.length, 248);
  });

  it("maps a file's own name Content Server cannot take (':' -> '：', a long one shortened with a hash) instead of refusing the file", () => {
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), 'in/Invoice 10:30.pdf', undefined).name, 'Invoice 10\uFF1A30.pdf');
    const long = `${'é'.repeat(245)}.pdf`;
    const name = prepareUpload(defaults, Buffer.alloc(1), long, undefined).name;
    assert.equal(name.length, 248);
    assert.match(name, /^é+~[0-9a-f]{8}\.pdf$/);
    // The file's own name passed on in msg.filebridge.target.name (a map-metadata rule "{name}") is mapped too.
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), 'in/Invoice 10:30.pdf', { name: 'Invoice 10:30.pdf' }).name, 'Invoice 10\uFF1A30.pdf');
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), long, { name: long }).name, name);
  });

  it('a backslash names a folder only in a Windows path; elsewhere it is part of the name', () => {
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), 'ok\\a.pdf', undefined).name, 'ok\\a.pdf');
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), '\\\\host\\share\\x.pdf', undefined).name, 'x.pdf');
    assert.equal(prepareUpload(defaults, Buffer.alloc(1), 'in/sub\\y.pdf', undefined).name, 'sub\\y.pdf');
  });

  it('a renamed copy keeps its counter and extension within 248 characters', () => {
    assert.equal(counterName('report.pdf', 2), 'report (2).pdf');
    assert.equal(counterName('README', 12), 'README (12)');
    const fitted = counterName(`${'a'.repeat(240)}.pdf`, 999);
    assert.equal(fitted, `${'a'.repeat(238)} (999).pdf`);
    assert.equal(fitted.length, 248);
  });

  it('hands a stream out once and refuses a second read instead of sending an empty file', () => {
    const stream = Readable.from([Buffer.from('x')]);
    const u = prepareUpload(defaults, stream, 'a.bin', undefined);
    assert.equal(u.open(), stream);
    refused(() => u.open(), /already read/);
  });

  it('reports a rename when the stored name differs from the requested one', () => {
    const u = prepareUpload({ ...defaults, collision: 'rename' }, Buffer.alloc(1), 'a.txt', undefined);
    const outcome = uploadOutcome(u, { action: 'created', id: 7, parentId: 2200, name: 'a (2).txt', version: 1 });
    assert.deepEqual(outcome, { id: 7, version: 1, name: 'a (2).txt', folderId: 2200, path: 'Enterprise:Inbound/a (2).txt', action: 'renamed' });
  });

  it('opens a stream payload again from its source for a retry, and then allows skip-identical', () => {
    const first = Readable.from([Buffer.from('x')]);
    const again = Readable.from([Buffer.from('x')]);
    let reopened = 0;
    const u = prepareUpload(defaults, first, 'a.bin', { collision: 'skip-identical' }, { size: 1, reopen: () => (reopened++, again) });
    assert.equal(u.size, 1);
    assert.equal(u.open(), first);
    assert.equal(u.open(), again);
    assert.equal(reopened, 1);
  });

  it('takes governance from the node settings unless the message gives it, and checks the JSON settings', () => {
    const node = { ...defaults, classification: ' Finance/Invoices ', holds: 'Audit 2026, Litigation', permissions: '{"Partners":["see"]}', workflow: '2401' };
    const u = prepareUpload(node, 'x', 'a.txt', undefined);
    assert.deepEqual(u.governing, {
      classification: 'Finance/Invoices',
      holds: ['Audit 2026', 'Litigation'],
      permissions: { Partners: ['see'] },
      workflow: { map: 2401 },
    });
    const m = prepareUpload(node, 'x', 'a.txt', { holds: ['Other'], workflow: { map: 'Enterprise:Workflows/Approve', comment: 'go' } });
    assert.deepEqual(m.governing.holds, ['Other']);
    assert.deepEqual(m.governing.workflow, { map: 'Enterprise:Workflows/Approve', comment: 'go' });
    assert.equal(m.governing.classification, 'Finance/Invoices');
    refused(() => prepareUpload({ ...node, permissions: '{"Partners": [see]}' }, 'x', 'a.txt', undefined), /permissions are not valid JSON.*Partners/);
  });

  it("carries the watched file as its delivery: a Buffer with the digest of its bytes, a stream with the watch's when known", () => {
    const source = { host: 'sftp.example', port: 22, path: '/in/a.pdf', size: 3, mtime: '2026-11-02T10:00:00.000Z', sha256: 'c'.repeat(64) };
    const fromBuffer = prepareUpload(defaults, Buffer.from('abc'), 'a.pdf', undefined, reopenableSource(source, undefined));
    assert.deepEqual(fromBuffer.delivery, { key: deliveryOf(source)?.key, sha256: createHash('sha256').update('abc').digest('hex') });
    const fromStream = prepareUpload(
      defaults,
      Readable.from([Buffer.from('abc')]),
      'a.pdf',
      undefined,
      reopenableSource(source, () => Readable.from([])),
    );
    assert.deepEqual(fromStream.delivery, deliveryOf(source));
    const version = prepareUpload(defaults, Buffer.from('abc'), 'a.pdf', { document: 7 }, reopenableSource(source, undefined));
    assert.equal(version.delivery?.key, deliveryOf(source)?.key);
    assert.equal(prepareUpload(defaults, Buffer.from('abc'), 'a.pdf', undefined).delivery, undefined, 'not from a watch: no delivery');
  });

  it('reports a re-delivery as skipped, with the id and version it got the first time', () => {
    const u = prepareUpload(defaults, Buffer.alloc(1), 'a.txt', undefined);
    const outcome = uploadOutcome(u, { action: 'skipped', redelivered: true, id: 7, parentId: 2200, name: 'a.txt', version: 3 });
    assert.deepEqual(outcome, { id: 7, version: 3, name: 'a.txt', folderId: 2200, path: 'Enterprise:Inbound/a.txt', action: 'skipped', redelivered: true });
  });

  it('files into a workspace without a folder, and names bad workspace fields', () => {
    const u = prepareUpload({ ...defaults, folder: '' }, 'x', 'a.txt', { workspace: { name: 'ACME' } });
    assert.equal(u.folder, undefined);
    assert.deepEqual(u.workspace, { name: 'ACME', type: undefined });
    refused(() => prepareUpload({ ...defaults, folder: '' }, 'x', 'a.txt', { workspace: { type: 3 } }), /businessObject .* or a name/);
    refused(() => prepareUpload(defaults, 'x', 'a.txt', { folder: { id: 3 } }), /folder must be a path or a node id/);
  });
});

describe('cs-upload adding a version to a document given by id (msg.filebridge.target.document)', function () {
  it('takes the id as a number or as digits, ignores folder, name and collision, and keeps the file name for the version', () => {
    const u = prepareUpload({ ...defaults, folder: '' }, Buffer.from('x'), 'in/Contract (CS-42)_signed.pdf', {
      document: ' 42 ',
      folder: 'Elsewhere',
      name: 'Other.pdf',
      collision: 'fail',
    });
    assert.deepEqual([u.document, u.folder, u.name, u.collision], [42, undefined, 'Contract (CS-42)_signed.pdf', 'add-version']);
    assert.equal(prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: 42 }).document, 42);
    assert.equal(prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: '' }).document, undefined);
    for (const bad of ['42a', -3, 0, 1.5, { id: 42 }, true])
      refused(() => prepareUpload(defaults, Buffer.from('x'), 'a.pdf', { document: bad }), /target\.document must be the node id of the document/);
  });

  it('a stream sent again is opened anew, and the stream of the attempt before is closed (it may hold a pooled connection)', () => {
    const first = new PassThrough();
    first.write('part of it');
    const reopened: PassThrough[] = [];
    const content = contentSource(first, {
      reopen: () => {
        const again = new PassThrough();
        reopened.push(again);
        return again;
      },
    });
    assert.equal(content.open(), first);
    assert.equal(first.destroyed, false);
    const second = content.open();
    assert.equal(second, reopened[0]);
    assert.equal(first.destroyed, true, 'the first attempt stopped reading: its stream is closed');
    content.open();
    assert.equal(reopened[0].destroyed, true);
    assert.equal(reopened[1].destroyed, false);
  });
});
