/** Node, version, content and category endpoints. */
import { createReadStream } from 'node:fs';
import { route, type Ctx, type Reply, type Route } from './context';
import { categoriesArray, links, nodeProperties, paging, v2Collection, v2Empty, v2One, versionProperties, type JsonObject } from './envelopes';
import { attributeKeys, attributeMetadata } from './categories';
import { badRequest, invalid, noAccess, nodeNotFoundV2 } from './errors';
import { isRecord, optBool, optInt, optString, reqInt, reqString, type Params, type Value } from './forms';
import { can, inheritPermissions, requirePermission, requireSee } from './permissions';
import { assertDeletable } from './routes-records';
import { finishUpload, uploadFile } from './routes-upload';
import type { SimNode, SimVersion } from './store';

const id = (ctx: Ctx, i = 0): number => Number(ctx.args[i]);

/** The node of the route argument `i`, if the user holds `permission` on it. */
function allowed(ctx: Ctx, permission: string, i = 0): SimNode {
  const n = ctx.store.require(id(ctx, i));
  requirePermission(ctx, n, permission);
  return n;
}

/** `fields=properties{id,name}` style selections; no `fields` means properties only. */
function parseFields(query: URLSearchParams): Map<string, string[] | undefined> {
  const out = new Map<string, string[] | undefined>();
  for (const raw of query.getAll('fields')) {
    for (const part of raw.split(/,(?![^{]*\})/)) {
      const m = /^\s*([a-z_]+)\s*(?:\{([^}]*)\})?\s*$/i.exec(part);
      if (!m || !m[1]) continue;
      out.set(m[1], m[2] ? m[2].split(',').map((s) => s.trim()) : undefined);
    }
  }
  if (out.size === 0) out.set('properties', undefined);
  return out;
}

function pick(obj: JsonObject, keys: string[] | undefined): JsonObject {
  if (!keys) return obj;
  const out: JsonObject = {};
  for (const k of keys) if (k in obj) out[k] = obj[k] ?? null;
  return out;
}

function nodeData(ctx: Ctx, n: SimNode, fields: Map<string, string[] | undefined>): JsonObject {
  const data: JsonObject = {};
  if (fields.has('properties')) data.properties = pick(nodeProperties(ctx.store, n), fields.get('properties'));
  if (fields.has('categories')) data.categories = categoriesArray(n);
  if (fields.has('versions')) data.versions = n.versions.map((v) => pick(versionProperties(n, v, ctx.store.dateStyle), fields.get('versions')));
  return data;
}

function getNode(ctx: Ctx): Reply {
  const n = ctx.store.get(id(ctx));
  if (!n) throw ctx.apiVersion === 2 ? nodeNotFoundV2(ctx.args[0] ?? '') : noAccess();
  requireSee(ctx, n, ctx.apiVersion === 2);
  if (ctx.apiVersion === 1) return { json: { data: nodeProperties(ctx.store, n) } };
  return { json: v2One(ctx.href, nodeData(ctx, n, parseFields(ctx.query))) };
}

function ancestors(ctx: Ctx): Reply {
  const n = allowed(ctx, 'see');
  return {
    json: {
      ancestors: ctx.store.ancestors(n).map((a) => ({
        id: a.id,
        name: a.name,
        parent_id: a.parent_id,
        type: a.type,
        type_name: nodeProperties(ctx.store, a).type_name ?? '',
        volume_id: ctx.store.volumeId(a),
      })),
    },
  };
}

const SORT_KEYS: Record<string, (n: SimNode, props: JsonObject) => string | number> = {
  name: (n) => n.name.toLowerCase(),
  modify_date: (n) => n.modify_date,
  create_date: (n) => n.create_date,
  size: (_n, p) => Number(p.size ?? 0),
  type: (n) => n.type,
  id: (n) => n.id,
};

function positiveInt(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequest(`Invalid value for ${name}: '${raw}'`);
  return Number(raw);
}

