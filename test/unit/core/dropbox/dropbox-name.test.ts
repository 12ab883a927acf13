import { strict as assert } from 'node:assert';
import { decodeDropboxPath, dropboxApiPath, dropboxWritePath } from '../../../../src/core/dropbox/api-path';
import { decodeDropboxName, dropboxNameProblem, encodeDropboxName, storedDropboxNameProblem } from '../../../../src/core/dropbox/dropbox-name';
import { expectCode } from '../../../support/expect-code';

describe('Dropbox names (dropbox-name, rclone encoding)', () => {
  it("maps backslash, DEL and a trailing space to rclone's stand-ins and back", () => {
    assert.equal(encodeDropboxName('x\\y.txt'), 'x\uFF3Cy.txt');
    assert.equal(encodeDropboxName('del\u007F.txt'), 'del\u2421.txt');
    assert.equal(encodeDropboxName('Hero '), 'Hero\u2420');
    assert.equal(encodeDropboxName('two  '), 'two \u2420', 'only the last space: the name then ends with a character Dropbox takes');
    assert.equal(encodeDropboxName('a b.txt'), 'a b.txt');
    assert.equal(decodeDropboxName('x\uFF3Cy.txt'), 'x\\y.txt');
    assert.equal(decodeDropboxName('Hero\u2420'), 'Hero ');
    assert.equal(decodeDropboxName('mid\u2420dle'), 'mid\u2420dle', 'a ␠ inside a name is itself');
  });

  it("quotes a literal stand-in with '‛' (and doubles '‛'), so decode(encode(x)) === x", () => {
    assert.equal(encodeDropboxName('x\uFF3Cy'), 'x\u201B\uFF3Cy');
    assert.equal(encodeDropboxName('end\u2420'), 'end\u201B\u2420');
    assert.equal(encodeDropboxName('q\u201B'), 'q\u201B\u201B');
    const names = [
      'x\\y .txt',
      'x\\y.txt ',
      'x\uFF3Cy',
      '\\\uFF3C\\',
      'a\u007F\u2421',
      ' ',
      '  ',
      '\u2420',
      '\u201B ',
      '\u201B\u2420',
      '\u201B',
      'a\u201Bb',
      '\u201B\u201B\\',
      'über 📄.pdf',
      'plain',
    ];
    for (const n of names) {
      const stored = encodeDropboxName(n);
      assert.equal(decodeDropboxName(stored), n, JSON.stringify(n));
      assert.equal(storedDropboxNameProblem(stored), undefined, JSON.stringify(stored));
      assert.ok(!stored.includes('\\') && !stored.includes('\u007F') && !stored.endsWith(' '), JSON.stringify(stored));
    }
    assert.equal(new Set(names.map(encodeDropboxName)).size, names.length, 'no two names share a stored name');
  });

  it('a name stored in Dropbox that this mapping would not produce is reported, not read under another name', () => {
    assert.equal(storedDropboxNameProblem('report.pdf'), undefined);
    assert.match(storedDropboxNameProblem('a\u201Bb') ?? '', /cannot map back/);
    assert.match(storedDropboxNameProblem('raw\\backslash') ?? '', /cannot map back/);
  });

  it('encodes every part of an API path and decodes paths Dropbox gives back', () => {
    assert.equal(dropboxApiPath('/In box /x\\y.txt '), '/In box\u2420/x\uFF3Cy.txt\u2420');
    assert.equal(decodeDropboxPath('/In box\u2420/x\uFF3Cy.txt\u2420'), '/In box /x\\y.txt ');
    assert.equal(dropboxApiPath('id:abc123'), 'id:abc123');
    assert.equal(dropboxApiPath('/'), '');
  });

  it('refuses names Dropbox will not store (desktop.ini, thumbs.db, .DS_Store...) and names over 255 characters, saying what to do', async () => {
    for (const n of ['desktop.ini', 'Thumbs.db', '.DS_Store', 'Icon\r', '.dropbox', '.dropbox.attr']) {
      assert.match(dropboxNameProblem(n) ?? '', /disallowed_name/, n);
      await expectCode(
        (async () => dropboxWritePath(`/out/${n}`))(),
        'INVALID_INPUT',
        /Cannot write "\/out\/.*" to Dropbox: Dropbox does not store files or folders named .*rename it/,
      );
    }
    assert.equal(dropboxNameProblem('desktop.ini.txt'), undefined);
    assert.equal(dropboxNameProblem('n'.repeat(255)), undefined);
    assert.match(dropboxNameProblem('n'.repeat(256)) ?? '', /256 characters on Dropbox, which allows 255/);
    // Reading such a path is not refused here: Dropbox answers for itself.
    assert.equal(dropboxApiPath('/out/desktop.ini'), '/out/desktop.ini');
  });
});
