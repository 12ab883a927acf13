/**
 * What the editor's folder and category pickers show: one folder with its children, and the
 * categories (with attribute names and types) a node offers. Users pick names; flows keep paths.
 */
import { FileBridgeError } from '../errors';
import type { AttributeType } from './categories';
import type { ContentServerClient } from './client';
import type { CsNode } from './nodes';
import { ROOTS, parseTarget } from './paths';

export interface BrowseEntry {
  id: number;
  name: string;
  type: number;
  container: boolean;
}

export interface BrowseFolder {
  id: number;
  name: string;
  /** `Enterprise:Partners/ACME` when the folder lies under the Enterprise workspace, else its id. */
  path: string;
}

export interface BrowseResult {
  folder: BrowseFolder;
  /** The parent to go "up" to; undefined at a root. */
  parent: BrowseFolder | undefined;
  children: BrowseEntry[];
  /** True when the folder has more children than `limit`. */
  truncated: boolean;
}

export interface PickerCategory {
  id: number;
  name: string;
  attributes: { key: string; name: string; type: AttributeType; required: boolean; multiValue: boolean; validValues?: string[] }[];
}

/** Enough for a picker; a folder with more is one the user should type a path into. */
export const BROWSE_LIMIT = 500;
/** Guards the walk up to the root against a cycle or a very deep tree. */
const MAX_DEPTH = 64;

const ENTERPRISE = ROOTS.enterprise;

/** A folder given by id (number or digits) or path (`Enterprise:A/B`, `123:A`); default the Enterprise workspace. */
export async function resolveBrowseTarget(client: ContentServerClient, target: string | number | undefined): Promise<number> {
  if (target === undefined || target === null || (typeof target === 'string' && target.trim() === '')) return ENTERPRISE;
  if (typeof target === 'string' && /^\s*\d+\s*$/.test(target)) return Number(target);
  parseTarget(target);
  return client.resolveFolder(target);
}

/** The path of a node for the pickers, walking parents up to the Enterprise workspace. */
export async function pathOf(client: ContentServerClient, node: CsNode): Promise<string> {
  const names: string[] = [];
  let current = node;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (current.id === ENTERPRISE) return names.length === 0 ? 'Enterprise' : `Enterprise:${names.reverse().join('/')}`;
    if (current.parentId === undefined || current.parentId <= 0) break;
    names.push(current.name);
    current = await client.getNode(current.parentId);
  }
  // Outside the Enterprise workspace (a personal or business workspace volume): the id is the stable name.
  return String(node.id);
}

export async function browseFolder(client: ContentServerClient, target: string | number | undefined, limit = BROWSE_LIMIT): Promise<BrowseResult> {
  const id = await resolveBrowseTarget(client, target);
  const node = await client.getNode(id);
  if (!node.container) throw new FileBridgeError('INVALID_INPUT', `'${node.name}' (${node.id}) is not a folder: pick a folder to browse`, { nodeId: node.id });
  const children: BrowseEntry[] = [];
  let truncated = false;
  for await (const child of client.nodes.children(id)) {
    if (children.length >= limit) {
      truncated = true;
      break;
    }
    children.push({ id: child.id, name: child.name, type: child.type, container: child.container });
  }
  children.sort((a, b) => Number(b.container) - Number(a.container) || a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
  let parent: BrowseFolder | undefined;
  if (id !== ENTERPRISE && node.parentId !== undefined && node.parentId > 0) {
    const p = await client.getNode(node.parentId);
    parent = { id: p.id, name: p.name, path: await pathOf(client, p) };
  }
  return { folder: { id: node.id, name: node.name, path: await pathOf(client, node) }, parent, children, truncated };
}

/** Categories a node offers (its own and the connection's templates), with their attributes. */
export async function pickerCategories(client: ContentServerClient, target: string | number | undefined): Promise<PickerCategory[]> {
  const id = await resolveBrowseTarget(client, target);
  await client.getNode(id); // NOT_FOUND for an unknown node rather than an empty list
  const defs = await client.categories.definitionsFor(id);
  return defs.map((d) => ({
    id: d.id,
    name: d.name,
    attributes: d.attributes.map((a) => ({
      key: a.key,
      name: a.name,
      type: a.type,
      required: a.required,
      multiValue: a.multiValue,
      ...(a.validValues ? { validValues: a.validValues } : {}),
    })),
  }));
}
