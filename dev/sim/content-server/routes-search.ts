/**
 * A subset of `POST /v2/search`: complex queries over the regions OTName, OTSubType, OTLocation and
 * OTObjectDate / OTModifyDate / OTCreateDate (dates as YYYYMMDD), terms joined by AND (implicit) or
 * OR, bare words matched against names. Items changed within `searchLagMs` are not indexed yet, as
 * on a real server whose index lags behind writes.
 */
import type { Ctx, Reply, Route } from './context';
import { nodeProperties, paging, v2Collection } from './envelopes';
import { argumentRequired, badRequest, invalid } from './errors';
import { optInt, optString } from './forms';
import { can } from './permissions';
import type { SimNode } from './store';

type Test = (n: SimNode) => boolean;

function nameTest(raw: string): Test {
  const value = raw.replace(/^"|"$/g, '').toLowerCase();
  if (value.includes('*') || value.includes('?')) {
    const re = new RegExp(
      `^${value
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
      'i',
    );
    // A wildcard matches the whole name or any word in it, as a full-text index would.
    return (n) => re.test(n.name) || n.name.split(/[^\p{L}\p{N}]+/u).some((w) => re.test(w));
  }
  return (n) =>
    n.name.toLowerCase() === value ||
    n.name
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .includes(value);
}

function day(iso: string): string {
  return iso.slice(0, 10).replace(/-/g, '');
}

function dateTest(field: 'modify_date' | 'create_date', raw: string): Test {
  const range = /^\[(\d{8}|\*)\s+TO\s+(\d{8}|\*)\]$/i.exec(raw);
  if (range) {
    const [, lo, hi] = range;
    return (n) => (lo === '*' || day(n[field]) >= (lo ?? '')) && (hi === '*' || day(n[field]) <= (hi ?? ''));
  }
  const cmp = /^(>=|<=|>|<|=)?(\d{8})$/.exec(raw);
  if (!cmp) throw invalid(`Invalid date '${raw}' in search query: use YYYYMMDD`);
  const [, op = '=', d = ''] = cmp;
  return (n) => {
    const v = day(n[field]);
    return op === '>=' ? v >= d : op === '<=' ? v <= d : op === '>' ? v > d : op === '<' ? v < d : v === d;
  };
}

function termTest(ctx: Ctx, region: string | undefined, value: string): Test {
  switch (region?.toLowerCase()) {
    case undefined:
    case 'otname':
      return nameTest(value);
    case 'otsubtype': {
      if (!/^\d+$/.test(value)) throw invalid(`Invalid OTSubType '${value}'`);
      return (n) => n.type === Number(value);
    }
    case 'otlocation': {
      if (!/^\d+$/.test(value)) throw invalid(`Invalid OTLocation '${value}'`);
      const id = Number(value);
      return (n) => n.id !== id && ctx.store.ancestors(n).some((a) => a.id === id);
    }
    case 'otobjectdate':
    case 'otmodifydate':
      return dateTest('modify_date', value);
    case 'otcreatedate':
      return dateTest('create_date', value);
    default:
      throw invalid(`Invalid search region '${region}': the simulator knows OTName, OTSubType, OTLocation, OTObjectDate, OTModifyDate, OTCreateDate`);
  }
}

/** OR of ANDs of terms. */
function parse(ctx: Ctx, where: string): Test {
  const tokens = where.match(/[A-Za-z]+:(?:\[[^\]]*\]|"[^"]*"|\S+)|"[^"]*"|\S+/g) ?? [];
  const clauses: Test[][] = [[]];
  for (const tok of tokens) {
    if (tok === 'AND') continue;
    if (tok === 'OR') {
      clauses.push([]);
      continue;
    }
    const m = /^([A-Za-z]+):(.*)$/.exec(tok);
    const test = m ? termTest(ctx, m[1], m[2] ?? '') : termTest(ctx, undefined, tok);
    clauses[clauses.length - 1]?.push(test);
  }
  const nonEmpty = clauses.filter((c) => c.length > 0);
  if (nonEmpty.length === 0) throw invalid('Invalid search query: nothing to search for');
  return (n) => nonEmpty.some((c) => c.every((t) => t(n)));
}

function search(ctx: Ctx): Reply {
  const where = optString(ctx.params, 'where');
  if (!where) throw argumentRequired('where');
  // Values are case-insensitive: pyxecm sends `complexQuery`.
  const lookfor = (optString(ctx.params, 'lookfor') ?? 'complexquery').toLowerCase();
  let test: Test;
  if (lookfor === 'complexquery') test = parse(ctx, where);
  else if (lookfor === 'allwords' || lookfor === 'anywords') {
    const words = where
      .split(/\s+/)
      .filter((w) => w !== '')
      .map((w) => nameTest(w));
    test = lookfor === 'allwords' ? (n) => words.every((t) => t(n)) : (n) => words.some((t) => t(n));
  } else if (lookfor === 'exactphrase') {
    const phrase = where.toLowerCase();
    test = (n) => n.name.toLowerCase().includes(phrase);
  } else throw badRequest(`Invalid value for lookfor: '${lookfor}'`);
  const location = optInt(ctx.params, 'location_id1');
  const lagMs = ctx.searchLagMs;
  const cutoff = Date.now() - lagMs;
  let hits = ctx.store
    .all()
    .filter((n) => !n.deleted && n.parent_id !== -1 && ctx.store.get(n.id) !== undefined && can(ctx, n, 'see'))
    .filter((n) => lagMs <= 0 || Date.parse(n.modify_date) + 1000 <= cutoff)
    .filter((n) => location === undefined || ctx.store.ancestors(n).some((a) => a.id === location && a.id !== n.id))
    .filter(test);
  const sort = optString(ctx.params, 'sort') ?? 'relevance';
  const bySort: Record<string, (a: SimNode, b: SimNode) => number> = {
    relevance: (a, b) => a.id - b.id,
    desc_OTObjectDate: (a, b) => b.modify_date.localeCompare(a.modify_date) || b.id - a.id,
    asc_OTObjectDate: (a, b) => a.modify_date.localeCompare(b.modify_date) || a.id - b.id,
    asc_OTName: (a, b) => a.name.localeCompare(b.name) || a.id - b.id,
    desc_OTName: (a, b) => b.name.localeCompare(a.name) || b.id - a.id,
  };
  const order = bySort[sort];
  if (!order) throw badRequest(`Invalid sort parameter '${sort}'`);
  hits = hits.sort(order);
  const page = optInt(ctx.params, 'page') ?? 1;
  const limit = optInt(ctx.params, 'limit') ?? 10;
  if (page < 1 || limit < 1) throw badRequest('Invalid value for page or limit');
  const slice = hits.slice((page - 1) * limit, page * limit);
  return {
    json: v2Collection(
      ctx.href,
      slice.map((n) => ({ properties: nodeProperties(ctx.store, n) })),
      paging(hits.length, page, limit),
      sort,
    ),
  };
}

export const searchRoutes: Route[] = [{ method: 'POST', pattern: /^\/v2\/search$/, versioned: false, auth: true, handler: search }];
