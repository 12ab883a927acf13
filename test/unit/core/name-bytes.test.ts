import { strict as assert } from 'node:assert';
import { cutToBytes, fitName, MAX_NAME_BYTES, utf8Bytes } from '../../../src/core/name-bytes';
import { longName } from '../../support/long-names';

describe('name bytes: names within the 255-byte limit of one path component', () => {
  it('cuts text at whole characters only (2-, 3- and 4-byte UTF-8)', () => {
    assert.equal(cutToBytes('aä€😀', 1), 'a');
    assert.equal(cutToBytes('aä€😀', 2), 'a');
    assert.equal(cutToBytes('aä€😀', 3), 'aä');
    assert.equal(cutToBytes('aä€😀', 6), 'aä€');
    assert.equal(cutToBytes('aä€😀', 9), 'aä€');
    assert.equal(cutToBytes('aä€😀', 10), 'aä€😀');
    for (let max = 0; max < 60; max++) {
      const cut = cutToBytes(longName(80), max);
      assert.ok(utf8Bytes(cut) <= max);
      assert.equal(Buffer.from(cut, 'utf8').toString('utf8'), cut, 'no broken character');
      assert.ok(longName(80).startsWith(cut));
    }
  });

  it('fits a name keeping its extension, and leaves a name that fits alone', () => {
    const name = longName(244);
    assert.equal(utf8Bytes(name), 244);
    assert.equal(fitName(name, 255), name);
    const fitted = fitName(name, 200);
    assert.ok(utf8Bytes(fitted) <= 200 && utf8Bytes(fitted) >= 197, `${utf8Bytes(fitted)} bytes`);
    assert.ok(fitted.endsWith('.pdf'));
    assert.ok(name.startsWith(fitted.slice(0, -4)));
    // An "extension" longer than a short name would leave is cut with the rest.
    const odd = `a.${'x'.repeat(40)}`;
    assert.equal(fitName(odd, 20), odd.slice(0, 20));
    assert.equal(MAX_NAME_BYTES, 255);
  });
});
