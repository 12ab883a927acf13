/**
 * What the cs-action node does with one message: one action on one node (several for a workflow),
 * with parameters from the node's settings or `msg.filebridge.target`. Kept out of the node so the
 * rules (which value wins, how errors name it, what the output reports) are one tested piece.
 */
import { FileBridgeError } from '../errors';
import {
  applyTarget,
  isEmptyTarget,
  parseCategories,
  parseGovernanceTarget,
  parseHolds,
  parseNodeRef,
  parsePermissions,
  resolveHolds,
  resolveMembers,
  type AppliedTarget,
  type ApplyTargetOptions,
  type GovernanceTarget,
} from './apply-target';
import type { ContentServerClient } from './client';
import { numberProp } from './envelopes';
import type { ApplyTo } from './governance';

export const CS_ACTIONS = ['categories', 'classify', 'hold', 'release', 'permissions', 'workflow', 'move', 'rename', 'apply-target'] as const;
export type CsAction = (typeof CS_ACTIONS)[number];

export function isCsAction(v: unknown): v is CsAction {
  return typeof v === 'string' && (CS_ACTIONS as readonly string[]).includes(v);
}

/** A value and how to name it in an error (`msg.payload`, `the "Holds" setting`). */
export interface Param {
  value: unknown;
  from: string;
}

export interface CsActionRequest {
  action: CsAction;
  nodeId: Param;
  /** `msg.filebridge.target`: used for a parameter whose setting is empty. */
  target?: unknown;
  categories?: Param;
  classification?: Param;
  holds?: Param;
  permissionMode?: 'grant' | 'revoke';
  permissions?: Param;
  applyTo?: ApplyTo;
  members?: Param;
  workflowMap?: Param;
  comment?: Param;
  destination?: Param;
  createFolders?: boolean;
  newName?: Param;
  /** The governance target for apply-target (by default msg.filebridge.target). */
  applyTarget?: Param;
  classificationRoot?: number;
}

export interface CsActionOutcome {
  action: CsAction;
  nodeId: number;
  result: Record<string, unknown>;
}

function empty(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

function bad(message: string, details: Record<string, unknown> = {}): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', message, details);
}

/** The setting when it has a value, else the same field of msg.filebridge.target, else an error saying where to put it. */
function pick(param: Param | undefined, target: unknown, field: string, label: string): Param {
  if (param && !empty(param.value)) return param;
  const fromTarget = typeof target === 'object' && target !== null && !Array.isArray(target) ? (target as Record<string, unknown>)[field] : undefined;
  if (!empty(fromTarget)) return { value: fromTarget, from: `msg.filebridge.target.${field}` };
  throw bad(`No ${label}: set "${label}" on the node or msg.filebridge.target.${field}`, { field });
}

function required(param: Param | undefined, label: string): Param {
  if (!param || empty(param.value)) throw bad(`No ${label}: set "${label}" on the node`, { field: label });
  return param;
}

function oneId(v: unknown, from: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return v;
  if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number(v) > 0) return Number(v);
  throw bad(`${from} must be a Content Server node id (a positive whole number), got ${JSON.stringify(v) ?? String(v)}`, { field: from });
}

/** The node id(s): one, or (for a workflow) a list of documents to attach. */
export function nodeIdsOf(param: Param, action: CsAction): number[] {
  if (empty(param.value)) throw bad(`No node id in ${param.from}: connect a cs upload node before this one, or set "Node id"`, { field: param.from });
  if (Array.isArray(param.value)) {
    if (action !== 'workflow') throw bad(`${param.from} holds a list of ids; only the workflow action takes several documents`, { field: param.from });
    if (param.value.length === 0) throw bad(`${param.from} is an empty list of node ids`, { field: param.from });
    return param.value.map((v, i) => oneId(v, `${param.from}[${i}]`));
  }
  if (action === 'workflow' && typeof param.value === 'string' && param.value.includes(',')) {
    return param.value.split(',').map((s, i) => oneId(s, `${param.from}[${i}]`));
  }
  return [oneId(param.value, param.from)];
}

/** Member names: a list, a comma-separated text, or the keys of the permissions object form. */
function memberNames(p: Param): string[] {
  const v = p.value;
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.keys(v) : undefined;
  const names = (list ?? []).map((x) => (typeof x === 'string' ? x.trim() : x));
  if (!list || names.length === 0 || names.some((n) => typeof n !== 'string' || n === '')) {
    throw bad(`${p.from} must list user or group names, e.g. "Partners, jdoe" or ["Partners"]`, { field: p.from });
  }
  return names as string[];
}

