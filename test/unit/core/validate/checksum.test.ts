import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { parseSidecar } from '../../../../src/core/validate/checksum';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

describe('validate: checksum side-car parsing', () => {
  const digest = sha256('x');
  it('reads bare digests, sha256sum lines and the BSD form', () => {
    assert.equal(parseSidecar(`${digest.toUpperCase()}\n`, 'sha256', 'a.pdf'), digest);
    assert.equal(parseSidecar(`${sha256('other')}  other.pdf\n${digest} *a.pdf\n`, 'sha256', 'a.pdf'), digest);
    assert.equal(parseSidecar(`SHA256 (a.pdf) = ${digest}`, 'sha256', 'a.pdf'), digest);
    assert.equal(parseSidecar(`${md5('x')}  a.pdf`, 'md5', 'a.pdf'), md5('x'));
  });

  it('finds nothing in a side-car for other files, of the wrong length or empty', () => {
    assert.equal(parseSidecar(`${sha256('1')}  b.pdf\n${sha256('2')}  c.pdf\n`, 'sha256', 'a.pdf'), undefined);
    assert.equal(parseSidecar(md5('x'), 'sha256', 'a.pdf'), undefined);
    assert.equal(parseSidecar('', 'md5', 'a.pdf'), undefined);
  });
});
