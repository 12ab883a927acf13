/**
 * The simulator's repository: nodes, versions (content as files under the data dir), applied
 * categories. Metadata lives in memory; every change appends the records it touched to a journal
 * (journal.ts), so a simulator restarted on the same data dir sees the same repository.
 */
import { mkdirSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkValues, completeValues, type CategoryValues } from './categories';
import { badRequest, invalid, nameExists, noAccess } from './errors';
import type { UploadedFile, Value } from './forms';
import { StateJournal } from './journal';
import type { Seed, SeedCategory, SeedUser } from './seed';

export const TYPE_NAMES: Record<number, string> = {
  0: 'Folder',
  1: 'Shortcut',
  128: 'Workflow Map',
  131: 'Category',
  133: 'Category Volume',
  198: 'Classification Volume',
  136: 'Compound Document',
  141: 'Enterprise Workspace',
  144: 'Document',
  145: 'Text Document',
  551: 'RM Classification',
  848: 'Business Workspace',
};
const CONTAINER_TYPES = new Set([0, 133, 136, 141, 198, 551, 848]);
/** Node types a client may create through POST /nodes in this simulator. */
const CREATABLE_TYPES = new Set([0, 144]);

export interface SimVersion {
  version_number: number;
  version_number_major: number;
  version_number_minor: number;
  file_name: string;
  file_size: number;
  mime_type: string;
  create_date: string;
  description: string;
  owner_id: number;
  sha256: string;
  /** Relative to the data dir. */
  content: string;
}

export interface SimNode {
  id: number;
  parent_id: number;
  name: string;
  type: number;
  description: string;
  create_date: string;
  modify_date: string;
  owner_user_id: number;
  external_create_date: string | null;
  external_modify_date: string | null;
  external_source: string;
  external_identity: string;
  external_identity_type: string;
  deleted: boolean;
  versions: SimVersion[];
  /** Applied categories by category id (as string: JSON keys). */
  categories: Record<string, CategoryValues>;
  /** Containers: ids of applied categories whose inheritance is on (new items inside get them). */
  inherit?: string[];
  /** Business workspaces only: their type and business object. */
  workspace?: { type_id: number; ext_system_id: string; bo_type: string; bo_id: string };
}

interface State {
  nextId: number;
  nodes: SimNode[];
}

export interface CreateInput {
  parent_id: number;
  type: number;
  name: string;
  description?: string;
  external_create_date?: string;
  external_modify_date?: string;
  external_source?: string;
  external_identity?: string;
  external_identity_type?: string;
  file?: UploadedFile;
  /** Already grouped by category id. */
  categories?: Record<string, Record<string, Value>>;
}

export interface VersionInput {
  file: UploadedFile;
  description?: string;
  add_major_version?: boolean;
  external_create_date?: string;
  external_modify_date?: string;
  categories?: Record<string, Record<string, Value>>;
}

