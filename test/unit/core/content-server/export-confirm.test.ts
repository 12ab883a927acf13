/** Confirmations of exported documents: a document's message back, a failure with its code, the export's own skip report. */
import assert from 'node:assert/strict';
import { DeliveryConfirmations } from '../../../../src/core/content-server/export-confirm';
import { FlowFailure } from '../../../../src/core/content-server/export-refusal';

describe('content-server export confirmations', () => {
  it("the export's report of a skipped document, back through a Catch node, answers nothing and starts no run", async () => {
    const confirmations = new DeliveryConfirmations();
    const pending = confirmations.expect('r', 3, "'c.pdf' (3)", 0);
    assert.equal(confirmations.receive({ export: { runId: 'r', index: 2, skipped: true } }, { code: 'INVALID_INPUT', message: 'refused' }), 'report');
    assert.equal(confirmations.receive({ export: { runId: 'r', index: 3 } }, undefined), 'confirmed');
    await pending.promise;
  });

  it('a failure reported back keeps the code the flow reported; only INVALID_INPUT, VALIDATION and MAPPING are for good', async () => {
    const confirmations = new DeliveryConfirmations();
    const outcomes: [string, string, boolean][] = [];
    for (const [i, code] of ['VALIDATION', 'MAPPING', 'INVALID_INPUT', 'CONNECTION', 'PERMISSION_DENIED', 'ENOSPC'].entries()) {
      const pending = confirmations.expect('r', i, 'doc', 0);
      assert.equal(confirmations.receive({ export: { runId: 'r', index: i } }, { code, message: 'no' }), 'failed');
      const err = await pending.promise.then(
        () => assert.fail('not confirmed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof FlowFailure);
      outcomes.push([err.reported, err.code, err.forGood]);
    }
    assert.deepEqual(outcomes, [
      ['VALIDATION', 'INVALID_INPUT', true],
      ['MAPPING', 'MAPPING', true],
      ['INVALID_INPUT', 'INVALID_INPUT', true],
      ['CONNECTION', 'CONNECTION', false],
      ['PERMISSION_DENIED', 'PERMISSION_DENIED', false],
      ['ENOSPC', 'CONNECTION', false],
    ]);
  });
});
