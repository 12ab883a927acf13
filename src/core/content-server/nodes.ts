/**
 * Node reads and writes that everything else builds on: one node, children page by page, folders,
 * versions, content. Answers are turned into `CsNode` here so callers never see envelopes.
 */
import type { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { collection, itemProperties, numberProp, parseCsDate, stringProp, versionItem, versionRows, type JsonObject } from './envelopes';
import type { CsHttp, Download } from './http';
import type { MultipartFile } from './multipart';

export const NODE_TYPE = { folder: 0, shortcut: 1, category: 131, enterpriseWorkspace: 141, document: 144, businessWorkspace: 848 } as const;

export interface CsNode {
  id: number;
  parentId: number | undefined;
  name: string;
  type: number;
  typeName: string | undefined;
  size: number | undefined;
  mimeType: string | undefined;
  createDate: Date | undefined;
  modifyDate: Date | undefined;
  container: boolean;
  /** Everything the server sent, for fields this type does not name. */
  properties: JsonObject;
}

export interface CsVersion {
  nodeId: number;
  versionNumber: number;
  fileName: string | undefined;
  fileSize: number | undefined;
  mimeType: string | undefined;
  createDate: Date | undefined;
  description: string | undefined;
  properties: JsonObject;
}

export interface ChildQuery {
  whereName?: string;
  whereType?: number[];
  /** `asc_name` (default), `desc_modify_date`, ... */
  sort?: string;
  pageSize?: number;
}

export function toNode(p: JsonObject): CsNode {
  const id = numberProp(p, 'id');
  if (id === undefined)
    throw new FileBridgeError('CONNECTION', 'Content Server answered a node without an id', { properties: JSON.stringify(p).slice(0, 200) });
  return {
    id,
    parentId: numberProp(p, 'parent_id'),
    name: stringProp(p, 'name') ?? '',
    type: numberProp(p, 'type') ?? -1,
    typeName: stringProp(p, 'type_name'),
    size: numberProp(p, 'size'),
    mimeType: stringProp(p, 'mime_type'),
    createDate: parseCsDate(p.create_date),
    modifyDate: parseCsDate(p.modify_date),
    container: p.container === true,
    properties: p,
  };
}

export function toVersion(p: JsonObject, nodeId: number): CsVersion {
  const versionNumber = numberProp(p, 'version_number');
  if (versionNumber === undefined) throw new FileBridgeError('CONNECTION', 'Content Server answered a version without a version_number', { nodeId });
  return {
    nodeId: numberProp(p, 'id') ?? nodeId,
    versionNumber,
    fileName: stringProp(p, 'file_name'),
    fileSize: numberProp(p, 'file_size'),
    mimeType: stringProp(p, 'mime_type'),
    createDate: parseCsDate(p.create_date),
    description: stringProp(p, 'description'),
    properties: p,
  };
}

export interface DocumentInput {
  name: string;
  /** Content already sent through the large-file API: the create or version call names it instead of a file. */
  uploadKey?: string;
  open: () => Readable;
  filename?: string;
  mimeType?: string;
  description?: string;
  /** Flat `{cat}_{attr}` keys, as v2 takes them at create and on a new version. */
  categories?: JsonObject;
  externalCreateDate?: Date;
  externalModifyDate?: Date;
  onProgress?: (bytesSent: number) => void;
}

function filePart(doc: DocumentInput): MultipartFile {
  return { field: 'file', filename: doc.filename ?? doc.name, contentType: doc.mimeType ?? 'application/octet-stream', open: doc.open };
}

function externals(doc: DocumentInput): JsonObject {
  const out: JsonObject = {};
  if (doc.externalCreateDate) out.external_create_date = doc.externalCreateDate.toISOString();
  if (doc.externalModifyDate) out.external_modify_date = doc.externalModifyDate.toISOString();
  return out;
}

export class NodeApi {
  constructor(private readonly http: CsHttp) {}

  async get(id: number): Promise<CsNode> {
    return toNode(itemProperties(await this.http.json({ method: 'GET', path: `/v2/nodes/${id}`, query: { fields: ['properties'] } })));
  }

  /** One page of children (1-based page). */
  async childrenPage(parentId: number, page: number, q: ChildQuery = {}): Promise<{ items: CsNode[]; pageTotal: number; totalCount: number }> {
    const body = await this.http.json({
      method: 'GET',
      path: `/v2/nodes/${parentId}/nodes`,
      query: { where_name: q.whereName, where_type: q.whereType, sort: q.sort ?? 'asc_name', page, limit: q.pageSize ?? 100, fields: ['properties'] },
    });
    const c = collection(body);
    return { items: c.items.map(toNode), pageTotal: c.paging.pageTotal, totalCount: c.paging.totalCount };
  }

  /** All children across pages, lazily, so a caller that finds what it wants stops asking. */
  async *children(parentId: number, q: ChildQuery = {}): AsyncGenerator<CsNode> {
    for (let page = 1; ; page++) {
      const { items, pageTotal } = await this.childrenPage(parentId, page, q);
      yield* items;
      if (page >= pageTotal || items.length === 0) return;
    }
  }

  /**
   * The child called exactly `name`. `where_name` is a substring filter, so `2026` also returns
   * `2026-old`; names collide case-insensitively on the server, so the comparison does too.
   */
  async findChild(parentId: number, name: string): Promise<CsNode | undefined> {
    const wanted = name.toLowerCase();
    for await (const child of this.children(parentId, { whereName: name })) {
      if (child.name.toLowerCase() === wanted) return child;
    }
    return undefined;
  }

  async createFolder(parentId: number, name: string): Promise<CsNode> {
    const body = await this.http.json({ method: 'POST', path: '/v2/nodes', form: { type: NODE_TYPE.folder, parent_id: parentId, name } });
    return toNode(itemProperties(body));
  }

  async createDocument(parentId: number, doc: DocumentInput): Promise<CsNode> {
    const payload: JsonObject = { type: NODE_TYPE.document, parent_id: parentId, name: doc.name, ...externals(doc) };
    if (doc.description !== undefined) payload.description = doc.description;
    if (doc.categories && Object.keys(doc.categories).length > 0) payload.roles = { categories: doc.categories };
    if (doc.uploadKey !== undefined) payload.upload_key = doc.uploadKey;
    const body = await this.http.json({
      method: 'POST',
      path: '/v2/nodes',
      body: payload,
      file: doc.uploadKey === undefined ? filePart(doc) : undefined,
      onProgress: doc.onProgress,
    });
    return toNode(itemProperties(body));
  }

  /**
   * Adds a version. When an attempt fails in a way that may have reached the server (connection
   * dropped, timeout, busy answer) the version list is checked before sending again: a newer
   * version of the expected size means the lost attempt took effect, so no duplicate is added.
   */
  async addVersion(id: number, doc: DocumentInput & { major?: boolean; size?: number }): Promise<CsVersion> {
    const before = (await this.latestVersion(id)).versionNumber;
    const recover = async (): Promise<unknown> => {
      const latest = await this.latestVersion(id);
      if (latest.versionNumber <= before) return undefined;
      if (doc.size !== undefined && latest.fileSize !== undefined && latest.fileSize !== doc.size) return undefined;
      return { results: { data: { properties: latest.properties } } };
    };
    const payload: JsonObject = { ...externals(doc) };
    if (doc.description !== undefined) payload.description = doc.description;
    if (doc.major) payload.add_major_version = true;
    if (doc.categories && Object.keys(doc.categories).length > 0) payload.roles = { categories: doc.categories };
    if (doc.uploadKey !== undefined) payload.upload_key = doc.uploadKey;
    const body = await this.http.json({
      method: 'POST',
      path: `/v2/nodes/${id}/versions`,
      body: payload,
      file: doc.uploadKey === undefined ? filePart(doc) : undefined,
      onProgress: doc.onProgress,
      recover,
    });
    return toVersion(versionItem(body), id);
  }

  async versions(id: number): Promise<CsVersion[]> {
    return versionRows(await this.http.json({ method: 'GET', path: `/v2/nodes/${id}/versions` })).map((p) => toVersion(p, id));
  }

  async latestVersion(id: number): Promise<CsVersion> {
    return toVersion(versionItem(await this.http.json({ method: 'GET', path: `/v1/nodes/${id}/versions/latest` })), id);
  }

  /** Content of the latest version, or of version `version`, as a stream. */
  async download(id: number, version?: number): Promise<Download> {
    const path = version === undefined ? `/v2/nodes/${id}/content` : `/v2/nodes/${id}/versions/${version}/content`;
    return this.http.download({ method: 'GET', path });
  }

  async rename(id: number, name: string): Promise<CsNode> {
    return toNode(itemProperties(await this.http.json({ method: 'PUT', path: `/v2/nodes/${id}`, form: { name } })));
  }

  async move(id: number, parentId: number): Promise<CsNode> {
    return toNode(itemProperties(await this.http.json({ method: 'PUT', path: `/v2/nodes/${id}`, form: { parent_id: parentId } })));
  }

  async delete(id: number): Promise<void> {
    await this.http.json({ method: 'DELETE', path: `/v2/nodes/${id}` });
  }
}
