/**
 * The paging styles (routes.ts), each walked to its end the way a client would: offset/limit
 * (products), Link header (prices), cursor (inventory changes), next link in the body (shipments),
 * page number (partners). Every item seen exactly once, in order, and the links never carry api_key.
 */
import assert from 'node:assert/strict';
import { inventoryChange, partner, price, shipment } from '../../../../../dev/sim/rest';
import { restCall, useRestSim, type RestAuthChoice } from '../../../../support/rest-sim';

/** RFC 8288 Link header -> rel -> target. */
function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const m = /^<([^>]*)>\s*;\s*rel="([^"]+)"/.exec(part.trim());
    if (m?.[1] && m[2]) out[m[2]] = m[1];
  }
  return out;
}

describe('REST simulator: paging styles', function () {
  const used = useRestSim({ seed: { products: 37, prices: 95, inventoryChanges: 230, shipments: 44, partners: 23 } });

  it('offset/limit: products in pages of 10 until total', async function () {
    const skus: string[] = [];
    let total = Infinity;
    for (let offset = 0; offset < total; offset += 10) {
      const body = (await restCall(used.sim, 'GET', `/api/v1/products?offset=${offset}&limit=10`)).json as { items: { sku: string }[]; total: number };
      total = body.total;
      skus.push(...body.items.map((p) => p.sku));
    }
    assert.equal(skus.length, 37);
    assert.equal(new Set(skus).size, 37);
    assert.equal(skus[36], 'SKU-00037');
  });

  it('Link header: prices as a bare array, next/prev/first/last per RFC 8288, without api_key in the links', async function () {
    const seen: unknown[] = [];
    let next: string | undefined = '/api/v1/prices?per_page=20';
    let pages = 0;
    const auth: RestAuthChoice = 'apiKeyQuery';
    while (next) {
      const a = await restCall(used.sim, 'GET', next, { auth });
      assert.equal(a.status, 200);
      assert.ok(Array.isArray(a.json));
      seen.push(...(a.json as unknown[]));
      const l = links(a.headers.get('link'));
      assert.ok(l.first && l.last, 'first and last always');
      if (pages > 0) assert.ok(l.prev, 'prev after page 1');
      assert.ok(!(a.headers.get('link') ?? '').includes('api_key'), 'no secret in links');
      assert.equal(a.headers.get('x-total-count'), '95');
      next = l.next;
      if (next) assert.match(next, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/prices\?per_page=20&page=\d+$/);
      pages++;
    }
    assert.equal(pages, 5);
    assert.deepEqual(
      seen,
      Array.from({ length: 95 }, (_, i) => price(i, 37)),
    );
  });

  it('cursor: inventory changes with next_cursor until null; a forged cursor is a 400', async function () {
    const seen: unknown[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const body = (await restCall(used.sim, 'GET', `/api/v1/inventory/changes?limit=100&cursor=${encodeURIComponent(cursor)}`)).json as {
        data: unknown[];
        next_cursor: string | null;
      };
      seen.push(...body.data);
      cursor = body.next_cursor;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(
      seen,
      Array.from({ length: 230 }, (_, i) => inventoryChange(i, 37)),
    );
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/inventory/changes?cursor=forged')).status, 400);
  });

  it('next link in the body: shipments filtered by status, following absolute next URLs until null', async function () {
    for (const status of ['', 'delivered']) {
      const seen: { id: string; status: string; lines: unknown[] }[] = [];
      let next: string | null = `/api/v1/shipments?limit=7${status ? `&status=${status}` : ''}`;
      while (next) {
        const body = (await restCall(used.sim, 'GET', next)).json as { results: { id: string; status: string; lines: unknown[] }[]; next: string | null };
        seen.push(...body.results);
        if (body.next) assert.match(body.next, /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/shipments\?/);
        next = body.next;
      }
      const expected = Array.from({ length: 44 }, (_, i) => shipment(i)).filter((s) => !status || s.status === status);
      assert.deepEqual(seen, expected, status || 'all');
      assert.ok(seen.every((s) => s.lines.length > 0));
    }
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/shipments?status=lost')).status, 400);
  });

  it('page number: partners with page, pageSize and pageCount; a page past the end is empty', async function () {
    const first = (await restCall(used.sim, 'GET', '/api/v1/partners?page=1&pageSize=10')).json as {
      page: number;
      pageSize: number;
      pageCount: number;
      items: unknown[];
    };
    assert.deepEqual([first.page, first.pageSize, first.pageCount], [1, 10, 3]);
    const seen = [...first.items];
    for (let p = 2; p <= first.pageCount; p++)
      seen.push(...((await restCall(used.sim, 'GET', `/api/v1/partners?page=${p}&pageSize=10`)).json as { items: unknown[] }).items);
    assert.deepEqual(
      seen,
      Array.from({ length: 23 }, (_, i) => partner(i)),
    );
    assert.deepEqual(((await restCall(used.sim, 'GET', '/api/v1/partners?page=4&pageSize=10')).json as { items: unknown[] }).items, []);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/partners?pageSize=101')).status, 400);
  });

  it('builds absolute links with the host the client used', async function () {
    const a = await restCall(used.sim, 'GET', `http://localhost:${used.sim.port}/api/v1/shipments?limit=5`);
    assert.match((a.json as { next: string }).next, new RegExp(`^http://localhost:${used.sim.port}/`));
  });
});
