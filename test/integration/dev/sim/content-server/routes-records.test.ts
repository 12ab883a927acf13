/**
 * Simulator endpoints beyond nodes: records management, holds, permissions and members (routes-records.ts).
 */
import assert from 'node:assert/strict';
import type { ContentServerSim } from '../../../../../dev/sim/content-server';
import { body, call, createDoc, createFolder, items, simGet, startLoggedIn } from '../../../../support/simulator-http';

describe('Content Server simulator: records management routes', function () {
  let sim: ContentServerSim;
  let ticket: string;
  const newDoc = (parent?: number): Promise<number> => createDoc(sim, ticket, parent);
  const newFolder = (parent?: number): Promise<number> => createFolder(sim, ticket, parent);

  before(async function () {
    ({ sim, ticket } = await startLoggedIn({ largeFile: { partSize: 1024 * 1024, minSize: 1 } }));
  });
  after(async function () {
    await sim.stop();
  });

  describe('records management classifications', function () {
    it('applies a classification with a fresh rm_metadataToken and refuses a stale one with 409', async function () {
      const id = await newDoc();
      const read = await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket });
      assert.equal(read.status, 200);
      assert.deepEqual(read.json?.data, []);
      const token = String(read.json?.rm_metadataToken);
      const apply = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2502, rm_metadataToken: token }) });
      assert.equal(apply.status, 200, apply.text);
      const rows = apply.json?.data as Record<string, unknown>[];
      assert.deepEqual([rows[0]?.rmclassification_id, rows[0]?.name, typeof rows[0]?.file_number], [2502, 'Invoices', 'string']);
      const stale = await call(sim, 'PUT', `/v1/nodes/${id}/rmclassifications/2502`, { ticket, form: body({ rm_metadataToken: token, status: 'CLOSED' }) });
      assert.equal(stale.status, 409);
      assert.match(String(stale.json?.error), /edit conflict/);
      const fresh = String((await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket })).json?.rm_metadataToken);
      const update = await call(sim, 'PUT', `/v1/nodes/${id}/rmclassifications/2502`, {
        ticket,
        form: body({ rm_metadataToken: fresh, status: 'CLOSED', essential: true }),
      });
      assert.equal(update.status, 200, update.text);
      const records = (await simGet(sim, '/__sim/records')) as { classifications: Record<string, { class_id: number; status: string; essential: boolean }[]> };
      assert.deepEqual(
        records.classifications[String(id)]?.map((c) => [c.class_id, c.status, c.essential]),
        [[2502, 'CLOSED', true]],
      );
    });

    it('takes a first classification without a token, requires one to change it, and a real classification node', async function () {
      const id = await newDoc();
      // pyxecm assign_rm_classification sends no token: it is "required if changing an RM Classification to another".
      const first = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2502, apply_to_sub_items: false }) });
      assert.equal(first.status, 200, first.text);
      const noToken = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2503 }) });
      assert.equal(noToken.status, 500);
      assert.deepEqual(noToken.json, { error: 'Argument rm_metadataToken is required' });
      const token = String((await call(sim, 'GET', `/v1/nodes/${id}/rmclassifications`, { ticket })).json?.rm_metadataToken);
      const folder = await call(sim, 'POST', `/v1/nodes/${id}/rmclassifications`, { ticket, form: body({ class_id: 2200, rm_metadataToken: token }) });
      assert.equal(folder.status, 500);
      assert.match(String(folder.json?.error), /^Invalid classification ID 2200/);
      const other = await newDoc();
      const staleFirst = await call(sim, 'POST', `/v1/nodes/${other}/rmclassifications`, { ticket, form: body({ class_id: 2502, rm_metadataToken: 'old' }) });
      assert.equal(staleFirst.status, 409, 'a token sent anyway must be current');
    });

    it('lets a client walk the classification tree by children', async function () {
      const kids = items(await call(sim, 'GET', '/v2/nodes/2501/nodes', { ticket }));
      assert.deepEqual(
        kids.map((k) => [k.name, k.type]),
        [
          ['Contracts', 551],
          ['Invoices', 551],
        ],
      );
    });
  });

  describe('holds', function () {
    it('lists holds, applies one to a node, refuses deleting it, removes it', async function () {
      const list = await call(sim, 'GET', '/v2/holds', { ticket });
      const holds = (list.json?.results as { data: { holds: { HoldID: number; HoldName: string; HoldType: string; ActiveHold: number }[] } }).data.holds;
      // ActiveHold is a number on a real server (pyxecm get_records_management_holds, get_hold_by_name).
      assert.ok(holds.some((h) => h.HoldName === 'Tax Audit' && h.HoldType === 'Audit' && h.ActiveHold === 1));
      const byName = await call(sim, 'GET', `/v2/hold?holdname=${encodeURIComponent('Tax Audit')}`, { ticket });
      assert.equal(byName.status, 200, byName.text);
      const one = (byName.json?.results as { data: { hold: { HoldID: number; HoldName: string; ActiveHold: number } } }).data.hold;
      assert.deepEqual([one.HoldID, one.HoldName, one.ActiveHold], [2, 'Tax Audit', 1]);
      assert.equal((await call(sim, 'GET', '/v2/hold?holdname=Nothing', { ticket })).status, 400);
      const id = await newDoc();
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '2' } })).status, 200);
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '2' } })).status, 500);
      assert.equal((await call(sim, 'POST', `/v1/nodes/${id}/holds`, { ticket, form: { hold_id: '77' } })).status, 500);
      const mine = await call(sim, 'GET', `/v1/nodes/${id}/holds`, { ticket });
      assert.deepEqual(
        (mine.json?.data as { HoldID: number }[]).map((h) => h.HoldID),
        [2],
      );
      const del = await call(sim, 'DELETE', `/v2/nodes/${id}`, { ticket });
      assert.equal(del.status, 500);
      assert.match(String(del.json?.error), /on hold/);
      assert.equal((await call(sim, 'DELETE', `/v1/nodes/${id}/holds/2`, { ticket })).status, 200);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${id}`, { ticket })).status, 200);
    });
  });

  describe('holds sent concurrently', function () {
    it('refuses a hold call that overlaps another one', async function () {
      const a = await newDoc();
      const b = await newDoc();
      const answers = await Promise.all([
        call(sim, 'POST', `/v1/nodes/${a}/holds`, { ticket, form: { hold_id: '1' } }),
        call(sim, 'POST', `/v1/nodes/${b}/holds`, { ticket, form: { hold_id: '1' } }),
      ]);
      assert.deepEqual(answers.map((x) => x.status).sort(), [200, 500]);
      assert.match(String(answers.find((x) => x.status === 500)?.json?.error), /another hold operation/);
      const records = (await simGet(sim, '/__sim/records')) as { holds: Record<string, number[]> };
      assert.equal([records.holds[String(a)], records.holds[String(b)]].filter((h) => h && h.length > 0).length, 1);
    });
  });

  describe('permissions and members', function () {
    it('finds users and groups by query (a substring of names)', async function () {
      const users = items(await call(sim, 'GET', '/v2/members?query=jdo&where_type=0', { ticket }));
      assert.deepEqual(
        users.map((u) => [u.id, u.name, u.type]),
        [[1001, 'jdoe', 0]],
      );
      const groups = items(await call(sim, 'GET', '/v2/members?query=fin&where_type=1', { ticket }));
      assert.deepEqual(
        groups.map((g) => [g.id, g.name, g.type]),
        [[2002, 'Finance', 1]],
      );
    });

    it('filters by where_name: that one member, never the whole list (pyxecm get_user, get_groups)', async function () {
      const user = await call(sim, 'GET', '/v2/members?where_type=0&where_name=jdoe', { ticket });
      assert.equal(user.status, 200, user.text);
      assert.deepEqual(
        items(user).map((u) => [u.id, u.name, u.type, u.type_name, u.first_name, u.last_name]),
        [[1001, 'jdoe', 0, 'User', 'Jane', 'Doe']],
      );
      assert.equal((user.json?.collection as { paging: { total_count: number } }).paging.total_count, 1);
      assert.deepEqual(
        items(await call(sim, 'GET', '/v2/members?where_type=1&where_name=Legal', { ticket })).map((g) => [g.id, g.type_name]),
        [[2003, 'Group']],
      );
      assert.deepEqual(items(await call(sim, 'GET', '/v2/members?where_type=0&where_name=jdo', { ticket })), [], 'a part of a name is no name');
      assert.deepEqual(items(await call(sim, 'GET', '/v2/members?where_type=0&where_name=Legal', { ticket })), [], 'a group is not a user');
      assert.deepEqual(
        items(await call(sim, 'GET', '/v2/members?where_type=0&where_first_name=mary', { ticket })).map((u) => u.name),
        ['msmith'],
      );
    });

    it('pages members by 10 by default, at most 20, and refuses query combined with where_ filters', async function () {
      const all = await call(sim, 'GET', '/v2/members?where_type=0&where_type=1&limit=2&page=2', { ticket });
      assert.deepEqual(
        items(all).map((m) => m.id),
        [1002, 2001],
        'sorted by id',
      );
      const paging = (all.json?.collection as { paging: { total_count: number; page_total: number } }).paging;
      assert.deepEqual([paging.total_count, paging.page_total], [7, 4]);
      const tooMany = await call(sim, 'GET', '/v2/members?where_type=0&limit=100', { ticket });
      assert.equal(tooMany.status, 400);
      assert.match(String(tooMany.json?.error), /limit/);
      const mixed = await call(sim, 'GET', '/v2/members?query=j&where_name=jdoe', { ticket });
      assert.equal(mixed.status, 400);
      assert.match(String(mixed.json?.error), /query cannot be combined with where_name/);
    });

    it("gives a member's effective permissions on a node (pyxecm: permissions/effective/{member})", async function () {
      const id = await newDoc();
      const grant = await call(sim, 'POST', `/v2/nodes/${id}/permissions/custom`, {
        ticket,
        form: body({ permissions: ['see', 'see_contents', 'modify'], right_id: 2003 }),
      });
      assert.equal(grant.status, 200, grant.text);
      const of = async (member: number): Promise<string[]> => {
        const a = await call(sim, 'GET', `/v2/nodes/${id}/permissions/effective/${member}`, { ticket });
        assert.equal(a.status, 200, a.text);
        const p = (a.json?.results as { data: { permissions: { right_id: number; permissions: string[] } } }).data.permissions;
        assert.equal(p.right_id, member);
        return p.permissions;
      };
      assert.deepEqual(await of(1002), ['see', 'see_contents', 'modify'], 'msmith through Legal (custom) and public');
      assert.deepEqual(await of(2003), ['see', 'see_contents', 'modify'], 'the group Legal itself');
      assert.equal((await of(1001)).includes('modify'), true, 'jdoe through DefaultGroup, the owner group');
      assert.equal((await of(1000)).length, 10, 'Admin');
      assert.equal((await call(sim, 'GET', `/v2/nodes/${id}/permissions/effective/4242`, { ticket })).status, 500);
    });

    it('reports owner, group and public permissions and changes them', async function () {
      const id = await newDoc();
      const read = await call(sim, 'GET', `/v2/nodes/${id}/permissions`, { ticket });
      const perms = (read.json?.results as { data: { permissions: { type: string; right_id: number | null; permissions: string[] } } }[]).map(
        (r) => r.data.permissions,
      );
      assert.deepEqual(
        perms.map((p) => p.type),
        ['owner', 'group', 'public'],
      );
      assert.equal(perms[0]?.permissions.length, 10);
      const pub = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/public`, { ticket, form: body({ permissions: [], apply_to: 0 }) });
      assert.equal(pub.status, 200, pub.text);
      const bad = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/group`, { ticket, form: body({ permissions: ['see', 'fly'] }) });
      assert.equal(bad.status, 500);
      assert.match(String(bad.json?.error), /^Invalid permission 'fly'/);
      const noSee = await call(sim, 'PUT', `/v2/nodes/${id}/permissions/group`, { ticket, form: body({ permissions: ['modify'] }) });
      assert.equal(noSee.status, 500);
    });

    it('adds, updates and removes assigned access, with apply_to only on containers', async function () {
      const folder = await newFolder();
      const inner = await newDoc(folder);
      const doc = await newDoc();
      const onDoc = await call(sim, 'POST', `/v2/nodes/${doc}/permissions/custom`, {
        ticket,
        form: body({ right_id: 2002, permissions: ['see'], apply_to: 2 }),
      });
      assert.equal(onDoc.status, 500);
      const add = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, {
        ticket,
        form: body({ right_id: 2002, permissions: ['see', 'see_contents', 'modify'], apply_to: 2 }),
      });
      assert.equal(add.status, 200, add.text);
      const again = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 2002, permissions: ['see'] }) });
      assert.equal(again.status, 500);
      const unknown = await call(sim, 'POST', `/v2/nodes/${folder}/permissions/custom`, { ticket, form: body({ right_id: 4242, permissions: ['see'] }) });
      assert.equal(unknown.status, 500);
      const records = (await simGet(sim, '/__sim/records')) as { permissions: Record<string, { type: string; right_id: number; permissions: string[] }[]> };
      assert.deepEqual(records.permissions[String(inner)]?.find((p) => p.type === 'custom')?.permissions, ['see', 'see_contents', 'modify']);
      const upd = await call(sim, 'PUT', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket, form: body({ permissions: ['see', 'see_contents'] }) });
      assert.equal(upd.status, 200, upd.text);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket })).status, 200);
      assert.equal((await call(sim, 'DELETE', `/v2/nodes/${folder}/permissions/custom/2002`, { ticket })).status, 500);
    });
  });
});
