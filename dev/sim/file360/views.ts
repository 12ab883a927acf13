/**
 * The JSON shapes of users, groups, resources and collaborators, as the API answers them.
 * Resource fields are those of shared/reference/file360-rest.md ("A resource looks like": id, name,
 * size, created, lastModified, parentId, uri, resourceType, isShared, shareCount, childCount) plus
 * `owner` (OpenText's own client reads `owner.id` of shared items: opentext/pyxecm,
 * pyxecm/coreshare.py `cleanup_user_files`) and `isDeleted` (in its `get_folders` example answer).
 * `childCount` is on folders only (the examples that show it are folders). Users and groups carry the
 * fields of the example answers in that module's docstrings (`get_user_by_id`, `get_groups`).
 */
import type { JsonObject } from './errors';
import type { Collaborator, File360Store, Group, Resource, User } from './store';

export const TENANT_ID = '2157293035593927997';

export const displayName = (u: User): string => `${u.firstName} ${u.lastName}`;

export function userJson(u: User): JsonObject {
  return {
    id: u.id,
    type: 'user',
    tenantId: TENANT_ID,
    firstName: u.firstName,
    lastName: u.lastName,
    displayName: displayName(u),
    title: u.title,
    company: u.company,
    email: u.email,
    state: 'enabled',
    isEnabled: true,
    isConfirmed: true,
    isAdmin: false,
    createdAt: u.createdAt,
    rootId: u.rootId,
    uri: `/api/v1/users/${u.id}`,
  };
}

/** The short form inside resources (`owner`) and group member answers. */
export function userRef(u: User | undefined): JsonObject | null {
  if (!u) return null;
  return { id: u.id, type: 'user', email: u.email, firstName: u.firstName, lastName: u.lastName, displayName: displayName(u), uri: `/api/v1/users/${u.id}` };
}

export function groupJson(g: Group): JsonObject {
  return {
    id: g.id,
    type: 'group',
    tenantId: TENANT_ID,
    name: g.name,
    displayName: g.name,
    description: g.description,
    createdAt: g.createdAt,
    memberCount: g.members.size,
    uri: `/api/v1/groups/${g.id}`,
  };
}

export function resourceJson(store: File360Store, r: Resource): JsonObject {
  const out: JsonObject = {
    id: r.id,
    name: r.name,
    size: r.size,
    created: r.created,
    lastModified: r.lastModified,
    parentId: r.parentId,
    uri: `/api/v1/${r.kind === 'folder' ? 'folders' : 'documents'}/${r.id}`,
    resourceType: r.kind,
    isShared: r.collaborators.size > 0,
    shareCount: r.collaborators.size,
    isDeleted: r.deleted,
    owner: userRef(store.users.get(r.ownerId)),
  };
  if (r.kind === 'folder') out.childCount = store.children(r.id).length;
  return out;
}

/**
 * A collaborator of a shared folder. The reference gives the request (`{"id","type","role"}`) but not
 * the answer's shape (unverified): the simulator answers the request's fields plus the name (and a
 * user's email) so a person reading it knows who it is.
 */
export function collaboratorJson(store: File360Store, c: Collaborator): JsonObject {
  if (c.type === 'group') {
    const g = store.groups.get(c.id);
    return { id: c.id, type: 'group', role: c.role, name: g?.name ?? '' };
  }
  const u = store.users.get(c.id);
  return { id: c.id, type: 'user', role: c.role, name: u ? displayName(u) : '', email: u?.email ?? '' };
}
