/**
 * Governance for one node in one go: the categories, classification, holds, permissions, owner and workflow
 * that `msg.filebridge.target` asks for. Every name (category, attribute, classification path, hold,
 * user or group, workflow map path) is resolved BEFORE the first write, so a typo fails the message
 * with nothing applied instead of leaving a half-governed document behind.
 */
import { FileBridgeError, isFileBridgeError } from '../errors';
import { parseCategoryDefinitions, resolveCategoryValues, type CategoryDefinition, type CategoryInput } from './categories';
import type { ContentServerClient } from './client';
import { isObject, type JsonObject } from './envelopes';
import { PERMISSIONS, type ApplyTo, type Hold, type Member, type Permission } from './governance';
import { parseTarget } from './paths';
import type { CsNode } from './nodes';

export const NODE_TYPE_CLASSIFICATION = 551;
export const NODE_TYPE_WORKFLOW_MAP = 128;

export interface PermissionGrant {
  member: string;
  permissions: Permission[];
  applyTo: ApplyTo;
}

export interface WorkflowTarget {
  map: number | string;
  comment?: string;
}

/** The governance part of `msg.filebridge.target`, checked. */
export interface GovernanceTarget {
  categories?: CategoryInput;
  classification?: number | string;
  holds?: (string | number)[];
  permissions?: PermissionGrant[];
  /** A user name: the document's new owner. */
  owner?: string;
  workflow?: WorkflowTarget;
}

export interface ApplyTargetOptions {
  /** Root of the RM classification tree for paths like `Finance/Invoices` (else the client's). */
  classificationRoot?: number;
  /** More documents to attach when the target starts a workflow (the node itself always is). */
  attach?: number[];
  /** How errors name the input, e.g. `msg.filebridge.target`. */
  where?: string;
  /** How errors name single fields that came from elsewhere (a node setting, `msg.payload`); `workflow` names the map. */
  fieldNames?: Partial<Record<keyof GovernanceTarget, string>>;
}

export interface AppliedTarget {
  categories?: { id: number; name: string }[];
  classification?: number;
  holds?: { id: number; name: string }[];
  permissions?: { member: string; memberId: number; permissions: Permission[]; applyTo: ApplyTo }[];
  owner?: { member: string; memberId: number };
  workflow?: { mapId: number; processId: number; docIds: number[] };
}

const RAW_KEY = /^\d+_\d+(?:_\d+_\d+)?$/;

function plain(v: unknown): v is JsonObject {
  return isObject(v) && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function bad(field: string, message: string): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', `${field} ${message}`, { field });
}

function positiveId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number(v) > 0) return Number(v);
  return undefined;
}

/** A node id or a non-empty name/path; numeric strings become ids. */
export function parseNodeRef(v: unknown, field: string, example: string): number | string {
  const id = positiveId(v);
  if (id !== undefined) return id;
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  throw bad(field, `must be a node id or a name, e.g. ${example}; got ${JSON.stringify(v) ?? String(v)}`);
}

/**
 * Permission names, with the ones every other implies added: Content Server grants nothing without
 * `see`, and nothing beyond it without `see_contents` (the UI ticks them for you too).
 */
export function normalizePermissions(list: unknown, field: string): Permission[] {
  const raw =
    typeof list === 'string'
      ? list
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : list;
  if (!Array.isArray(raw) || raw.length === 0) {
    throw bad(field, `must list permissions, e.g. ["see", "see_contents"] (known: ${PERMISSIONS.join(', ')}); to take access away use revoke`);
  }
  const given = new Set<Permission>();
  raw.forEach((p, i) => {
    const name = typeof p === 'string' ? p.trim().toLowerCase() : p;
    if (typeof name !== 'string' || !(PERMISSIONS as readonly string[]).includes(name)) {
      throw bad(`${field}[${i}]`, `is not a permission: ${JSON.stringify(p)} (known: ${PERMISSIONS.join(', ')})`);
    }
    given.add(name as Permission);
  });
  given.add('see');
  if ([...given].some((p) => p !== 'see' && p !== 'see_contents')) given.add('see_contents');
  return PERMISSIONS.filter((p) => given.has(p));
}

