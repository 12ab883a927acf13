/** What a route handler gets and what it answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JsonObject } from './envelopes';
import type { Extras } from './extras';
import type { ParsedForm, Params } from './forms';
import type { SeedUser } from './seed';
import type { ContentStore } from './store';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  store: ContentStore;
  extras: Extras;
  query: URLSearchParams;
  /** Regex groups of the route, after the API version group. */
  args: string[];
  apiVersion: 1 | 2;
  /** The request path below the host, for `links`. */
  href: string;
  user: SeedUser | undefined;
  /** Current search index lag (fault knob). */
  searchLagMs: number;
  form: ParsedForm;
  params: Params;
}

export type Reply =
  | { status?: number; json: JsonObject }
  /** The handler wrote the answer itself (content download). */
  | { sent: true };

export interface Route {
  method: string;
  /** Matched against the path below the API base; the first group is the API version when `versioned`. */
  pattern: RegExp;
  versioned: boolean;
  auth: boolean;
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
}

/**
 * An authenticated route. `path` is a regular expression source below the API base; with
 * `versioned` it is served under both `/v1` and `/v2` (the version is the first group).
 */
export function route(method: string, path: string, handler: Route['handler'], versioned = false): Route {
  return { method, pattern: new RegExp(`^${versioned ? '/v([12])' : ''}${path}$`), versioned, auth: true, handler };
}
