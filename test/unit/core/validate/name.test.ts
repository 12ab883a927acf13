import { strict as assert } from 'node:assert';
import { checkExtension, checkName, checkNonEmpty, checkSize } from '../../../../src/core/validate/name';
import { parseRules } from '../../../../src/core/validate/rules';

describe('validate: name, extension, size and non-empty rules', () => {
  it('a matching name passes and its named groups become fields', () => {
    const rules = parseRules({ name: { pattern: 'INV_(?<vendor>[A-Z]+)_(?<date>\\d{4}-\\d{2}-\\d{2})(?:_(?<note>\\w+))?\\.pdf' } });
    const ok = checkName('INV_ACME_2026-11-02.pdf', rules.name!);
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(ok.fields, { vendor: 'ACME', date: '2026-11-02' });
  });

  it('the pattern must match the whole name; case-insensitive when asked', () => {
    const rules = parseRules({ name: { pattern: 'INV_[A-Z]+\\.pdf' } });
    const bad = checkName('copy of INV_ACME.pdf', rules.name!);
    assert.equal(bad.errors.length, 1);
    assert.equal(bad.errors[0].rule, 'name');
    assert.match(bad.errors[0].reason, /"copy of INV_ACME.pdf" does not match the pattern INV_\[A-Z\]\+\\.pdf/);
    assert.equal(checkName('inv_acme.PDF', rules.name!).errors.length, 1);
    assert.equal(checkName('inv_acme.PDF', parseRules({ name: { pattern: 'INV_[A-Z]+\\.pdf', ignoreCase: true } }).name!).errors.length, 0);
  });

  it('extensions are compared without case; a missing extension is named', () => {
    assert.deepEqual(checkExtension('A.PDF', ['pdf', 'xml']), []);
    const [err] = checkExtension('a.exe', ['pdf', 'xml']);
    assert.equal(err.rule, 'extension');
    assert.match(err.reason, /"\.exe" is not allowed; allowed: \.pdf, \.xml/);
    assert.match(checkExtension('README', ['pdf'])[0].reason, /has no extension/);
  });

  it('size bounds and non-empty', () => {
    assert.deepEqual(checkSize(100, { min: 10, max: 100 }), []);
    assert.match(checkSize(9, { min: 10 })[0].reason, /9 bytes, fewer than the minimum of 10/);
    assert.match(checkSize(101, { max: 100 })[0].reason, /101 bytes, more than the maximum of 100/);
    assert.deepEqual(checkNonEmpty(1), []);
    assert.deepEqual(
      checkNonEmpty(0).map((e) => e.rule),
      ['nonEmpty'],
    );
  });
});