function applyToOf(v: unknown, field: string): ApplyTo {
  if (v === undefined || v === null || v === '') return 0;
  const n = Number(v);
  if (n === 0 || n === 1 || n === 2 || n === 3) return n;
  throw bad(field, `must be 0 (this item), 1 (sub-items), 2 (this and sub-items) or 3 (this and immediate sub-items); got ${JSON.stringify(v)}`);
}

/** `{ "Partners": ["see"] }` or `[{ member, permissions, applyTo? }]`. */
export function parsePermissions(v: unknown, field: string, defaultApplyTo: ApplyTo = 0): PermissionGrant[] {
  if (Array.isArray(v)) {
    return v.map((row, i) => {
      const f = `${field}[${i}]`;
      if (!plain(row)) throw bad(f, 'must be an object { member, permissions, applyTo? }');
      if (typeof row.member !== 'string' || row.member.trim() === '') throw bad(`${f}.member`, 'must be a user or group name');
      return {
        member: row.member.trim(),
        permissions: normalizePermissions(row.permissions, `${f}.permissions`),
        applyTo: row.applyTo === undefined ? defaultApplyTo : applyToOf(row.applyTo, `${f}.applyTo`),
      };
    });
  }
  if (plain(v)) {
    return Object.entries(v).map(([member, perms]) => {
      if (member.trim() === '') throw bad(field, 'has an empty member name');
      return { member: member.trim(), permissions: normalizePermissions(perms, `${field}.${member}`), applyTo: defaultApplyTo };
    });
  }
  throw bad(field, 'must be an object such as { "Partners": ["see", "see_contents"] } or a list [{ "member": "Partners", "permissions": ["see"] }]');
}

/** Hold names or ids: a list, or one name. */
export function parseHolds(v: unknown, field: string): (string | number)[] {
  const list = typeof v === 'string' || typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) throw bad(field, 'must be a list of hold names or ids, e.g. ["Litigation 2026"]');
  return list.map((h, i) => parseNodeRef(h, `${field}[${i}]`, '"Litigation 2026"'));
}

export function parseCategories(v: unknown, field: string): CategoryInput {
  if (!plain(v)) throw bad(field, 'must be an object by category and attribute name, e.g. { "Invoice": { "Vendor": "ACME" } }');
  for (const [key, value] of Object.entries(v)) {
    if (!RAW_KEY.test(key) && !plain(value)) throw bad(`${field}.${key}`, 'must be an object of attribute names and values');
  }
  return v;
}

export function parseWorkflow(v: unknown, field: string): WorkflowTarget {
  if (!plain(v)) throw bad(field, 'must be an object { map: <workflow map id or path>, comment? }');
  const map = parseNodeRef(v.map, `${field}.map`, '4711 or "Enterprise:Workflows/Invoice approval"');
  if (v.comment !== undefined && v.comment !== null && typeof v.comment !== 'string') throw bad(`${field}.comment`, 'must be a text');
  return typeof v.comment === 'string' && v.comment !== '' ? { map, comment: v.comment } : { map };
}

/**
 * The governance fields of a target, checked; the others (folder, name, collision, workspace...) are
 * the upload's and ignored here. Errors name the field: `msg.filebridge.target.permissions.Partners[1]`.
 */
