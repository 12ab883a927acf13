/** Records management classifications, holds, permissions and members. */
import { route, type Ctx, type Reply, type Route } from './context';
import { links, paging, v2Collection, v2Empty, type JsonObject } from './envelopes';
import { CsError, argumentRequired, badRequest, invalid } from './errors';
import { PERMISSIONS, type Classification } from './extras';
import { effective, permsOf, requirePermission } from './permissions';
import { optBool, optInt, optString, reqInt } from './forms';
import type { SeedGroup, SeedUser } from './seed';
import { now, type SimNode } from './store';

const nodeId = (ctx: Ctx, i = 0): number => Number(ctx.args[i]);

// ---------- RM classifications ----------

/**
 * The node's classifications as records-details rows: each names its classification by
 * `rmclassification_id` and carries `file_number` and the record fields (pyxecm and the reference's
 * section 9; the full row is not captured, the other fields are unverified).
 */
function classificationRows(ctx: Ctx, id: number): JsonObject[] {
  return (ctx.extras.classifications.get(id) ?? []).map((c) => ({
    rmclassification_id: c.class_id,
    name: ctx.store.get(c.class_id)?.name ?? '',
    file_number: `${c.class_id}-${id}`,
    status: c.status,
    status_date: c.applied,
    record_date: c.applied,
    essential: c.essential,
    official: c.official,
  }));
}

function rmAnswer(ctx: Ctx, id: number): Reply {
  return { json: { data: classificationRows(ctx, id), rm_metadataToken: ctx.extras.newRmToken(id) } };
}

/**
 * A stale or foreign token is an edit conflict (409); the token is single-use. A node's first
 * classification needs none (pyxecm `OTCS.assign_rm_classification` sends none: the token is
 * "required if changing an RM Classification to another"); a token sent anyway must be current.
 */
function checkToken(ctx: Ctx, id: number, firstClassification = false): void {
  const token = optString(ctx.params, 'rm_metadataToken');
  if (!token) {
    if (firstClassification) return;
    throw argumentRequired('rm_metadataToken');
  }
  if (ctx.extras.rmTokens.get(id) !== token) {
    throw new CsError(409, 'The records management metadata was changed since it was read (edit conflict): read it again for a fresh rm_metadataToken.');
  }
}

function classNode(ctx: Ctx, classId: number): SimNode {
  const c = ctx.store.get(classId);
  if (!c || c.type !== 551) throw invalid(`Invalid classification ID ${classId}`);
  return c;
}

function classificationFields(ctx: Ctx, base: Classification): Classification {
  return {
    ...base,
    status: optString(ctx.params, 'status') ?? base.status,
    essential: optBool(ctx.params, 'essential') ?? base.essential,
    official: optBool(ctx.params, 'official') ?? base.official,
  };
}

function getRm(ctx: Ctx): Reply {
  ctx.store.require(nodeId(ctx));
  return rmAnswer(ctx, nodeId(ctx));
}

function applyRm(ctx: Ctx): Reply {
  const id = nodeId(ctx);
  ctx.store.require(id);
  const classId = reqInt(ctx.params, 'class_id');
  const list = ctx.extras.classifications.get(id) ?? [];
  checkToken(ctx, id, list.length === 0);
  classNode(ctx, classId);
  if (list.some((c) => c.class_id === classId)) throw invalid(`Invalid request: classification ${classId} is already applied to node ${id}`);
  list.push(classificationFields(ctx, { class_id: classId, status: 'ACTIVE', essential: false, official: false, applied: now() }));
  ctx.extras.classifications.set(id, list);
  return rmAnswer(ctx, id);
}

function updateRm(ctx: Ctx): Reply {
  const id = nodeId(ctx);
  ctx.store.require(id);
  const classId = nodeId(ctx, 1);
  checkToken(ctx, id);
  const list = ctx.extras.classifications.get(id) ?? [];
  const i = list.findIndex((c) => c.class_id === classId);
  const current = list[i];
  if (!current) throw invalid(`Invalid request: classification ${classId} is not applied to node ${id}`);
  const newClass = optInt(ctx.params, 'class_id');
  if (newClass !== undefined) classNode(ctx, newClass);
  list[i] = classificationFields(ctx, { ...current, class_id: newClass ?? current.class_id });
  return rmAnswer(ctx, id);
}

