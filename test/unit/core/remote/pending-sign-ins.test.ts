import { strict as assert } from 'node:assert';
import { PendingSignIns } from '../../../../src/core/remote/pending-sign-ins';

describe('pending sign-ins (the PKCE verifier kept under a one-time state)', () => {
  it('a state gives its value once, and only its own', () => {
    const pending = new PendingSignIns<string>();
    const a = pending.start('verifier-a');
    const b = pending.start('verifier-b');
    assert.notEqual(a, b);
    assert.ok(a.length >= 32, 'a state must be unguessable');
    assert.equal(pending.take('made-up'), undefined);
    assert.equal(pending.take(b), 'verifier-b');
    assert.equal(pending.take(b), undefined, 'a state was used twice');
    assert.equal(pending.take(a), 'verifier-a');
    assert.equal(pending.take(undefined), undefined);
  });

  it('expires after its time and keeps at most max waiting, dropping the oldest', () => {
    let now = 1_000;
    const pending = new PendingSignIns<number>(60_000, 3, () => now);
    const first = pending.start(1);
    now += 59_999;
    const second = pending.start(2);
    now += 1;
    assert.equal(pending.take(first), undefined, 'an expired state was honoured');
    const states = [pending.start(3), pending.start(4), pending.start(5)];
    assert.equal(pending.size, 3);
    assert.equal(pending.take(second), undefined, 'the oldest was kept beyond max');
    assert.deepEqual(
      states.map((s) => pending.take(s)),
      [3, 4, 5],
    );
  });
});
