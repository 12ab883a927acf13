import { strict as assert } from 'node:assert';
import { checkFileName, isBelow, listedNameProblem, printableName } from '../../../src/core/paths';

describe('remote paths and names', () => {
  it('a listed name must be one entry of its folder', () => {
    for (const name of ['../../etc/passwd', 'a/../../x.pdf', 'sub/evil.pdf', '.', '..', '', 'nul\0.pdf', '..\\..\\x.pdf', '..\\x']) {
      assert.ok(listedNameProblem(name), JSON.stringify(name));
    }
    for (const name of ['a\\b.pdf', '..a', 'a..b.pdf', '.hidden', 'ü ñ 日本.pdf', 'line\nbreak.pdf']) assert.equal(listedNameProblem(name), undefined, name);
    assert.match(listedNameProblem('line\nbreak.pdf', true)!, /line break/);
    assert.equal(printableName('nul\0.pdf'), 'nul\\u0000.pdf');
  });

  it('isBelow: inside the root once normalised, never the root itself unless asked', () => {
    assert.ok(isBelow('inbox/.filebridge/processing', 'inbox/.filebridge/processing/sub/1~a.pdf'));
    assert.ok(isBelow('/inbox', '/inbox//a.pdf'));
    assert.ok(isBelow('.', 'a/b'));
    assert.ok(isBelow('/', '/etc'));
    assert.ok(!isBelow('inbox/.filebridge/processing', 'inbox/.filebridge/processing/../../../etc/passwd'));
    assert.ok(!isBelow('inbox', 'inbox-other/a.pdf'));
    assert.ok(!isBelow('inbox', '/inbox/a.pdf'), 'relative and absolute are different places');
    assert.ok(!isBelow('.', '../a'));
    assert.ok(!isBelow('inbox', 'inbox'));
    assert.ok(isBelow('inbox', 'inbox/', true));
  });

  it('a backslash is part of a file name; "/" and ".." are not', () => {
    assert.equal(checkFileName('a\\b.pdf'), 'a\\b.pdf');
    assert.throws(() => checkFileName('a/b.pdf'), /without folders/);
    assert.throws(() => checkFileName('..\\x'), /"\.\." segment/);
  });
});
