/**
 * Reading Content Server answers. v1 and v2 wrap the same facts differently (and business workspaces
 * differently again), so everything above this module sees plain property objects and one paging shape.
 */
import { FileBridgeError } from '../errors';

export type JsonObject = Record<string, unknown>;

export interface Paging {
  page: number;
  limit: number;
  totalCount: number;
  pageTotal: number;
}

export interface Collection {
  items: JsonObject[];
  paging: Paging;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function malformed(what: string, body: unknown): FileBridgeError {
  const text = JSON.stringify(body) ?? String(body);
  return new FileBridgeError('CONNECTION', `Content Server answered with an unexpected ${what} envelope`, { body: text.slice(0, 300) });
}

/** Properties of one v2 result (`{data:{properties}}`), or of a v1 row that is already flat. */
function rowProperties(row: unknown): JsonObject | undefined {
  if (!isObject(row)) return undefined;
  const data = row.data;
  if (isObject(data) && isObject(data.properties)) return data.properties;
  if (isObject(data)) return data;
  return row;
}

/**
 * One item: v2 `results.data.properties`, v2 create `results.id`, v1 `data`, v1 create `{id}`.
 */
export function itemProperties(body: unknown): JsonObject {
  if (!isObject(body)) throw malformed('item', body);
  const results = body.results;
  if (isObject(results)) {
    const data = results.data;
    if (isObject(data) && isObject(data.properties)) return data.properties;
    if (isObject(data)) return data;
    if (results.id !== undefined) return results;
  }
  if (isObject(body.data)) return body.data;
  if (body.id !== undefined) return body;
  throw malformed('item', body);
}

/** The whole `results.data` of a v2 item: `properties` plus siblings such as `categories` and `versions`. */
export function itemData(body: unknown): JsonObject {
  if (isObject(body) && isObject(body.results) && isObject(body.results.data)) return body.results.data;
  throw malformed('item', body);
}

/**
 * A list: v2 `results[]` with `collection.paging`, business workspaces' top-level `paging`, v1 `data[]`
 * with flat `page`/`total_count`. Missing paging means everything came in one page.
 */
export function collection(body: unknown): Collection {
  if (!isObject(body)) throw malformed('collection', body);
  const rows = Array.isArray(body.results) ? body.results : Array.isArray(body.data) ? body.data : undefined;
  if (!rows) {
    // v2 "nothing to say" and empty lists come as `results: {}` on some calls.
    if (isObject(body.results) && Object.keys(body.results).length === 0) return { items: [], paging: { page: 1, limit: 0, totalCount: 0, pageTotal: 1 } };
    throw malformed('collection', body);
  }
  const items = rows.map(rowProperties).filter((p): p is JsonObject => p !== undefined);
  const coll = isObject(body.collection) ? body.collection : undefined;
  const p = coll && isObject(coll.paging) ? coll.paging : isObject(body.paging) ? body.paging : body;
  const limit = num(p.limit, items.length);
  const totalCount = num(p.total_count, items.length);
  const pageTotal = num(p.page_total, limit > 0 ? Math.max(1, Math.ceil(totalCount / limit)) : 1);
  return { items, paging: { page: num(p.page, 1), limit, totalCount, pageTotal } };
}

/**
 * The version in a version row or answer. A real server lists and reads versions with
 * `GET /v2/nodes/{id}/versions[/{n}]` as `data.versions` (pyxecm `OTCS.get_document_versions`,
 * `get_document_version`); v1 answers `data` flat (pyxecm reads `data.version_number` of
 * `/v1/nodes/{id}/versions/latest`). `data.properties` is accepted too: what this client's version
 * calls answered before it was checked against a real server's examples, and what a version create
 * may still answer (not captured).
 */
function versionOf(row: unknown): JsonObject | undefined {
  if (!isObject(row)) return undefined;
  const data = row.data;
  if (isObject(data) && isObject(data.versions)) return data.versions;
  if (isObject(data) && isObject(data.properties)) return data.properties;
  if (isObject(data)) return data;
  return row;
}

/** One version: v2 `results.data.versions` (or `.properties`), v1 `data`. */
export function versionItem(body: unknown): JsonObject {
  const v = isObject(body) && isObject(body.results) ? versionOf(body.results) : versionOf(body);
  if (!v) throw malformed('version', body);
  return v;
}

/** The versions of a `GET /v2/nodes/{id}/versions` answer (v1: `data` rows). */
export function versionRows(body: unknown): JsonObject[] {
  const rows = isObject(body) && Array.isArray(body.results) ? body.results : isObject(body) && Array.isArray(body.data) ? body.data : undefined;
  if (!rows) throw malformed('version list', body);
  return rows.map(versionOf).filter((v): v is JsonObject => v !== undefined);
}

/** The `{"error": ...}` text of an error answer, if there is one. */
export function errorText(body: unknown): string | undefined {
  if (isObject(body) && typeof body.error === 'string') return body.error;
  return undefined;
}

/**
 * Content Server dates come as `2025-01-19T06:57:04Z` on newer servers and without a zone on older
 * ones. A zoneless date is read as UTC: the server's own zone is not in the answer, and UTC keeps
 * high-water marks comparable across client machines in different zones.
 */
export function parseCsDate(v: unknown): Date | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(s);
  const iso = zoned ? s : /^\d{4}-\d\d-\d\d$/.test(s) ? `${s}T00:00:00Z` : `${s.replace(' ', 'T')}Z`;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function numberProp(p: JsonObject, key: string): number | undefined {
  const v = p[key];
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function stringProp(p: JsonObject, key: string): string | undefined {
  const v = p[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
