import { strict as assert } from 'node:assert';
import { ExportMarkStore } from '../../../../src/core/content-server/export-mark';
import type { KeyValueStore } from '../../../../src/core/key-value-store';
import { expectCode } from '../../../support/expect-code';

describe('content server: export mark store', () => {
  it('a context store that fails reading or writing gives CONNECTION naming the store, not INVALID_INPUT (the trigger was fine)', async () => {
    const cause = new Error('ENOSPC: no space left on device');
    const broken: KeyValueStore = { get: () => Promise.reject(cause), set: () => Promise.reject(cause), keys: () => Promise.reject(cause) };
    const marks = new ExportMarkStore(broken, 'file');
    const read = await expectCode(marks.load('q'), 'CONNECTION', /Cannot read the export mark from context store 'file': ENOSPC/);
    assert.equal(read.cause, cause);
    assert.deepEqual(read.details, { store: 'file', operation: 'read' });
    const reset = await expectCode(marks.reset(), 'CONNECTION', /Cannot save the export mark in context store 'file'/);
    assert.equal(reset.details.operation, 'write');
  });
});
