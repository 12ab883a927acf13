/**
 * The dialog of `filebridge-f360-put` ("file360 put") turned into settings: every field checked at
 * deploy, with an error that names the field and what to type instead.
 */
import { FileBridgeError } from '../errors';
import type { CollisionStrategy } from './client';
import { F360_COLLISION_STRATEGIES, F360_ROLES, type F360PrincipalType, type F360Role } from './contract';
import { checkFolderTemplate } from './folder-template';
import { folderPathParts } from './client';

/** The dialog's fields, as Node-RED hands them over (untrusted: an imported flow can hold anything). */
export interface F360PutConfigFields {
  folder?: unknown;
  createFolders?: unknown;
  collision?: unknown;
  shares?: unknown;
  details?: unknown;
  detailsFolder?: unknown;
}

/** One row of the Share list: a group or user by name, in a role. */
export interface F360ShareSpec {
  kind: F360PrincipalType;
  name: string;
  role: F360Role;
}

export const F360_DETAILS_MODES = ['none', 'record'] as const;
export type F360DetailsMode = (typeof F360_DETAILS_MODES)[number];
export const DEFAULT_DETAILS_FOLDER = 'Transfer details';

export interface F360PutSettings {
  /** Folder path template relative to the user's root (`Suppliers/{fields.supplier}/{yyyy}`); '' = the root. */
  folder: string;
  createFolders: boolean;
  collision: CollisionStrategy;
  shares: F360ShareSpec[];
  details: F360DetailsMode;
  /** Subfolder (path) of the target folder where the transfer details documents go. */
  detailsFolder: string;
}

function bool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new FileBridgeError('INVALID_INPUT', `"Create missing folders" must be true or false, not ${JSON.stringify(value)}.`);
}

export function collisionOf(value: unknown, where = 'If it exists'): CollisionStrategy {
  const text = value === undefined || value === null || value === '' ? 'fail' : value;
  if (typeof text !== 'string' || !(F360_COLLISION_STRATEGIES as readonly string[]).includes(text)) {
    throw new FileBridgeError('INVALID_INPUT', `${where}: ${JSON.stringify(value)} is not one of fail, overwrite, rename.`);
  }
  return text as CollisionStrategy;
}

/** The Share rows: each a group or a user by its exact name, in a role; the same one twice is refused. */
export function sharesOf(value: unknown): F360ShareSpec[] {
  if (value === undefined || value === null || value === '') return [];
  if (!Array.isArray(value)) throw new FileBridgeError('INVALID_INPUT', 'Share: expected a list of { kind, name, role } rows.');
  const out: F360ShareSpec[] = [];
  const rows: unknown[] = value;
  rows.forEach((raw, i) => {
    const row = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const at = `Share row ${i + 1}`;
    const kind = row.kind ?? 'group';
    if (kind !== 'group' && kind !== 'user')
      throw new FileBridgeError('INVALID_INPUT', `${at}: share with a "group" or a "user", not ${JSON.stringify(kind)}.`);
    const name = typeof row.name === 'string' ? row.name.trim() : '';
    if (name === '' || name.length > 256) {
      throw new FileBridgeError('INVALID_INPUT', `${at}: name the ${kind} (its exact File 360 name${kind === 'user' ? ' or e-mail address' : ''}).`);
    }
    const role = row.role ?? 'viewer';
    if (typeof role !== 'string' || !(F360_ROLES as readonly string[]).includes(role)) {
      throw new FileBridgeError('INVALID_INPUT', `${at}: the role ${JSON.stringify(role)} is not one of ${F360_ROLES.join(', ')}.`);
    }
    const key = `${kind}:${kind === 'user' ? name.toLowerCase() : name}`;
    if (out.some((s) => `${s.kind}:${s.kind === 'user' ? s.name.toLowerCase() : s.name}` === key)) {
      throw new FileBridgeError('INVALID_INPUT', `${at}: the ${kind} "${name}" is listed twice; keep one row with the role it should have.`);
    }
    out.push({ kind, name, role: role as F360Role });
  });
  return out;
}

function detailsOf(value: unknown): F360DetailsMode {
  const text = value === undefined || value === null || value === '' ? 'record' : value;
  if (typeof text !== 'string' || !(F360_DETAILS_MODES as readonly string[]).includes(text)) {
    throw new FileBridgeError('INVALID_INPUT', `Transfer details: ${JSON.stringify(value)} is not one of none, record.`);
  }
  return text as F360DetailsMode;
}

function detailsFolderOf(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : value;
  if (typeof text !== 'string') throw new FileBridgeError('INVALID_INPUT', 'Details folder: expected a folder name such as "Transfer details".');
  if (text === '') return DEFAULT_DETAILS_FOLDER;
  try {
    return folderPathParts(text).join('/') || DEFAULT_DETAILS_FOLDER;
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `Details folder: ${(err as Error).message}`);
  }
}

/** The settings of a deployed file360 put node, or INVALID_INPUT naming the field to fix. */
export function f360PutSettingsFromConfig(fields: F360PutConfigFields): F360PutSettings {
  const folder = typeof fields.folder === 'string' ? fields.folder.trim() : fields.folder === undefined || fields.folder === null ? '' : fields.folder;
  if (typeof folder !== 'string') throw new FileBridgeError('INVALID_INPUT', 'Folder: expected a folder path such as Suppliers/{fields.supplier}/{yyyy}.');
  checkFolderTemplate(folder, 'Folder');
  return {
    folder,
    createFolders: bool(fields.createFolders, true),
    collision: collisionOf(fields.collision),
    shares: sharesOf(fields.shares),
    details: detailsOf(fields.details),
    detailsFolder: detailsFolderOf(fields.detailsFolder),
  };
}
