/** `{token}` path templates shared by archive paths and the File 360 put folder: one set of values, each template its own tokens and errors. */
import assert from 'node:assert/strict';
import { FileBridgeError } from '../../../src/core/errors';
import { fillFolderTemplate } from '../../../src/core/file360/folder-template';
import { archivePath } from '../../../src/core/pipeline/archive-path';
import { fillTokens, pathTokenValues, tokenList } from '../../../src/core/path-template';

const at = new Date('2026-11-02T08:07:06.005Z');
const invalid = (part: RegExp, not?: RegExp) => (e: unknown) =>
  e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && part.test(e.message) && !(not && not.test(e.message));

describe('path templates', () => {
  it('give every token its UTC time or name value', () => {
    assert.deepEqual(pathTokenValues({ name: 'INV 7.pdf', relativePath: 'sub/INV 7.pdf' }, at, 'c-1'), {
      yyyy: '2026',
      MM: '11',
      dd: '02',
      HH: '08',
      mm: '07',
      ss: '06',
      SSS: '005',
      name: 'INV 7.pdf',
      base: 'INV 7',
      ext: 'pdf',
      relativePath: 'sub/INV 7.pdf',
      relativeDir: 'sub',
      correlationId: 'c-1',
    });
    assert.equal(
      fillTokens('{a}-{b}/{c d}', (inner) => inner.toUpperCase()),
      'A-B/{c d}',
      'the default pattern takes letters only',
    );
    assert.equal(tokenList(['yyyy', 'name']), '{yyyy} {name}');
  });

  it('fill alike in the archive path and the File 360 folder', () => {
    const template = '{yyyy}/{MM}/{dd}/{HH}{mm}{ss}/{base}.{ext}/{relativeDir}/{correlationId}';
    const source = { name: 'INV 7.pdf', relativePath: 'sub/INV 7.pdf', folder: '/inbox' };
    assert.equal(archivePath(`/a/${template}`, source, at, 'c-1'), '/a/2026/11/02/080706/INV 7.pdf/sub/c-1');
    assert.equal(
      fillFolderTemplate(template, { name: source.name, relativePath: source.relativePath, correlationId: 'c-1', at }),
      '2026/11/02/080706/INV 7.pdf/sub/c-1',
    );
  });

  it("name each template's own tokens when one is unknown", () => {
    assert.throws(
      () => archivePath('/a/{yyy}', { name: 'a', relativePath: 'a', folder: '/in' }, at),
      invalid(/Unknown token \{yyy\}.*\{SSS\}.*\{relativePath\}/, /fields/),
    );
    assert.throws(
      () => fillFolderTemplate('S/{yyy}', { name: 'a', at }),
      invalid(/Folder: unknown token \{yyy\}.*\{fields\.<name>\}/, /\{SSS\}|\{relativePath\}/),
    );
    assert.throws(() => fillFolderTemplate('S/{SSS}', { name: 'a', at }), invalid(/unknown token \{SSS\}/), 'milliseconds are not a folder token');
  });
});
