/** What a route handler gets and answers, and the route table's shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Json, JsonObject } from './errors';
import type { Namespace, DropboxStore } from './store';

export type RouteKind = 'rpc' | 'upload' | 'download' | 'notify';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  route: string;
  /** The parsed JSON argument (RPC body or Dropbox-API-Arg); `{}` for a no-argument route. */
  arg: JsonObject;
  store: DropboxStore;
  /** The namespace paths are relative to (home, or the one Dropbox-API-Path-Root selects). */
  ns: Namespace;
}

export type Reply = { json: Json } | { sent: true };

export interface RouteDef {
  kind: RouteKind;
  /** Fields the argument may carry (Dropbox refuses unknown ones); undefined = no argument (void). */
  fields?: string[];
  /** Required fields. */
  required?: string[];
  /** A write that takes the namespace's write lock (contendSingleCommits, writeLimitRate). */
  write?: boolean;
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
}
