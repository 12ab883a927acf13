/**
 * The simulator's request handling (server.ts): ids above 2^53 as strings in the JSON text, strict
 * JSON bodies, unknown routes and methods, and GET/DELETE with Content-Type application/json and no
 * body as OpenText's own client sends them.
 */
import assert from 'node:assert/strict';
import { TWO_POW_53 } from '../../../../../dev/sim/file360';
import { call, freshFolder, resultsOf, uploadDocument, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: server', function () {
  const used = useFile360Sim();

  describe('ids', function () {
    it('are numeric strings above 2^53 in the JSON text, which Number() cannot give back', async function () {
      const me = await call(used.sim, 'GET', '/api/v1/users/me', { token: used.token });
      const list = await call(used.sim, 'GET', `/api/v1/folders/${used.sim.rootId}/children`, { token: used.token });
      const ids: string[] = [];
      for (const text of [me.text, list.text])
        for (const m of text.matchAll(/"(id|rootId|parentId)":("?)([0-9]+)("?)/g)) {
          assert.equal(m[2], '"', `${m[1]} ${m[3] ?? ''} is quoted in the JSON text`);
          ids.push(m[3] ?? '');
        }
      assert.ok(ids.length >= 8, ids.join());
      for (const id of ids) {
        assert.ok(BigInt(id) > TWO_POW_53, `${id} > 2^53`);
        assert.notEqual(String(Number(id)), id, `${id} does not survive a trip through a number`);
      }
    });

    it('answers an id that went through a number (and came back rounded) 404, and a numeric parentId 400', async function () {
      const folder = await freshFolder(used);
      const rounded = BigInt(Number(folder)).toString();
      assert.notEqual(rounded, folder);
      assert.equal((await call(used.sim, 'GET', `/api/v1/folders/${rounded}/children`, { token: used.token })).status, 404);
      const numeric = await fetch(`${used.sim.url}/api/v1/folders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'application/json' },
        body: `{"name":"n","parentId":${folder}}`,
      });
      assert.equal(numeric.status, 400);
      assert.match(await numeric.text(), /string id/);
      const up = await uploadDocument(used.sim, used.token, rounded, 'x.txt', 'x');
      assert.equal(up.status, 404);
    });
  });

  describe('requests', function () {
    it('takes GET with Content-Type application/json and no body, and refuses a JSON body without that type', async function () {
      assert.equal((await call(used.sim, 'GET', '/api/v1/users/me', { token: used.token })).status, 200);
      const form = await fetch(`${used.sim.url}/api/v1/folders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `name=x&parentId=${used.sim.rootId}`,
      });
      assert.equal(form.status, 400);
      assert.match(await form.text(), /application\/json/);
    });

    it('refuses unknown fields, non-objects, bad JSON, missing bodies and bodies over 64 KiB', async function () {
      const extra = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'x', parentId: used.sim.rootId, colour: 'red' } });
      assert.equal(extra.status, 400);
      assert.match(extra.text, /unknown field 'colour'/);
      assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: ['x'] })).status, 400);
      const bad = await fetch(`${used.sim.url}/api/v1/folders`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'application/json' },
        body: '{"name":',
      });
      assert.equal(bad.status, 400);
      assert.equal((await call(used.sim, 'POST', '/api/v1/folders', { token: used.token })).status, 400);
      const big = await call(used.sim, 'POST', '/api/v1/folders', { token: used.token, json: { name: 'x'.repeat(70 * 1024), parentId: used.sim.rootId } });
      assert.equal(big.status, 400);
      assert.match(big.text, /larger than/);
    });

    it('answers unknown routes 404 and known paths with another method 405, as JSON errors', async function () {
      const unknown = await call(used.sim, 'GET', '/api/v1/nothing', { token: used.token });
      assert.equal(unknown.status, 404);
      assert.deepEqual(Object.keys(unknown.json as object).sort(), ['error', 'message']);
      const method = await call(used.sim, 'PATCH', `/api/v1/documents/${used.sim.rootId}`, { token: used.token });
      assert.equal(method.status, 405);
      // GET /api/v1/folders/{id} is not in the contract.
      assert.equal((await call(used.sim, 'GET', `/api/v1/folders/${used.sim.rootId}`, { token: used.token })).status, 405);
    });

    it('serves children as a bare array when the tenant variant says so', async function () {
      used.sim.setFaults({ childrenAsArray: true });
      const a = await call(used.sim, 'GET', `/api/v1/folders/${used.sim.rootId}/children`, { token: used.token });
      assert.ok(Array.isArray(a.json));
      const names = resultsOf(a).map((r) => r.name);
      for (const seeded of ['Audit', 'Exceptions', 'Marketing', 'Suppliers']) assert.ok(names.includes(seeded), names.join());
    });
  });
});
