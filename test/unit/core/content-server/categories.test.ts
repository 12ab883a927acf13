/** Categories by name: resolution and conversion (pure); uploads carrying them are in test/integration/core/content-server/categories.test.ts. */
import assert from 'node:assert/strict';
import {
  appliedCategoryIds,
  namedCategoryValues,
  parseCategoryDefinitions,
  parseCategoryMetadata,
  resolveCategoryValues,
  type CategoryDefinition,
} from '../../../../src/core/content-server';
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

  /*
   * Answers in the shape a real Content Server gives, written from the examples OpenText's own client
   * documents (pyxecm `OTCS.get_node_categories`, `get_node_category_ids`, `get_node_category_definition`,
   * `extract_category_data`): per applied category one `results` item; the category itself under its
   * bare id with `persona: "category"`; attributes `{cat}_{attr}`; sets `persona: "set"` with their
   * attributes as `{cat}_{set}_x_{attr}`; `metadata_map` and `metadata_order` beside them; values in
   * `data.categories` without an entry for the category. Ids and names here are our own.
   */
  describe('real answers', () => {
    const attr = (key: string, name: string, typeName: string, type: number, more: Record<string, unknown> = {}): Record<string, unknown> => ({
      key,
      name,
      type,
      type_name: typeName,
      persona: '',
      multi_value: false,
      multi_value_length_max: 1,
      required: false,
      hidden: false,
      read_only: false,
      max_length: null,
      valid_values: [],
      valid_values_name: [],
      ...more,
    });
    const supplier = {
      data: {
        categories: {
          '7710_2': 'Active',
          '7710_3': '0000042',
          '7710_4': ['North', 'East'],
          '7710_6_1_7': 'Jane Roe',
          '7710_8': '2026-02-01T00:00:00',
        },
      },
      metadata: {
        categories: {
          '7710': { key: '7710', name: 'Supplier', persona: 'category', multi_value: false, required: false, read_only: true, next_id: 9 },
          '7710_2': attr('7710_2', 'Status', 'String', -1, { valid_values: ['Active', 'Blocked'], valid_values_name: ['Active', 'Blocked'] }),
          '7710_3': attr('7710_3', 'Supplier Number', 'String', -1, { max_length: 10, required: true }),
          '7710_4': attr('7710_4', 'Regions', 'String', -1, { multi_value: true, multi_value_length_max: 5 }),
          '7710_6': attr('7710_6', 'Contacts', 'Assoc', -18, { persona: 'set', multi_value: true }),
          '7710_6_x_7': attr('7710_6_x_7', 'Name', 'String', -1),
          '7710_8': attr('7710_8', 'Since', 'Date', -7),
        },
      },
      metadata_map: { categories: { '7710': ['7710_2', '7710_3', '7710_4', '7710_6', '7710_8'] } },
      metadata_order: { categories: ['7710'] },
    };
    const audit = {
      data: { categories: { '7720_2': true, '7720_3': 7 } },
      metadata: {
        categories: {
          '7720': { key: '7720', name: 'Audit', persona: 'category' },
          '7720_2': attr('7720_2', 'Approved', 'Boolean', 5),
          '7720_3': attr('7720_3', 'Score', 'Integer', 2),
        },
      },
      metadata_map: { categories: { '7720': ['7720_2', '7720_3'] } },
      metadata_order: { categories: ['7720'] },
    };
    const answer = { links: { data: { self: { href: '/api/v2/nodes/5150/categories?metadata', method: 'GET' } } }, results: [supplier, audit] };

    it('finds every applied category by its bare id, with attribute names, types and pick lists', () => {
      const defs = parseCategoryMetadata(answer);
      assert.deepEqual(
        defs.map((d) => [d.id, d.name]),
        [
          [7710, 'Supplier'],
          [7720, 'Audit'],
        ],
      );
      assert.deepEqual(defs[0]?.attributes, [
        { key: '7710_2', name: 'Status', type: 'string', multiValue: false, required: false, validValues: ['Active', 'Blocked'] },
        { key: '7710_3', name: 'Supplier Number', type: 'string', multiValue: false, required: true },
        { key: '7710_4', name: 'Regions', type: 'string', multiValue: true, required: false },
        { key: '7710_8', name: 'Since', type: 'date', multiValue: false, required: false },
      ]);
      assert.deepEqual(
        defs[1]?.attributes.map((a) => [a.name, a.type]),
        [
          ['Approved', 'boolean'],
          ['Score', 'integer'],
        ],
      );
    });

    it('resolves names against those definitions, so an upload "by name" finds its category', () => {
      assert.deepEqual(resolveCategoryValues({ Supplier: { Status: 'Blocked', Regions: ['West'] }, audit: { score: '9' } }, parseCategoryMetadata(answer)), {
        '7710_1': {},
        '7710_2': 'Blocked',
        '7710_4': ['West'],
        '7720_1': {},
        '7720_3': 9,
      });
    });

    it('reads the values back by category and attribute name', () => {
      assert.deepEqual(namedCategoryValues(answer), {
        Supplier: { Status: 'Active', 'Supplier Number': '0000042', Regions: ['North', 'East'], Since: '2026-02-01T00:00:00' },
        Audit: { Approved: true, Score: 7 },
      });
    });

    it('knows which categories are applied, with and without metadata', () => {
      assert.deepEqual([...appliedCategoryIds(answer)].sort(), ['7710', '7720']);
      const plain = { results: [{ data: supplier.data }, { data: audit.data }] };
      assert.deepEqual([...appliedCategoryIds(plain)].sort(), ['7710', '7720']);
      assert.deepEqual([...appliedCategoryIds({ links: {}, results: [] })], []);
    });

    it('reads schemas grouped by category or listed per category, as node reads with fields=categories give them', () => {
      const grouped = { results: { data: { categories: [supplier.data.categories] }, metadata: { categories: { '7710': supplier.metadata.categories } } } };
      const listed = { results: [{ metadata: { categories: [supplier.metadata.categories, audit.metadata.categories] } }] };
      assert.deepEqual(
        parseCategoryMetadata(grouped).map((d) => [d.name, d.attributes.length]),
        [['Supplier', 4]],
      );
      assert.deepEqual(
        parseCategoryMetadata(listed).map((d) => d.name),
        ['Supplier', 'Audit'],
      );
    });

    it('reads a v1 one-category answer (data beside definitions)', () => {
      const v1 = {
        data: { categories: { '7720_2': null, '7720_3': null } },
        definitions: audit.metadata.categories,
        definitions_map: { '7720': ['7720_2', '7720_3'] },
        definitions_order: ['7720'],
      };
      assert.deepEqual(
        parseCategoryDefinitions(v1).map((d) => [d.id, d.name, d.attributes.map((a) => a.key)]),
        [[7720, 'Audit', ['7720_2', '7720_3']]],
      );
    });
  });
});