function governed(
  client: ContentServerClient,
  nodeId: number,
  t: GovernanceTarget,
  req: CsActionRequest,
  fieldNames: ApplyTargetOptions['fieldNames'],
  attach?: number[],
): Promise<AppliedTarget> {
  return applyTarget(client, nodeId, t, { classificationRoot: req.classificationRoot, fieldNames, attach });
}

export async function runCsAction(client: ContentServerClient, req: CsActionRequest): Promise<CsActionOutcome> {
  const ids = nodeIdsOf(req.nodeId, req.action);
  const nodeId = ids[0];
  const result = await dispatch(client, nodeId, ids, req);
  return { action: req.action, nodeId, result };
}

async function dispatch(client: ContentServerClient, nodeId: number, ids: number[], req: CsActionRequest): Promise<Record<string, unknown>> {
  switch (req.action) {
    case 'categories': {
      const p = pick(req.categories, req.target, 'categories', 'Categories');
      const done = await governed(client, nodeId, { categories: parseCategories(p.value, p.from) }, req, { categories: p.from });
      return { categories: done.categories ?? [] };
    }
    case 'classify': {
      const p = pick(req.classification, req.target, 'classification', 'Classification');
      const t = { classification: parseNodeRef(p.value, p.from, '5120 or "Finance/Invoices"') };
      const done = await governed(client, nodeId, t, req, { classification: p.from });
      return { classification: done.classification };
    }
    case 'hold': {
      const p = pick(req.holds, req.target, 'holds', 'Holds');
      const done = await governed(client, nodeId, { holds: parseHolds(p.value, p.from) }, req, { holds: p.from });
      return { holds: done.holds ?? [] };
    }
    case 'release':
      return releaseHolds(client, nodeId, pick(req.holds, req.target, 'holds', 'Holds'));
    case 'permissions': {
      if (req.permissionMode === 'revoke') return revokeAccess(client, nodeId, required(req.members, 'Members'));
      const p = pick(req.permissions, req.target, 'permissions', 'Permissions');
      const done = await governed(client, nodeId, { permissions: parsePermissions(p.value, p.from, req.applyTo ?? 0) }, req, { permissions: p.from });
      return { granted: done.permissions ?? [] };
    }
    case 'workflow': {
      const fromTarget = typeof req.target === 'object' && req.target !== null ? (req.target as Record<string, unknown>).workflow : undefined;
      const map = req.workflowMap && !empty(req.workflowMap.value) ? req.workflowMap : undefined;
      let t: GovernanceTarget;
      let fieldNames: ApplyTargetOptions['fieldNames'];
      if (map) {
        const comment = req.comment && !empty(req.comment.value) ? req.comment.value : undefined;
        if (comment !== undefined && typeof comment !== 'string') throw bad(`${req.comment?.from ?? 'Comment'} must be a text`, { field: req.comment?.from });
        t = { workflow: { map: parseNodeRef(map.value, map.from, '4711 or "Enterprise:Workflows/Invoice approval"'), comment } };
        fieldNames = { workflow: map.from };
      } else if (!empty(fromTarget)) {
        t = parseGovernanceTarget({ workflow: fromTarget }, 'msg.filebridge.target');
      } else {
        throw bad('No workflow map: set "Workflow map" on the node or msg.filebridge.target.workflow = { map, comment }', { field: 'workflow' });
      }
      const done = await governed(client, nodeId, t, req, fieldNames, ids.slice(1));
      return { ...(done.workflow ?? {}) };
    }
    case 'move':
      return moveNode(client, nodeId, required(req.destination, 'Destination'), req.createFolders === true);
    case 'rename':
      return renameNode(client, nodeId, required(req.newName, 'New name'));
    case 'apply-target': {
      const p = req.applyTarget && !empty(req.applyTarget.value) ? req.applyTarget : { value: req.target, from: 'msg.filebridge.target' };
      const t = parseGovernanceTarget(p.value, p.from);
      if (isEmptyTarget(t)) {
        throw bad(`${p.from} has nothing to apply: give categories, classification, holds, permissions or workflow`, { field: p.from });
      }
      return { ...(await applyTarget(client, nodeId, t, { classificationRoot: req.classificationRoot, where: p.from })) };
    }
  }
}

