/**
 * The fault knobs (faults.ts) and the inspection endpoints: latency, a 429 storm with Retry-After,
 * the 503 rate, dropped connections (effect kept, answer lost: the retry with the same key is a
 * replay), downloads cut after N bytes, records that always fail, and POST /_sim/faults validation.
 */
import assert from 'node:assert/strict';
import { products, restCall, useRestSim } from '../../../../support/rest-sim';

describe('REST simulator: fault knobs', function () {
  const used = useRestSim({ seed: { products: 5 } });
  const ping = () => restCall(used.sim, 'GET', '/api/v1/ping');
  const setFaults = (body: unknown) => fetch(`${used.sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(body) });

  it('delays answers by latencyMs (set over HTTP)', async function () {
    assert.equal((await setFaults({ latencyMs: 250 })).status, 200);
    const t0 = Date.now();
    assert.equal((await ping()).status, 200);
    assert.ok(Date.now() - t0 >= 240);
    assert.equal(((await (await fetch(`${used.sim.url}/_sim/faults`)).json()) as { latencyMs: number }).latencyMs, 250);
  });

  it('answers the next status429 requests 429 with Retry-After as problems, then serves again', async function () {
    used.sim.setFaults({ status429: 3, retryAfterSeconds: 2 });
    for (let i = 0; i < 3; i++) {
      const a = await ping();
      assert.equal(a.status, 429);
      assert.equal(a.headers.get('retry-after'), '2');
      assert.equal((a.json as { status: number }).status, 429);
    }
    assert.equal((await ping()).status, 200);
    assert.equal(used.sim.faults().status429, 0);
    assert.equal(used.sim.stats().rateLimited, 3);
  });

  it('answers errorRate of requests 503 with Retry-After, before any effect', async function () {
    used.sim.setFaults({ errorRate: 1, retryAfterSeconds: 4 });
    const a = await restCall(used.sim, 'POST', '/api/v1/products/batch', { json: products(1, 'E') });
    assert.equal(a.status, 503);
    assert.equal(a.headers.get('retry-after'), '4');
    used.sim.setFaults({ errorRate: 0 });
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/E-0')).status, 404);
    used.sim.setFaults({ errorRate: 0.5 });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => ping().then((x) => x.status)));
    assert.ok(statuses.includes(503) && statuses.includes(200), `a mix: ${statuses.join(',')}`);
  });

  it('drops the connection after the effect (dropRate): the retry with the same key is a replay, nothing stored twice', async function () {
    used.sim.setFaults({ dropRate: 1 });
    const body = products(2, 'DR');
    await assert.rejects(restCall(used.sim, 'POST', '/api/v1/products/batch', { json: body, headers: { 'Idempotency-Key': 'drop-1' } }));
    assert.equal(used.sim.stats().dropped, 1);
    used.sim.setFaults({ dropRate: 0 });
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/DR-1')).status, 200, 'stored although the answer was lost');
    const retry = await restCall(used.sim, 'POST', '/api/v1/products/batch', { json: body, headers: { 'Idempotency-Key': 'drop-1' } });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.json, { accepted: 2, created: 2, updated: 0 });
    assert.equal(used.sim.stats().duplicatePosts, 0);
    // Without a key the retry is a second post: the duplicate shows in stats.
    used.sim.setFaults({ dropRate: 1 });
    await assert.rejects(restCall(used.sim, 'POST', '/api/v1/products/batch', { json: products(1, 'NK') }));
    used.sim.setFaults({ dropRate: 0 });
    await restCall(used.sim, 'POST', '/api/v1/products/batch', { json: products(1, 'NK') });
    assert.equal(used.sim.stats().duplicatePosts, 1);
    assert.deepEqual(used.sim.posts('products', { min: 2 }), [{ key: 'NK-0', posts: 2 }]);
  });

  it('cuts a download after dropAfterBytes', async function () {
    const backup = used.sim.state().backups[0];
    assert.ok(backup);
    used.sim.setFaults({ dropAfterBytes: 100_000 });
    const res = await fetch(`${used.sim.apiUrl}/backups/${backup.id}/content`, { headers: { 'X-API-Key': used.sim.apiKey } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(backup.size));
    let got = 0;
    await assert.rejects(async () => {
      for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) got += c.length;
    });
    assert.equal(got, 100_000);
    assert.equal(used.sim.stats().cutDownloads, 1);
  });

  it('makes records with a matching sku invalid (failRecordsMatching, * wildcard), the batch refused whole', async function () {
    used.sim.setFaults({ failRecordsMatching: 'BAD-*' });
    const a = await restCall(used.sim, 'POST', '/api/v1/products/batch', {
      json: [...products(2, 'OK'), { sku: 'BAD-7', name: 'x', price: 1 }],
    });
    assert.equal(a.status, 422);
    assert.deepEqual(
      (a.json as { errors: { index: number; field: string }[] }).errors.map((e) => [e.index, e.field]),
      [[2, 'sku']],
    );
    assert.equal((await restCall(used.sim, 'GET', '/api/v1/products/OK-0')).status, 404);
    const av = await restCall(used.sim, 'POST', '/api/v1/inventory/availability', { json: [{ sku: 'BAD-1', warehouse: 'W1', quantity: 1 }] });
    assert.equal(av.status, 422);
  });

  it('refuses unknown knobs and bad values on POST /_sim/faults', async function () {
    for (const body of [{ nope: 1 }, { errorRate: 2 }, { status429: -1 }, { failRecordsMatching: 5 }]) {
      const res = await setFaults(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    assert.throws(() => used.sim.setFaults({ dropRate: 1.5 }));
  });
});