export function parseGovernanceTarget(target: unknown, where = 'msg.filebridge.target'): GovernanceTarget {
  if (target === undefined || target === null) return {};
  if (!plain(target)) throw bad(where, 'must be an object such as { categories, classification, holds, permissions, workflow }');
  const out: GovernanceTarget = {};
  if (target.categories !== undefined) out.categories = parseCategories(target.categories, `${where}.categories`);
  if (target.classification !== undefined) out.classification = parseNodeRef(target.classification, `${where}.classification`, '5120 or "Finance/Invoices"');
  if (target.holds !== undefined) out.holds = parseHolds(target.holds, `${where}.holds`);
  if (target.permissions !== undefined) out.permissions = parsePermissions(target.permissions, `${where}.permissions`);
  if (target.owner !== undefined) {
    if (typeof target.owner !== 'string' || target.owner.trim() === '')
      throw bad(`${where}.owner`, `must be a user name, e.g. "jdoe"; got ${JSON.stringify(target.owner)}`);
    out.owner = target.owner.trim();
  }
  if (target.workflow !== undefined) out.workflow = parseWorkflow(target.workflow, `${where}.workflow`);
  return out;
}

export function isEmptyTarget(t: GovernanceTarget): boolean {
  return (['categories', 'classification', 'holds', 'permissions', 'owner', 'workflow'] as const).every((k) => t[k] === undefined);
}

// ---- resolving names (reads only) ----

/** Category definitions for names: the node's own categories, its folder's (which it inherits), the client's templates, and any category given by id. */
async function categoryDefinitions(client: ContentServerClient, node: CsNode, input: CategoryInput): Promise<CategoryDefinition[]> {
  const sources = [node.id, ...(node.parentId !== undefined && node.parentId > 0 ? [node.parentId] : [])];
  const found = (await Promise.all(sources.map((id) => client.categories.definitionsFor(id)))).flat();
  const byId = Object.keys(input).filter((k) => /^\d+$/.test(k) && !found.some((d) => String(d.id) === k));
  for (const catId of byId) {
    // The category node describes itself; a missing or foreign id is left for resolve() to report.
    const body = await client.http.json({ method: 'GET', path: `/v1/nodes/${catId}/categories/${catId}` }).catch((err: unknown) => {
      if (isFileBridgeError(err) && (err.code === 'NOT_FOUND' || err.code === 'CS_REJECTED')) return undefined;
      throw err;
    });
    found.push(...parseCategoryDefinitions(body));
  }
  const seen = new Set<number>();
  return found.filter((d) => !seen.has(d.id) && seen.add(d.id));
}

/** A node by id or by path (`Enterprise:Workflows/Invoice approval`); the last segment may be any node type, not just a folder. */
export async function resolveNodeRef(client: ContentServerClient, ref: number | string, what: string): Promise<CsNode> {
  const { rootId, segments } = parseTarget(ref);
  if (segments.length === 0) return client.getNode(rootId);
  const last = segments[segments.length - 1];
  const parentId = segments.length === 1 ? rootId : await client.resolveFolder(`${rootId}:${segments.slice(0, -1).join('/')}`);
  const child = await client.nodes.findChild(parentId, last);
  if (!child) throw new FileBridgeError('NOT_FOUND', `No ${what} '${last}' in ${String(ref)}`, { [what]: String(ref) });
  return child;
}

async function expectType(client: ContentServerClient, ref: number | string, type: number, what: string, field: string): Promise<number> {
  let node: CsNode;
  try {
    node = await resolveNodeRef(client, ref, what);
  } catch (err) {
    if (isFileBridgeError(err) && err.code === 'NOT_FOUND')
      throw new FileBridgeError('NOT_FOUND', `${field}: no ${what} ${JSON.stringify(ref)} (${err.message})`, { field, [what]: ref }, { cause: err });
    throw err;
  }
  if (node.type !== type) throw bad(field, `names node ${node.id} '${node.name}', which is not a ${what} (type ${node.type}, expected ${type})`);
  return node.id;
}

async function classificationId(client: ContentServerClient, ref: number | string, root: number | undefined, field: string): Promise<number> {
  if (typeof ref === 'number' || ref.includes(':')) return expectType(client, ref, NODE_TYPE_CLASSIFICATION, 'classification', field);
  if (root !== undefined) return expectType(client, `${root}:${ref}`, NODE_TYPE_CLASSIFICATION, 'classification', field);
  return client.governance.resolveClassification(ref);
}

