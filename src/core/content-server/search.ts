/**
 * The search subset exports use: `POST /v2/search` with a complex query, paged through. The index
 * lags behind writes, so "what changed since" exports browse instead (changes.ts); search is for
 * finding documents by name, type or date across a tree.
 */
import { collection } from './envelopes';
import type { CsHttp } from './http';
import { toNode, type CsNode } from './nodes';

export interface SearchQuery {
  /** Query language: `OTName:contract* AND OTSubType:144`, dates as `OTModifyDate:>=20260101`. */
  where: string;
  lookfor?: 'complexquery' | 'allwords' | 'anywords' | 'exactphrase';
  /** Restrict to the tree below this node. */
  locationId?: number;
  /** `relevance`, `desc_OTObjectDate`, `asc_OTName`, ... */
  sort?: string;
  pageSize?: number;
  /** Stop after this many results (default: all). */
  maxResults?: number;
}

export async function* search(http: CsHttp, q: SearchQuery): AsyncGenerator<CsNode> {
  let yielded = 0;
  const max = q.maxResults ?? Number.POSITIVE_INFINITY;
  for (let page = 1; yielded < max; page++) {
    const body = await http.json({
      method: 'POST',
      path: '/v2/search',
      form: { where: q.where, lookfor: q.lookfor ?? 'complexquery', location_id1: q.locationId, sort: q.sort, page, limit: q.pageSize ?? 100 },
    });
    const c = collection(body);
    for (const p of c.items) {
      if (yielded >= max) return;
      yielded++;
      yield toNode(p);
    }
    if (page >= c.paging.pageTotal || c.items.length === 0) return;
  }
}
