import { strict as assert } from 'node:assert';
import { claimFileName, parseClaimFileName, resolveBelow } from '../../../../src/core/pipeline/claim';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');

describe('pipeline: claim names', () => {
  describe('claim names', () => {
    it('round-trip the claim time, token, attempt and the original name (tildes and dashes included)', () => {
      const name = claimFileName('a-b~c 1.pdf', T0, 3, '0123abcd');
      assert.equal(name, `${T0}-0123abcd-3~a-b~c 1.pdf`);
      assert.deepEqual(parseClaimFileName(name), { claimedAt: T0, token: '0123abcd', attempt: 3, name: 'a-b~c 1.pdf' });
      assert.equal(parseClaimFileName('INV.pdf'), undefined);
      assert.notEqual(claimFileName('x', T0, 1), claimFileName('x', T0, 1), 'random tokens keep two claims apart');
    });
    it('resolve the claim folder below the watched folder unless absolute', () => {
      assert.equal(resolveBelow('/inbox', '.filebridge/processing'), '/inbox/.filebridge/processing');
      assert.equal(resolveBelow('in', '/work/claims'), '/work/claims');
    });
  });
});
