import { strict as assert } from 'node:assert';
import { checkMagicBytes, describeContent, magicBytesCheck } from '../../../../src/core/validate/magic-bytes';
import { run } from '../../../support/content-check';

describe('validate: content type by magic bytes', () => {
  const samples: Record<string, Buffer> = {
    pdf: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'),
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
    gif: Buffer.from('GIF89a\x01\x00'),
    tif: Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0]),
    docx: Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0]),
    gz: Buffer.from([0x1f, 0x8b, 8, 0]),
    xml: Buffer.from('\uFEFF  <?xml version="1.0"?><a/>'),
    json: Buffer.from('\n [1, 2]'),
    csv: Buffer.from('id;name\n1;Ä\n'),
  };

  for (const [ext, head] of Object.entries(samples)) {
    it(`.${ext}: its own signature passes`, async () => {
      assert.deepEqual(await run(magicBytesCheck(ext), head, 3), []);
    });
  }

  it('a mismatch names the expected type and what the content looks like', () => {
    const [err] = checkMagicBytes(samples.png, 'pdf');
    assert.equal(err.rule, 'magic');
    assert.match(err.reason, /"\.pdf" expects a PDF document, but the content looks like a PNG image/);
    assert.equal(err.detected, 'PNG image');
    assert.match(checkMagicBytes(samples.pdf, 'xlsx')[0].reason, /expects a ZIP archive/);
    assert.match(checkMagicBytes(Buffer.from([0, 1, 2, 0, 5]), 'csv')[0].reason, /expects a text, but the content looks like a unrecognised binary/);
    assert.match(checkMagicBytes(Buffer.from('hello'), 'json')[0].reason, /expects a JSON document, but the content looks like a text/);
    assert.match(checkMagicBytes(Buffer.alloc(0), 'pdf')[0].reason, /empty file/);
    // A PDF header is ASCII, yet a PDF is no text file.
    assert.match(checkMagicBytes(Buffer.from('%PDF-1.4\n'), 'txt')[0].reason, /expects a text, but the content looks like a PDF document/);
  });

  it('extensions without a known signature are not checked', () => {
    assert.deepEqual(checkMagicBytes(Buffer.from([0, 0, 0]), 'dat'), []);
    assert.equal(describeContent(Buffer.from('%PDF-1.4')), 'PDF document');
  });
});
