/**
 * REST failures as FileBridgeErrors with the project's codes (issue 18's table): 401 AUTHENTICATION,
 * 403 PERMISSION_DENIED, 404/410 NOT_FOUND, 409 CONFLICT, 408/429/5xx (after retries) CONNECTION,
 * every other 4xx API_REJECTED. Details: `{ status, method, url, errorText?, fieldErrors? }`.
 *
 * The answer's text is untrusted: it is cut, stripped of control characters and of every known
 * secret (and of anything that looks like one) before it is shown. URLs in errors have the values of
 * secret-looking query parameters (and of the API key parameter) replaced by `***`.
 */
import { FileBridgeError, isFileBridgeError, isNetworkErrno } from '../errors';

export const REST_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type RestMethod = (typeof REST_METHODS)[number];

export interface FieldError {
  index?: number;
  field?: string;
  message: string;
}

/** Query parameter names whose values are never shown (besides the connection's own API key parameter). */
const SECRET_PARAMS =
  /^(api[_-]?key|apikey|key|token|access[_-]?token|refresh[_-]?token|client[_-]?secret|secret|password|passwd|pwd|sig|signature|auth|code)$/i;

/** `url` with secret-looking query values replaced by `***` (and user info dropped). */
export function redactUrl(url: string, extraSecretParams: readonly string[] = []): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(unreadable URL)';
  }
  u.username = '';
  u.password = '';
  const extra = new Set(extraSecretParams.map((p) => p.toLowerCase()));
  const names = [...new Set([...u.searchParams.keys()])];
  for (const name of names) {
    if (SECRET_PARAMS.test(name) || extra.has(name.toLowerCase())) u.searchParams.set(name, '***');
  }
  // URLSearchParams encodes '*' as %2A; keep the mask readable.
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

/** Text safe to show: known secrets blanked, bearer/basic values and secret-looking fields masked, control characters dropped, at most `max` characters. */
export function safeText(text: string, secrets: readonly string[] = [], max = 500): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  out = out
    .replace(/(access_token|refresh_token|client_secret|password|api_key|apikey|token)(["']?\s*[=:]\s*["']?)[^&\s"',}]+/gi, '$1$2***')
    .replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return out.length > max ? `${out.slice(0, max)}...` : out;
}