function children(ctx: Ctx): Reply {
  const parent = ctx.store.get(id(ctx));
  if (!parent) throw ctx.apiVersion === 2 ? nodeNotFoundV2(ctx.args[0] ?? '') : noAccess();
  requireSee(ctx, parent, ctx.apiVersion === 2);
  requirePermission(ctx, parent, 'see_contents');
  let items = ctx.store.children(parent.id).filter((n) => can(ctx, n, 'see'));
  // Arrays repeat the key (where_type=0&where_type=144); a comma list is refused so clients learn that here.
  const types = ctx.query.getAll('where_type');
  if (types.length > 0) {
    const wanted = new Set<number>();
    for (const t of types) {
      if (!/^-?\d+$/.test(t.trim())) throw badRequest(`Invalid value for where_type: '${t}'`);
      wanted.add(Number(t));
    }
    // -1 all containers, -2 all searchable objects, -3 all non-containers, else a subtype (pyxecm
    // `get_subnodes`, whose default is -2). Hidden items are not simulated, so -2 is every item.
    items = items.filter((n) => {
      const container = ctx.store.isContainer(n);
      return wanted.has(n.type) || wanted.has(-2) || (wanted.has(-1) && container) || (wanted.has(-3) && !container);
    });
  }
  const whereName = ctx.query.get('where_name');
  if (whereName) {
    // Substring, case-insensitive: exact matching is the client's job.
    const needle = whereName.toLowerCase();
    items = items.filter((n) => n.name.toLowerCase().includes(needle));
  }
  const sort = ctx.query.get('sort') ?? 'asc_name';
  const m = /^(?:(asc|desc)_)?([a-z_]+)$/.exec(sort);
  const keyOf = m?.[2] ? SORT_KEYS[m[2]] : undefined;
  if (!m || !keyOf) throw badRequest(`Invalid sort parameter '${sort}'`);
  const dir = m[1] === 'desc' ? -1 : 1;
  const props = new Map(items.map((n) => [n.id, nodeProperties(ctx.store, n)]));
  items.sort((a, b) => {
    const ka = keyOf(a, props.get(a.id) ?? {});
    const kb = keyOf(b, props.get(b.id) ?? {});
    const c = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
    return c * dir;
  });
  const page = positiveInt(ctx.query, 'page', 1);
  const limit = positiveInt(ctx.query, 'limit', 25);
  const slice = items.slice((page - 1) * limit, page * limit);
  const p = paging(items.length, page, limit);
  if (ctx.apiVersion === 1) {
    return {
      json: {
        data: slice.map((n) => props.get(n.id) ?? {}),
        page: p.page,
        limit: p.limit,
        page_total: p.page_total,
        total_count: p.total_count,
        range_min: p.range_min,
        range_max: p.range_max,
      },
    };
  }
  const fields = parseFields(ctx.query);
  return {
    json: v2Collection(
      ctx.href,
      slice.map((n) => nodeData(ctx, n, fields)),
      p,
      sort,
    ),
  };
}

/**
 * `roles.categories` as each API version takes it: v2 flat keys (`9830_2`), v1 nested by category id
 * (`{"9830":{"9830_2":..}}`). The wrong shape for the version is refused, as the server does.
 */
function categoriesFromRoles(params: Params, apiVersion: 1 | 2): Record<string, Record<string, Value>> | undefined {
  const roles = params.roles;
  if (roles === undefined) return undefined;
  if (!isRecord(roles)) throw badRequest('Invalid value for roles: an object is expected');
  const cats = roles.categories;
  if (cats === undefined) return undefined;
  if (!isRecord(cats)) throw badRequest('Invalid value for roles.categories: an object is expected');
  const grouped: Record<string, Record<string, Value>> = {};
  for (const [key, value] of Object.entries(cats)) {
    if (apiVersion === 1) {
      if (!/^\d+$/.test(key) || !isRecord(value)) {
        throw invalid(`Invalid category '${key}': v1 takes categories nested by category id ({"<catId>":{"<catId>_<attrId>":value}})`);
      }
      grouped[key] = { ...(grouped[key] ?? {}), ...value };
    } else {
      const m = /^(\d+)_\d+(?:_\d+_\d+)?$/.exec(key);
      if (!m || !m[1]) throw invalid(`Invalid attribute key '${key}': v2 takes flat keys {catId}_{attrId}`);
      const group = (grouped[m[1]] ??= {});
      group[key] = value;
    }
  }
  return grouped;
}

