import { strict as assert } from 'node:assert';
import { carriesDelivery, deliveryOf, describe as description, markText, VERSION_DESCRIPTION_MAX } from '../../../../src/core/content-server/delivery-mark';

const source = { host: 'sftp.partner.example', port: 22, path: '/inbox/INV_0042.pdf', size: 1234, mtime: '2026-11-02T10:00:00.000Z' };
const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);

describe('content-server: delivery mark', () => {
  it('fingerprints the source file: server, path, size and time; not the claim, attempt or correlation', () => {
    const d = deliveryOf({ ...source, claimPath: '/inbox/.filebridge/processing/1-aa-1~INV_0042.pdf', attempt: 1 });
    assert.ok(d);
    assert.match(d.key, /^[0-9a-f]{32}$/);
    assert.equal(d.sha256, undefined);
    assert.deepEqual(
      deliveryOf({ ...source, claimPath: '/inbox/.filebridge/processing/9-bb-2~INV_0042.pdf', attempt: 2 }),
      d,
      'a recovered claim is the same delivery',
    );
    assert.equal(deliveryOf({ ...source, mtime: '2026-11-02T11:00:00+01:00' })?.key, d.key, 'the same instant written another way');
    for (const other of [{ size: 1235 }, { mtime: '2026-11-02T10:00:01.000Z' }, { path: '/inbox/INV_0043.pdf' }, { port: 2222 }, { host: 'other.example' }]) {
      assert.notEqual(deliveryOf({ ...source, ...other })?.key, d.key, JSON.stringify(other));
    }
  });

  it('knows the bytes when the source or the payload gives their SHA-256', () => {
    assert.equal(deliveryOf({ ...source, sha256: SHA_A.toUpperCase() })?.sha256, SHA_A);
    assert.equal(deliveryOf({ ...source, sha256: SHA_A }, SHA_B)?.sha256, SHA_B, 'the payload wins');
    assert.equal(deliveryOf({ ...source, sha256: 'not a digest' })?.sha256, undefined);
  });

  it('is undefined without usable source facts (a payload that did not come from a watch)', () => {
    for (const bad of [undefined, null, 'x', {}, { ...source, host: '' }, { ...source, port: '22' }, { ...source, size: -1 }, { ...source, mtime: 'soon' }]) {
      assert.equal(deliveryOf(bad), undefined, JSON.stringify(bad));
    }
  });

  it('writes the mark after the user description, within the 255 characters a version keeps', () => {
    const d = { key: '0123456789abcdef0123456789abcdef', sha256: SHA_A };
    assert.equal(markText(d), `filebridge delivery ${d.key} sha256 ${SHA_A}`);
    assert.equal(description(undefined, d), markText(d));
    assert.equal(description('Migrated from /staging/a.pdf', d), `Migrated from /staging/a.pdf\n${markText(d)}`);
    assert.equal(description('kept as it is', undefined), 'kept as it is');
    const long = description('x'.repeat(400), d, VERSION_DESCRIPTION_MAX);
    assert.ok(long !== undefined && long.length <= VERSION_DESCRIPTION_MAX, String(long?.length));
    assert.ok(long.endsWith(markText(d)));
    assert.equal(description('y'.repeat(400), d)?.length, 400 + 1 + markText(d).length, 'a document description is not cut');
  });

  it('finds its own mark, and no other delivery; a different SHA-256 of the bytes is another file', () => {
    const d = deliveryOf(source)!;
    const withSha = { ...d, sha256: SHA_A };
    assert.equal(carriesDelivery(`Some text\n${markText(d)}`, d), true);
    assert.equal(carriesDelivery(markText(withSha), d), true, 'bytes unknown now: the source facts decide');
    assert.equal(carriesDelivery(markText(d), withSha), true, 'bytes unknown then: the source facts decide');
    assert.equal(carriesDelivery(markText(withSha), withSha), true);
    assert.equal(carriesDelivery(markText(withSha), { ...d, sha256: SHA_B }), false);
    assert.equal(carriesDelivery(markText(deliveryOf({ ...source, size: 1 })!), d), false);
    assert.equal(carriesDelivery(`${markText({ ...d, key: 'f'.repeat(32) })} ${markText(d)}`, d), true, 'any of several marks');
    assert.equal(carriesDelivery('', d), false);
    assert.equal(carriesDelivery(undefined, d), false);
  });
});