export async function resolveHolds(client: ContentServerClient, wanted: (string | number)[], field: string): Promise<Hold[]> {
  const all = await client.governance.holds();
  return wanted.map((h, i) => {
    const hit = all.find((x) => x.id === h || x.name.toLowerCase() === String(h).toLowerCase());
    if (!hit)
      throw new FileBridgeError('NOT_FOUND', `${field}[${i}]: no hold '${h}' (known: ${all.map((x) => `'${x.name}'`).join(', ') || 'none'})`, {
        field,
        hold: h,
      });
    if (!hit.active) throw bad(`${field}[${i}]`, `names hold '${hit.name}', which is not active`);
    return hit;
  });
}

export async function resolveMembers(client: ContentServerClient, names: string[], field: string): Promise<Member[]> {
  const out: Member[] = [];
  for (const [i, name] of names.entries()) {
    try {
      out.push(await client.governance.member(name));
    } catch (err) {
      if (isFileBridgeError(err) && err.code === 'NOT_FOUND')
        throw new FileBridgeError('NOT_FOUND', `${field}: ${err.message}`, { field, member: name, index: i }, { cause: err });
      throw err;
    }
  }
  return out;
}

interface Plan {
  categories?: { flat: JsonObject; applied: { id: number; name: string }[] };
  classification?: number;
  holds?: Hold[];
  permissions?: { grant: PermissionGrant; member: Member }[];
  owner?: Member;
  workflow?: { mapId: number; comment?: string };
}

/** Resolves the names that do not depend on the node (everything but categories): reads only. */
async function planNames(client: ContentServerClient, t: GovernanceTarget, options: ApplyTargetOptions, where: string): Promise<Plan> {
  const p: Plan = {};
  const name = (field: keyof GovernanceTarget): string => options.fieldNames?.[field] ?? `${where}.${field}`;
  if (t.classification !== undefined) p.classification = await classificationId(client, t.classification, options.classificationRoot, name('classification'));
  if (t.holds) p.holds = await resolveHolds(client, t.holds, name('holds'));
  if (t.permissions) {
    const members = await resolveMembers(
      client,
      t.permissions.map((g) => g.member),
      name('permissions'),
    );
    p.permissions = t.permissions.map((grant, i) => ({ grant, member: members[i] }));
  }
  if (t.owner !== undefined) {
    const field = name('owner');
    p.owner = await client.governance.member(t.owner, 0).catch((err: unknown) => {
      if (isFileBridgeError(err) && err.code === 'NOT_FOUND')
        throw new FileBridgeError('NOT_FOUND', `${field}: ${err.message}`, { field, member: t.owner }, { cause: err });
      throw err;
    });
  }
  if (t.workflow) {
    const mapId = await expectType(client, t.workflow.map, NODE_TYPE_WORKFLOW_MAP, 'workflow map', options.fieldNames?.workflow ?? `${where}.workflow.map`);
    p.workflow = { mapId, comment: t.workflow.comment };
  }
  return p;
}

async function planCategories(client: ContentServerClient, node: CsNode, input: CategoryInput, field: string): Promise<NonNullable<Plan['categories']>> {
  const defs = await categoryDefinitions(client, node, input);
  let flat: JsonObject;
  try {
    flat = resolveCategoryValues(input, defs);
  } catch (err) {
    if (!isFileBridgeError(err)) throw err;
    throw new FileBridgeError(err.code, `${field}: ${err.message}`, { ...err.details, field }, { cause: err });
  }
  const ids = Object.keys(flat)
    .filter((k) => /^\d+_1$/.test(k))
    .map((k) => Number(k.split('_')[0]));
  return { flat, applied: ids.map((id) => ({ id, name: defs.find((d) => d.id === id)?.name ?? String(id) })) };
}

