/**
 * Pagination of a REST list, one page fetched only when the consumer asks for the next (an async
 * generator: back-pressure). Styles:
 * - `nextLink`: the next page's URL in the body (`nextLink(body)`, default `next`, `links.next`,
 *   `_links.next.href` (HAL) or `@odata.nextLink`), relative URLs resolved against the page's URL;
 * - `linkHeader`: RFC 8288 `Link: <url>; rel="next"` (GitHub's and many others' style);
 * - `offset`: `offsetParam`/`limitParam` (`offset`/`limit`), stops at a known `total`;
 * - `page`: `pageParam`/`sizeParam` from `firstPage`, stops at a known `pageCount` (or `totalPages`);
 * - `cursor`: `cursorParam` from `cursor(body)` (default `next_cursor`, `nextCursor`, `cursor`).
 * Every style stops on an empty page or when there is no next; offset and page stop when the known
 * total / page count is reached, or, when the body does not say, on a page shorter than the page size.
 * A next URL on another origin is refused (INVALID_INPUT) by the client.
 * More than `maxPages` pages: INVALID_INPUT (a server that never says "last page" must not loop forever).
 */
import { FileBridgeError } from '../errors';
import type { RestRequest, RestResponse } from './client';

export const PAGING_STYLES = ['none', 'nextLink', 'linkHeader', 'offset', 'page', 'cursor'] as const;
export type PagingStyle = (typeof PAGING_STYLES)[number];

export interface Paging {
  style: PagingStyle;
  /** The items of a page (JSONata from the node glue); absent = the body when it is an array, else body.items | data | results. */
  items?: (body: unknown) => Promise<unknown>;
  nextLink?: (body: unknown) => Promise<unknown>;
  cursor?: (body: unknown) => Promise<unknown>;
  offsetParam?: string;
  limitParam?: string;
  pageParam?: string;
  sizeParam?: string;
  cursorParam?: string;
  pageSize?: number;
  firstPage?: number;
  maxPages?: number;
}

export interface PageResult {
  /** 0-based. */
  index: number;
  url: string;
  status: number;
  body: unknown;
  items: unknown[];
}

function rec(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
}

async function itemsOf(body: unknown, paging: Paging, url: string): Promise<unknown[]> {
  const found = paging.items ? await paging.items(body) : Array.isArray(body) ? body : (rec(body)?.items ?? rec(body)?.data ?? rec(body)?.results);
  if (found === undefined || found === null) return [];
  if (!Array.isArray(found)) {
    throw new FileBridgeError('INVALID_INPUT', `The page ${url} holds no list of items where the paging's "items" expression points; check that expression.`, {
      url,
    });
  }
  return found;
}

/** The target of the `rel="next"` link in an RFC 8288 Link header. */
export function nextFromLinkHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const re = /<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(m[2]);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1];
  }
  return undefined;
}

function defaultNextLink(body: unknown): unknown {
  const r = rec(body);
  if (!r) return undefined;
  const links = rec(r.links);
  const hal = rec(rec(r._links)?.next);
  return r.next ?? links?.next ?? hal?.href ?? r['@odata.nextLink'];
}

function defaultCursor(body: unknown): unknown {
  const r = rec(body);
  return r ? (r.next_cursor ?? r.nextCursor ?? r.cursor) : undefined;
}

/** The next URL as text, or undefined when there is none ('' / null / false). */
function linkText(value: unknown, what: string, url: string): string | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  if (typeof value !== 'string') throw new FileBridgeError('INVALID_INPUT', `The ${what} of page ${url} is not text; check the paging expression.`, { url });
  return value;
}

/** Pages of `req` (its query plus the paging parameters). `absolute` resolves a relative path to an absolute URL (the client's rule). */
export async function* paginate(
  request: (req: RestRequest) => Promise<RestResponse>,
  req: RestRequest,
  paging: Paging,
  absolute: (path: string) => string,
): AsyncGenerator<PageResult> {
  const size = paging.pageSize ?? 100;
  const maxPages = paging.maxPages ?? 10_000;
  if (!Number.isInteger(size) || size < 1)
    throw new FileBridgeError('INVALID_INPUT', `The page size must be a whole number of at least 1; got ${String(paging.pageSize)}.`);
  const style = paging.style;
  const firstPage = paging.firstPage ?? 1;
  const offsetParam = paging.offsetParam || 'offset';
  const limitParam = paging.limitParam || 'limit';
  const pageParam = paging.pageParam || 'page';
  const sizeParam = paging.sizeParam || 'per_page';
  const cursorParam = paging.cursorParam || 'cursor';
  const base: RestRequest = { ...req, responseType: 'json' };
  let next: RestRequest | undefined;
  switch (style) {
    case 'none':
    case 'nextLink':
      next = base;
      break;
    case 'linkHeader':
      next = { ...base, query: { ...base.query, [sizeParam]: size } };
      break;
    case 'offset':
      next = { ...base, query: { ...base.query, [offsetParam]: 0, [limitParam]: size } };
      break;
    case 'page':
      next = { ...base, query: { ...base.query, [pageParam]: firstPage, [sizeParam]: size } };
      break;
    case 'cursor':
      next = { ...base, query: { ...base.query, [limitParam]: size } };
      break;
    default:
      throw new FileBridgeError('INVALID_INPUT', `"${String(style)}" is not a paging style (none, nextLink, linkHeader, offset, page, cursor).`);
  }
  let offset = 0;
  let page = firstPage;
  for (let index = 0; next; index++) {
    if (index >= maxPages) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The list ${absolute(req.path)} went on past ${maxPages} pages, the paging's limit; raise "max pages" or check that the API's last page says so.`,
        {
          pages: index,
        },
      );
    }
    const res = await request(next);
    const items = await itemsOf(res.body, paging, res.url);
    yield { index, url: res.url, status: res.status, body: res.body, items };
    if (style === 'none' || items.length === 0) return;
    const current = next;
    next = undefined;
    const currentUrl = absolute(current.path);
    switch (style) {
      case 'nextLink': {
        const link = linkText(paging.nextLink ? await paging.nextLink(res.body) : defaultNextLink(res.body), 'next link', res.url);
        if (link !== undefined) next = { ...base, path: new URL(link, currentUrl).toString(), query: undefined };
        break;
      }
      case 'linkHeader': {
        const link = nextFromLinkHeader(res.headers.link);
        if (link !== undefined) next = { ...base, path: new URL(link, currentUrl).toString(), query: undefined };
        break;
      }
      case 'offset': {
        offset += items.length;
        const total = num(rec(res.body)?.total) ?? num(rec(res.body)?.totalCount) ?? num(rec(res.body)?.total_count);
        // A known total wins over the page size (a server may cap the limit below ours).
        if (total !== undefined ? offset < total : items.length >= size)
          next = { ...base, query: { ...base.query, [offsetParam]: offset, [limitParam]: size } };
        break;
      }
      case 'page': {
        const b = rec(res.body);
        const count = num(b?.pageCount) ?? num(b?.totalPages) ?? num(b?.total_pages) ?? num(b?.page_count);
        if (count !== undefined ? page - firstPage + 1 < count : items.length >= size) {
          page++;
          next = { ...base, query: { ...base.query, [pageParam]: page, [sizeParam]: size } };
        }
        break;
      }
      case 'cursor': {
        const c = paging.cursor ? await paging.cursor(res.body) : defaultCursor(res.body);
        const cursor = typeof c === 'number' ? String(c) : linkText(c, 'cursor', res.url);
        if (cursor !== undefined) next = { ...base, query: { ...base.query, [cursorParam]: cursor, [limitParam]: size } };
        break;
      }
    }
  }
}
