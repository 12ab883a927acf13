/**
 * "File it into the workspace of business object X": finding (or creating) the business workspace a
 * target names, and the folder inside it. Flows know business object ids from file names, not
 * workspace node ids.
 */
import { FileBridgeError } from '../errors';
import { isObject, type JsonObject } from './envelopes';
import type { PathResolver } from './paths';
import type { BusinessObject, Workspaces } from './workspaces';

export interface WorkspaceTarget {
  /** Exact workspace name (case-insensitive). */
  name?: string;
  /** Workspace type id, narrowing a search by name. */
  type?: number;
  businessObject?: BusinessObject;
  /** Create the workspace from this template when none is found. */
  create?: { templateId: number; workspaceTypeId: number; name?: string; parent?: string | number; description?: string; categories?: JsonObject };
}

export interface LocatedWorkspace {
  id: number;
  name: string;
  created: boolean;
}

function bad(field: string, what: string): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', `workspace.${field} ${what}`, { field: `workspace.${field}` });
}

function optionalText(o: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw bad(field, `must be text, got ${typeof v}`);
  return v;
}

function id(o: Record<string, unknown>, key: string, field: string, required: boolean): number | undefined {
  const v = o[key];
  if (v === undefined || v === null || v === '') {
    if (required) throw bad(field, 'is required (a node id)');
    return undefined;
  }
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0) throw bad(field, `must be a node id, got '${String(v)}'`);
  return n;
}

/** Checks a `target.workspace` from a message; errors name the field and what it takes. */
export function parseWorkspaceTarget(value: unknown): WorkspaceTarget {
  if (!isObject(value))
    throw new FileBridgeError(
      'INVALID_INPUT',
      'msg.filebridge.target.workspace must be an object such as { businessObject: { extSystemId, boType, boId } } or { name }',
      { field: 'workspace' },
    );
  const out: WorkspaceTarget = { name: optionalText(value, 'name', 'name'), type: id(value, 'type', 'type', false) };
  if (value.businessObject !== undefined) {
    const bo = value.businessObject;
    if (!isObject(bo)) throw bad('businessObject', 'must be an object { extSystemId, boType, boId }');
    const parts = ['extSystemId', 'boType', 'boId'].map((k) => optionalText(bo, k, `businessObject.${k}`));
    const missing = ['extSystemId', 'boType', 'boId'].filter((_, i) => parts[i] === undefined);
    if (missing.length > 0) throw bad('businessObject', `needs ${missing.join(', ')} (a workspace is found by all three)`);
    out.businessObject = { extSystemId: parts[0] as string, boType: parts[1] as string, boId: parts[2] as string };
  }
  if (value.create !== undefined) {
    const c = value.create;
    if (!isObject(c)) throw bad('create', 'must be an object { templateId, workspaceTypeId, name? }');
    const parent = c.parent;
    if (parent !== undefined && typeof parent !== 'string' && typeof parent !== 'number') throw bad('create.parent', 'must be a folder path or node id');
    if (c.categories !== undefined && !isObject(c.categories)) throw bad('create.categories', 'must be an object of flat {cat}_{attr} keys');
    out.create = {
      templateId: id(c, 'templateId', 'create.templateId', true) as number,
      workspaceTypeId: id(c, 'workspaceTypeId', 'create.workspaceTypeId', true) as number,
      name: optionalText(c, 'name', 'create.name'),
      parent,
      description: optionalText(c, 'description', 'create.description'),
      categories: c.categories as JsonObject | undefined,
    };
  }
  if (!out.businessObject && out.name === undefined)
    throw new FileBridgeError('INVALID_INPUT', 'msg.filebridge.target.workspace needs a businessObject { extSystemId, boType, boId } or a name', {
      field: 'workspace',
    });
  return out;
}

/**
 * The folder target inside a workspace: none = the workspace itself; `Invoices/2026` = below it; an
 * id or a rooted path (`Enterprise:...`, `123:...`) stays as given.
 */
export function folderWithin(workspaceId: number, folder: string | number | undefined): string | number {
  if (folder === undefined || (typeof folder === 'string' && folder.trim() === '')) return workspaceId;
  if (typeof folder === 'number' || /^\d+$/.test(folder.trim()) || folder.includes(':')) return folder;
  return `${workspaceId}:${folder.replace(/^\/+/, '')}`;
}

export class WorkspaceLocator {
  /** One find-or-create at a time per workspace key: two files for a new customer must not make two workspaces. */
  private readonly pending = new Map<string, Promise<LocatedWorkspace>>();

  constructor(
    private readonly workspaces: Workspaces,
    private readonly paths: PathResolver,
  ) {}

  locate(t: WorkspaceTarget): Promise<LocatedWorkspace> {
    const key = t.businessObject
      ? `bo\u0000${t.businessObject.extSystemId}\u0000${t.businessObject.boType}\u0000${t.businessObject.boId}`
      : `name\u0000${(t.name ?? '').toLowerCase()}\u0000${t.type ?? ''}`;
    const previous = this.pending.get(key) ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.findOrCreate(t));
    this.pending.set(key, next);
    const cleanup = (): void => {
      if (this.pending.get(key) === next) this.pending.delete(key);
    };
    next.then(cleanup, cleanup);
    return next;
  }

  private async findOrCreate(t: WorkspaceTarget): Promise<LocatedWorkspace> {
    if (t.businessObject) {
      const found = await this.workspaces.byBusinessObject(t.businessObject);
      if (found) return { id: found.id, name: found.name, created: false };
      const bo = t.businessObject;
      if (!t.create) {
        throw new FileBridgeError(
          'NOT_FOUND',
          `No business workspace for ${bo.extSystemId} / ${bo.boType} / ${bo.boId}; add workspace.create (templateId, workspaceTypeId) to have it created`,
          { businessObject: `${bo.extSystemId}/${bo.boType}/${bo.boId}` },
        );
      }
      return this.create(t, t.create.name ?? t.name ?? bo.boId);
    }
    const name = t.name ?? '';
    const hits = await this.workspaces.find({ name, workspaceTypeId: t.type });
    if (hits.length === 1) return { id: hits[0].id, name: hits[0].name, created: false };
    if (hits.length > 1) {
      throw new FileBridgeError(
        'CONFLICT',
        `${hits.length} business workspaces are named '${name}' (ids ${hits.map((h) => h.id).join(', ')}); give workspace.type or a business object`,
        { workspace: name },
      );
    }
    if (!t.create) throw new FileBridgeError('NOT_FOUND', `No business workspace named '${name}'${t.type ? ` of type ${t.type}` : ''}`, { workspace: name });
    return this.create(t, t.create.name ?? name);
  }

  private async create(t: WorkspaceTarget, name: string): Promise<LocatedWorkspace> {
    const c = t.create as NonNullable<WorkspaceTarget['create']>;
    const parentId = c.parent === undefined ? undefined : await this.paths.resolve(c.parent);
    const ws = await this.workspaces.create({
      templateId: c.templateId,
      workspaceTypeId: c.workspaceTypeId,
      name,
      parentId,
      description: c.description,
      businessObject: t.businessObject,
      categories: c.categories,
    });
    return { id: ws.id, name: ws.name, created: true };
  }
}