/**
 * External dates must be ISO dates (`2026-01-31`, `2026-01-31T10:00:00Z`, with or without zone); the
 * server keeps them in its own format, UTC to the second.
 */
function externalDate(params: Params, name: string): string | undefined {
  const raw = optString(params, name);
  if (raw === undefined || raw === '') return undefined;
  const m = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
  const t = m ? Date.parse(raw.length === 10 ? `${raw}T00:00:00Z` : m[1] ? raw : `${raw}Z`) : NaN;
  if (Number.isNaN(t)) throw invalid(`Invalid value '${raw}' for ${name}: an ISO date is expected`);
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function externals(params: Params): Record<string, string | undefined> {
  return {
    external_create_date: externalDate(params, 'external_create_date'),
    external_modify_date: externalDate(params, 'external_modify_date'),
    external_source: optString(params, 'external_source'),
    external_identity: optString(params, 'external_identity'),
    external_identity_type: optString(params, 'external_identity_type'),
  };
}

async function createNode(ctx: Ctx): Promise<Reply> {
  const p = ctx.params;
  const type = reqInt(p, 'type');
  const parentId = reqInt(p, 'parent_id');
  const name = reqString(p, 'name');
  const file = ctx.form.files.find((f) => f.field === 'file') ?? uploadFile(ctx);
  if (file && type !== 144) throw badRequest(`Invalid request: a file was sent for a node of type ${type}`);
  const parent = ctx.store.get(parentId);
  if (parent) requirePermission(ctx, parent, 'add_items');
  const node = await ctx.store.create(
    {
      type,
      parent_id: parentId,
      name,
      description: optString(p, 'description'),
      ...externals(p),
      file,
      categories: categoriesFromRoles(p, ctx.apiVersion),
    },
    ctx.apiVersion,
    ctx.user?.id ?? 1000,
  );
  finishUpload(ctx);
  inheritPermissions(ctx, node);
  if (ctx.apiVersion === 1) return { json: { id: node.id } };
  return { json: v2One(ctx.href, { properties: nodeProperties(ctx.store, node) }, 'POST') };
}

function updateNode(ctx: Ctx): Reply {
  const p = ctx.params;
  // A move may carry category values (flat keys, as at create on v2).
  const changes = {
    name: optString(p, 'name'),
    parent_id: optInt(p, 'parent_id'),
    description: optString(p, 'description'),
    categories: categoriesFromRoles(p, 2),
  };
  if (changes.name === undefined && changes.parent_id === undefined && changes.description === undefined && changes.categories === undefined) {
    throw badRequest('Invalid request: nothing to update (name, parent_id, description or roles)');
  }
  allowed(ctx, 'modify');
  if (changes.categories !== undefined) allowed(ctx, 'edit_attributes');
  const target = changes.parent_id !== undefined ? ctx.store.get(changes.parent_id) : undefined;
  if (target) requirePermission(ctx, target, 'add_items');
  const node = ctx.store.update(id(ctx), changes, ctx.apiVersion);
  if (ctx.apiVersion === 1) return { json: { data: nodeProperties(ctx.store, node) } };
  return { json: v2One(ctx.href, { properties: nodeProperties(ctx.store, node) }, 'PUT') };
}

function deleteNode(ctx: Ctx): Reply {
  allowed(ctx, 'delete');
  assertDeletable(ctx, id(ctx));
  ctx.store.delete(id(ctx));
  return { json: ctx.apiVersion === 1 ? {} : v2Empty(ctx.href, 'DELETE') };
}

/**
 * `POST /v1/validation/nodes/names`: `results` lists the names that EXIST in the folder (`name`, `id`);
 * an empty list means every name is free (pyxecm `OTCS.check_node_name`, captured). Names compare
 * case-insensitively, as collisions do.
 */
function validateNames(ctx: Ctx): Reply {
  const parentId = reqInt(ctx.params, 'parent_id');
  const names = ctx.params.names;
  if (!Array.isArray(names)) throw badRequest('Argument names is required (an array of names)');
  requirePermission(ctx, ctx.store.require(parentId), 'see_contents');
  const results: JsonObject[] = [];
  for (const raw of names) {
    const name = String(raw);
    const hit = ctx.store.findChildByName(parentId, name);
    if (hit) results.push({ name, id: hit.id });
  }
  return { json: { results } };
}

async function addVersion(ctx: Ctx): Promise<Reply> {
  const file = ctx.form.files.find((f) => f.field === 'file') ?? uploadFile(ctx);
  if (!file) throw badRequest('Argument file is required');
  allowed(ctx, 'modify');
  const p = ctx.params;
  const description = optString(p, 'description');
  // Content Server keeps at most 255 characters of a version description (pyxecm cuts it there); a
  // longer one is refused here, so a client that would lose the end of it finds out.
  if (description !== undefined && description.length > 255) throw badRequest('Invalid description: a version description has at most 255 characters');
  const v = await ctx.store.addVersion(id(ctx), {
    file,
    description,
    add_major_version: optBool(p, 'add_major_version'),
    external_create_date: externalDate(p, 'external_create_date'),
    external_modify_date: externalDate(p, 'external_modify_date'),
    // Versions take flat keys in both API versions (reference section 4).
    categories: categoriesFromRoles(p, 2),
  });
  finishUpload(ctx);
  if (ctx.apiVersion === 1) return { json: { id: id(ctx), version_number: v.version_number } };
  // v2 answers the document in `properties` and the new version in `versions` (OpenAPI versions_V2DataVersionsAdd).
  const node = ctx.store.require(id(ctx));
  return { json: v2One(ctx.href, { properties: nodeProperties(ctx.store, node), versions: versionProperties(node, v, ctx.store.dateStyle) }, 'POST') };
}

function document(ctx: Ctx): SimNode {
  const n = allowed(ctx, 'see_contents');
  if (n.type !== 144) throw badRequest(`Node ${n.id} is not a document: it has no versions`);
  return n;
}

function version(n: SimNode, raw: string | undefined): SimVersion {
  const v = n.versions.find((x) => x.version_number === Number(raw));
  if (!v) throw badRequest(`Could not get version ${raw ?? ''} of node ${n.id}`);
  return v;
}

/*
 * v2 puts a version under `data.versions` (one per result row in the list), as OpenText's OpenAPI
 * (versions_V2DataVersions) and pyxecm's capture of get_document_versions show; v1 answers are flat.
 */
function listVersions(ctx: Ctx): Reply {
  const n = document(ctx);
  const items = n.versions.map((v) => versionProperties(n, v, ctx.store.dateStyle));
  if (ctx.apiVersion === 1) return { json: { data: items } };
  return {
    json: v2Collection(
      ctx.href,
      items.map((versions) => ({ versions })),
      paging(items.length, 1, Math.max(1, items.length)),
      'asc_version_number',
    ),
  };
}

/**
 * v2 one version: `results.data.versions` (pyxecm `get_document_version`); v1 `{"data":..}` (pyxecm reads
 * `data.version_number` of `/v1/.../versions/latest`).
 */
function oneVersion(ctx: Ctx, v: SimVersion, n: SimNode): Reply {
  if (ctx.apiVersion === 1) return { json: { data: versionProperties(n, v, ctx.store.dateStyle) } };
  return { json: v2One(ctx.href, { versions: versionProperties(n, v, ctx.store.dateStyle) }) };
}

function latestVersion(ctx: Ctx): Reply {
  const n = document(ctx);
  const v = n.versions[n.versions.length - 1];
  if (!v) throw noAccess();
  return oneVersion(ctx, v, n);
}

function getVersion(ctx: Ctx): Reply {
  const n = document(ctx);
  return oneVersion(ctx, version(n, ctx.args[1]), n);
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function download(ctx: Ctx, v: SimVersion): Promise<Reply> {
  const stream = createReadStream(ctx.store.contentPath(v));
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  ctx.res.writeHead(200, {
    'Content-Type': v.mime_type,
    'Content-Length': String(v.file_size),
    'Content-Disposition': contentDisposition(v.file_name),
  });
  stream.pipe(ctx.res);
  await new Promise<void>((resolve) => ctx.res.once('close', () => resolve()));
  stream.destroy();
  return { sent: true };
}

async function latestContent(ctx: Ctx): Promise<Reply> {
  const n = document(ctx);
  const v = n.versions[n.versions.length - 1];
  if (!v) throw noAccess();
  return download(ctx, v);
}

async function versionContent(ctx: Ctx): Promise<Reply> {
  const n = document(ctx);
  return download(ctx, version(n, ctx.args[1]));
}

/**
 * `GET /v2/nodes/{id}/categories[?metadata]`, one `results` item per applied category, as pyxecm's
 * `OTCS.get_node_categories` shows a real server answering: `data.categories` holds the attribute values
 * only (no entry for the category itself); with `metadata`, `metadata.categories` adds the definitions
 * (the category under its bare id, `persona: "category"`), `metadata_map.categories` the attribute keys
 * per category and `metadata_order.categories` the category ids (pyxecm's `get_node_category_ids` reads
 * exactly that). Without `metadata` the definitions are left out: a client wanting names must ask.
 */
function getCategories(ctx: Ctx): Reply {
  const n = allowed(ctx, 'see');
  const withMeta = ctx.query.has('metadata');
  const results = Object.entries(n.categories).map(([catId, values]) => {
    const cat = ctx.store.category(Number(catId));
    const entry: JsonObject = { data: { categories: { ...values } } };
    if (withMeta) {
      entry.metadata = { categories: attributeMetadata(cat) as JsonObject };
      entry.metadata_map = { categories: { [catId]: attributeKeys(cat) } };
      entry.metadata_order = { categories: [catId] };
    }
    return entry;
  });
  return { json: { links: links(ctx.href), results } };
}

/**
 * One category of a node with its definitions, in the v1 form (`data` beside `definitions`,
 * `definitions_map`, `definitions_order`, as v1 answers such as pyxecm's `get_node_classifications`
 * show); on the category node itself (`/v1/nodes/{cat}/categories/{cat}`) the definition alone, which is
 * how a client resolves attribute names without a sample node (unverified: no captured answer).
 */
function getOneCategory(ctx: Ctx): Reply {
  const n = allowed(ctx, 'see');
  const catId = id(ctx, 1);
  const cat = ctx.store.category(catId);
  const applied = n.categories[String(catId)];
  if (!applied && !(n.type === 131 && n.id === catId)) throw invalid(`Invalid request: category '${cat.name}' is not applied to node ${n.id}`);
  const values: JsonObject = {};
  for (const a of cat.attributes) values[`${catId}_${a.id}`] = applied?.[`${catId}_${a.id}`] ?? null;
  return {
    json: {
      data: { categories: values },
      definitions: attributeMetadata(cat) as JsonObject,
      definitions_map: { [String(catId)]: attributeKeys(cat) },
      definitions_order: [String(catId)],
    },
  };
}

/**
 * `POST|DELETE /v2/nodes/{id}/categories/{cat}/inheritance` turns inheritance of an applied category
 * on or off for a container (pyxecm `OTCS.set_category_inheritance`): while on, items created inside
 * get the category with the container's values (values given at create win). Off by default here.
 */
function setInheritance(ctx: Ctx, on: boolean): Reply {
  allowed(ctx, 'edit_attributes');
  ctx.store.setCategoryInheritance(id(ctx), id(ctx, 1), on);
  return { json: v2Empty(ctx.href, on ? 'POST' : 'DELETE') };
}

/** Attribute keys of a category call; everything else in the body is refused. */
function attributeValues(params: Params, skip: string[]): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [k, v] of Object.entries(params)) {
    if (skip.includes(k)) continue;
    if (!/^\d+_\d+/.test(k)) throw invalid(`Invalid attribute key '${k}'`);
    out[k] = v;
  }
  return out;
}