// ---------- holds ----------

/**
 * A hold as `GET /v2/holds` and `GET /v2/hold?holdname=` give it (pyxecm `get_records_management_holds`,
 * `get_hold_by_name`): `ActiveHold` is a number (1 active, 0 not), not a boolean.
 */
function holdRow(h: { id: number; name: string; type: string; active?: boolean }): JsonObject {
  return {
    HoldID: h.id,
    HoldName: h.name,
    ActiveHold: h.active === false ? 0 : 1,
    OBJECT: null,
    ApplyPatron: 'Records Management System User',
    DateApplied: null,
    HoldComment: '',
    HoldType: h.type,
    DateToRemove: null,
    DateRemoved: null,
    RemovalPatron: null,
    RemovalComment: null,
    EditDate: null,
    EditPatron: null,
    AlternateHoldID: h.name,
    ParentID: null,
  };
}

/** `GET /v2/hold?holdname=<name>`: one hold under `results.data.hold`; an unknown name is refused (wording unverified). */
function holdByName(ctx: Ctx): Reply {
  const name = ctx.query.get('holdname');
  if (!name) throw argumentRequired('holdname');
  const hold = ctx.extras.holds.find((h) => h.name.toLowerCase() === name.toLowerCase());
  if (!hold) throw badRequest(`Could not find a hold named '${name}'`);
  return { json: { links: links(ctx.href), results: { data: { hold: holdRow(hold) } } } };
}

function listHolds(ctx: Ctx): Reply {
  return { json: { links: links(ctx.href), results: { data: { holds: ctx.extras.holds.map(holdRow) } } } };
}

function nodeHolds(ctx: Ctx): Reply {
  const id = nodeId(ctx);
  ctx.store.require(id);
  const ids = [...(ctx.extras.nodeHolds.get(id) ?? [])];
  return { json: { data: ctx.extras.holds.filter((h) => ids.includes(h.id)).map(holdRow) } };
}

/**
 * Hold calls take a while and the server does not take two at once: a client must send them one at a
 * time, so an overlapping call is refused (wording unverified).
 */
async function serialized(ctx: Ctx, work: () => Reply): Promise<Reply> {
  if (ctx.extras.holdBusy) throw invalid('Invalid request: another hold operation is in progress, try again later');
  ctx.extras.holdBusy = true;
  try {
    await new Promise((r) => setTimeout(r, ctx.extras.holdCallMs));
    return work();
  } finally {
    ctx.extras.holdBusy = false;
  }
}

function applyHold(ctx: Ctx): Promise<Reply> {
  return serialized(ctx, () => applyHoldNow(ctx));
}

function removeHold(ctx: Ctx): Promise<Reply> {
  return serialized(ctx, () => removeHoldNow(ctx));
}

function applyHoldNow(ctx: Ctx): Reply {
  const id = nodeId(ctx);
  ctx.store.require(id);
  const holdId = reqInt(ctx.params, 'hold_id');
  const hold = ctx.extras.holds.find((h) => h.id === holdId);
  if (!hold) throw invalid(`Invalid hold ID ${holdId}`);
  if (hold.active === false) throw invalid(`Invalid request: hold '${hold.name}' is not active`);
  const set = ctx.extras.nodeHolds.get(id) ?? new Set<number>();
  if (set.has(holdId)) throw invalid(`Invalid request: node ${id} is already on hold '${hold.name}'`);
  set.add(holdId);
  ctx.extras.nodeHolds.set(id, set);
  return { json: {} };
}

