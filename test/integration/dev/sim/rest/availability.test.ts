/**
 * Inventory availability (routes.ts, records.ts): the batch keyed by sku + warehouse, its own field
 * rules (integer quantity, ISO date), 422 all or nothing, and its inspection listing and post counts.
 */
import assert from 'node:assert/strict';
import { restCall, useRestSim } from '../../../../support/rest-sim';

describe('REST simulator: inventory availability', function () {
  const used = useRestSim({ seed: { products: 0 } });
  const post = (json: unknown) => restCall(used.sim, 'POST', '/api/v1/inventory/availability', { json, auth: 'bearer' });

  it('upserts by sku and warehouse', async function () {
    const a = await post([
      { sku: 'A-1', warehouse: 'BER-1', quantity: 5, availableFrom: '2026-12-24' },
      { sku: 'A-1', warehouse: 'HAM-2', quantity: 0 },
    ]);
    assert.deepEqual(a.json, { accepted: 2, created: 2, updated: 0 });
    const b = await post({ items: [{ sku: 'A-1', warehouse: 'BER-1', quantity: 7, availableFrom: '2026-12-24T08:00:00+01:00' }] });
    assert.deepEqual(b.json, { accepted: 1, created: 0, updated: 1 });
    const st = (await (await fetch(`${used.sim.url}/_sim/state?resource=availability&limit=10`)).json()) as {
      counts: { availability: number };
      availability: { items: Record<string, unknown>[] };
    };
    assert.equal(st.counts.availability, 2);
    assert.deepEqual(st.availability.items, [
      { sku: 'A-1', warehouse: 'BER-1', quantity: 7, availableFrom: '2026-12-24T08:00:00+01:00' },
      { sku: 'A-1', warehouse: 'HAM-2', quantity: 0 },
    ]);
    const posts = (await (await fetch(`${used.sim.url}/_sim/posts?resource=availability`)).json()) as { items: { key: string; posts: number }[] };
    assert.deepEqual(posts.items, [
      { key: 'A-1@BER-1', posts: 2 },
      { key: 'A-1@HAM-2', posts: 1 },
    ]);
    assert.equal(used.sim.stats().recordsPosted.availability, 3);
    assert.equal(used.sim.stats().duplicatePosts, 1);
  });

  it('refuses bad quantities, warehouses and dates with 422 for every bad field, storing nothing', async function () {
    const before = used.sim.state().counts.availability;
    const a = await post([
      { sku: 'B-1', warehouse: 'W', quantity: 1 },
      { sku: 'B-2', warehouse: '', quantity: 1.5 },
      { sku: 'B-3', warehouse: 'W', quantity: -1, availableFrom: '24.12.2026' },
      { sku: 'B-4', warehouse: 'W', quantity: '3', availableFrom: '2026-02-30' },
    ]);
    assert.equal(a.status, 422);
    assert.deepEqual(
      (a.json as { errors: { index: number; field: string }[] }).errors.map((e) => [e.index, e.field]),
      [
        [1, 'warehouse'],
        [1, 'quantity'],
        [2, 'quantity'],
        [2, 'availableFrom'],
        [3, 'quantity'],
        [3, 'availableFrom'],
      ],
    );
    assert.equal(used.sim.state().counts.availability, before);
  });

  it('refuses unknown routes below inventory and a GET of the batch route', async function () {
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/inventory/availability')).status, 405);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/inventory')).status, 404);
  });
});
