/**
 * The calling user, folders and documents (shared/reference/file360-rest.md, "Resources"):
 * - `GET /api/v1/users/me` -> the user with `rootId`; `GET /api/v1/users` (a bare list) and
 *   `GET /api/v1/users/{id}` (with `rootId`, `isConfirmed`), as OpenText's own client reads them
 *   (opentext/pyxecm, pyxecm/coreshare.py `get_users`, `get_user_by_id`).
 * - `GET /api/v1/folders/{id}/children?limit=25&offset=0&order=lastModified:desc&filter=any`.
 * - `POST /api/v1/folders` `{"name","parentId"}` -> the folder (unverified).
 * - `POST /api/v3/documents?collisionStrategy=overwrite|rename|fail`, multipart `parentId` + `file`.
 * - `GET /api/v1/documents/{id}`, `GET /api/v1/documents/{id}/content` (unverified) with Content-Disposition.
 * - `PUT /api/v1/documents/{id}` `{"parentId"}` moves (unverified); `PUT /api/v1/{documents|folders}/{id}`
 *   `{"state":"deleted"}` deletes to the trash (confirmed: pyxecm `delete_document`, `delete_folder`).
 */
import { createReadStream, rmSync } from 'node:fs';
import { extname } from 'node:path';
import { receiveMultipart } from './body';
import { checkId, checkName, documentOf, folderOf, intParam, str } from './checks';
import type { Ctx, Reply, RouteDef } from './context';
import { badRequest, conflict, forbidden, notFound, type Json } from './errors';
import type { Resource } from './store';
import { resourceJson, userJson } from './views';

/**
 * Sort fields of `order=<field>:<asc|desc>`. The reference and pyxecm show only
 * `lastModified:desc`; the other fields are the resource's own sortable fields (unverified), and
 * anything else is a 400 so a typo shows.
 */
const ORDER_FIELDS = ['name', 'lastModified', 'created', 'size'] as const;
/**
 * Page size: pyxecm sends `limit=25` (the web UI's page); the service's maximum is not public
 * (unverified). The simulator refuses more than 100 rather than silently answering fewer, which a
 * client paging "until fewer than limit come back" would take for the last page.
 */
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 25;

function sortChildren(items: Resource[], order: string): Resource[] {
  const m = /^([A-Za-z]+):(asc|desc)$/.exec(order);
  const field = m?.[1] as (typeof ORDER_FIELDS)[number] | undefined;
  if (!m || !field || !ORDER_FIELDS.includes(field)) throw badRequest(`order must be <${ORDER_FIELDS.join('|')}>:<asc|desc>, got '${order.slice(0, 60)}'`);
  const dir = m[2] === 'desc' ? -1 : 1;
  const key = (r: Resource): string | number => r[field];
  // Ties are broken by id (numerically, as strings of digits) so that pages never overlap or skip.
  const byId = (a: Resource, b: Resource): number => (a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * dir;
  return items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -dir : ka > kb ? dir : byId(a, b);
  });
}

/** `Report.pdf` -> `Report (1).pdf`, `(2)`... The service's rename pattern is not public (unverified): clients must read the name from the answer. */
function freeName(core: Ctx['core'], parentId: string, name: string): string {
  const ext = extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  for (let i = 1; ; i++) {
    const candidate = `${stem} (${i})${ext !== name ? ext : ''}`;
    if (!core.store.child(parentId, candidate)) return candidate;
  }
}