async function releaseHolds(client: ContentServerClient, nodeId: number, p: Param): Promise<Record<string, unknown>> {
  const holds = await resolveHolds(client, parseHolds(p.value, p.from), p.from);
  const present = new Set((await client.governance.nodeHolds(nodeId)).map((h) => h.id));
  const released: { id: number; name: string }[] = [];
  const notOnHold: string[] = [];
  // The server wants hold calls one at a time.
  for (const h of holds) {
    if (!present.has(h.id)) {
      notOnHold.push(h.name);
      continue;
    }
    await client.governance.removeHold(nodeId, h.id);
    present.delete(h.id);
    released.push({ id: h.id, name: h.name });
  }
  return { released, notOnHold };
}

async function revokeAccess(client: ContentServerClient, nodeId: number, p: Param): Promise<Record<string, unknown>> {
  const members = await resolveMembers(client, memberNames(p), p.from);
  const assigned = new Set((await client.governance.permissions(nodeId)).filter((x) => x.type === 'custom').map((x) => numberProp(x, 'right_id')));
  const revoked: { member: string; memberId: number }[] = [];
  const hadNoAccess: string[] = [];
  for (const m of members) {
    if (!assigned.has(m.id)) {
      hadNoAccess.push(m.name);
      continue;
    }
    await client.governance.revoke(nodeId, m);
    assigned.delete(m.id);
    revoked.push({ member: m.name, memberId: m.id });
  }
  return { revoked, hadNoAccess };
}

async function moveNode(client: ContentServerClient, nodeId: number, p: Param, createFolders: boolean): Promise<Record<string, unknown>> {
  const dest = p.value;
  if (typeof dest !== 'number' && typeof dest !== 'string')
    throw bad(`${p.from} must be a folder path such as Enterprise:Archive/2026 or a folder id`, { field: p.from });
  const before = await client.getNode(nodeId);
  const parentId = await client.resolveFolder(dest, { create: createFolders });
  if (parentId === nodeId) throw bad(`${p.from} is the node itself (${nodeId}): an item cannot be moved into itself`, { field: p.from });
  const after = before.parentId === parentId ? before : await client.nodes.move(nodeId, parentId);
  return { id: after.id, name: after.name, parentId, previousParentId: before.parentId, moved: before.parentId !== parentId };
}

async function renameNode(client: ContentServerClient, nodeId: number, p: Param): Promise<Record<string, unknown>> {
  if (typeof p.value !== 'string' && typeof p.value !== 'number') throw bad(`${p.from} must be a text (the new name)`, { field: p.from });
  const name = String(p.value).trim();
  if (name.includes(':') || name.length > 248)
    throw bad(`${p.from}: '${name}' is not a valid Content Server name (at most 248 characters, no ':')`, { field: p.from });
  const before = await client.getNode(nodeId);
  const after = before.name === name ? before : await client.nodes.rename(nodeId, name);
  return { id: after.id, name: after.name, previousName: before.name, renamed: before.name !== name };
}

/** Short status text for what an action did. */
export function summarize(o: CsActionOutcome): string {
  const r = o.result;
  const names = (v: unknown, key: string): string =>
    Array.isArray(v) ? v.map((x: unknown) => (typeof x === 'object' && x !== null ? String((x as Record<string, unknown>)[key]) : String(x))).join(', ') : '';
  let text: string;
  switch (o.action) {
    case 'categories':
      text = `categories: ${names(r.categories, 'name')}`;
      break;
    case 'classify':
      text = `classified ${String(r.classification)}`;
      break;
    case 'hold':
      text = `on hold: ${names(r.holds, 'name')}`;
      break;
    case 'release':
      text = `released: ${names(r.released, 'name') || 'none'}`;
      break;
    case 'permissions':
      text = 'granted' in r ? `granted: ${names(r.granted, 'member')}` : `revoked: ${names(r.revoked, 'member') || 'none'}`;
      break;
    case 'workflow':
      text = `workflow ${String(r.processId)} started`;
      break;
    case 'move':
      text = r.moved ? `moved to ${String(r.parentId)}` : 'already there';
      break;
    case 'rename':
      text = `renamed: ${String(r.name)}`;
      break;
    case 'apply-target':
      text = `applied: ${Object.keys(r).join(', ') || 'nothing'}`;
      break;
  }
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
