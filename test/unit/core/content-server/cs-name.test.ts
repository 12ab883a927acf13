import { strict as assert } from 'node:assert';
import { CS_MAX_NAME, csDocumentName, decodeCsName, encodeCsName } from '../../../../src/core/content-server/cs-name';
import { checkDocumentName } from '../../../../src/core/content-server/upload';

describe('Content Server names (cs-name)', () => {
  it("maps ':' to '：' (U+FF1A) and back", () => {
    assert.equal(encodeCsName('a:b.txt'), 'a\uFF1Ab.txt');
    assert.equal(decodeCsName('a\uFF1Ab.txt'), 'a:b.txt');
    assert.equal(encodeCsName('10:30:00 log'), '10\uFF1A30\uFF1A00 log');
  });

  it("quotes a literal '：' and the quote '‛' itself, so every name comes back as it was", () => {
    assert.equal(encodeCsName('x\uFF1Ay'), 'x\u201B\uFF1Ay');
    assert.equal(encodeCsName('it\u201Bs'), 'it\u201B\u201Bs');
    const names = [
      'a:b.txt',
      'x\uFF1Ay',
      ':\uFF1A:',
      '\u201B',
      '\u201B:',
      '\u201B\uFF1A',
      'plain.pdf',
      'emoji 📄:1.pdf',
      '',
      'ends with \u201B',
      '\u201B\u201B:\u201B',
    ];
    for (const n of names) assert.equal(decodeCsName(encodeCsName(n)), n, JSON.stringify(n));
    // Two different names never map to the same document name.
    assert.equal(new Set(names.map(encodeCsName)).size, names.length);
    // A mapped name holds no ':'.
    for (const n of names) assert.ok(!encodeCsName(n).includes(':'));
  });

  it('leaves names Content Server takes as they are', () => {
    for (const n of ['Invoice 2026-01.pdf', 'é'.repeat(248), 'a\\b.txt', 'trailing .txt']) assert.equal(csDocumentName(n), n);
  });

  it('shortens a name over 248 characters deterministically, keeping the extension, with a hash of the whole name', () => {
    const long = `${'Quarterly report '.repeat(20)}final.pdf`;
    const short = csDocumentName(long);
    assert.equal(short.length, CS_MAX_NAME);
    assert.match(short, /^Quarterly report .*~[0-9a-f]{8}\.pdf$/);
    assert.equal(csDocumentName(long), short, 'the same name every time');
    assert.equal(checkDocumentName(short), short, 'Content Server takes it');
  });

  it('two long names with the same start get different short names', () => {
    const start = 'x'.repeat(300);
    const a = csDocumentName(`${start}-a.txt`);
    const b = csDocumentName(`${start}-b.txt`);
    assert.notEqual(a, b);
    assert.equal(a.slice(0, 200), b.slice(0, 200));
    assert.ok(a.length <= CS_MAX_NAME && b.length <= CS_MAX_NAME);
  });

  it("shortens a long name with ':' and characters outside the BMP without cutting a pair in two", () => {
    const long = `${'📄:'.repeat(120)}.txt`;
    const short = csDocumentName(long);
    assert.ok(short.length <= CS_MAX_NAME);
    assert.ok(!short.includes(':'));
    assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(short), 'no lone high surrogate');
    assert.match(short, /~[0-9a-f]{8}\.txt$/);
    assert.equal(checkDocumentName(short), short);
  });

  it('a long name without an extension, or with a very long one, is shortened as a whole', () => {
    const noExt = csDocumentName('n'.repeat(400));
    assert.match(noExt, /^n+~[0-9a-f]{8}$/);
    assert.equal(noExt.length, CS_MAX_NAME);
    const oddExt = csDocumentName(`a.${'e'.repeat(300)}`);
    assert.match(oddExt, /~[0-9a-f]{8}$/);
  });
});
