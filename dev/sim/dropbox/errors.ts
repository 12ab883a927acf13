/**
 * The error answers of the Dropbox API v2, in one place (shared/reference/node-red-and-dropbox.md):
 * - 400 bad input: plain text `Error in call to API function "<route>": <what>` (seen verbatim in
 *   andreafabrizi/Dropbox-Uploader issue 323 and dropbox/dropbox-sdk-java issue 35);
 * - 401 auth: JSON `{"error_summary": "expired_access_token/..", "error": {".tag": "expired_access_token"}}`
 *   (froemken/dropbox issue 23, kunalvarma05/dropbox-php-sdk issue 87);
 * - 409 route errors: JSON `{error_summary, error: {".tag": ...}}`; the summary is the chain of tags;
 * - 422 Dropbox-API-Path-Root errors (auth.stone PathRootError);
 * - 429 rate limits: JSON `{"error_summary": "too_many_write_operations/..", "error": {"reason": {".tag": ...}, "retry_after": n}}`
 *   with a `Retry-After` header (dropbox/dropbox-sdk-go-unofficial issue 33; auth.stone RateLimitError).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export class DbxError extends Error {
  constructor(
    readonly status: number,
    readonly body: string | JsonObject,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** `path/conflict/file/..` from `{".tag":"path","reason":{".tag":"conflict","conflict":{".tag":"file"}}}`. */
export function summaryOf(error: JsonObject): string {
  const tags: string[] = [];
  let level: JsonObject | undefined = error;
  while (level) {
    const tag: Json | undefined = level['.tag'];
    if (typeof tag !== 'string') break;
    tags.push(tag);
    // A `metadata` member carries a struct (SharedLinkMetadata...), not a union: the summary stops there
    // (`shared_link_already_exists/metadata/..`, as Dropbox answers it).
    if (tag === 'metadata') break;
    const inner: Json | undefined = level[tag];
    const reason: Json | undefined = level.reason;
    if (inner && typeof inner === 'object' && !Array.isArray(inner) && typeof inner['.tag'] === 'string') level = inner;
    else if (reason && typeof reason === 'object' && !Array.isArray(reason) && typeof reason['.tag'] === 'string') level = reason;
    else level = undefined;
  }
  return `${tags.join('/')}/..`;
}

export const badInput = (route: string, what: string): DbxError => new DbxError(400, `Error in call to API function "${route}": ${what}`);

export const routeError = (error: JsonObject): DbxError => new DbxError(409, { error_summary: summaryOf(error), error });

/** LookupError under a `path` tag: `path/not_found/..`, `path/not_file/..`, `path/malformed_path/..`... */
export const lookupError = (tag: string, outer = 'path'): DbxError => routeError({ '.tag': outer, [outer]: { '.tag': tag } });

/** WriteError under a `path` (or other) tag: conflict takes its kind (`file`, `folder`, `file_ancestor`). */
export function writeError(tag: string, conflict?: string, outer = 'path'): JsonObject {
  const reason: JsonObject = conflict ? { '.tag': tag, [tag]: { '.tag': conflict } } : { '.tag': tag };
  return { '.tag': outer, [outer]: reason };
}

export const authError = (tag: 'invalid_access_token' | 'expired_access_token'): DbxError =>
  new DbxError(401, { error_summary: `${tag}/..`, error: { '.tag': tag } });

export const rateLimited = (reason: 'too_many_requests' | 'too_many_write_operations', retryAfter: number): DbxError =>
  new DbxError(429, { error_summary: `${reason}/..`, error: { reason: { '.tag': reason }, retry_after: retryAfter } }, { 'Retry-After': String(retryAfter) });
