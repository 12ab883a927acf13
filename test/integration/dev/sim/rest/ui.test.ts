/** The read-only web page (ui.ts): counts, records, media, backups, auth modes, knobs, escaped, no script, no secret. */
import assert from 'node:assert/strict';
import { fetchSimPage } from '../../../../support/sim-cli';
import { restCall, useRestSim } from '../../../../support/rest-sim';

describe('REST simulator: web page', function () {
  const used = useRestSim({ seed: { products: 3 } });

  it('shows records, media, backups, auth modes and knobs, escaped, without a script or a credential', async function () {
    const hostile = '<img src=x onerror=alert(1)>';
    const a = await restCall(used.sim, 'POST', '/api/v1/products/batch', { json: [{ sku: 'UI-1', name: hostile, price: 1 }] });
    assert.equal(a.status, 200);
    await restCall(used.sim, 'PUT', `/api/v1/media/${encodeURIComponent('pic<b>.png')}`, { body: 'png', auth: 'apiKeyHeader' });
    const html = await fetchSimPage(`${used.sim.url}/`, hostile);
    for (const text of [
      'SKU-00001',
      'UI-1',
      'pic&lt;b&gt;.png',
      'erp-backup-2026-12-01.tar.gz',
      'apiKeyHeader',
      'failRecordsMatching',
      '/oauth/token',
      'duplicate posts 0',
    ])
      assert.ok(html.includes(text), text);
    for (const secret of [used.sim.password, used.sim.bearerToken, used.sim.apiKey, used.sim.clientSecret])
      assert.ok(!html.includes(secret), 'no credential on the page');
    assert.match(html, /<meta http-equiv="refresh" content="5">/);
    assert.doesNotMatch(await (await fetch(`${used.sim.url}/?refresh=0`)).text(), /http-equiv="refresh"/);
    assert.doesNotMatch(html, /<script/i);
  });
});
