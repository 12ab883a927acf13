/**
 * Simulator endpoints beyond nodes: permission enforcement for users other than Admin (permissions.ts).
 */
import assert from 'node:assert/strict';
import type { ContentServerSim } from '../../../../../dev/sim/content-server';
import { body, call, createFolder, items, login, props, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: permissions', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const newFolder = (parent?: number): Promise<number> => createFolder(sim, ticket, parent);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('permission enforcement', function () {
    it('hides items without see, refuses actions without the permission, and new items inherit', async function () {
      const jdoe = await login(sim, 'jdoe', 'jdoe-pass');
      const folder = await newFolder();
      const folderName = String(props(await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket })).name);
      for (const kind of ['group', 'public']) {
        const a = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/${kind}`, { ticket, form: body({ permissions: [] }) });
        assert.equal(a.status, 200, a.text);
      }
      const hidden = await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket: jdoe });
      assert.deepEqual([hidden.status, hidden.json], [400, { error: `Could not get a node for ${folder}` }]);
      const v1 = await call(sim, 'GET', `/v1/nodes/${folder}`, { ticket: jdoe });
      assert.equal(v1.status, 500);
      const listing = items(await call(sim, 'GET', `/v2/nodes/2200/nodes?where_name=${encodeURIComponent(folderName)}`, { ticket: jdoe }));
      assert.equal(listing.length, 0, 'browsing hides it');
      const found = await call(sim, 'POST', '/v2/search', { ticket: jdoe, form: { where: `OTName:${folderName}` } });
      assert.equal(items(found).length, 0, 'search hides it');

      await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 1001, permissions: ['see', 'see_contents'] }) });
      assert.equal((await call(sim, 'GET', `/v2/nodes/${folder}`, { ticket: jdoe })).status, 200);
      const noAdd = await call(sim, 'POST', '/v2/nodes', { ticket: jdoe, form: { type: '0', parent_id: String(folder), name: 'mine' } });
      assert.equal(noAdd.status, 500);
      assert.match(String(noAdd.json?.error), /'add_items' permission/);
      await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/custom/1001`, { ticket, form: body({ permissions: ['see', 'see_contents', 'add_items'] }) });
      const mine = await call(sim, 'POST', '/v2/nodes', { ticket: jdoe, form: { type: '0', parent_id: String(folder), name: 'mine' } });
      assert.equal(mine.status, 200, mine.text);
      const mineId = Number(props(mine).id);
      const perms = (await call(sim, 'GET', `/v2/nodes/${mineId}/permissions`, { ticket })).json?.results as {
        data: { permissions: { type: string; right_id: number | null; permissions: string[] } };
      }[];
      const byType = Object.fromEntries(perms.map((p) => [p.data.permissions.type, p.data.permissions]));
      assert.equal(byType.owner?.right_id, 1001, 'the creator owns the new item');
      assert.deepEqual(byType.public?.permissions, [], 'inherited from the parent');
      const noDelete = await call(sim, 'DELETE', `/v2/nodes/${folder}`, { ticket: jdoe });
      assert.equal(noDelete.status, 500);
      assert.match(String(noDelete.json?.error), /'delete' permission/);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${mineId}`, { ticket: jdoe })).status, 200, 'owners may delete their items');
      const noEdit = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/public`, { ticket: jdoe, form: body({ permissions: ['see'] }) });
      assert.equal(noEdit.status, 500);
    });
  });
});
