import { strict as assert } from 'node:assert';
import { FlowFailure, RefusalGuard } from '../../../../src/core/content-server/export-refusal';

const misconfigured = (what: string): FlowFailure => new FlowFailure(`'${what}'`, 'INVALID_INPUT', 'The path must be a text, got undefined.');

describe('content server: refusals for good and the guard of "skip"', () => {
  it('holds refusals with the same code and words until the limit, then stops at the first of them', () => {
    const guard = new RefusalGuard<string>(3);
    assert.deepEqual(guard.refused('a', 'a.txt', misconfigured('a.txt')), { skip: [] });
    assert.equal(guard.holding, true, 'the mark must wait');
    assert.deepEqual(guard.refused('b', 'b.txt', misconfigured('b.txt')), { skip: [] });
    const verdict = guard.refused('c', 'c.txt', misconfigured('c.txt'));
    assert.ok('stop' in verdict);
    assert.equal(verdict.stop.code, 'INVALID_INPUT');
    assert.match(verdict.stop.message, /^The flow failed to store 'a\.txt'.*3 documents in a row.*stopped at the first of them/);
    assert.equal(verdict.stop.details.refusedInARow, 3);
  });

  it('a stored document releases the held refusals to be skipped, and later ones are skipped at once', () => {
    const guard = new RefusalGuard<string>(3);
    guard.refused('a', 'a.txt', misconfigured('a.txt'));
    guard.refused('b', 'b.txt', misconfigured('b.txt'));
    assert.deepEqual(guard.stored(), ['a', 'b']);
    assert.equal(guard.holding, false);
    for (const x of ['c', 'd', 'e']) assert.deepEqual(guard.refused(x, `${x}.txt`, misconfigured(`${x}.txt`)), { skip: [x] });
  });

  it("a refusal naming its document, or with other words, is the document's own: everything held is skipped", () => {
    const named = new RefusalGuard<string>(3);
    const ini = (name: string): FlowFailure => new FlowFailure(`'${name}'`, 'INVALID_INPUT', `Dropbox does not store files named "${name}"`);
    assert.deepEqual(named.refused('a', 'desktop.ini', ini('desktop.ini')), { skip: ['a'] });
    assert.deepEqual(named.refused('b', 'desktop.ini', ini('desktop.ini')), { skip: ['b'] });
    assert.deepEqual(named.refused('c', 'desktop.ini', ini('desktop.ini')), { skip: ['c'] });
    const other = new RefusalGuard<string>(3);
    other.refused('a', 'a.txt', misconfigured('a.txt'));
    assert.deepEqual(other.refused('b', 'b.txt', new FlowFailure("'b.txt'", 'MAPPING', 'Required field "vendor" has no value')), { skip: ['a', 'b'] });
    assert.deepEqual(other.end(), { skip: [] });
  });

  it('at the end of the run: two or more held (every document refused the same way) stop it, one is skipped', () => {
    const two = new RefusalGuard<string>(3);
    two.refused('a', 'a.txt', misconfigured('a.txt'));
    two.refused('b', 'b.txt', misconfigured('b.txt'));
    const verdict = two.end();
    assert.ok('stop' in verdict);
    assert.equal(verdict.stop.details.refusedInARow, 2);
    const one = new RefusalGuard<string>(3);
    one.refused('a', 'a.txt', misconfigured('a.txt'));
    assert.deepEqual(one.end(), { skip: ['a'] });
  });
});
