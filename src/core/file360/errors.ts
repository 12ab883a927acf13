/**
 * File 360 failures as FileBridgeErrors with the project's codes. Error bodies are JSON
 * `{"error":"..","message":".."}` (shared/reference/file360-rest.md); their text is untrusted and is
 * cut, stripped of control characters and of anything that looks like a secret before it is shown.
 */
import { FileBridgeError, isFileBridgeError, isNetworkErrno } from '../errors';
import { F360_FIELDS } from './contract';
import { parseF360Json } from './json';
import { record } from './resources';

/** Text safe to show: known secrets blanked, bearer tokens and secret-looking fields masked, control characters dropped, at most 300 characters. */
export function safeF360Text(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  out = out
    .replace(/(access_token|refresh_token|client_secret|password)(["']?\s*[=:]\s*["']?)[^&\s"',}]+/gi, '$1$2***')
    .replace(/Bearer\s+\S+/gi, 'Bearer ***')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return out.length > 300 ? `${out.slice(0, 300)}...` : out;
}

/** What the server said in an error body: `message`, else `error`, else the text itself when short and not HTML. */
export function serverSaid(text: string): string {
  let body: unknown;
  try {
    body = parseF360Json(text, 'an error');
  } catch {
    return /^\s*</.test(text) ? '' : text.slice(0, 300);
  }
  const r = record(body);
  const f = F360_FIELDS.error;
  const message = r?.[f.message];
  const error = r?.[f.error];
  if (typeof message === 'string' && message !== '') return typeof error === 'string' && error !== '' && error !== message ? `${error}: ${message}` : message;
  return typeof error === 'string' ? error : '';
}

/**
 * The coded error for an HTTP answer that is not a success. `what` names the action ("list the
 * folder", "upload"), `target` the item ("folder 2599..", "Invoices/a.pdf").
 */
export function mapF360Failure(status: number, text: string, what: string, target: string | undefined, secrets: readonly string[]): FileBridgeError {
  const said = safeF360Text(serverSaid(text), secrets);
  const where = target ? ` ${target}` : '';
  const tail = said ? `: ${said}` : '';
  const details: Record<string, unknown> = { status };
  if (target) details.target = target;
  if (said) details.serverMessage = said;
  if (status === 401) {
    return new FileBridgeError(
      'AUTHENTICATION',
      `File 360 refused the sign-in while trying to ${what}${where} (HTTP 401)${tail}. Check the File 360 connection's credentials.`,
      details,
    );
  }
  if (status === 403) return new FileBridgeError('PERMISSION_DENIED', `File 360 does not allow this account to ${what}${where} (HTTP 403)${tail}.`, details);
  if (status === 404 || status === 410) return new FileBridgeError('NOT_FOUND', `File 360 has nothing to ${what} at${where} (HTTP ${status})${tail}.`, details);
  if (status === 409) return new FileBridgeError('CONFLICT', `File 360 cannot ${what}${where}: the name is taken (HTTP 409)${tail}.`, details);
  if (status === 429)
    return new FileBridgeError('CONNECTION', `File 360 kept asking to slow down while trying to ${what}${where} (HTTP 429)${tail}; try again later.`, details);
  if (status === 408 || status >= 500)
    return new FileBridgeError('CONNECTION', `File 360 failed (HTTP ${status}) while trying to ${what}${where}${tail}.`, details);
  if (status === 413) return new FileBridgeError('INVALID_INPUT', `File 360 refused to ${what}${where}: too large (HTTP 413)${tail}.`, details);
  if (status >= 400) return new FileBridgeError('INVALID_INPUT', `File 360 refused to ${what}${where} (HTTP ${status})${tail}.`, details);
  return new FileBridgeError('CONNECTION', `File 360 answered HTTP ${status} while trying to ${what}${where}${tail}.`, details);
}

/** The errno of a failed fetch or request (undici puts the socket error in `cause`). */
export function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    if (typeof code === 'string') return code;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/** A coded error for a request that got no answer: TIMEOUT for timeouts, CONNECTION otherwise. */
export function transportError(err: unknown, where: string): FileBridgeError {
  if (isFileBridgeError(err)) return err;
  const name = err instanceof Error ? err.name : '';
  const code = errnoOf(err);
  const details: Record<string, unknown> = { request: where };
  if (code) details.errno = code;
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT') {
    return new FileBridgeError('TIMEOUT', `File 360 did not answer in time on ${where}.`, details);
  }
  const known = isNetworkErrno(code) || (code ?? '').startsWith('UND_ERR') ? ` (${code})` : '';
  return new FileBridgeError('CONNECTION', `Could not reach File 360 on ${where}${known}.`, details);
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, capMs = 300_000, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const v = header.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(capMs, Math.round(Number(v) * 1000));
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - now));
}