function applyCategory(ctx: Ctx): Reply {
  const catId = reqInt(ctx.params, 'category_id');
  allowed(ctx, 'edit_attributes');
  ctx.store.applyCategory(id(ctx), catId, attributeValues(ctx.params, ['category_id']));
  return { json: v2Empty(ctx.href, 'POST') };
}

function updateCategory(ctx: Ctx): Reply {
  allowed(ctx, 'edit_attributes');
  ctx.store.updateCategory(id(ctx), id(ctx, 1), attributeValues(ctx.params, ['category_id']));
  return { json: v2Empty(ctx.href, 'PUT') };
}

function removeCategory(ctx: Ctx): Reply {
  allowed(ctx, 'edit_attributes');
  ctx.store.removeCategory(id(ctx), id(ctx, 1));
  return { json: v2Empty(ctx.href, 'DELETE') };
}

/** The volume (a top-level node) of a volume type: 141 Enterprise, 133 Categories, 198 Classifications... */
function volumeOfType(ctx: Ctx, type: number): SimNode | undefined {
  return ctx.store.all().find((n) => !n.deleted && n.parent_id === -1 && n.type === type);
}

/** `GET /v2/volumes/{type}`: the volume's node under `results.data.properties` (pyxecm `OTCS.get_volume`). Unknown type: 400 (unverified). */
function getVolume(ctx: Ctx): Reply {
  const type = id(ctx);
  const v = volumeOfType(ctx, type);
  if (!v) throw badRequest(`Could not get volume of type ${type}`);
  requireSee(ctx, v, true);
  return { json: v2One(ctx.href, { properties: nodeProperties(ctx.store, v) }) };
}