function removeHoldNow(ctx: Ctx): Reply {
  const id = nodeId(ctx);
  ctx.store.require(id);
  const holdId = nodeId(ctx, 1);
  if (!ctx.extras.nodeHolds.get(id)?.delete(holdId)) throw invalid(`Invalid request: node ${id} is not on hold ${holdId}`);
  return { json: {} };
}

// ---------- permissions ----------

function isMember(ctx: Ctx, id: number): boolean {
  return ctx.store.users.some((u) => u.id === id) || ctx.extras.groups.some((g) => g.id === id);
}

/** Permission names checked against the ten the server knows, with `see` implied by any other. */
function readPermissions(ctx: Ctx): string[] {
  const raw = ctx.params.permissions;
  if (raw === undefined) throw argumentRequired('permissions');
  const list = Array.isArray(raw)
    ? raw.map(String)
    : String(raw)
        .split(',')
        .filter((s) => s !== '');
  for (const p of list) {
    if (!(PERMISSIONS as readonly string[]).includes(p)) throw invalid(`Invalid permission '${p}'`);
  }
  if (list.length > 0 && !list.includes('see')) throw invalid("Invalid permissions: every permission requires 'see'");
  if (list.some((p) => p !== 'see' && p !== 'see_contents') && !list.includes('see_contents')) {
    throw invalid("Invalid permissions: this combination requires 'see_contents'");
  }
  return PERMISSIONS.filter((p) => list.includes(p));
}

/** Nodes an `apply_to` value reaches: 0 this, 1 sub-items, 2 this and sub-items, 3 this and children. */
function targets(ctx: Ctx, n: SimNode): SimNode[] {
  const applyTo = optInt(ctx.params, 'apply_to') ?? 0;
  if (![0, 1, 2, 3].includes(applyTo)) throw invalid(`Invalid apply_to value ${applyTo}`);
  if (applyTo !== 0 && !ctx.store.isContainer(n)) throw invalid('Invalid apply_to: the item has no sub-items');
  const descendants = (x: SimNode): SimNode[] => ctx.store.children(x.id).flatMap((c) => [c, ...descendants(c)]);
  if (applyTo === 0) return [n];
  if (applyTo === 1) return descendants(n);
  if (applyTo === 2) return [n, ...descendants(n)];
  return [n, ...ctx.store.children(n.id)];
}

function permissionsAnswer(ctx: Ctx, n: SimNode): Reply {
  return {
    json: {
      links: links(ctx.href),
      results: permsOf(ctx, n).map((p) => ({ data: { permissions: { ...p, permissions: [...p.permissions] } } })),
    },
  };
}

function getPermissions(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'see');
  return permissionsAnswer(ctx, n);
}

/**
 * `GET /v2/nodes/{id}/permissions/effective/{memberId}`: what the member may do on the node, through
 * every entry that reaches them (the reference's section 9, from pyxecm). The answer's shape is not
 * captured: the permissions in the order the server names them under `results.data.permissions`.
 */
function effectivePermissions(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'see');
  const memberId = nodeId(ctx, 1);
  if (!isMember(ctx, memberId)) throw invalid(`Invalid user or group ID ${memberId}`);
  const held = effective(ctx, n, memberId);
  return {
    json: {
      links: links(ctx.href),
      results: { data: { permissions: { right_id: memberId, permissions: PERMISSIONS.filter((p) => held.has(p)) } } },
    },
  };
}

function setStandard(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'edit_permissions');
  const kind = ctx.args[1] as 'owner' | 'group' | 'public';
  const permissions = readPermissions(ctx);
  const rightId = optInt(ctx.params, 'right_id');
  if (rightId !== undefined && kind !== 'public' && !isMember(ctx, rightId)) throw invalid(`Invalid user or group ID ${rightId}`);
  for (const t of targets(ctx, n)) {
    const entry = permsOf(ctx, t).find((p) => p.type === kind);
    if (!entry) continue;
    entry.permissions = permissions;
    if (rightId !== undefined && kind !== 'public') entry.right_id = rightId;
  }
  return { json: v2Empty(ctx.href, 'PUT') };
}

