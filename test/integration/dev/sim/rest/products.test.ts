/**
 * Products (routes.ts, records.ts): offset/limit listing, one product, the batch upsert (array or
 * { items }), 422 all or nothing with a field error for every bad record, the batch limits, and
 * the inspection of what was stored (/_sim/state, /_sim/posts, duplicatePosts).
 */
import assert from 'node:assert/strict';
import { products, restCall, useRestSim } from '../../../../support/rest-sim';

describe('REST simulator: products and batches', function () {
  const used = useRestSim({ seed: { products: 30 } });
  const batch = (json: unknown, headers: Record<string, string> = {}) => restCall(used.sim, 'POST', '/api/v1/products/batch', { json, headers });

  it('lists the seeded products by offset and limit with the total', async function () {
    const a = await restCall(used.sim, 'GET', '/api/v1/products?offset=25&limit=10');
    assert.equal(a.status, 200);
    const body = a.json as { items: { sku: string; price: number; currency: string }[]; offset: number; limit: number; total: number };
    assert.equal(body.offset, 25);
    assert.equal(body.limit, 10);
    assert.ok(body.total >= 30);
    assert.deepEqual(
      body.items.slice(0, 5).map((p) => p.sku),
      ['SKU-00026', 'SKU-00027', 'SKU-00028', 'SKU-00029', 'SKU-00030'],
    );
    assert.equal(body.items[0]?.currency, 'EUR');
  });

  it('refuses a limit above 500 and a non-number offset with 400 problems', async function () {
    for (const q of ['limit=501', 'limit=0', 'offset=-1', 'offset=abc']) {
      const a = await restCall(used.sim, 'GET', `/api/v1/products?${q}`);
      assert.equal(a.status, 400, q);
      assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  it('gets one product and answers an unknown sku 404 problem', async function () {
    const a = await restCall(used.sim, 'GET', '/api/v1/products/SKU-00003');
    assert.equal(a.status, 200);
    assert.equal((a.json as { sku: string }).sku, 'SKU-00003');
    const b = await restCall(used.sim, 'GET', '/api/v1/products/NOPE');
    assert.equal(b.status, 404);
    assert.deepEqual(Object.keys(b.json as object).sort(), ['detail', 'status', 'title', 'type']);
  });

  it('upserts a batch given as an array or as { items }, counting created and updated', async function () {
    const a = await batch(products(3, 'A'));
    assert.equal(a.status, 200);
    assert.deepEqual(a.json, { accepted: 3, created: 3, updated: 0 });
    const b = await batch({ items: [{ sku: 'A-1', name: 'Renamed', price: 9.5, currency: 'USD', category: 'tools' }, ...products(1, 'A', 3)] });
    assert.deepEqual(b.json, { accepted: 2, created: 1, updated: 1 });
    const one = (await restCall(used.sim, 'GET', '/api/v1/products/A-1')).json as Record<string, unknown>;
    assert.equal(one.name, 'Renamed');
    assert.equal(one.currency, 'USD');
    assert.match(String(one.updatedAt), /^\d{4}-\d{2}-\d{2}T/);
    assert.equal(((await restCall(used.sim, 'GET', '/api/v1/products/A-0')).json as { currency: string }).currency, 'EUR');
  });

  it('refuses a batch with bad records with 422 naming every bad field of every bad record, and stores none of it', async function () {
    const before = used.sim.state().counts.products;
    const posted = used.sim.stats().recordsPosted.products;
    const a = await batch([
      { sku: 'B-0', name: 'fine', price: 1 },
      { sku: 'bad sku!', name: '', price: -1 },
      { sku: 'B-2', name: 'fine', price: 2 },
      { sku: 'B-3', name: 'x', price: '12', colour: 'red' },
      'not an object',
    ]);
    assert.equal(a.status, 422);
    assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const p = a.json as { type: string; title: string; status: number; detail: string; errors: { index: number; field: string; message: string }[] };
    assert.equal(p.status, 422);
    assert.match(p.detail, /3 of 5 record\(s\) are invalid; nothing of this batch was stored/);
    assert.deepEqual(
      p.errors.map((e) => [e.index, e.field]),
      [
        [1, 'sku'],
        [1, 'name'],
        [1, 'price'],
        [3, 'colour'],
        [3, 'price'],
        [4, ''],
      ],
    );
    for (const e of p.errors) assert.ok(e.message.length > 0);
    assert.equal(used.sim.state().counts.products, before);
    assert.equal(used.sim.stats().recordsPosted.products, posted);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/B-0')).status, 404, 'the good records of the batch were not stored either');
  });

  it('refuses more than 5000 records (413), a body over 16 MiB (413), bad JSON (400), another content type (415), a non-array (400)', async function () {
    this.timeout(20000);
    const many = await batch(products(5001, 'M'));
    assert.equal(many.status, 413);
    assert.match((many.json as { detail: string }).detail, /at most 5000 records/);
    const huge = await batch([{ sku: 'H-1', name: 'x'.repeat(16 * 1024 * 1024), price: 1 }]);
    assert.equal(huge.status, 413);
    assert.equal((await restCall(used.sim, 'POST', '/api/v1/products/batch', { body: '[{', headers: { 'Content-Type': 'application/json' } })).status, 400);
    assert.equal((await restCall(used.sim, 'POST', '/api/v1/products/batch', { body: '[]', headers: { 'Content-Type': 'text/csv' } })).status, 415);
    assert.equal((await batch({ records: [] })).status, 400);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/M-0')).status, 404);
  });

  it('takes exactly 5000 records in one batch', async function () {
    const a = await batch(products(5000, 'F'));
    assert.deepEqual(a.json, { accepted: 5000, created: 5000, updated: 0 });
  });

  it('shows stored records in /_sim/state (capped listing) and counts posts per key in /_sim/posts and duplicatePosts', async function () {
    await batch(products(2, 'D'));
    const dupBefore = used.sim.stats().duplicatePosts;
    await batch(products(1, 'D'));
    assert.equal(used.sim.stats().duplicatePosts, dupBefore + 1, 'D-0 stored by two requests');
    const st = (await (await fetch(`${used.sim.url}/_sim/state?resource=products&offset=0&limit=3`)).json()) as {
      counts: { products: number };
      products: { total: number; offset: number; limit: number; items: { sku: string }[] };
    };
    assert.equal(st.products.limit, 3);
    assert.equal(st.products.items.length, 3);
    assert.equal(st.products.total, st.counts.products);
    const posts = (await (await fetch(`${used.sim.url}/_sim/posts?resource=products&min=2`)).json()) as {
      items: { key: string; posts: number }[];
      duplicates: number;
    };
    assert.ok(posts.items.some((p) => p.key === 'D-0' && p.posts === 2));
    assert.ok(!posts.items.some((p) => p.key === 'D-1'));
    assert.equal(used.sim.posts('products', { limit: 10000 }).find((p) => p.key === 'D-1')?.posts, 1);
    assert.equal(used.sim.posts('products').find((p) => p.key === 'SKU-00001')?.posts, 0, 'seeded, never posted');
  });

  it('counts a sku twice in one batch as one post', async function () {
    const before = used.sim.stats();
    const a = await batch([
      { sku: 'S-1', name: 'first', price: 1 },
      { sku: 'S-1', name: 'second', price: 2 },
    ]);
    assert.deepEqual(a.json, { accepted: 2, created: 1, updated: 1 });
    assert.equal(used.sim.stats().duplicatePosts, before.duplicatePosts);
    assert.equal(used.sim.stats().recordsPosted.products, before.recordsPosted.products + 2);
    assert.equal(((await restCall(used.sim, 'GET', '/api/v1/products/S-1')).json as { name: string }).name, 'second');
  });

  it('answers an unknown route 404 and another method 405 with Allow, as problems', async function () {
    const a = await restCall(used.sim, 'GET', '/api/v1/nothing');
    assert.equal(a.status, 404);
    const b = await restCall(used.sim, 'DELETE', '/api/v1/products/batch');
    assert.equal(b.status, 405);
    assert.equal(b.headers.get('allow'), 'GET, POST', 'GET of the product with sku "batch", POST of a batch');
    assert.match(b.headers.get('content-type') ?? '', /^application\/problem\+json/);
  });
});
