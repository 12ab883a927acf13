/**
 * The Content Server client a node or flow uses: one connection (base URL, credentials, ticket,
 * path cache) and the operations on it.
 */
import { CategoryCatalog, appliedCategoryIds, namedCategoryValues, type CategoryInput } from './categories';
import { changedSince, type Change, type ChangesQuery } from './changes';
import { isObject, type JsonObject } from './envelopes';
import { Governance } from './governance';
import { LargeFileUploads } from './large-upload';
import { search, type SearchQuery } from './search';
import { Workflows, Workspaces } from './workspaces';
import { CsHttp, type CsHttpOptions, type Download } from './http';
import { NodeApi, type CsNode, type CsVersion } from './nodes';
import { PathResolver } from './paths';
import { Uploader, type UploadRequest, type UploadResult, type VersionRequest } from './upload';
import { WorkspaceLocator, type LocatedWorkspace, type WorkspaceTarget } from './workspace-target';

export interface ContentServerClientOptions extends CsHttpOptions {
  /** Nodes whose applied categories name the categories flows may use, besides the target folder's own. */
  categoryTemplates?: number[];
  /** Root of the RM classification tree, so classifications can be given as paths (`Finance/Invoices`). */
  classificationRoot?: number;
  /**
   * Uploads of at least this many bytes with a known `size` use the server's large-file API when it
   * offers one; undefined (default) = always one multipart request.
   */
  largeFileThreshold?: number;
}

export interface AttributeFilter {
  category: string;
  attribute: string;
  equals: string | number | boolean;
}

export interface CsUser {
  id: number;
  name: string;
}

export class ContentServerClient {
  readonly http: CsHttp;
  readonly nodes: NodeApi;
  readonly paths: PathResolver;
  readonly categories: CategoryCatalog;
  readonly governance: Governance;
  readonly workspaces: Workspaces;
  readonly workflows: Workflows;
  private readonly uploader: Uploader;
  private readonly locator: WorkspaceLocator;

  constructor(options: ContentServerClientOptions) {
    this.http = new CsHttp(options);
    this.nodes = new NodeApi(this.http);
    this.paths = new PathResolver(this.nodes);
    this.categories = new CategoryCatalog(this.http, options.categoryTemplates);
    this.governance = new Governance(this.http, this.nodes, options.classificationRoot);
    this.workspaces = new Workspaces(this.http);
    this.workflows = new Workflows(this.http);
    this.locator = new WorkspaceLocator(this.workspaces, this.paths);
    this.uploader = new Uploader(this.nodes, this.paths, this.categories, new LargeFileUploads(this.http, options.largeFileThreshold));
  }

  /** Server build and version, without logging in (`GET /v1/ping`). */
  async ping(): Promise<Record<string, unknown>> {
    const body = await this.http.anonymous('GET', '/v1/ping');
    return isObject(body) ? body : {};
  }

  /** The user the connection acts as; logs in if needed. */
  async whoami(): Promise<CsUser> {
    const body = await this.http.json({ method: 'GET', path: '/v1/auth' });
    const data = isObject(body) && isObject(body.data) ? body.data : {};
    return { id: typeof data.id === 'number' ? data.id : -1, name: typeof data.name === 'string' ? data.name : '' };
  }

  resolveFolder(target: string | number, options: { create?: boolean } = {}): Promise<number> {
    return this.paths.resolve(target, options);
  }

  /** The business workspace a target names (by business object or name), created from its template when asked. */
  locateWorkspace(target: WorkspaceTarget): Promise<LocatedWorkspace> {
    return this.locator.locate(target);
  }

  getNode(id: number): Promise<CsNode> {
    return this.nodes.get(id);
  }

  upload(req: UploadRequest): Promise<UploadResult> {
    return this.uploader.upload(req);
  }

  /** Adds a version to the document with id `req.document` (NOT_FOUND when there is no such document). */
  addVersion(req: VersionRequest): Promise<UploadResult> {
    return this.uploader.addVersionTo(req);
  }

  /** Applies a category (by name or id) with values to an existing node. */
  async applyCategory(nodeId: number, input: CategoryInput, options: { definitionsFrom?: number } = {}): Promise<void> {
    const flat = await this.categories.resolve(input, options.definitionsFrom ?? nodeId);
    const byCat = new Map<string, JsonObject>();
    for (const [key, value] of Object.entries(flat)) {
      const cat = key.split('_')[0];
      const values = byCat.get(cat) ?? {};
      if (!/^\d+_1$/.test(key)) values[key] = value;
      byCat.set(cat, values);
    }
    // With `metadata` the answer names every applied category (`metadata_order`), also one without attributes.
    const applied = await this.http.json({ method: 'GET', path: `/v2/nodes/${nodeId}/categories`, query: { metadata: true } });
    const present = appliedCategoryIds(applied);
    for (const [cat, values] of byCat) {
      if (present.has(cat)) await this.http.json({ method: 'PUT', path: `/v2/nodes/${nodeId}/categories/${cat}`, body: values });
      else await this.http.json({ method: 'POST', path: `/v2/nodes/${nodeId}/categories`, body: { category_id: Number(cat), ...values } });
    }
  }

  /** Category values of a node, by category name and attribute name. */
  async readCategories(nodeId: number): Promise<Record<string, Record<string, unknown>>> {
    const body = await this.http.json({ method: 'GET', path: `/v2/nodes/${nodeId}/categories`, query: { metadata: true } });
    return namedCategoryValues(body);
  }

  /**
   * Documents (by default) changed after `since` in a folder, newest first per folder; optionally
   * only those whose category attribute has a value (`{ category: 'Invoice', attribute: 'Status',
   * equals: 'Approved' }`, names case-insensitive).
   */
  async *changes(q: Omit<ChangesQuery, 'folderId'> & { folder: string | number; where?: AttributeFilter }): AsyncGenerator<Change> {
    const folderId = await this.paths.resolve(q.folder);
    for await (const change of changedSince(this.nodes, { ...q, folderId })) {
      if (!q.where || (await this.attributeMatches(change.node.id, q.where))) yield change;
    }
  }

  /** True when the node's category attribute equals the value (any of the values, for multi-value). */
  async attributeMatches(nodeId: number, f: AttributeFilter): Promise<boolean> {
    const values = await this.readCategories(nodeId);
    const cat = Object.entries(values).find(([name]) => name.toLowerCase() === f.category.toLowerCase())?.[1];
    if (!cat) return false;
    const value = Object.entries(cat).find(([name]) => name.toLowerCase() === f.attribute.toLowerCase())?.[1];
    const same = (v: unknown): boolean => v !== null && v !== undefined && String(v) === String(f.equals);
    return Array.isArray(value) ? value.some(same) : same(value);
  }

  /** Search (index-based, lags behind writes): nodes matching a query, paged through. */
  search(q: SearchQuery): AsyncGenerator<CsNode> {
    return search(this.http, q);
  }

  versions(id: number): Promise<CsVersion[]> {
    return this.nodes.versions(id);
  }

  download(id: number, version?: number): Promise<Download> {
    return this.nodes.download(id, version);
  }

  async close(): Promise<void> {
    await this.http.logout().catch(() => undefined);
  }
}