function addCustom(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'edit_permissions');
  const rightId = reqInt(ctx.params, 'right_id');
  if (!isMember(ctx, rightId)) throw invalid(`Invalid user or group ID ${rightId}`);
  const permissions = readPermissions(ctx);
  const list = targets(ctx, n);
  if (permsOf(ctx, n).some((p) => p.type === 'custom' && p.right_id === rightId)) {
    throw invalid(`Invalid request: ${rightId} already has assigned access on node ${n.id}`);
  }
  for (const t of list) {
    const perms = permsOf(ctx, t);
    const existing = perms.find((p) => p.type === 'custom' && p.right_id === rightId);
    if (existing) existing.permissions = permissions;
    else perms.push({ type: 'custom', right_id: rightId, permissions });
  }
  return { json: v2Empty(ctx.href, 'POST') };
}

function updateCustom(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'edit_permissions');
  const rightId = nodeId(ctx, 1);
  const permissions = readPermissions(ctx);
  const list = targets(ctx, n);
  if (!permsOf(ctx, n).some((p) => p.type === 'custom' && p.right_id === rightId)) {
    throw invalid(`Invalid request: ${rightId} has no assigned access on node ${n.id}`);
  }
  for (const t of list) {
    const entry = permsOf(ctx, t).find((p) => p.type === 'custom' && p.right_id === rightId);
    if (entry) entry.permissions = permissions;
  }
  return { json: v2Empty(ctx.href, 'PUT') };
}

function removeCustom(ctx: Ctx): Reply {
  const n = ctx.store.require(nodeId(ctx));
  requirePermission(ctx, n, 'edit_permissions');
  const rightId = nodeId(ctx, 1);
  const perms = permsOf(ctx, n);
  const i = perms.findIndex((p) => p.type === 'custom' && p.right_id === rightId);
  if (i < 0) throw invalid(`Invalid request: ${rightId} has no assigned access on node ${n.id}`);
  perms.splice(i, 1);
  return { json: v2Empty(ctx.href, 'DELETE') };
}

// ---------- members ----------

const MEMBER_FILTERS = ['where_name', 'where_first_name', 'where_last_name', 'where_business_email'] as const;

function userRow(u: SeedUser): JsonObject {
  const first = u.first_name ?? '';
  const last = u.last_name ?? '';
  return {
    id: u.id,
    name: u.name,
    type: 0,
    type_name: 'User',
    first_name: first,
    last_name: last,
    name_formatted: `${first} ${last}`.trim() || u.name,
    business_email: null,
    group_id: 2001,
    deleted: false,
  };
}

function groupRow(g: SeedGroup): JsonObject {
  return {
    id: g.id,
    name: g.name,
    type: 1,
    type_name: 'Group',
    name_formatted: g.name,
    initials: g.name.slice(0, 1).toUpperCase(),
    leader_id: null,
    deleted: false,
  };
}

/**
 * `GET /v2/members` as pyxecm's `get_users`, `get_user` and `get_groups` use it: `where_type` (0 users,
 * 1 groups, 17 service users) with `where_name` (the login or group name: an exact match, compared
 * case-insensitively here, unverified), `where_first_name`, `where_last_name`, `where_business_email`;
 * or `query`, a substring of login, first and last name, email or group name, which "cannot be used
 * together" with the `where_` filters (refused here; the server's reaction is unverified). At most 20
 * per page (pyxecm: "OTCS does not allow values > 20"; refused here), 10 by default, sorted by id.
 * A name filter never answers the whole member list: a client trusting it must get that one member.
 */
