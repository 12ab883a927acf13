/**
 * Groups and people (routes-people.ts): the seeded groups, paging by _links.next.href, group create,
 * members add/remove/list, group and user search (the pyxecm routes and the older /search/v1/user).
 */
import assert from 'node:assert/strict';
import { call, useFile360Sim } from '../../../../support/file360-sim';

type Group = { id: string; name: string; type: string; memberCount: number };

describe('File 360 simulator: groups and people', function () {
  const used = useFile360Sim();
  const get = (path: string) => call(used.sim, 'GET', path, { token: used.token });

  it('lists the seeded groups and pages them by _links.next.href', async function () {
    const first = await get('/api/v1/groups?offset=0&count=2');
    assert.equal(first.status, 200);
    const body = first.json as { results: Group[]; _links: { self: { href: string }; next?: { href: string } } };
    assert.equal(body.results.length, 2);
    assert.equal(body._links.self.href, '/api/v1/groups?offset=0&count=2');
    const names = body.results.map((g) => g.name);
    let next = body._links.next?.href;
    while (next) {
      const page = (await get(next)).json as typeof body;
      names.push(...page.results.map((g) => g.name));
      next = page._links.next?.href;
    }
    for (const seeded of ['Retail Partners', 'Auditors', 'Supplier ACME']) assert.ok(names.includes(seeded), names.join());
    assert.equal(new Set(names).size, names.length);
    assert.equal((await get('/api/v1/groups?count=0')).status, 400);
  });

  it('creates a group, adds and removes members by email, lists them', async function () {
    const created = await call(used.sim, 'POST', '/api/v1/groups', { token: used.token, json: { name: 'Logistics', description: 'Carriers' } });
    assert.equal(created.status, 201, created.text);
    const g = created.json as Group;
    assert.equal(g.type, 'group');
    assert.equal((await call(used.sim, 'POST', '/api/v1/groups', { token: used.token, json: { name: 'Logistics' } })).status, 409);
    assert.equal((await get(`/api/v1/groups/${g.id}`)).status, 200);
    const add = await call(used.sim, 'POST', `/api/v1/groups/${g.id}/members`, {
      token: used.token,
      json: { members: ['mia.marketing@example.com', 'nobody@example.com'], specificGroupRole: false },
    });
    assert.equal(add.status, 200);
    const results = add.json as { member: string; success: boolean; user?: { email: string }; errors?: unknown[] }[];
    assert.equal(results[0]?.success, true);
    assert.equal(results[0]?.user?.email, 'mia.marketing@example.com');
    assert.equal(results[1]?.success, false);
    assert.ok(results[1]?.errors?.length);
    const members = (await get(`/api/v1/groups/${g.id}/members`)).json as { groupMembers: { email: string }[]; pending: unknown[]; count: number };
    assert.deepEqual(
      members.groupMembers.map((m) => m.email),
      ['mia.marketing@example.com'],
    );
    assert.equal(members.count, 1);
    const remove = await call(used.sim, 'DELETE', `/api/v1/groups/${g.id}/members`, {
      token: used.token,
      json: { members: ['mia.marketing@example.com'], specificGroupRole: false },
    });
    assert.deepEqual(remove.json, [{ member: 'mia.marketing@example.com', success: true }]);
    assert.equal(((await get(`/api/v1/groups/${g.id}/members`)).json as { count: number }).count, 0);
    assert.equal((await call(used.sim, 'DELETE', `/api/v1/groups/${g.id}/members`, { token: used.token, json: { members: [] } })).status, 400);
    assert.equal((await get('/api/v1/groups/9007199254741001/members')).status, 404);
  });

  it('finds groups with /search/v1/user/group-all and users with internal-native and the older /search/v1/user', async function () {
    const groups = (await get(`/search/v1/user/group-all?q=${encodeURIComponent('supplier acme')}`)).json as { results: Group[]; total: number };
    assert.deepEqual(
      groups.results.map((g) => g.name),
      ['Supplier ACME'],
    );
    assert.equal(groups.total, 1);
    const native = (await get('/search/v1/user/internal-native?q=auditor&pageSize=100')).json as { results: { email: string }[]; total: number };
    assert.deepEqual(
      native.results.map((u) => u.email),
      ['ada.auditor@example.com'],
    );
    const older = (await get('/search/v1/user?q=RETAIL.example')).json as { results: { email: string }[] };
    assert.deepEqual(older.results.map((u) => u.email).sort(), ['paul.partner@retail.example', 'rita.retail@retail.example']);
    const byName = (await get(`/search/v1/user/internal-native?q=${encodeURIComponent('Alice Acme')}`)).json as { results: { email: string }[] };
    assert.deepEqual(
      byName.results.map((u) => u.email),
      ['alice.acme@acme.example'],
    );
    assert.equal(((await get('/search/v1/user/internal-sso?q=a')).json as { total: number }).total, 0);
    assert.equal((await get('/search/v1/user/everyone?q=a')).status, 404);
    const page = (await get('/search/v1/user/internal-enabled?q=&pageSize=2')).json as { results: unknown[]; total: number };
    assert.equal(page.results.length, 2);
    assert.ok(page.total >= 6);
  });
});
