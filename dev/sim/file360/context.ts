/** What a route handler gets and answers, and the route table's shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from './auth';
import type { Json, JsonObject } from './errors';
import type { File360Faults } from './faults';
import type { File360Store, User } from './store';

export interface SimCounters {
  requests: number;
  /** `GET /api/v1/folders/{id}/children` -> count. */
  byRoute: Record<string, number>;
  tokensIssued: number;
  unauthorized: number;
  injectedErrors: number;
  rateLimited: number;
  droppedUploads: number;
  uploads: number;
  downloads: number;
}

export interface SimCore {
  store: File360Store;
  auth: Auth;
  /** The account every token acts as. */
  user: User;
  faults(): File360Faults;
  /** Consumes one `dropUploadNext` / rolls `dropUploadRate`: whether this upload is to be dropped. */
  dropThisUpload(): boolean;
  counters: SimCounters;
}

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters (`{id}` -> params.id). */
  params: Record<string, string>;
  /** The JSON body of a route that takes one (`{}` when absent and optional). */
  body: JsonObject;
  core: SimCore;
}

export type Reply = { status?: number; json: Json; headers?: Record<string, string> } | { status: 204 } | { sent: true };

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** `/api/v1/folders/{id}/children`: `{name}` matches one path segment. */
  pattern: string;
  /** 'required': a JSON object body with Content-Type application/json; 'optional': one may come; 'none': no JSON parsed (multipart, downloads). */
  body: 'required' | 'optional' | 'none';
  /** Fields the JSON body may carry (unknown ones are refused). */
  fields?: readonly string[];
  /** No bearer token (sessions). */
  public?: boolean;
  handler: (ctx: Ctx) => Promise<Reply> | Reply;
}
