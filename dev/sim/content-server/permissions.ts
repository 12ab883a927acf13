/**
 * Permission enforcement for users other than Admin (a system administrator passes everything, as on
 * a real server). Missing `see` looks exactly like a missing node; other missing permissions answer
 * 500 (wording unverified). New items copy their parent's permissions, the creator becoming owner.
 */
import type { Ctx } from './context';
import { CsError, noAccess, nodeNotFoundV2 } from './errors';
import { PERMISSIONS, type PermissionEntry } from './extras';
import type { SimNode } from './store';

const ADMIN_ID = 1000;

export function defaultPermissions(n: SimNode): PermissionEntry[] {
  return [
    { type: 'owner', right_id: n.owner_user_id, permissions: [...PERMISSIONS] },
    {
      type: 'group',
      right_id: 2001,
      permissions: ['see', 'see_contents', 'modify', 'edit_attributes', 'add_items', 'reserve', 'add_major_version'],
    },
    { type: 'public', right_id: null, permissions: ['see', 'see_contents'] },
  ];
}

export function permsOf(ctx: Ctx, n: SimNode): PermissionEntry[] {
  let list = ctx.extras.permissions.get(n.id);
  if (!list) ctx.extras.permissions.set(n.id, (list = defaultPermissions(n)));
  return list;
}

/** Called right after a node is created. */
export function inheritPermissions(ctx: Ctx, n: SimNode): void {
  const parent = ctx.extras.permissions.get(n.parent_id);
  if (!parent) return;
  ctx.extras.permissions.set(
    n.id,
    parent.map((p) => (p.type === 'owner' ? { ...p, right_id: n.owner_user_id, permissions: [...p.permissions] } : { ...p, permissions: [...p.permissions] })),
  );
}

/**
 * The permissions a member holds on a node: a user's through owner, owner group, public and assigned
 * access (also via the groups they are in); a group's through the entries naming it and public.
 * Admin (a system administrator) holds all.
 */
export function effective(ctx: Ctx, n: SimNode, memberId: number): Set<string> {
  if (memberId === ADMIN_ID) return new Set(PERMISSIONS);
  const isGroup = ctx.extras.groups.some((g) => g.id === memberId);
  const groups = isGroup ? new Set([memberId]) : new Set(ctx.extras.groups.filter((g) => g.members.includes(memberId)).map((g) => g.id));
  const out = new Set<string>();
  for (const p of permsOf(ctx, n)) {
    const applies =
      p.type === 'public' ||
      (!isGroup && p.type === 'owner' && p.right_id === memberId) ||
      ((p.type === 'group' || p.type === 'custom') && p.right_id !== null && (p.right_id === memberId || groups.has(p.right_id)));
    if (applies) for (const x of p.permissions) out.add(x);
  }
  return out;
}

export function can(ctx: Ctx, n: SimNode, permission: string): boolean {
  const userId = ctx.user?.id ?? ADMIN_ID;
  if (userId === ADMIN_ID) return true;
  return effective(ctx, n, userId).has(permission);
}

/** Missing `see` is indistinguishable from a missing node (v2 reads answer 400, others 500). */
export function requireSee(ctx: Ctx, n: SimNode, v2Read = false): void {
  if (!can(ctx, n, 'see')) throw v2Read ? nodeNotFoundV2(n.id) : noAccess();
}

export function requirePermission(ctx: Ctx, n: SimNode, permission: string): void {
  requireSee(ctx, n);
  if (!can(ctx, n, permission)) {
    throw new CsError(500, `You do not have the '${permission}' permission on '${n.name}'.`);
  }
}
