import { strict as assert } from 'node:assert';
import { parseManifest, findMissing } from '../../../../src/core/validate/manifest';

describe('validate: manifest parsing', () => {
  it('reads manifests as JSON, CSV and lines', () => {
    const rule = { format: 'auto' as const, column: '' };
    assert.deepEqual(parseManifest('["a.pdf", "b.pdf"]', 'm.json', rule), ['a.pdf', 'b.pdf']);
    assert.deepEqual(parseManifest(Buffer.from('{"files": [{"name": "a.pdf", "size": 1}, {"file": "sub/b.pdf"}]}'), 'm.json', rule), ['a.pdf', 'sub/b.pdf']);
    assert.deepEqual(parseManifest('file;size\na.pdf;1\nb.pdf;2\n', 'm.csv', rule), ['a.pdf', 'b.pdf']);
    assert.deepEqual(parseManifest('size,document\n1,a.pdf\n', 'm.csv', { format: 'csv', column: 'document' }), ['a.pdf']);
    assert.deepEqual(parseManifest('a.pdf\n# comment\n\nb.pdf\n', 'm.txt', rule), ['a.pdf', 'b.pdf']);
    assert.deepEqual(parseManifest(['x.pdf'], 'msg', rule), ['x.pdf']);
    assert.throws(() => parseManifest('{"count": 2}', 'm.json', rule), /JSON array of file names/);
    assert.throws(() => parseManifest('size,name\n1,a', 'm.csv', { format: 'csv', column: 'document' }), /no column "document"/);
  });

  it('refuses listed paths outside the folder', async () => {
    await assert.rejects(
      findMissing(['../etc/passwd'], ['/in'], () => Promise.resolve(new Set())),
      /outside the manifest's folder/,
    );
  });
});
