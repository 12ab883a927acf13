/**
 * The API's resources under `/api/v1`. Each route says which body it takes; the server reads it
 * (bounded JSON, or streamed to a temporary file) before the handler runs.
 *
 * Paging, one style per resource (so a client can be tested against each):
 * - products: offset / limit in the query, `{ items, offset, limit, total }` in the body;
 * - prices: page / per_page, the body a bare array, the links in a `Link` header (RFC 8288 §3:
 *   `<uri-reference>; rel="next"`, comma-separated) the way GitHub's REST API answers them
 *   (docs.github.com, "Using pagination in the REST API"): rels prev, next, first, last where they
 *   exist (no prev and first on page 1, no next and last on the last page), and no Link header at
 *   all "if all results fit on a single page";
 * - inventory changes: an opaque cursor in `cursor` with `limit`, answered as `next_cursor` (Slack's
 *   Web API names them so, docs.slack.dev "Pagination": pass `cursor` equal to the `next_cursor` you
 *   received); here `{ data, next_cursor }`, null on the last page (Slack answers an empty string);
 * - shipments: the absolute URL of the next page in the body, `{ results, next }` (null at the end),
 *   the shape of Django REST framework's paginators (`{ count, next, previous, results }`, `next` an
 *   absolute URL built from the request's host, null on the last page), with an opaque page token;
 * - partners: page / pageSize, `{ page, pageSize, pageCount, items }` (the contract's own shape).
 * Generated links never carry `api_key` (no answer repeats a secret): a client authenticating by query
 * adds it again to each request.
 */
import { renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { backupStream, digestHeader, reprDigestHeader, type Backup } from './backups';
import { badRequest, invalidRecords, notFound, tooLarge, type FieldError } from './problem';
import { checkAvailability, checkProduct, type RecordTable, type SimRecord } from './records';
import { inventoryChange, partner, price, shipment, SHIPMENT_STATUSES, type SeedCounts } from './seed';

export type Json = unknown;

export interface Reply {
  status: number;
  json?: Json;
  headers?: Record<string, string>;
  /** A streamed body (downloads): `length` bytes. */
  stream?: () => Readable;
  length?: number;
}

export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'file'; path: string; size: number; sha256: string; contentType: string; filename?: string; fields: Record<string, string> };

export interface MediaItem {
  id: string;
  name: string;
  size: number;
  sha256: string;
  contentType: string;
  metadata: Record<string, string>;
  createdAt: string;
}

export interface RouteCore {
  products: RecordTable;
  availability: RecordTable;
  seed: SeedCounts;
  backups: Map<string, Backup>;
  media: MediaItem[];
  mediaDir: string;
  failPattern(): string;
  /** This request's number (records remember which request stored them). */
  request: number;
  counters: { batches: Record<string, number>; rejectedBatches: number; downloads: number; uploads: number };
}

export interface Ctx {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  body: Body;
  core: RouteCore;
  /** `http://host:port` as the client addressed the simulator (for absolute links). */
  origin: string;
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT';
  /** `/api/v1/products/{sku}`: `{name}` matches one path segment. */
  pattern: string;
  body: 'none' | 'json' | 'raw' | 'multipart';
  handler: (ctx: Ctx) => Reply | Promise<Reply>;
}

export const MAX_BATCH_RECORDS = 5000;
export const MAX_PAGE = { products: 500, prices: 500, inventory: 1000, shipments: 100, partners: 100 } as const;

/** An integer query parameter: `def` when absent, a 400 when not an integer in min..max. */
export function intParam(url: URL, name: string, def: number, min: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return def;
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return Number(v);
}

/** The request's URL without `api_key`, with `set` applied. */
function link(ctx: Ctx, set: Record<string, string>): string {
  const u = new URL(ctx.url.pathname + ctx.url.search, ctx.origin);
  u.searchParams.delete('api_key');
  for (const [k, v] of Object.entries(set)) u.searchParams.set(k, v);
  return u.toString();
}

/** The records of a batch body: a JSON array or `{ items: [...] }`. */
function batchRecords(body: Body): unknown[] {
  const v = body.kind === 'json' ? body.value : undefined;
  const items = Array.isArray(v)
    ? v
    : typeof v === 'object' && v !== null && Array.isArray((v as { items?: unknown }).items)
      ? (v as { items: unknown[] }).items
      : undefined;
  if (!items) throw badRequest('the body must be a JSON array of records or an object { "items": [...] }');
  if (items.length > MAX_BATCH_RECORDS) throw tooLarge(`at most ${MAX_BATCH_RECORDS} records per request, got ${items.length}`);
  return items;
}

