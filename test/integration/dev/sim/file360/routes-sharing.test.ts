/**
 * Sharing folders (routes-sharing.ts): share with a user or a group and a role, list, change the
 * role, unshare one (with pyxecm's LEAVE_SHARE body too), revoke a group as admin, unshare all;
 * answers 204 (never an empty {} / []), and what is refused.
 */
import assert from 'node:assert/strict';
import { call, freshFolder, resultsOf, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: sharing', function () {
  const used = useFile360Sim();
  const groupId = (name: string) => used.sim.state().groups.find((g) => g.name === name)?.id ?? '';
  const userId = (email: string) => used.sim.state().users.find((u) => u.email === email)?.id ?? '';
  const collaborators = async (folder: string) => resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${folder}/collaborators`, { token: used.token }));

  it('shares a folder with a group and a user, lists them, changes a role, and marks the folder shared', async function () {
    const folder = await freshFolder(used);
    const g = await call(used.sim, 'POST', `/api/v1/folders/${folder}/collaborators`, {
      token: used.token,
      json: { id: groupId('Supplier ACME'), type: 'group', role: 'editor' },
    });
    assert.equal(g.status, 200, g.text);
    assert.deepEqual(g.json, { id: groupId('Supplier ACME'), type: 'group', role: 'editor', name: 'Supplier ACME' });
    const u = await call(used.sim, 'POST', `/api/v1/folders/${folder}/collaborators`, {
      token: used.token,
      json: { id: userId('ada.auditor@example.com'), type: 'user', role: 'viewer' },
    });
    assert.equal(u.status, 200);
    assert.equal((u.json as { email: string }).email, 'ada.auditor@example.com');
    await call(used.sim, 'POST', `/api/v1/folders/${folder}/collaborators`, {
      token: used.token,
      json: { id: groupId('Supplier ACME'), type: 'group', role: 'viewer' },
    });
    const list = await collaborators(folder);
    assert.equal(list.length, 2);
    assert.equal(list.find((c) => c.type === 'group')?.role, 'viewer');
    const parent = used.sim.state().folders.find((f) => f.id === folder);
    assert.equal(parent?.collaborators.length, 2);
    const listing = resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${used.sim.rootId}/children`, { token: used.token })).find((r) => r.id === folder);
    assert.equal(listing?.isShared, true);
    assert.equal(listing?.shareCount, 2);
    const incoming = await call(used.sim, 'GET', `/api/v1/groups/${groupId('Supplier ACME')}/shares/incoming`, { token: used.token });
    assert.ok((incoming.json as { shares: { id: string }[] }).shares.some((s) => s.id === folder));
  });

  it('refuses a bad type, role or id, an unknown user or group, the root folder and a document', async function () {
    const folder = await freshFolder(used);
    const share = (json: unknown, id = folder) => call(used.sim, 'POST', `/api/v1/folders/${id}/collaborators`, { token: used.token, json });
    const g = groupId('Auditors');
    assert.equal((await share({ id: g, type: 'team', role: 'viewer' })).status, 400);
    assert.equal((await share({ id: g, type: 'group', role: 'admin' })).status, 400);
    assert.equal((await share({ id: Number(g), type: 'group', role: 'viewer' })).status, 400);
    assert.equal((await share({ id: g, type: 'user', role: 'viewer' })).status, 404);
    assert.equal((await share({ id: '9007199254740999', type: 'group', role: 'viewer' })).status, 404);
    assert.equal((await share({ id: g, type: 'group', role: 'viewer', message: 'hi' })).status, 400);
    assert.equal((await share({ id: g, type: 'group', role: 'viewer' }, used.sim.rootId)).status, 403);
    const doc = used.sim.documentAt('/Marketing/Brand Guide.txt')?.id ?? '';
    assert.equal((await share({ id: g, type: 'group', role: 'viewer' }, doc)).status, 404);
    assert.equal((await collaborators(folder)).length, 0);
  });

  it('unshares one (204, also with {"action":"LEAVE_SHARE"}), revokes a group as admin, unshares all', async function () {
    const folder = await freshFolder(used);
    const add = (id: string, type: string) =>
      call(used.sim, 'POST', `/api/v1/folders/${folder}/collaborators`, { token: used.token, json: { id, type, role: 'viewer' } });
    const ada = userId('ada.auditor@example.com');
    const paul = userId('paul.partner@retail.example');
    await add(ada, 'user');
    await add(paul, 'user');
    await add(groupId('Auditors'), 'group');
    await add(groupId('Retail Partners'), 'group');
    const one = await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaborators/${ada}`, { token: used.token });
    assert.equal(one.status, 204);
    assert.equal(one.text, '');
    const leave = await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaborators/${paul}`, { token: used.token, json: { action: 'LEAVE_SHARE' } });
    assert.equal(leave.status, 204);
    assert.equal((await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaborators/${paul}`, { token: used.token })).status, 404);
    const revoke = await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaboratorsAsAdmin/${groupId('Auditors')}`, { token: used.token });
    assert.equal(revoke.status, 204);
    assert.deepEqual(
      (await collaborators(folder)).map((c) => c.name),
      ['Retail Partners'],
    );
    const all = await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaborators`, { token: used.token });
    assert.equal(all.status, 204);
    assert.equal((await collaborators(folder)).length, 0);
    assert.equal(
      (await call(used.sim, 'DELETE', `/api/v1/folders/${folder}/collaborators/${ada}`, { token: used.token, json: { action: 'STAY' } })).status,
      400,
    );
  });

  it('seeds Audit shared with the Auditors (viewer)', async function () {
    const audit = used.sim.folderAt('/Audit');
    assert.deepEqual(
      audit?.collaborators.map((c) => [c.name, c.type, c.role]),
      [['Auditors', 'group', 'viewer']],
    );
  });
});
