/**
 * Idempotency keys (idempotency.ts): a repeated POST with the same key answers like the first with
 * Idempotent-Replayed and stores nothing twice; the key with a different body is a 422; a failed
 * first request keeps no answer; the key while the first is still running is a 409.
 */
import assert from 'node:assert/strict';
import { products, restCall, useRestSim } from '../../../../support/rest-sim';

describe('REST simulator: idempotency keys', function () {
  const used = useRestSim({ seed: { products: 0 } });
  const post = (json: unknown, key?: string, path = '/api/v1/products/batch') =>
    restCall(used.sim, 'POST', path, { json, headers: key === undefined ? {} : { 'Idempotency-Key': key } });

  it('replays the first answer for the same key and body, with no second effect', async function () {
    const body = products(3, 'I');
    const first = await post(body, 'key-1');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const before = used.sim.stats();
    const again = await post(body, 'key-1');
    assert.equal(again.status, 200);
    assert.equal(again.text, first.text, 'the same body (created 3, not updated 3)');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    const after = used.sim.stats();
    assert.equal(after.replays, before.replays + 1);
    assert.equal(after.recordsPosted.products, before.recordsPosted.products);
    assert.equal(after.duplicatePosts, 0);
    assert.deepEqual(
      used.sim.posts('products').map((p) => p.posts),
      [1, 1, 1],
    );
  });

  it('takes the key in the Structured Field string form ("...") as the same key', async function () {
    const body = products(1, 'Q');
    await post(body, 'key-q');
    const a = await post(body, '"key-q"');
    assert.equal(a.headers.get('idempotent-replayed'), 'true');
  });

  it('answers the same key with a different body 422 and stores nothing', async function () {
    await post(products(1, 'R'), 'key-2');
    const a = await post(products(1, 'R', 1), 'key-2');
    assert.equal(a.status, 422);
    assert.match(a.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.match((a.json as { detail: string }).detail, /reused with a different request/);
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/R-1')).status, 404);
  });

  it('answers the same key on another path 422', async function () {
    await post(products(1, 'P'), 'key-3');
    const a = await post([{ sku: 'P-0', warehouse: 'W1', quantity: 1 }], 'key-3', '/api/v1/inventory/availability');
    assert.equal(a.status, 422);
  });

  it('keeps no answer for a refused batch: the same key and body are processed again', async function () {
    used.sim.setFaults({ failRecordsMatching: 'X-0' });
    const body = products(2, 'X');
    assert.equal((await post(body, 'key-4')).status, 422);
    used.sim.setFaults({ failRecordsMatching: '' });
    const a = await post(body, 'key-4');
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('idempotent-replayed'), null);
    assert.deepEqual(a.json, { accepted: 2, created: 2, updated: 0 });
  });

  it('keeps no answer for a 429: the retry with the key is processed once', async function () {
    used.sim.setFaults({ status429: 1 });
    const body = products(1, 'Y');
    assert.equal((await post(body, 'key-5')).status, 429);
    const a = await post(body, 'key-5');
    assert.deepEqual([a.status, a.headers.get('idempotent-replayed')], [200, null]);
    assert.equal((await post(body, 'key-5')).headers.get('idempotent-replayed'), 'true');
  });

  it('answers 409 while the first request with the key is still being processed', async function () {
    used.sim.setFaults({ latencyMs: 400 });
    const body = products(1, 'Z');
    const first = post(body, 'key-6');
    await new Promise((r) => setTimeout(r, 150));
    const b = await post(body, 'key-6');
    assert.equal(b.status, 409);
    assert.match((b.json as { detail: string }).detail, /still being processed/);
    const a = await first;
    assert.deepEqual(a.json, { accepted: 1, created: 1, updated: 0 });
    used.sim.setFaults({ latencyMs: 0 });
    assert.equal((await post(body, 'key-6')).headers.get('idempotent-replayed'), 'true');
  });

  it('refuses an empty or non-ASCII key with 400', async function () {
    assert.equal((await post(products(1, 'E'), '')).status, 400);
    assert.equal((await post(products(1, 'E'), 'x'.repeat(256))).status, 400);
  });

  it('ignores a key on GET', async function () {
    const a = await restCall(used.sim, 'GET', '/api/v1/ping', { headers: { 'Idempotency-Key': 'k' } });
    const b = await restCall(used.sim, 'GET', '/api/v1/ping', { headers: { 'Idempotency-Key': 'k' } });
    assert.equal(b.headers.get('idempotent-replayed'), null);
    assert.equal(a.status, 200);
  });
});