function rec(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The error text of an answer body. Problem details (RFC 9457 section 3.1: `detail` is "a human-readable
 * explanation specific to this occurrence", `title` "a short, human-readable summary of the problem
 * type") first, then the common `message` (Spring Boot, Express, Stripe's `error.message`) and OAuth
 * style `error` (RFC 6749 5.2, with `error_description`), which may also be `{ message }` (Stripe,
 * Google JSON APIs). A body that is not JSON is shown as text when it is short and not HTML.
 */
export function errorTextOf(bodyText: string): { text?: string; body?: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    const t = bodyText.trim();
    return t !== '' && !t.startsWith('<') ? { text: t.slice(0, 500) } : {};
  }
  const r = rec(body);
  if (!r) return { body };
  const error = r.error;
  const text =
    str(r.detail) ??
    str(r.title) ??
    str(r.message) ??
    (typeof error === 'string' ? [error, str(r.error_description)].filter(Boolean).join(': ') || undefined : str(rec(error)?.message));
  return text !== undefined ? { text, body } : { body };
}

/**
 * Field errors of an answer body: arrays named `errors` (RFC 9457's example extension and our
 * simulator: `{ index?, field? | pointer?, message | detail }`; JSON:API: `{ detail, source: { pointer } }`),
 * `fieldErrors` (Spring's BindingResult style) or `violations` (Zalando problem / Jakarta Bean
 * Validation: `{ field, message }`). At most 1,000 kept.
 */
export function fieldErrorsOf(body: unknown, secrets: readonly string[] = []): FieldError[] | undefined {
  const r = rec(body);
  if (!r) return undefined;
  const list = [r.errors, r.fieldErrors, r.violations].find((v) => Array.isArray(v)) as unknown[] | undefined;
  if (!list) return undefined;
  const out: FieldError[] = [];
  for (const item of list.slice(0, 1000)) {
    const e = rec(item);
    if (!e) {
      if (typeof item === 'string') out.push({ message: safeText(item, secrets, 300) });
      continue;
    }
    const message = str(e.message) ?? str(e.detail) ?? str(e.title) ?? str(e.msg) ?? str(e.defaultMessage);
    const field = str(e.field) ?? str(e.pointer) ?? str(rec(e.source)?.pointer) ?? str(e.path) ?? str(e.propertyPath) ?? str(e.property);
    const fe: FieldError = { message: safeText(message ?? 'invalid', secrets, 300) };
    if (typeof e.index === 'number' && Number.isInteger(e.index)) fe.index = e.index;
    if (field !== undefined) fe.field = safeText(field, secrets, 200);
    out.push(fe);
  }
  return out;
}

/** The coded error for an HTTP answer that is not a success (after any retries). */
export function mapRestFailure(
  status: number,
  bodyText: string,
  method: RestMethod,
  shownUrl: string,
  secrets: readonly string[],
  options: { retried?: number } = {},
): FileBridgeError {
  const { text, body } = errorTextOf(bodyText);
  const said = text !== undefined ? safeText(text, secrets) : '';
  const details: Record<string, unknown> = { status, method, url: shownUrl };
  if (said) details.errorText = said;
  const fieldErrors = fieldErrorsOf(body, secrets);
  if (fieldErrors && fieldErrors.length > 0) details.fieldErrors = fieldErrors;
  if (options.retried) details.retries = options.retried;
  const tail = said ? `: ${said}` : '';
  const where = `${method} ${shownUrl}`;
  if (status === 401) {
    return new FileBridgeError(
      'AUTHENTICATION',
      `The API refused the sign-in for ${where} (HTTP 401)${tail}. Check the REST connection's credentials.`,
      details,
    );
  }
  if (status === 403) return new FileBridgeError('PERMISSION_DENIED', `The API does not allow ${where} for this account (HTTP 403)${tail}.`, details);
  if (status === 404 || status === 410) return new FileBridgeError('NOT_FOUND', `The API has nothing at ${where} (HTTP ${status})${tail}.`, details);
  if (status === 409) return new FileBridgeError('CONFLICT', `The API reported a conflict for ${where} (HTTP 409)${tail}.`, details);
  if (status === 429) {
    return new FileBridgeError('CONNECTION', `The API kept asking to slow down for ${where} (HTTP 429)${tail}; try again later.`, details);
  }
  if (status === 408 || status >= 500) return new FileBridgeError('CONNECTION', `The API failed on ${where} (HTTP ${status})${tail}.`, details);
  if (status >= 400) {
    const n = fieldErrors?.length ?? 0;
    const fields =
      n > 0 ? ` (${n} field error${n === 1 ? '' : 's'}, first: ${fieldErrors![0].field ? `${fieldErrors![0].field}: ` : ''}${fieldErrors![0].message})` : '';
    return new FileBridgeError('API_REJECTED', `The API rejected ${where} (HTTP ${status})${tail}${fields}.`, details);
  }
  return new FileBridgeError('CONNECTION', `The API answered ${where} with HTTP ${status}, which this client does not follow${tail}.`, details);
}

/** The errno of a failed request (axios and undici put the socket error in `cause`). */
export function errnoOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    if (typeof code === 'string' && !code.startsWith('ERR_BAD') && code !== 'ERR_CANCELED') return code;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/** The FileBridgeError somewhere in `err`'s cause chain (our agents raise TLS and TIMEOUT errors inside axios). */
export function codedCause(err: unknown): FileBridgeError | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    if (isFileBridgeError(e)) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/** A coded error for a request that got no (whole) answer: TIMEOUT for timeouts, CONNECTION otherwise. */
export function transportError(err: unknown, method: RestMethod, shownUrl: string, secrets: readonly string[]): FileBridgeError {
  const coded = codedCause(err);
  if (coded) return coded;
  const code = errnoOf(err);
  const details: Record<string, unknown> = { method, url: shownUrl };
  if (code) details.errno = code;
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
    return new FileBridgeError('TIMEOUT', `The API did not answer ${method} ${shownUrl} in time.`, details);
  }
  if (code && /^(CERT_|ERR_TLS|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code)) {
    return new FileBridgeError(
      'TLS',
      `The API's certificate was not accepted for ${method} ${shownUrl} (${code}). Give its CA certificate or pin its fingerprint in the REST connection.`,
      details,
    );
  }
  const known = isNetworkErrno(code) ? ` (${code})` : '';
  const why = err instanceof Error && !known ? `: ${safeText(err.message, secrets, 200)}` : '';
  return new FileBridgeError('CONNECTION', `Could not reach the API for ${method} ${shownUrl}${known}${why}.`, details);
}

/** Milliseconds to wait from a Retry-After header (RFC 9110 10.2.3: delay-seconds or an HTTP-date), capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | undefined, capMs: number, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(capMs, Math.round(Number(v) * 1000));
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.min(capMs, Math.max(0, date - now));
}
