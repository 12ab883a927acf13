/**
 * Typed views of File 360 answers. Everything a server sends is untrusted: every field is checked,
 * ids are kept as strings (a number that is a safe integer is written as its digits; larger ones were
 * turned into strings by `parseF360Json`), names must be names.
 */
import { FileBridgeError } from '../errors';
import { F360_FIELDS, type F360PrincipalType, type F360Role } from './contract';

export interface File360Resource {
  id: string;
  name: string;
  kind: 'folder' | 'document';
  parentId?: string;
  size?: number;
  created?: string;
  lastModified?: string;
  isShared?: boolean;
  shareCount?: number;
  childCount?: number;
}

export interface File360User {
  id: string;
  rootId: string;
  email?: string;
  displayName?: string;
}

export interface File360Principal {
  id: string;
  type: F360PrincipalType;
  name: string;
  email?: string;
}

export interface File360Collaborator {
  id: string;
  type: F360PrincipalType;
  role?: string;
  name?: string;
  email?: string;
}

export interface File360Token {
  accessToken: string;
  expiresInSeconds?: number;
}

type Json = Record<string, unknown>;

export function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** An id as a string: a string of digits as it is, a safe integer written out; anything else undefined. */
export function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return /^[0-9A-Za-z_-]{1,64}$/.test(value) ? value : undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  return undefined;
}

/** A count or size: a non-negative safe integer, given as a number or as digits (pyxecm shows `'childCount': '4'`). */
function countOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A name a server may give a folder or document: no path separators, control characters, `.`/`..`. */
export function isValidName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\u0000-\u001f\u007f]/.test(name);
}

function kindOf(value: unknown): 'folder' | 'document' | undefined {
  const t = F360_FIELDS.resourceTypes;
  if ((t.folder as readonly unknown[]).includes(value)) return 'folder';
  if ((t.document as readonly unknown[]).includes(value)) return 'document';
  return undefined;
}

/** One resource of a listing or answer; throws CONNECTION naming `where` when it is not one. */
export function parseResource(value: unknown, where: string, expected?: 'folder' | 'document'): File360Resource {
  const f = F360_FIELDS.resource;
  const r = record(value);
  const id = idOf(r?.[f.id]);
  const name = text(r?.[f.name]);
  const kind = kindOf(r?.[f.resourceType]) ?? expected;
  if (!r || id === undefined || name === undefined || kind === undefined) {
    throw new FileBridgeError('CONNECTION', `File 360 answered ${where} with an item that has no id, name or type.`, { request: where });
  }
  if (!isValidName(name)) {
    throw new FileBridgeError('CONNECTION', `File 360 answered ${where} with an item whose name is not a valid name.`, { request: where, id });
  }
  const out: File360Resource = { id, name, kind };
  const parentId = idOf(r[f.parentId]);
  if (parentId !== undefined) out.parentId = parentId;
  const size = countOf(r[f.size]);
  if (size !== undefined) out.size = size;
  const created = text(r[f.created]);
  if (created !== undefined) out.created = created;
  const lastModified = text(r[f.lastModified]);
  if (lastModified !== undefined) out.lastModified = lastModified;
  if (typeof r[f.isShared] === 'boolean') out.isShared = r[f.isShared] as boolean;
  const shareCount = countOf(r[f.shareCount]);
  if (shareCount !== undefined) out.shareCount = shareCount;
  const childCount = countOf(r[f.childCount]);
  if (childCount !== undefined) out.childCount = childCount;
  return out;
}

/** The items of a list answer: a bare array, or an object wrapping it in one of `wrappers`. */
export function listItems(body: unknown, where: string, wrappers: readonly string[] = [F360_FIELDS.results]): unknown[] {
  if (Array.isArray(body)) return body;
  const r = record(body);
  for (const w of wrappers) if (r && Array.isArray(r[w])) return r[w] as unknown[];
  throw new FileBridgeError('CONNECTION', `File 360 answered ${where} with something that is not a list.`, { request: where });
}

export function parseResourceList(body: unknown, where: string): File360Resource[] {
  return listItems(body, where).map((item) => parseResource(item, where));
}

export function parseMe(body: unknown, where: string): File360User {
  const f = F360_FIELDS.me;
  const r = record(body);
  const id = idOf(r?.[f.id]);
  const rootId = idOf(r?.[f.rootId]);
  if (!r || id === undefined || rootId === undefined) {
    throw new FileBridgeError('CONNECTION', `File 360 answered ${where} without the user's id and root folder id (rootId).`, { request: where });
  }
  const out: File360User = { id, rootId };
  const email = text(r[f.email]);
  if (email) out.email = email;
  const display = text(r[f.displayName]) ?? ([text(r[f.firstName]), text(r[f.lastName])].filter(Boolean).join(' ') || undefined);
  if (display) out.displayName = display;
  return out;
}

/** Users or groups of a search answer (`{results:[..], total}` or a bare list); items without an id are skipped. */
export function parsePrincipals(body: unknown, where: string, type: F360PrincipalType): File360Principal[] {
  const f = F360_FIELDS.principal;
  const out: File360Principal[] = [];
  for (const item of listItems(body, where)) {
    const r = record(item);
    const id = idOf(r?.[f.id]);
    if (!r || id === undefined) continue;
    const itemType = text(r[f.type]);
    if (itemType !== undefined && itemType !== type) continue;
    const name = text(r[f.name]) ?? text(r[f.displayName]) ?? ([text(r[f.firstName]), text(r[f.lastName])].filter(Boolean).join(' ') || text(r[f.email]) || '');
    const p: File360Principal = { id, type, name };
    const email = text(r[f.email]);
    if (email) p.email = email;
    if (type === 'user' && text(r[f.displayName])) p.name = text(r[f.displayName]) as string;
    out.push(p);
  }
  return out;
}

export function parseCollaborators(body: unknown, where: string): File360Collaborator[] {
  const f = F360_FIELDS.collaborator;
  const out: File360Collaborator[] = [];
  for (const item of listItems(body, where, F360_FIELDS.collaboratorLists)) {
    const r = record(item);
    const id = idOf(r?.[f.id]);
    const type = text(r?.[f.type]);
    if (!r || id === undefined || (type !== 'user' && type !== 'group')) continue;
    const c: File360Collaborator = { id, type };
    const role = text(r[f.role]);
    if (role) c.role = role;
    const name = text(r[f.name]) ?? text(r[f.displayName]);
    if (name) c.name = name;
    const email = text(r[f.email]);
    if (email) c.email = email;
    out.push(c);
  }
  return out;
}

export function isRole(value: unknown): value is F360Role {
  return value === 'viewer' || value === 'editor' || value === 'owner';
}