/** The writes, in order: categories, classification, holds, permissions, owner, then the workflow. */
async function execute(client: ContentServerClient, nodeId: number, p: Plan, options: ApplyTargetOptions): Promise<AppliedTarget> {
  const done: AppliedTarget = {};
  const steps: string[] = [];
  try {
    if (p.categories) {
      await client.applyCategory(nodeId, p.categories.flat);
      done.categories = p.categories.applied;
      steps.push('categories');
    }
    if (p.classification !== undefined) {
      done.classification = await client.governance.classify(nodeId, p.classification);
      steps.push('classification');
    }
    if (p.holds) {
      await client.governance.applyHolds(
        nodeId,
        p.holds.map((h) => h.id),
      );
      done.holds = p.holds.map((h) => ({ id: h.id, name: h.name }));
      steps.push('holds');
    }
    if (p.permissions) {
      done.permissions = [];
      for (const { grant, member } of p.permissions) {
        await client.governance.grant(nodeId, member, grant.permissions, grant.applyTo);
        done.permissions.push({ member: member.name, memberId: member.id, permissions: grant.permissions, applyTo: grant.applyTo });
        steps.push(`access for ${member.name}`);
      }
    }
    if (p.owner) {
      await client.governance.setOwner(nodeId, p.owner);
      done.owner = { member: p.owner.name, memberId: p.owner.id };
      steps.push(`owner ${p.owner.name}`);
    }
    if (p.workflow) {
      const docIds = [nodeId, ...(options.attach ?? []).filter((id) => id !== nodeId)];
      const processId = await client.workflows.start({ workflowId: p.workflow.mapId, docIds, comment: p.workflow.comment });
      done.workflow = { mapId: p.workflow.mapId, processId, docIds };
    }
  } catch (err) {
    if (steps.length === 0) throw err;
    const e = isFileBridgeError(err) ? err : new FileBridgeError('CONNECTION', String(err));
    throw new FileBridgeError(
      e.code,
      `${e.message} (node ${nodeId} already has: ${steps.join(', ')})`,
      { ...e.details, nodeId, applied: done },
      { cause: err },
    );
  }
  return done;
}

/**
 * Applies the governance parts of `target` to node `nodeId` and says what it did. Order: categories,
 * classification, holds, permissions, owner, then the workflow (last, so it starts on a fully described
 * document). A failure after some writes names what was already applied.
 */
export async function applyTarget(client: ContentServerClient, nodeId: number, target: unknown, options: ApplyTargetOptions = {}): Promise<AppliedTarget> {
  const where = options.where ?? 'msg.filebridge.target';
  const t = parseGovernanceTarget(target, where);
  if (isEmptyTarget(t)) return {};
  const node = await client.getNode(nodeId);
  const p: Plan = {};
  if (t.categories) p.categories = await planCategories(client, node, t.categories, options.fieldNames?.categories ?? `${where}.categories`);
  Object.assign(p, await planNames(client, t, options, where));
  return execute(client, nodeId, p, options);
}

/**
 * For a document that does not exist yet (an upload): checks the target and resolves every name
 * now, so a wrong hold or member name fails before anything is stored; `apply` then writes to the
 * new document. Categories are not taken here: the upload sets them with the content.
 */
export async function prepareGovernance(
  client: ContentServerClient,
  target: unknown,
  options: ApplyTargetOptions = {},
): Promise<{ empty: boolean; apply: (nodeId: number) => Promise<AppliedTarget> }> {
  const where = options.where ?? 'msg.filebridge.target';
  const t = parseGovernanceTarget(target, where);
  if (t.categories !== undefined) throw bad(`${where}.categories`, 'are set with the upload, not afterwards');
  if (isEmptyTarget(t)) return { empty: true, apply: () => Promise.resolve({}) };
  const p = await planNames(client, t, options, where);
  return { empty: false, apply: (nodeId) => execute(client, nodeId, p, options) };
}
