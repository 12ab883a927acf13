import { FileBridgeError } from '../errors';
import { readResponseText } from '../response-text';

/** The fetch signature the SDK and our content routes call (Node's global fetch). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The hosts the Dropbox API lives on (https://www.dropbox.com/developers/documentation/http/documentation):
 * RPC on api.dropboxapi.com, content on content.dropboxapi.com, longpoll on notify.dropboxapi.com, and
 * the web sign-in page under www.dropbox.com/oauth2. The SDK always builds `https://` URLs from these
 * (its `domain` option cannot reach a plain-HTTP simulator), so a serviceUrl is reached by rewriting.
 */
export const DROPBOX_API = 'https://api.dropboxapi.com';
export const DROPBOX_CONTENT = 'https://content.dropboxapi.com';
export const DROPBOX_NOTIFY = 'https://notify.dropboxapi.com';
export const DROPBOX_WWW = 'https://www.dropbox.com';
const REWRITTEN = [DROPBOX_API, DROPBOX_CONTENT, DROPBOX_NOTIFY, `${DROPBOX_WWW}/oauth2/`];

/** Checks a service URL ('' = Dropbox itself) and returns it without a trailing slash. */
export function normaliseServiceUrl(serviceUrl: string | undefined): string {
  const value = (serviceUrl ?? '').trim();
  if (value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `The Dropbox service URL "${value}" is not a URL; leave it blank for Dropbox itself.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new FileBridgeError('INVALID_INPUT', `The Dropbox service URL must be a plain http(s) base URL such as http://127.0.0.1:8282; got "${value}".`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Maps a URL on one of the Dropbox hosts onto `serviceUrl` ('' leaves it alone). */
export function rewriteDropboxUrl(url: string, serviceUrl: string): string {
  if (!serviceUrl) return url;
  for (const prefix of REWRITTEN) {
    if (url === prefix || url.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) {
      const rest = url.slice(prefix.endsWith('/') ? prefix.length - 1 : prefix.length);
      return `${serviceUrl}${prefix.startsWith(DROPBOX_WWW) ? '/oauth2' : ''}${rest}`;
    }
  }
  return url;
}

/**
 * A fetch for the SDK and our own content routes that sends the Dropbox hosts to `serviceUrl` and
 * bounds each request by `timeoutMs` when the caller gave no signal of its own.
 */
export function dropboxFetch(serviceUrl: string, timeoutMs: number, base: FetchLike = globalThis.fetch): FetchLike {
  return async (input, init = {}) => {
    const original = typeof input === 'string' ? input : input.toString();
    const url = rewriteDropboxUrl(original, serviceUrl);
    const signal = init.signal ?? (timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined);
    const res = await base(url, { ...init, signal });
    // The SDK reads RPC and OAuth answers whole (res.text()); content bodies are streamed by us.
    return original.startsWith(DROPBOX_CONTENT) ? res : limitedResponse(res, MAX_JSON_ANSWER);
  };
}

/** An RPC or OAuth answer larger than this is refused: a list_folder page of 2,000 entries is about 1 MB. */
export const MAX_JSON_ANSWER = 32 * 1024 * 1024;

/** The same response, whose body fails once more than `limit` bytes came (the SDK parses bodies whole). */
export function limitedResponse(res: Response, limit: number): Response {
  if (!res.body) return res;
  let seen = 0;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.length;
        if (seen > limit) controller.error(new FileBridgeError('CONNECTION', `Dropbox sent an answer larger than ${limit} bytes; it was not read.`));
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/**
 * JSON for the `Dropbox-API-Arg` header: every character from U+007F up is written `\uXXXX`, so the
 * header is plain ASCII (HTTP headers cannot carry UTF-8 reliably; the SDK's httpHeaderSafeJson in
 * dropbox-sdk-js src/utils.js does the same, and Dropbox refuses raw non-ASCII there). Characters
 * outside the BMP (emoji) are two UTF-16 code units, each escaped, which JSON reads back as one.
 */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What an HTTP failure from Dropbox said: status, headers and the body (parsed JSON or text). */
export interface DropboxFailure {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Reads at most `limit` bytes of a response body as text (error bodies are small; a lying peer's is cut). */
export async function readLimitedText(res: Response, limit = 64 * 1024): Promise<string> {
  return readResponseText(res, limit);
}

export async function failureOf(res: Response): Promise<DropboxFailure> {
  return failureFrom(res.status, res.headers, await readLimitedText(res));
}

/** A failure from its status, headers and body text: the body as JSON where it is JSON (error shapes), else the text. */
export function failureFrom(status: number, headers: Headers, text: string): DropboxFailure {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text 400s are common (bad argument, missing header)
  }
  return { status, headers, body };
}

/**
 * The socket error code of `err` as node:http throws it (ECONNRESET..., and HPE_* from its parser),
 * or undefined; ERR_* codes are requests built wrong (an invalid header value), no connection failure.
 */
export function socketErrorCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(E[A-Z]+|HPE_[A-Z_]+)$/.test(code) ? code : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** `error_summary` of a Dropbox error body (e.g. `path/not_found/..`), '' when there is none. */
export function errorSummary(body: unknown): string {
  const summary = record(body)?.error_summary;
  return typeof summary === 'string' ? summary : '';
}

/** The `.tag` of the error object (401 bodies: `expired_access_token`, `invalid_access_token`; 429: reason). */
export function errorTag(body: unknown): string {
  const err = record(record(body)?.error);
  const tag = err?.['.tag'];
  if (typeof tag === 'string') return tag;
  const reason = record(err?.reason)?.['.tag'];
  return typeof reason === 'string' ? reason : '';
}

/** OAuth token endpoint errors are `{error: 'invalid_grant', error_description}` (RFC 6749 5.2). */
function oauthError(body: unknown): string {
  const err = record(body)?.error;
  return typeof err === 'string' ? err : '';
}

/** A 429, or a write refused because the namespace is busy (`too_many_write_operations`, also inside 409s). */
export function isRateLimited(f: DropboxFailure): boolean {
  if (f.status === 429) return true;
  return f.status === 409 && /too_many_write_operations/.test(errorSummary(f.body));
}

export function isExpiredToken(f: DropboxFailure): boolean {
  return f.status === 401 && (errorTag(f.body) === 'expired_access_token' || /expired_access_token/.test(errorSummary(f.body)));
}

/** Seconds to wait from `Retry-After` (or the body's `retry_after`), capped; undefined when absent. */
export function retryAfterMs(f: DropboxFailure, capMs = 300_000): number | undefined {
  const header = f.headers.get('retry-after');
  let seconds = header !== null && /^\d+(\.\d+)?$/.test(header.trim()) ? Number(header) : undefined;
  if (seconds === undefined) {
    const inBody = record(record(f.body)?.error)?.retry_after;
    if (typeof inBody === 'number' && inBody >= 0) seconds = inBody;
  }
  return seconds === undefined ? undefined : Math.min(capMs, Math.round(seconds * 1000));
}

/** Text safe to show: at most 300 characters, with anything that looks like a secret removed. */
export function safeText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  out = out.replace(/(refresh_token|access_token|code_verifier|client_secret|code)=[^&\s"]+/gi, '$1=***').replace(/Bearer\s+\S+/gi, 'Bearer ***');
  return out.length > 300 ? `${out.slice(0, 300)}...` : out;
}

/**
 * The project's coded error for a Dropbox HTTP failure. `what` names the action ("list", "upload"),
 * `path` the Dropbox path. Messages carry Dropbox's `error_summary` (never a token: bodies are passed
 * through `safeText` with the known secrets).
 */
export function mapDropboxFailure(f: DropboxFailure, what: string, path: string | undefined, secrets: readonly string[] = []): FileBridgeError {
  const summary = safeText(errorSummary(f.body) || (typeof f.body === 'string' ? f.body : oauthError(f.body)), secrets);
  const where = path !== undefined ? ` "${path}"` : '';
  const details: Record<string, unknown> = { status: f.status };
  if (path !== undefined) details.path = path;
  if (summary) details.dropboxError = summary;
  const said = summary ? `: ${summary}` : '';
  const correctOffset = findCorrectOffset(f.body);
  if (correctOffset !== undefined) details.correctOffset = correctOffset;
  if (f.status === 416) return new FileBridgeError('INVALID_INPUT', `The read start is past the end of${where} on Dropbox.`, details);
  if (f.status === 401 || (f.status === 400 && oauthError(f.body) === 'invalid_grant')) {
    return new FileBridgeError(
      'AUTHENTICATION',
      `Dropbox refused the sign-in while trying to ${what}${where}${said}. Connect to Dropbox again in the server node to get a new refresh token.`,
      details,
    );
  }
  if (f.status === 400 && oauthError(f.body)) {
    return new FileBridgeError(
      'AUTHENTICATION',
      `Dropbox refused the sign-in (${oauthError(f.body)}); check the app key and connect to Dropbox again.`,
      details,
    );
  }
  if (f.status === 403) return new FileBridgeError('PERMISSION_DENIED', `Dropbox does not allow this app to ${what}${where}${said}.`, details);
  if (isRateLimited(f)) {
    return new FileBridgeError('CONNECTION', `Dropbox kept asking to slow down while trying to ${what}${where}${said}; try again later.`, details);
  }
  if (f.status >= 500) return new FileBridgeError('CONNECTION', `Dropbox failed (HTTP ${f.status}) while trying to ${what}${where}${said}.`, details);
  if (f.status === 409) {
    if (/(^|\/)conflict(\/|$)/.test(summary))
      return new FileBridgeError('CONFLICT', `Something is already at${where}, so Dropbox cannot ${what} there${said}.`, details);
    if (/(^|\/)(not_found|not_file|not_folder)(\/|$)/.test(summary)) {
      const notFile = /not_file/.test(summary) ? ' (it is a folder)' : /not_folder/.test(summary) ? ' (it is not a folder)' : '';
      return new FileBridgeError('NOT_FOUND', `Dropbox has nothing to ${what} at${where}${notFile}${said}.`, details);
    }
    if (/no_write_permission|restricted_content|team_folder|no_permission|access_denied/.test(summary)) {
      return new FileBridgeError('PERMISSION_DENIED', `Dropbox does not allow this account to ${what}${where}${said}.`, details);
    }
    if (/insufficient_space|insufficient_quota/.test(summary)) {
      return new FileBridgeError('PERMISSION_DENIED', `The Dropbox account is full, so it cannot ${what}${where}${said}.`, details);
    }
    if (/content_hash_mismatch/.test(summary)) {
      return new FileBridgeError(
        'CONNECTION',
        `The bytes Dropbox received for${where} differ from the bytes sent (content_hash_mismatch); send it again.`,
        details,
      );
    }
    if (/malformed_path|disallowed_name|invalid_path|payload_too_large|too_large|too_many_files/.test(summary)) {
      return new FileBridgeError('INVALID_INPUT', `Dropbox cannot ${what}${where}${said}.`, details);
    }
    return new FileBridgeError('INVALID_INPUT', `Dropbox refused to ${what}${where}${said}.`, details);
  }
  if (f.status === 400) return new FileBridgeError('INVALID_INPUT', `Dropbox refused the request to ${what}${where}${said}.`, details);
  return new FileBridgeError('CONNECTION', `Dropbox answered HTTP ${f.status} while trying to ${what}${where}${said}.`, details);
}

/** Finds `correct_offset` in an incorrect_offset error body (`error.correct_offset` or `error.lookup_failed.correct_offset`). */
export function findCorrectOffset(body: unknown, depth = 0): number | undefined {
  if (typeof body !== 'object' || body === null || depth > 4) return undefined;
  const rec = body as Record<string, unknown>;
  if (typeof rec.correct_offset === 'number' && Number.isSafeInteger(rec.correct_offset)) return rec.correct_offset;
  for (const value of Object.values(rec)) {
    const found = findCorrectOffset(value, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A coded error for a fetch that threw (no answer): TIMEOUT for our timeouts, CONNECTION otherwise. */
export function mapFetchError(err: unknown, what: string, path?: string): FileBridgeError {
  if (err instanceof FileBridgeError) return err;
  const name = err instanceof Error ? err.name : '';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  // fetch puts the socket's error in `cause`; node:http (content routes) throws it as it is.
  const code = typeof cause?.code === 'string' ? cause.code : (socketErrorCode(err) ?? '');
  const where = path !== undefined ? ` "${path}"` : '';
  const details: Record<string, unknown> = path !== undefined ? { path } : {};
  if (code) details.errno = code;
  if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new FileBridgeError('TIMEOUT', `Dropbox did not answer in time while trying to ${what}${where}.`, details);
  }
  return new FileBridgeError('CONNECTION', `Could not reach Dropbox while trying to ${what}${where}${code ? ` (${code})` : ''}.`, details);
}