/** Validates every record (all field errors of all records), then stores all or nothing. */
function postBatch(ctx: Ctx, table: RecordTable, resource: string, check: (r: unknown, i: number, errors: FieldError[]) => SimRecord | undefined): Reply {
  const items = batchRecords(ctx.body);
  const errors: FieldError[] = [];
  const good: SimRecord[] = [];
  items.forEach((r, i) => {
    const ok = check(r, i, errors);
    if (ok) good.push(ok);
  });
  if (errors.length > 0) {
    ctx.core.counters.rejectedBatches++;
    throw invalidRecords(errors, items.length);
  }
  const { created, updated } = table.upsert(good, ctx.core.request);
  ctx.core.counters.batches[resource] = (ctx.core.counters.batches[resource] ?? 0) + 1;
  return { status: 200, json: { accepted: good.length, created, updated } };
}

/** A media or backup name: 1-255 characters, no path separators, no control characters, not . or .. (else a 400). */
export function checkName(raw: unknown, what: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 255 || /[/\\\u0000-\u001f\u007f]/.test(raw) || raw === '.' || raw === '..')
    throw badRequest(`${what}: 1-255 characters without / \\ or control characters, not . or ..`);
  return raw;
}

function storeMedia(ctx: Ctx, name: string): Reply {
  const b = ctx.body;
  if (b.kind !== 'file') throw badRequest('a body is required');
  const id = `m${String(ctx.core.media.length + 1).padStart(6, '0')}`;
  renameSync(b.path, join(ctx.core.mediaDir, id));
  const item: MediaItem = { id, name, size: b.size, sha256: b.sha256, contentType: b.contentType, metadata: b.fields, createdAt: new Date().toISOString() };
  ctx.core.media.push(item);
  ctx.core.counters.uploads++;
  return {
    status: 201,
    json: { id, name, size: b.size, sha256: b.sha256, contentType: b.contentType, ...(Object.keys(b.fields).length ? { metadata: b.fields } : {}) },
  };
}

function apiIndex(ctx: Ctx): Reply {
  const at = (p: string): string => new URL(`/api/v1/${p}`, ctx.origin).toString();
  return {
    status: 200,
    json: {
      name: 'REST simulator',
      version: 'v1',
      resources: {
        ping: at('ping'),
        products: at('products'),
        productsBatch: at('products/batch'),
        prices: at('prices'),
        inventoryChanges: at('inventory/changes'),
        inventoryAvailability: at('inventory/availability'),
        shipments: at('shipments'),
        partners: at('partners'),
        backups: at('backups'),
        media: at('media'),
      },
    },
  };
}