/** `GET /v2/volumes`: every volume, `results[].data.properties` (pyxecm `OTCS.get_volumes`). */
function listVolumes(ctx: Ctx): Reply {
  const volumes = ctx.store
    .all()
    .filter((n) => !n.deleted && n.parent_id === -1 && can(ctx, n, 'see'))
    .sort((a, b) => a.id - b.id);
  return { json: { links: links(ctx.href), results: volumes.map((v) => ({ data: { properties: nodeProperties(ctx.store, v) } })) } };
}

// Most node routes exist under both /v1 and /v2.
const r = (method: string, path: string, handler: Route['handler'], versioned = true): Route => route(method, path, handler, versioned);

export const nodeRoutes: Route[] = [
  r('GET', '/nodes/(\\d+)', getNode),
  r('GET', '/v2/volumes', listVolumes, false),
  r('GET', '/v2/volumes/(\\d+)', getVolume, false),
  r('GET', '/v1/nodes/(\\d+)/ancestors', ancestors, false),
  r('GET', '/nodes/(\\d+)/nodes', children),
  r('POST', '/nodes', createNode),
  r('PUT', '/nodes/(\\d+)', updateNode),
  r('DELETE', '/nodes/(\\d+)', deleteNode),
  r('POST', '/v1/validation/nodes/names', validateNames, false),
  r('GET', '/nodes/(\\d+)/versions', listVersions),
  r('POST', '/nodes/(\\d+)/versions', addVersion),
  r('GET', '/nodes/(\\d+)/versions/latest', latestVersion),
  r('GET', '/nodes/(\\d+)/versions/(\\d+)', getVersion),
  r('GET', '/nodes/(\\d+)/content', latestContent),
  r('GET', '/nodes/(\\d+)/versions/(\\d+)/content', versionContent),
  r('GET', '/v2/nodes/(\\d+)/categories', getCategories, false),
  r('GET', '/v1/nodes/(\\d+)/categories/(\\d+)', getOneCategory, false),
  r('POST', '/v2/nodes/(\\d+)/categories', applyCategory, false),
  r('PUT', '/v2/nodes/(\\d+)/categories/(\\d+)', updateCategory, false),
  r('DELETE', '/v2/nodes/(\\d+)/categories/(\\d+)', removeCategory, false),
  r('POST', '/v2/nodes/(\\d+)/categories/(\\d+)/inheritance', (ctx) => setInheritance(ctx, true), false),
  r('DELETE', '/v2/nodes/(\\d+)/categories/(\\d+)/inheritance', (ctx) => setInheritance(ctx, false), false),
];