/** Server-style timestamp: ISO UTC without milliseconds. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MIME_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  xml: 'application/xml',
  json: 'application/json',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

function mimeOf(file: UploadedFile): string {
  const given = file.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (given && given !== 'application/octet-stream') return given;
  const ext = /\.([A-Za-z0-9]+)$/.exec(file.filename)?.[1]?.toLowerCase() ?? '';
  return MIME_BY_EXT[ext] ?? 'application/octet-stream';
}

export class ContentStore {
  readonly users: SeedUser[];
  readonly categories = new Map<number, SeedCategory>();
  private readonly nodes = new Map<number, SimNode>();
  private readonly childIds = new Map<number, Set<number>>();
  private nextId = 100000;
  /** How dates are answered; `legacy` imitates older servers (no zone). */
  dateStyle: 'zulu' | 'legacy' = 'zulu';
  readonly tmpDir: string;
  private readonly journal: StateJournal<SimNode>;

  constructor(
    readonly dataDir: string,
    seed: Seed,
  ) {
    this.users = seed.users;
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.tmpDir, { recursive: true });
    mkdirSync(join(dataDir, 'content'), { recursive: true });
    for (const c of seed.categories) this.categories.set(c.id, c);
    this.journal = new StateJournal<SimNode>(dataDir);
    const state = this.journal.load();
    if (state) {
      this.nextId = state.nextId;
      for (const n of state.nodes) this.index(n);
    } else {
      const stamp = now();
      const base = (id: number, parent: number, name: string, type: number, description = ''): SimNode => ({
        id,
        parent_id: parent,
        name,
        type,
        description,
        create_date: stamp,
        modify_date: stamp,
        owner_user_id: 1000,
        external_create_date: null,
        external_modify_date: null,
        external_source: '',
        external_identity: '',
        external_identity_type: '',
        deleted: false,
        versions: [],
        categories: {},
      });
      for (const n of seed.nodes) {
        const node = base(n.id, n.parent_id, n.name, n.type, n.description);
        if (n.workspace) node.workspace = { ...n.workspace };
        if (n.categories) node.categories = this.checkCategories(n.categories);
        this.index(node);
      }
      for (const c of seed.categories) this.index(base(c.id, c.parent_id, c.name, 131));
      this.journal.compact(this.state());
    }
  }

  private index(n: SimNode): void {
    this.nodes.set(n.id, n);
    if (n.deleted) return;
    let set = this.childIds.get(n.parent_id);
    if (!set) this.childIds.set(n.parent_id, (set = new Set()));
    set.add(n.id);
  }

  private state(): State {
    return { nextId: this.nextId, nodes: [...this.nodes.values()] };
  }

  /** Records a change: the nodes it touched. */
  private persist(...changed: SimNode[]): void {
    this.journal.append(this.nextId, changed, () => this.state());
  }

  /** A live (not deleted) node, or undefined. */
  get(id: number): SimNode | undefined {
    const n = this.nodes.get(id);
    return n && !n.deleted ? n : undefined;
  }

  /** A live node, or the generic "could not be accessed" 500. */
  require(id: number): SimNode {
    const n = this.get(id);
    if (!n) throw noAccess();
    return n;
  }

  children(id: number): SimNode[] {
    return [...(this.childIds.get(id) ?? [])].map((c) => this.nodes.get(c)).filter((n): n is SimNode => n !== undefined);
  }

  isContainer(n: SimNode): boolean {
    return CONTAINER_TYPES.has(n.type);
  }

  /** Volume id as the API reports it: minus the id of the top-level volume. */
  volumeId(n: SimNode): number {
    let cur = n;
    for (let guard = 0; cur.parent_id !== -1 && guard < 1000; guard++) {
      const p = this.nodes.get(cur.parent_id);
      if (!p) break;
      cur = p;
    }
    return -cur.id;
  }

  ancestors(n: SimNode): SimNode[] {
    const chain: SimNode[] = [n];
    let cur = n;
    while (cur.parent_id !== -1) {
      const p = this.nodes.get(cur.parent_id);
      if (!p) break;
      chain.unshift(p);
      cur = p;
    }
    return chain;
  }

  findChildByName(parentId: number, name: string): SimNode | undefined {
    const lower = name.toLowerCase();
    return this.children(parentId).find((c) => c.name.toLowerCase() === lower);
  }

  latest(n: SimNode): SimVersion | undefined {
    return n.versions[n.versions.length - 1];
  }

  contentPath(v: SimVersion): string {
    return join(this.dataDir, v.content);
  }

  category(id: number): SeedCategory {
    const c = this.categories.get(id);
    if (!c) throw invalid(`Invalid category ID ${id}`);
    return c;
  }

  /**
   * What Content Server refuses in an item name: empty, more than 248 characters, a ':' (OpenText's
   * pyxecm: OTCS.MAX_ITEM_NAME_LENGTH = 248 and cleanse_item_name, opentext/pyxecm
   * packages/pyxecm/src/pyxecm/otcs.py).
   */
  private checkName(name: string): string {
    const trimmed = name.trim();
    if (trimmed === '') throw badRequest('Invalid name: a name cannot be empty');
    if (trimmed.length > 248) throw badRequest('Invalid name: a name cannot be longer than 248 characters');
    if (trimmed.includes(':')) throw badRequest(`Invalid name '${trimmed}': a name cannot contain ':'`);
    return trimmed;
  }

  private checkCategories(input: Record<string, Record<string, Value>>): Record<string, CategoryValues> {
    const out: Record<string, CategoryValues> = {};
    for (const [catId, values] of Object.entries(input)) {
      const cat = this.category(Number(catId));
      out[catId] = completeValues(cat, checkValues(cat, values));
    }
    return out;
  }

  private async keepFile(nodeId: number, versionNumber: number, file: UploadedFile): Promise<string> {
    const rel = join('content', `${nodeId}-v${versionNumber}`);
    await rename(file.path, join(this.dataDir, rel));
    return rel;
  }

  private makeVersion(n: SimNode, file: UploadedFile, description: string): SimVersion {
    const number = n.versions.length + 1;
    return {
      version_number: number,
      version_number_major: number,
      version_number_minor: 0,
      file_name: file.filename,
      file_size: file.size,
      mime_type: mimeOf(file),
      create_date: now(),
      description,
      owner_id: n.owner_user_id,
      sha256: file.sha256,
      content: '',
    };
  }

  async create(input: CreateInput, apiVersion: 1 | 2, ownerId: number, workspace?: SimNode['workspace']): Promise<SimNode> {
    const parent = this.require(input.parent_id);
    if (!this.isContainer(parent)) throw invalid(`Invalid parent: node ${parent.id} cannot contain items`);
    const allowed = workspace ? input.type === 848 : CREATABLE_TYPES.has(input.type);
    if (!allowed) throw badRequest(`Invalid type ${input.type}: the simulator creates folders (0) and documents (144) here`);
    const name = this.checkName(input.name);
    if (this.findChildByName(parent.id, name)) throw nameExists(name, apiVersion);
    if (input.type === 144 && !input.file) throw badRequest('Argument file is required');
    const categories = this.checkCategories(this.withInherited(parent, input.categories ?? {}));
    const stamp = now();
    const node: SimNode = {
      id: this.nextId++,
      parent_id: parent.id,
      name,
      type: input.type,
      description: input.description ?? '',
      create_date: stamp,
      modify_date: stamp,
      owner_user_id: ownerId,
      external_create_date: input.external_create_date ?? null,
      external_modify_date: input.external_modify_date ?? null,
      external_source: input.external_source ?? '',
      external_identity: input.external_identity ?? '',
      external_identity_type: input.external_identity_type ?? '',
      deleted: false,
      versions: [],
      categories,
      ...(workspace ? { workspace } : {}),
    };
    if (input.type === 144 && input.file) {
      const v = this.makeVersion(node, input.file, '');
      v.content = await this.keepFile(node.id, 1, input.file);
      node.versions.push(v);
    }
    this.index(node);
    parent.modify_date = stamp;
    this.persist(node, parent);
    return node;
  }

  async addVersion(id: number, input: VersionInput): Promise<SimVersion> {
    const node = this.require(id);
    if (node.type !== 144) throw badRequest(`Node ${id} is not a document: it has no versions`);
    const updates = this.mergedCategories(node, input.categories ?? {});
    const v = this.makeVersion(node, input.file, input.description ?? '');
    v.content = await this.keepFile(node.id, v.version_number, input.file);
    node.versions.push(v);
    Object.assign(node.categories, updates);
    if (input.external_create_date) node.external_create_date = input.external_create_date;
    if (input.external_modify_date) node.external_modify_date = input.external_modify_date;
    node.modify_date = v.create_date;
    this.persist(node);
    return v;
  }

  /** Given category values on top of those the parent passes on (its categories with inheritance on). */
  private withInherited(parent: SimNode, given: Record<string, Record<string, Value>>): Record<string, Record<string, Value>> {
    const out: Record<string, Record<string, Value>> = {};
    for (const catId of parent.inherit ?? []) {
      const values = parent.categories[catId];
      if (values) out[catId] = { ...values };
    }
    for (const [catId, values] of Object.entries(given)) out[catId] = { ...(out[catId] ?? {}), ...values };
    return out;
  }

  /** Checked values of categories given with a version or a move: only the named attributes change. */
  private mergedCategories(node: SimNode, input: Record<string, Record<string, Value>>): Record<string, CategoryValues> {
    const out: Record<string, CategoryValues> = {};
    for (const [catId, values] of Object.entries(input)) {
      const cat = this.category(Number(catId));
      out[catId] = completeValues(cat, { ...(node.categories[catId] ?? {}), ...checkValues(cat, values) });
    }
    return out;
  }

  update(
    id: number,
    changes: { name?: string; parent_id?: number; description?: string; categories?: Record<string, Record<string, Value>> },
    apiVersion: 1 | 2,
  ): SimNode {
    const node = this.require(id);
    const categories = this.mergedCategories(node, changes.categories ?? {});
    const targetParent = changes.parent_id !== undefined ? this.require(changes.parent_id) : this.require(node.parent_id);
    if (!this.isContainer(targetParent)) throw invalid(`Invalid parent: node ${targetParent.id} cannot contain items`);
    if (this.ancestors(targetParent).some((a) => a.id === node.id)) throw invalid('Invalid move: an item cannot be moved into itself');
    const name = changes.name !== undefined ? this.checkName(changes.name) : node.name;
    const clash = this.findChildByName(targetParent.id, name);
    if (clash && clash.id !== node.id) throw nameExists(name, apiVersion);
    if (targetParent.id !== node.parent_id) {
      this.childIds.get(node.parent_id)?.delete(node.id);
      node.parent_id = targetParent.id;
      this.index(node);
    }
    node.name = name;
    if (changes.description !== undefined) node.description = changes.description;
    Object.assign(node.categories, categories);
    node.modify_date = now();
    this.persist(node);
    return node;
  }

  /** Moves the node to the recycle bin: gone for the API, kept on disk. */
  delete(id: number): void {
    const node = this.require(id);
    if (node.parent_id === -1) throw invalid('Invalid request: a volume cannot be deleted');
    node.deleted = true;
    this.childIds.get(node.parent_id)?.delete(node.id);
    this.persist(node);
  }

  applyCategory(id: number, catId: number, values: Record<string, Value>): SimNode {
    const node = this.require(id);
    const cat = this.category(catId);
    if (node.categories[String(catId)]) throw invalid(`Invalid request: category '${cat.name}' is already applied to node ${id}`);
    node.categories[String(catId)] = completeValues(cat, checkValues(cat, values));
    node.modify_date = now();
    this.persist(node);
    return node;
  }

  updateCategory(id: number, catId: number, values: Record<string, Value>): SimNode {
    const node = this.require(id);
    const cat = this.category(catId);
    const current = node.categories[String(catId)];
    if (!current) throw invalid(`Invalid request: category '${cat.name}' is not applied to node ${id}`);
    node.categories[String(catId)] = completeValues(cat, { ...current, ...checkValues(cat, values) });
    node.modify_date = now();
    this.persist(node);
    return node;
  }

  removeCategory(id: number, catId: number): SimNode {
    const node = this.require(id);
    const cat = this.category(catId);
    if (!node.categories[String(catId)]) throw invalid(`Invalid request: category '${cat.name}' is not applied to node ${id}`);
    delete node.categories[String(catId)];
    node.inherit = node.inherit?.filter((c) => c !== String(catId));
    node.modify_date = now();
    this.persist(node);
    return node;
  }

  /** Turns inheritance of an applied category on or off; only containers pass categories on. */
  setCategoryInheritance(id: number, catId: number, on: boolean): SimNode {
    const node = this.require(id);
    const cat = this.category(catId);
    if (!this.isContainer(node)) throw invalid(`Invalid request: '${node.name}' is not a container, so it has no category inheritance`);
    if (!node.categories[String(catId)]) throw invalid(`Invalid request: category '${cat.name}' is not applied to node ${id}`);
    const rest = (node.inherit ?? []).filter((c) => c !== String(catId));
    node.inherit = on ? [...rest, String(catId)] : rest;
    this.persist(node);
    return node;
  }

  /** Everything, deleted nodes included, for the inspection endpoint. */
  all(): SimNode[] {
    return [...this.nodes.values()];
  }

  async discard(file: UploadedFile): Promise<void> {
    await unlink(file.path).catch(() => undefined);
  }
}