export function routes(): RouteDef[] {
  return [
    { method: 'GET', pattern: '/api/v1/ping', body: 'none', handler: () => ({ status: 200, json: { ok: true } }) },
    // The API root answers an index of its resources, as GitHub's root endpoint (`GET /`, "Get
    // Hypermedia links to resources accessible in GitHub's REST API") does: a Test connection with
    // the default test path `/` below the base URL gets a 200 once authenticated.
    { method: 'GET', pattern: '/api/v1', body: 'none', handler: apiIndex },
    { method: 'GET', pattern: '/api/v1/', body: 'none', handler: apiIndex },
    {
      method: 'GET',
      pattern: '/api/v1/products',
      body: 'none',
      handler: ({ url, core }) => {
        const offset = intParam(url, 'offset', 0, 0, 1e9);
        const limit = intParam(url, 'limit', 100, 1, MAX_PAGE.products);
        return { status: 200, json: { items: core.products.list(offset, limit), offset, limit, total: core.products.count } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/products/{sku}',
      body: 'none',
      handler: ({ params, core }) => {
        const p = core.products.get(params.sku ?? '');
        if (!p) throw notFound(`no product with sku '${(params.sku ?? '').slice(0, 64)}'`);
        return { status: 200, json: p };
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/products/batch',
      body: 'json',
      handler: (ctx) => {
        const now = new Date().toISOString();
        return postBatch(ctx, ctx.core.products, 'products', (r, i, e) => checkProduct(r, i, e, ctx.core.failPattern(), now));
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/prices',
      body: 'none',
      handler: (ctx) => {
        const total = ctx.core.seed.prices;
        const perPage = intParam(ctx.url, 'per_page', 30, 1, MAX_PAGE.prices);
        const last = Math.max(1, Math.ceil(total / perPage));
        const page = intParam(ctx.url, 'page', 1, 1, 1e9);
        const items: Json[] = [];
        for (let i = (page - 1) * perPage; i < Math.min(total, page * perPage); i++) items.push(price(i, ctx.core.seed.products));
        const at = (p: number): string => link(ctx, { page: String(p), per_page: String(perPage) });
        const links = [
          ...(page > 1 ? [`<${at(Math.min(page - 1, last))}>; rel="prev"`] : []),
          ...(page < last ? [`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`] : []),
          ...(page > 1 ? [`<${at(1)}>; rel="first"`] : []),
        ];
        return { status: 200, json: items, headers: { ...(last > 1 ? { Link: links.join(', ') } : {}), 'X-Total-Count': String(total) } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/inventory/changes',
      body: 'none',
      handler: ({ url, core }) => {
        const limit = intParam(url, 'limit', 100, 1, MAX_PAGE.inventory);
        const cursor = url.searchParams.get('cursor');
        let from = 0;
        if (cursor !== null && cursor !== '') {
          const m = /^c1\.(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
          if (!m) throw badRequest('cursor is not one this API handed out (use next_cursor as given)');
          from = Number(m[1]);
        }
        const total = core.seed.inventoryChanges;
        const data: Json[] = [];
        for (let i = from; i < Math.min(total, from + limit); i++) data.push(inventoryChange(i, core.seed.products));
        const next = from + limit < total ? Buffer.from(`c1.${from + limit}`).toString('base64url') : null;
        return { status: 200, json: { data, next_cursor: next } };
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/inventory/availability',
      body: 'json',
      handler: (ctx) => postBatch(ctx, ctx.core.availability, 'availability', (r, i, e) => checkAvailability(r, i, e, ctx.core.failPattern())),
    },
    {
      method: 'GET',
      pattern: '/api/v1/shipments',
      body: 'none',
      handler: (ctx) => {
        const status = ctx.url.searchParams.get('status');
        if (status !== null && status !== '' && !(SHIPMENT_STATUSES as readonly string[]).includes(status))
          throw badRequest(`status must be one of ${SHIPMENT_STATUSES.join(', ')}`);
        const limit = intParam(ctx.url, 'limit', 20, 1, MAX_PAGE.shipments);
        const token = ctx.url.searchParams.get('page_token');
        let from = 0;
        if (token !== null && token !== '') {
          if (!/^s\d{1,9}$/.test(token)) throw badRequest('page_token is not one this API handed out (follow next as given)');
          from = Number(token.slice(1));
        }
        const results: Json[] = [];
        let i = from;
        for (; i < ctx.core.seed.shipments && results.length < limit; i++) {
          const s = shipment(i);
          if (status && s.status !== status) continue;
          results.push(s);
        }
        // Is there a matching shipment after i?
        let more = false;
        for (let k = i; k < ctx.core.seed.shipments; k++)
          if (!status || shipment(k).status === status) {
            more = true;
            break;
          }
        return { status: 200, json: { results, next: more ? link(ctx, { page_token: `s${i}`, limit: String(limit) }) : null } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/partners',
      body: 'none',
      handler: ({ url, core }) => {
        const pageSize = intParam(url, 'pageSize', 10, 1, MAX_PAGE.partners);
        const page = intParam(url, 'page', 1, 1, 1e9);
        const total = core.seed.partners;
        const items: Json[] = [];
        for (let i = (page - 1) * pageSize; i < Math.min(total, page * pageSize); i++) items.push(partner(i));
        return { status: 200, json: { page, pageSize, pageCount: Math.ceil(total / pageSize), items } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/backups',
      body: 'none',
      handler: ({ core }) => ({
        status: 200,
        json: [...core.backups.values()].map((b) => ({ id: b.id, name: b.name, size: b.size, sha256: b.sha256, createdAt: b.createdAt })),
      }),
    },
    {
      method: 'GET',
      pattern: '/api/v1/backups/{id}/content',
      body: 'none',
      handler: ({ params, core }) => {
        const b = core.backups.get(params.id ?? '');
        if (!b) throw notFound(`no backup '${(params.id ?? '').slice(0, 64)}'`);
        core.counters.downloads++;
        return {
          status: 200,
          length: b.size,
          stream: () => backupStream(b.seed, b.size),
          headers: {
            'Content-Type': 'application/octet-stream',
            'Content-Disposition': contentDisposition(b.name),
            Digest: digestHeader(b.sha256),
            'Repr-Digest': reprDigestHeader(b.sha256),
            ETag: `"${b.sha256.slice(0, 32)}"`,
          },
        };
      },
    },
    { method: 'PUT', pattern: '/api/v1/media/{name}', body: 'raw', handler: (ctx) => storeMedia(ctx, checkName(ctx.params.name ?? '', 'a media name')) },
    {
      method: 'POST',
      pattern: '/api/v1/media',
      body: 'multipart',
      handler: (ctx) => storeMedia(ctx, checkName(ctx.body.kind === 'file' ? (ctx.body.filename ?? '') : '', 'the file name of the multipart part')),
    },
  ];
}

/**
 * `attachment; filename="..."` with an ASCII fallback and, for other names, RFC 6266 §4.3's
 * `filename*=UTF-8''<percent-encoded>` (RFC 8187).
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const star =
    ascii === name ? '' : `; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
  return `attachment; filename="${ascii}"${star}`;
}

/** A media item's bytes (for tests and the inspection page). */
export function mediaFile(dir: string, id: string): string | undefined {
  const p = join(dir, id);
  try {
    return statSync(p).isFile() ? p : undefined;
  } catch {
    return undefined;
  }
}