function members(ctx: Ctx): Reply {
  const q = ctx.query;
  const types = q.getAll('where_type').map(Number);
  if (types.some((t) => t !== 0 && t !== 1 && t !== 17)) throw badRequest('Invalid value for where_type: 0 (users), 1 (groups) or 17 (service users)');
  const query = q.get('query');
  const filters = MEMBER_FILTERS.filter((f) => q.get(f) !== null && q.get(f) !== '');
  if (query !== null && query !== '' && filters.length > 0) {
    throw badRequest(`Invalid request: query cannot be combined with ${filters.join(', ')}`);
  }
  const limitRaw = q.get('limit');
  const limit = limitRaw === null || limitRaw === '' ? 10 : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 20) throw badRequest(`Invalid value for limit: '${limitRaw ?? ''}' (1 to 20)`);
  const page = Number(q.get('page') ?? 1);
  if (!Number.isInteger(page) || page < 1) throw badRequest(`Invalid value for page: '${q.get('page') ?? ''}'`);
  const same = (a: string | null | undefined, b: string | null): boolean => b === null || b === '' || (a ?? '').toLowerCase() === b.toLowerCase();
  const needle = (query ?? '').toLowerCase();
  const rows: JsonObject[] = [];
  if (types.length === 0 || types.includes(0)) {
    for (const u of ctx.store.users) {
      const hay = [u.name, u.first_name ?? '', u.last_name ?? ''].join(' ').toLowerCase();
      const hit = query
        ? hay.includes(needle)
        : same(u.name, q.get('where_name')) && same(u.first_name, q.get('where_first_name')) && same(u.last_name, q.get('where_last_name'));
      if (hit && !(q.get('where_business_email') ?? '')) rows.push(userRow(u));
    }
  }
  if (types.length === 0 || types.includes(1)) {
    const userOnly = ['where_first_name', 'where_last_name', 'where_business_email'].some((f) => (q.get(f) ?? '') !== '');
    for (const g of ctx.extras.groups) {
      const hit = query ? g.name.toLowerCase().includes(needle) : !userOnly && same(g.name, q.get('where_name'));
      if (hit) rows.push(groupRow(g));
    }
  }
  rows.sort((a, b) => Number(a.id) - Number(b.id));
  const slice = rows.slice((page - 1) * limit, page * limit);
  return {
    json: v2Collection(
      ctx.href,
      slice.map((properties) => ({ properties })),
      paging(rows.length, page, limit),
      'asc_id',
    ),
  };
}

/** Used by the delete route: the server refuses to delete an item on hold. */
export function assertDeletable(ctx: Ctx, id: number): void {
  const n = ctx.store.get(id);
  if (!n) return;
  const stack = [n];
  while (stack.length) {
    const x = stack.pop() as SimNode;
    if ((ctx.extras.nodeHolds.get(x.id)?.size ?? 0) > 0) throw invalid(`Invalid request: '${x.name}' is on hold and cannot be deleted`);
    stack.push(...ctx.store.children(x.id));
  }
}

const r = route;

export const recordRoutes: Route[] = [
  r('GET', '/v1/nodes/(\\d+)/rmclassifications', getRm),
  r('POST', '/v1/nodes/(\\d+)/rmclassifications', applyRm),
  r('PUT', '/v1/nodes/(\\d+)/rmclassifications/(\\d+)', updateRm),
  r('GET', '/v2/holds', listHolds),
  r('GET', '/v2/hold', holdByName),
  r('GET', '/v1/nodes/(\\d+)/holds', nodeHolds),
  r('POST', '/v1/nodes/(\\d+)/holds', applyHold),
  r('DELETE', '/v1/nodes/(\\d+)/holds/(\\d+)', removeHold),
  r('GET', '/v2/nodes/(\\d+)/permissions', getPermissions),
  r('GET', '/v2/nodes/(\\d+)/permissions/effective/(\\d+)', effectivePermissions),
  r('PUT', '/v2/nodes/(\\d+)/permissions/(owner|group|public)', setStandard),
  r('POST', '/v2/nodes/(\\d+)/permissions/custom', addCustom),
  r('PUT', '/v2/nodes/(\\d+)/permissions/custom/(\\d+)', updateCustom),
  r('DELETE', '/v2/nodes/(\\d+)/permissions/custom/(\\d+)', removeCustom),
  r('GET', '/v2/members', members),
];
