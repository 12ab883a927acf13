import assert from 'node:assert/strict';
import { collection, itemProperties, parseCsDate } from '../../../../src/core/content-server/envelopes';

describe('content-server: answer envelopes', () => {
  describe('envelopes', () => {
    it('reads v2 one-item, v2 create, v1 item and v1 create envelopes', () => {
      assert.deepEqual(itemProperties({ links: {}, results: { data: { properties: { id: 5, name: 'A' } } } }), { id: 5, name: 'A' });
      assert.deepEqual(itemProperties({ results: { id: 7 } }), { id: 7 });
      assert.deepEqual(itemProperties({ data: { id: 8 } }), { id: 8 });
      assert.deepEqual(itemProperties({ id: 9 }), { id: 9 });
      assert.throws(() => itemProperties({ results: {} }), /unexpected item envelope/);
      assert.throws(() => itemProperties('<html>'), /unexpected item envelope/);
    });

    it('reads v2 collections with collection.paging, business workspaces with top-level paging, v1 lists', () => {
      const v2 = collection({
        links: {},
        results: [{ data: { properties: { id: 1 } } }, { data: { properties: { id: 2 } } }],
        collection: { paging: { page: 2, limit: 2, total_count: 5, page_total: 3, range_min: 3, range_max: 4 }, sorting: {} },
      });
      assert.deepEqual(v2.items, [{ id: 1 }, { id: 2 }]);
      assert.deepEqual(v2.paging, { page: 2, limit: 2, totalCount: 5, pageTotal: 3 });
      const bws = collection({ results: [{ data: { properties: { id: 3, type: 848 } } }], paging: { page: 1, limit: 1, total_count: 2, page_total: 2 } });
      assert.deepEqual(bws.paging, { page: 1, limit: 1, totalCount: 2, pageTotal: 2 });
      const v1 = collection({ data: [{ id: 4 }], page: 1, limit: 25, page_total: 1, total_count: 1 });
      assert.deepEqual(v1.items, [{ id: 4 }]);
      assert.equal(v1.paging.pageTotal, 1);
      assert.deepEqual(collection({ links: {}, results: {} }).items, []);
    });

    it('parses dates with and without a zone (zoneless read as UTC)', () => {
      assert.equal(parseCsDate('2025-01-19T06:57:04Z')?.toISOString(), '2025-01-19T06:57:04.000Z');
      assert.equal(parseCsDate('2017-03-08T04:32:15')?.toISOString(), '2017-03-08T04:32:15.000Z');
      assert.equal(parseCsDate('2017-03-08T04:32:15+02:00')?.toISOString(), '2017-03-08T02:32:15.000Z');
      assert.equal(parseCsDate('2017-03-08')?.toISOString(), '2017-03-08T00:00:00.000Z');
      assert.equal(parseCsDate(''), undefined);
      assert.equal(parseCsDate(null), undefined);
      assert.equal(parseCsDate('yesterday'), undefined);
    });
  });
});
