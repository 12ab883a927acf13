import assert from 'node:assert/strict';
import { encodeQuery, formFields, normaliseBaseUrl } from '../../../../src/core/content-server/http';

describe('content-server: HTTP requests', () => {
  describe('request encoding', () => {
    it('repeats query keys for arrays and sends flags without a value', () => {
      assert.equal(
        encodeQuery({ where_type: [0, 144], fields: ['properties', 'versions'], metadata: true, off: false, none: undefined, page: 2 }),
        '?where_type=0&where_type=144&fields=properties&fields=versions&metadata=&page=2',
      );
      assert.equal(encodeQuery({}), '');
    });

    it('puts the nested payload into one body field as JSON', () => {
      assert.deepEqual(formFields({ form: { type: 144, parent_id: 2000, skip: undefined }, body: { roles: { categories: { '9830_2': 'ACME' } } } }), [
        ['type', '144'],
        ['parent_id', '2000'],
        ['body', '{"roles":{"categories":{"9830_2":"ACME"}}}'],
      ]);
    });

    it('normalises the base URL to .../api', () => {
      assert.equal(normaliseBaseUrl('http://h/otcs/cs.exe/'), 'http://h/otcs/cs.exe/api');
      assert.equal(normaliseBaseUrl('http://h/otcs/cs.exe/api'), 'http://h/otcs/cs.exe/api');
      assert.throws(() => normaliseBaseUrl('h/otcs'), { code: 'INVALID_INPUT' });
    });
  });
});
