/**
 * Turning Content Server answers and transport failures into FileBridgeErrors. The server's status
 * codes do not say what happened (a missing node is a 400 on one call and a 500 on the next, a name
 * collision a 400 on v1 and a 500 on v2), so the message text decides where the status cannot.
 */
import { FileBridgeError, isFileBridgeError, isNetworkErrno } from '../errors';
import { errorText } from './envelopes';

const NOT_FOUND_TEXTS = [/could not get a node/i, /the item you requested could not be accessed/i];
const COLLISION_TEXT = /an item with the name .* already exists/i;
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

/** The parsed JSON of a body, or undefined for HTML, empty and cut-off answers. */
export function tryJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** What a non-2xx answer (other than the 401 the auth layer handles) means. */
export function classifyAnswer(status: number, text: string, where: string): FileBridgeError {
  const body = tryJson(text);
  const message = errorText(body);
  const details: Record<string, unknown> = { status, request: where };
  if (message !== undefined) details.serverMessage = message;
  if (TRANSIENT_STATUSES.has(status)) {
    return new FileBridgeError('CONNECTION', `Content Server is busy or unreachable behind its proxy (HTTP ${status}) on ${where}`, details);
  }
  if (message === undefined) {
    if (status >= 500 || status === 200) {
      // Proxies and restarting servers answer with HTML or nothing at all: worth another try.
      details.body = text.slice(0, 200);
      return new FileBridgeError('CONNECTION', `Content Server answered HTTP ${status} without a JSON body on ${where}`, details);
    }
    if (status === 404) return new FileBridgeError('NOT_FOUND', `Not found: ${where} (HTTP 404)`, details);
    if (status === 403) return new FileBridgeError('PERMISSION_DENIED', `Content Server refused ${where} (HTTP 403)`, details);
    return new FileBridgeError('CS_REJECTED', `Content Server rejected ${where} (HTTP ${status})`, { ...details, body: text.slice(0, 200) });
  }
  if ((status === 400 || status === 404 || status === 500) && NOT_FOUND_TEXTS.some((re) => re.test(message))) {
    return new FileBridgeError('NOT_FOUND', `Not found or no access: ${message}`, details);
  }
  if (COLLISION_TEXT.test(message)) return new FileBridgeError('CONFLICT', message, details);
  if (status === 409) return new FileBridgeError('CONFLICT', `Edit conflict: ${message}`, details);
  if (status === 403) return new FileBridgeError('PERMISSION_DENIED', message, details);
  if (status === 401) return new FileBridgeError('AUTHENTICATION', message, details);
  return new FileBridgeError('CS_REJECTED', `Content Server rejected ${where}: ${message}`, details);
}

/** Transport failures of fetch (refused, reset, DNS, our own timeout) as retryable errors. */
export function classifyTransport(err: unknown, where: string, timedOut: boolean, timeoutMs: number): FileBridgeError {
  if (isFileBridgeError(err)) return err;
  if (timedOut) return new FileBridgeError('TIMEOUT', `Content Server did not answer ${where} within ${timeoutMs} ms`, { request: where }, { cause: err });
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? (cause as { code: unknown }).code : undefined;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (isFileBridgeError(cause)) return cause;
  if (isNetworkErrno(code) || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED' || /fetch failed|socket|terminated|other side closed/i.test(text)) {
    return new FileBridgeError('CONNECTION', `Cannot reach Content Server for ${where}: ${text}`, { request: where, errno: code }, { cause: err });
  }
  return new FileBridgeError('CONNECTION', `Request to Content Server failed for ${where}: ${text}`, { request: where, errno: code }, { cause: err });
}
