/** Categories by name: resolution and conversion (pure); uploads carrying them are in test/integration/core/content-server/categories.test.ts. */
import assert from 'node:assert/strict';
import { resolveCategoryValues, type CategoryDefinition } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';

const INVOICE: CategoryDefinition = {
  id: 9830,
  name: 'Invoice',
  attributes: [
    { key: '9830_2', name: 'Vendor', type: 'string', multiValue: false, required: false },
    { key: '9830_3', name: 'Amount', type: 'real', multiValue: false, required: false },
    { key: '9830_4', name: 'Invoice Date', type: 'date', multiValue: false, required: false },
    { key: '9830_5', name: 'Count', type: 'integer', multiValue: false, required: false },
    { key: '9830_6', name: 'Paid', type: 'boolean', multiValue: false, required: false },
    { key: '9830_7', name: 'Tags', type: 'string', multiValue: true, required: false },
  ],
};

function code(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof FileBridgeError);
    return { code: err.code, message: err.message };
  }
  assert.fail('expected an error');
}

describe('content-server categories', () => {
  describe('resolution (pure)', () => {
    it('maps names case-insensitively to flat keys and converts types', () => {
      const flat = resolveCategoryValues(
        { invoice: { vendor: 'ACME', Amount: '12,5', 'Invoice Date': '2026-03-01T10:00:00Z', Count: '3', Paid: 'true', Tags: ['a', 1] } },
        [INVOICE],
      );
      assert.deepEqual(flat, { '9830_1': {}, '9830_2': 'ACME', '9830_3': 12.5, '9830_4': '2026-03-01', '9830_5': 3, '9830_6': true, '9830_7': ['a', '1'] });
      assert.deepEqual(resolveCategoryValues({ Invoice: { 'Invoice Date': new Date(Date.UTC(2026, 0, 2)) } }, [INVOICE]), {
        '9830_1': {},
        '9830_4': '2026-01-02',
      });
    });

    it('passes raw keys through and marks their category', () => {
      assert.deepEqual(resolveCategoryValues({ '9830_2': 'X', '9840_1_2_3': 'Y' }, []), { '9830_2': 'X', '9830_1': {}, '9840_1_2_3': 'Y', '9840_1': {} });
    });

    it('names the unknown category or attribute, and the bad value', () => {
      assert.match(code(() => resolveCategoryValues({ Invoce: { Vendor: 'x' } }, [INVOICE])).message, /Unknown category 'Invoce' \(known here: 'Invoice'\)/);
      const e = code(() => resolveCategoryValues({ Invoice: { Vendr: 'x' } }, [INVOICE]));
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /Category 'Invoice' has no attribute 'Vendr' \(it has: 'Vendor', 'Amount'/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Count: 1.5 } }, [INVOICE])).message, /'Count' \(9830_5\): 1.5 is not a whole number/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { 'Invoice Date': '03/01/2026' } }, [INVOICE])).message, /not a date/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Vendor: ['a', 'b'] } }, [INVOICE])).message, /single value/);
      assert.match(code(() => resolveCategoryValues({ Invoice: { Paid: 'maybe' } }, [INVOICE])).message, /true or false/);
    });
  });
});