/**
 * RFC 6266 §4.1 `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<RFC 5987 percent-encoding>`:
 * the plain `filename` carries an ASCII stand-in (non-ASCII, `"` and `\` replaced by `_`), `filename*`
 * the exact name. encodeURIComponent leaves `'()*!` alone, which RFC 5987's attr-char does not allow.
 */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const star = encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${star}`;
}

const CONTENT_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
};

export function resourceRoutes(): RouteDef[] {
  const me = (ctx: Ctx): Reply => ({ json: userJson(ctx.core.user) });

  const children = (ctx: Ctx): Reply => {
    const { store, faults } = { store: ctx.core.store, faults: ctx.core.faults() };
    const folder = folderOf(store, ctx.params.id ?? '');
    const limit = intParam(ctx.url, 'limit', DEFAULT_LIMIT, MAX_LIMIT);
    if (limit === 0) throw badRequest('limit must be at least 1');
    const offset = intParam(ctx.url, 'offset', 0);
    // pyxecm sends filter=any; other values are not public (unverified): refused.
    const filter = ctx.url.searchParams.get('filter');
    if (filter !== null && filter !== 'any') throw badRequest(`filter must be 'any', got '${filter.slice(0, 40)}'`);
    const sorted = sortChildren(store.children(folder.id), ctx.url.searchParams.get('order') ?? 'lastModified:desc');
    const page: Json[] = sorted.slice(offset, offset + limit).map((r) => resourceJson(store, r));
    // The reference: "as a JSON array or wrapped as {"results":[...]}" (pyxecm's get_folders example
    // is a bare list, its cleanup_user_files reads `results`): the knob picks which this tenant answers.
    return { json: faults.childrenAsArray ? page : { results: page } };
  };

  const createFolder = (ctx: Ctx): Reply => {
    const { store } = ctx.core;
    const name = checkName(ctx.body.name);
    const parent = folderOf(store, checkId(ctx.body.parentId, 'parentId'), 'parent folder');
    // A name taken in the parent: 409 (unverified, as the upload's `fail`).
    if (store.child(parent.id, name)) throw conflict(`'${name}' already exists in this folder`);
    return { status: 201, json: resourceJson(store, store.addFolder(parent.id, name, ctx.core.user.id)) };
  };

  const deleteOnly = (ctx: Ctx, r: Resource): Reply => {
    const state = str(ctx.body, 'state');
    if (state !== 'deleted') throw badRequest(`state must be 'deleted'`);
    if (r.parentId === null) throw forbidden('The root folder cannot be deleted');
    r.deleted = true;
    ctx.core.store.touch(r.parentId);
    // A non-empty answer: pyxecm's do_request treats an empty {} as a failure (file360-rest.md).
    return { json: resourceJson(ctx.core.store, r) };
  };

  const putFolder = (ctx: Ctx): Reply => deleteOnly(ctx, folderOf(ctx.core.store, ctx.params.id ?? ''));

  const putDocument = (ctx: Ctx): Reply => {
    const { store } = ctx.core;
    const doc = documentOf(store, ctx.params.id ?? '');
    const keys = Object.keys(ctx.body);
    if (keys.length !== 1) throw badRequest('send either {"parentId": ".."} (move) or {"state": "deleted"} (delete)');
    if (keys[0] === 'state') return deleteOnly(ctx, doc);
    const target = folderOf(store, checkId(ctx.body.parentId, 'parentId'), 'target folder');
    if (target.id !== doc.parentId) {
      if (store.child(target.id, doc.name)) throw conflict(`'${doc.name}' already exists in the target folder`);
      const from = doc.parentId;
      doc.parentId = target.id;
      doc.lastModified = new Date().toISOString();
      if (from) store.touch(from);
      store.touch(target.id);
    }
    return { json: resourceJson(store, doc) };
  };

  const upload = async (ctx: Ctx): Promise<Reply> => {
    const { store, counters } = ctx.core;
    const strategy = ctx.url.searchParams.get('collisionStrategy');
    // Required: what the service does without it is not public (unverified); a client must say.
    if (strategy !== 'overwrite' && strategy !== 'rename' && strategy !== 'fail')
      throw badRequest(`collisionStrategy must be overwrite, rename or fail, got '${(strategy ?? '').slice(0, 40)}'`);
    const tmp = store.tmpFile();
    let dropAt: number | undefined;
    if (ctx.core.dropThisUpload()) {
      const declared = Number(ctx.req.headers['content-length'] ?? NaN);
      dropAt = Number.isFinite(declared) && declared > 2 ? Math.floor(declared / 2) : 64 * 1024;
      counters.droppedUploads++;
    }
    const got = await receiveMultipart(ctx.req, { filePath: tmp, fileField: 'file', fields: ['parentId'], dropAt });
    try {
      if (!got.file) throw badRequest("multipart field 'file' is missing");
      const parentId = got.fields.get('parentId');
      if (parentId === undefined) throw badRequest("multipart field 'parentId' is missing");
      const parent = folderOf(store, checkId(parentId, 'parentId'), 'parent folder');
      let name = checkName(got.file.name, 'file name');
      const existing = store.child(parent.id, name);
      let replace: Resource | undefined;
      if (existing) {
        if (strategy === 'fail') throw conflict(`'${name}' already exists in this folder`);
        if (strategy === 'rename') name = freeName(ctx.core, parent.id, name);
        else if (existing.kind === 'folder') throw conflict(`'${name}' is a folder in this folder; it cannot be overwritten by a document`);
        else replace = existing;
      }
      const doc = store.commitDocument(parent.id, name, ctx.core.user.id, tmp, got.file.size, got.file.sha256, replace);
      counters.uploads++;
      return { status: replace ? 200 : 201, json: resourceJson(store, doc) };
    } finally {
      rmSync(tmp, { force: true });
    }
  };

  const documentMeta = (ctx: Ctx): Reply => ({ json: resourceJson(ctx.core.store, documentOf(ctx.core.store, ctx.params.id ?? '')) });

  const content = (ctx: Ctx): Reply => {
    const doc = documentOf(ctx.core.store, ctx.params.id ?? '');
    ctx.core.counters.downloads++;
    ctx.res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(doc.name).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(doc.size),
      'Content-Disposition': contentDisposition(doc.name),
    });
    // The blob is opened now: an overwrite meanwhile replaces the file, this download keeps the old bytes.
    createReadStream(doc.blob)
      .on('error', () => ctx.res.destroy())
      .pipe(ctx.res);
    return { sent: true };
  };

  const users = (ctx: Ctx): Reply => ({ json: [...ctx.core.store.users.values()].map(userJson) });

  const user = (ctx: Ctx): Reply => {
    const u = ctx.core.store.users.get(checkId(ctx.params.id, 'user id'));
    if (!u) throw notFound(`No user with id ${ctx.params.id ?? ''}`);
    return { json: userJson(u) };
  };

  return [
    { method: 'GET', pattern: '/api/v1/users/me', body: 'optional', fields: [], handler: me },
    { method: 'GET', pattern: '/api/v1/users', body: 'optional', fields: [], handler: users },
    { method: 'GET', pattern: '/api/v1/users/{id}', body: 'optional', fields: [], handler: user },
    { method: 'GET', pattern: '/api/v1/folders/{id}/children', body: 'optional', fields: [], handler: children },
    { method: 'POST', pattern: '/api/v1/folders', body: 'required', fields: ['name', 'parentId'], handler: createFolder },
    { method: 'PUT', pattern: '/api/v1/folders/{id}', body: 'required', fields: ['state'], handler: putFolder },
    { method: 'POST', pattern: '/api/v3/documents', body: 'none', handler: upload },
    { method: 'GET', pattern: '/api/v1/documents/{id}', body: 'optional', fields: [], handler: documentMeta },
    { method: 'GET', pattern: '/api/v1/documents/{id}/content', body: 'optional', fields: [], handler: content },
    { method: 'PUT', pattern: '/api/v1/documents/{id}', body: 'required', fields: ['parentId', 'state'], handler: putDocument },
  ];
}
