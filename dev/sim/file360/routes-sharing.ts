/**
 * Sharing a folder (shared/reference/file360-rest.md, "Share a folder"):
 * - `POST /api/v1/folders/{id}/collaborators` `{"id","type":"user"|"group","role":"viewer"|"editor"|"owner"}` (unverified);
 *   sharing again with the same id changes the role.
 * - `GET /api/v1/folders/{id}/collaborators` -> `{"results":[...]}` (the answer's shape is not public: unverified).
 * - `DELETE /api/v1/folders/{id}/collaborators` unshares all (pyxecm `unshare_folder`, `stop_share`);
 *   `DELETE /api/v1/folders/{id}/collaborators/{userId}` one (the reference; pyxecm `leave_share` sends it
 *   with the body `{"action":"LEAVE_SHARE"}`); the simulator takes a group's id there too (unverified);
 *   `DELETE /api/v1/folders/{id}/collaboratorsAsAdmin/{groupId}` (pyxecm `revoke_group_share`).
 * Deletes and unshares answer 204: an empty `{}` would make pyxecm report failure (file360-rest.md).
 */
import { checkId, folderOf, str } from './checks';
import type { Ctx, Reply, RouteDef } from './context';
import { badRequest, forbidden, notFound } from './errors';
import { ROLES, type Role } from './store';
import { collaboratorJson } from './views';

export function sharingRoutes(): RouteDef[] {
  const share = (ctx: Ctx): Reply => {
    const { store } = ctx.core;
    const folder = folderOf(store, ctx.params.id ?? '');
    if (folder.parentId === null) throw forbidden('The root folder cannot be shared');
    const id = checkId(ctx.body.id, 'id');
    const type = str(ctx.body, 'type');
    if (type !== 'user' && type !== 'group') throw badRequest(`type must be 'user' or 'group'`);
    const role = str(ctx.body, 'role');
    if (!ROLES.includes(role as Role)) throw badRequest(`role must be one of ${ROLES.join(', ')}`);
    if (type === 'user' ? !store.users.has(id) : !store.groups.has(id)) throw notFound(`No ${type} with id ${id}`);
    if (type === 'user' && id === folder.ownerId) throw badRequest('The owner of a folder cannot be added as its collaborator');
    const c = { id, type, role: role as Role } as const;
    folder.collaborators.set(id, c);
    store.touch(folder.id);
    return { json: collaboratorJson(store, c) };
  };

  const list = (ctx: Ctx): Reply => {
    const { store } = ctx.core;
    const folder = folderOf(store, ctx.params.id ?? '');
    return { json: { results: [...folder.collaborators.values()].map((c) => collaboratorJson(store, c)) } };
  };

  const unshareAll = (ctx: Ctx): Reply => {
    const folder = folderOf(ctx.core.store, ctx.params.id ?? '');
    folder.collaborators.clear();
    return { status: 204 };
  };

  const unshareOne = (ctx: Ctx): Reply => {
    const folder = folderOf(ctx.core.store, ctx.params.id ?? '');
    const action = str(ctx.body, 'action');
    if (action !== undefined && action !== 'LEAVE_SHARE') throw badRequest(`action must be 'LEAVE_SHARE'`);
    const id = checkId(ctx.params.cid, 'collaborator id');
    if (!folder.collaborators.delete(id)) throw notFound(`${id} is not a collaborator of this folder`);
    return { status: 204 };
  };

  const revokeGroup = (ctx: Ctx): Reply => {
    const folder = folderOf(ctx.core.store, ctx.params.id ?? '');
    const id = checkId(ctx.params.gid, 'group id');
    if (folder.collaborators.get(id)?.type !== 'group') throw notFound(`group ${id} is not a collaborator of this folder`);
    folder.collaborators.delete(id);
    return { status: 204 };
  };

  return [
    { method: 'POST', pattern: '/api/v1/folders/{id}/collaborators', body: 'required', fields: ['id', 'type', 'role'], handler: share },
    { method: 'GET', pattern: '/api/v1/folders/{id}/collaborators', body: 'optional', fields: [], handler: list },
    { method: 'DELETE', pattern: '/api/v1/folders/{id}/collaborators', body: 'optional', fields: [], handler: unshareAll },
    { method: 'DELETE', pattern: '/api/v1/folders/{id}/collaborators/{cid}', body: 'optional', fields: ['action'], handler: unshareOne },
    { method: 'DELETE', pattern: '/api/v1/folders/{id}/collaboratorsAsAdmin/{gid}', body: 'optional', fields: [], handler: revokeGroup },
  ];
}
