/**
 * Every paging style of the REST client against a local list of 23 items: pages fetched only when
 * the consumer asks, stop rules (empty page, no next, short page, known total / page count), JSONata-like
 * item and next expressions, maxPages, and a next link to another origin refused.
 */
import { strict as assert } from 'node:assert';
import { openRestClient, type RestClient } from '../../../../src/core/rest/client';
import type { PageResult, Paging } from '../../../../src/core/rest/paging';
import { restOptionsFromConfig } from '../../../../src/core/rest/rest-config';
import { expectCode } from '../../../support/expect-code';
import { sendJson, startRestStub, type RestStub } from '../../../support/rest-stub';

const ALL = Array.from({ length: 23 }, (_, i) => ({ id: i }));

async function collect(pages: AsyncIterable<PageResult>): Promise<PageResult[]> {
  const out: PageResult[] = [];
  for await (const p of pages) out.push(p);
  return out;
}

describe('rest client: paging', function () {
  this.timeout(30_000);
  let stub: RestStub;
  let client: RestClient;

  before(async () => {
    stub = await startRestStub();
    stub.handle((req, res) => {
      const url = new URL(req.url ?? '/', stub.url);
      const q = (k: string, d: number): number => Number(url.searchParams.get(k) ?? d);
      switch (url.pathname) {
        case '/api/v1/products': {
          const offset = q('offset', 0);
          const limit = Math.min(q('limit', 10), 10); // the server caps the limit at 10
          return sendJson(res, 200, { items: ALL.slice(offset, offset + limit), offset, limit, total: ALL.length });
        }
        case '/api/v1/prices': {
          const page = q('page', 1);
          const per = q('per_page', 10);
          const next =
            page * per < ALL.length ? `<${url.pathname}?page=${page + 1}&per_page=${per}>; rel="next", <x?page=1>; rel="first"` : '<x?page=1>; rel="first"';
          return sendJson(res, 200, ALL.slice((page - 1) * per, page * per), { Link: next });
        }
        case '/api/v1/inventory/changes': {
          const at = Number(url.searchParams.get('cursor') ?? '0');
          const limit = q('limit', 10);
          const data = ALL.slice(at, at + limit);
          return sendJson(res, 200, { data, next_cursor: at + limit < ALL.length ? String(at + limit) : null });
        }
        case '/api/v1/shipments': {
          const at = q('at', 0);
          const next = at + 10 < ALL.length ? `${stub.url}/api/v1/shipments?at=${at + 10}` : null;
          return sendJson(res, 200, { results: ALL.slice(at, at + 10), next, meta: { more: next } });
        }
        case '/api/v1/partners': {
          const page = q('page', 1);
          const size = q('pageSize', 10);
          return sendJson(res, 200, { page, pageSize: size, pageCount: Math.ceil(ALL.length / size), items: ALL.slice((page - 1) * size, page * size) });
        }
        case '/api/v1/evil':
          return sendJson(res, 200, { results: [1], next: 'http://localhost:1/api/v1/evil?page=2' });
        case '/api/v1/endless':
          return sendJson(res, 200, { results: [1], next: `${url.pathname}?n=${q('n', 0) + 1}` });
      }
      sendJson(res, 404, {});
    });
    client = openRestClient({
      ...restOptionsFromConfig({ baseUrl: `${stub.url}/api/v1`, proxy: 'none', authType: 'bearer' }, { token: 'tok' }),
      retryBaseMs: 10,
    });
  });
  after(async () => {
    client.close();
    await stub.stop();
  });
  beforeEach(() => {
    stub.arrived.length = 0;
  });

  const ids = (pages: PageResult[]): number[] => pages.flatMap((p) => p.items.map((i) => (i as { id: number }).id));
  const run = async (path: string, paging: Paging): Promise<PageResult[]> => collect(client.paginate({ method: 'GET', path, responseType: 'json' }, paging));

  it('offset/limit: follows the total even when the server caps the limit', async () => {
    const pages = await run('/products', { style: 'offset', pageSize: 20 });
    assert.deepEqual(
      ids(pages),
      ALL.map((a) => a.id),
    );
    assert.deepEqual(
      stub.arrived.map((a) => a.url),
      ['/api/v1/products?offset=0&limit=20', '/api/v1/products?offset=10&limit=20', '/api/v1/products?offset=20&limit=20'],
    );
    assert.deepEqual(
      pages.map((p) => p.index),
      [0, 1, 2],
    );
  });

  it('Link header (RFC 8288 rel="next"), relative links resolved', async () => {
    const pages = await run('/prices', { style: 'linkHeader', pageSize: 10 });
    assert.deepEqual(
      ids(pages),
      ALL.map((a) => a.id),
    );
    assert.equal(stub.arrived.length, 3);
    assert.equal(stub.arrived[1].url, '/api/v1/prices?page=2&per_page=10');
  });

  it('cursor: until next_cursor is null', async () => {
    const pages = await run('/inventory/changes', { style: 'cursor', pageSize: 10 });
    assert.deepEqual(
      ids(pages),
      ALL.map((a) => a.id),
    );
    assert.deepEqual(
      stub.arrived.map((a) => a.url),
      ['/api/v1/inventory/changes?limit=10', '/api/v1/inventory/changes?cursor=10&limit=10', '/api/v1/inventory/changes?cursor=20&limit=10'],
    );
  });

  it('next link in the body, by default and by expression functions (as the glue builds from JSONata)', async () => {
    assert.deepEqual(
      ids(await run('/shipments', { style: 'nextLink' })),
      ALL.map((a) => a.id),
    );
    const pages = await run('/shipments', {
      style: 'nextLink',
      nextLink: (body) => Promise.resolve((body as { meta: { more: unknown } }).meta.more),
      items: (body) => Promise.resolve((body as { results: unknown[] }).results),
    });
    assert.deepEqual(
      ids(pages),
      ALL.map((a) => a.id),
    );
  });

  it('page number: stops at the page count, with its own parameter names', async () => {
    const pages = await run('/partners', { style: 'page', pageParam: 'page', sizeParam: 'pageSize', pageSize: 5 });
    assert.deepEqual(
      ids(pages),
      ALL.map((a) => a.id),
    );
    assert.equal(stub.arrived.length, 5);
    assert.equal(stub.arrived[4].url, '/api/v1/partners?page=5&pageSize=5');
  });

  it('fetches the next page only when the consumer asks for it', async () => {
    const it = client.paginate({ method: 'GET', path: '/products', responseType: 'json' }, { style: 'offset', pageSize: 10 })[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal((first.value as PageResult).items.length, 10);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(stub.arrived.length, 1, 'no page fetched ahead');
    await it.next();
    assert.equal(stub.arrived.length, 2);
    await it.return?.(undefined);
    assert.equal(stub.arrived.length, 2);
  });

  it('refuses a next link to another origin (the token would go with it) and stops at maxPages', async () => {
    const pages: PageResult[] = [];
    await expectCode(
      (async () => {
        for await (const p of client.paginate({ method: 'GET', path: '/evil', responseType: 'json' }, { style: 'nextLink' })) pages.push(p);
      })(),
      'INVALID_INPUT',
      /another origin/,
    );
    assert.equal(pages.length, 1);
    assert.equal(stub.arrived.length, 1);
    await expectCode(run('/endless', { style: 'nextLink', maxPages: 5 }), 'INVALID_INPUT', /past 5 pages/);
    assert.equal(stub.arrived.length, 1 + 5);
  });

  it('refuses items that are not a list', async () => {
    await expectCode(
      run('/products', { style: 'offset', items: (b) => Promise.resolve((b as { total: unknown }).total) }),
      'INVALID_INPUT',
      /no list of items/,
    );
  });
});
