/**
 * A `filebridge-rest-connection` configuration: its dialog fields and credentials turned into the
 * options of the REST client (client.ts), refusing anything wrong with INVALID_INPUT naming the field;
 * and the rule that keeps stored secrets with the base URL, token URL, auth type and user/client
 * they were saved for (restSecretScope, the counterpart of file360SecretScope).
 */
import { FileBridgeError } from '../errors';
import { numberField } from '../remote/config-number';
import { normaliseCertFingerprint } from '../remote/tls-pin';
import type { ProxySetting } from './proxy-agent';

export type RestAuthType = 'none' | 'basic' | 'bearer' | 'apiKey' | 'oauth2';

/** The dialog fields of a REST connection (numbers may arrive as text). */
export interface RestConnectionFields {
  baseUrl?: unknown;
  authType?: unknown;
  username?: unknown;
  /** Header or query parameter name of the API key ('X-API-Key'). */
  apiKeyName?: unknown;
  apiKeyIn?: unknown;
  tokenUrl?: unknown;
  clientId?: unknown;
  scope?: unknown;
  /** How the OAuth2 client authenticates at the token URL: HTTP Basic (RFC 6749 2.3.1, the default) or form fields. */
  clientAuth?: unknown;
  headers?: unknown;
  /** PEM text of extra CA certificates. */
  ca?: unknown;
  /** SHA-256 fingerprint pin (as src/core/remote/tls-pin.ts reads it). */
  certFingerprint?: unknown;
  rejectUnauthorized?: unknown;
  proxy?: unknown;
  proxyUrl?: unknown;
  /** Seconds an answer may take (whole JSON answers; a streamed body must not stall longer). */
  timeout?: number | string;
  connectTimeout?: number | string;
  retries?: number | string;
  /** Requests per second, 0 = no limit. */
  rateLimit?: number | string;
  idempotencyHeader?: unknown;
  testPath?: unknown;
}

export interface RestCredentials {
  password?: string;
  token?: string;
  apiKey?: string;
  clientSecret?: string;
  proxyPassword?: string;
}

export type RestAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'apiKey'; name: string; in: 'header' | 'query'; value: string }
  | { type: 'oauth2'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string; clientAuth: 'basic' | 'body' };

export interface RestOptions {
  /** http(s)://host[:port][/path] without a trailing slash. */
  baseUrl: string;
  auth: RestAuth;
  /** Extra headers sent with every request. */
  headers: Record<string, string>;
  ca?: string;
  /** Normalised SHA-256 pin of the base URL host's certificate. */
  pin?: string;
  rejectUnauthorized: boolean;
  proxy: ProxySetting;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Retries after connection failures, timeouts and 408/502/503/504. */
  retries: number;
  /** Retries of 429 answers (own budget: the server did nothing). Default max(10, 2 * retries). */
  rateLimitedRetries?: number;
  /** Backoff base and cap (ms); defaults 500 and 30,000. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Cap on a Retry-After wait (ms); default 120,000. */
  retryAfterCapMs?: number;
  /** Requests per second (0 = none), shared by every user of one client. */
  rateLimit: number;
  idempotencyHeader: string;
  testPath: string;
  /** Default limit of a JSON answer (bytes); 16 MiB. */
  maxJsonBytes?: number;
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

function secret(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers the client sets itself (or Node does); a dialog may not override them. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'proxy-authorization',
  'upgrade',
  'te',
  'trailer',
]);

/** A base or token URL: http(s), no user, query or #; no trailing slash; host in lower case (URL does it). */
export function normaliseRestUrl(value: unknown, label: string, example = 'https://api.example.com/v1'): string {
  const typed = text(value);
  if (typed === '') throw new FileBridgeError('INVALID_INPUT', `The REST connection has no "${label}": enter one such as ${example}.`, { field: label });
  let url: URL;
  try {
    url = new URL(typed);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `The REST connection's "${label}" holds "${typed}", which is not a URL: enter one such as ${example}.`, {
      field: label,
    });
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The REST connection's "${label}" must be a plain http(s) URL such as ${example}, without user, password, query or #; got "${url.protocol}//${url.host}${url.pathname}${url.search ? '?...' : ''}".`,
      { field: label },
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function choice<T extends string>(value: unknown, allowed: readonly T[], fallback: T, label: string): T {
  const v = text(value);
  if (v === '') return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new FileBridgeError('INVALID_INPUT', `The REST connection's "${label}" must be one of ${allowed.join(', ')}; got "${v}".`, { field: label });
}

function headerList(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null || value === '') return out;
  if (!Array.isArray(value))
    throw new FileBridgeError('INVALID_INPUT', 'The REST connection\'s "Extra headers" must be a list of name/value pairs.', { field: 'Extra headers' });
  for (const item of value as unknown[]) {
    const r = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    const name = text(r.name);
    const val = typeof r.value === 'string' || typeof r.value === 'number' ? String(r.value) : '';
    if (name === '' && val === '') continue;
    if (!TOKEN.test(name))
      throw new FileBridgeError('INVALID_INPUT', `The REST connection's header name "${name}" is not a valid HTTP header name.`, { field: 'Extra headers' });
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new FileBridgeError('INVALID_INPUT', `The REST connection may not set the header "${name}": the client sets it itself.`, {
        field: 'Extra headers',
      });
    }
    // eslint-disable-next-line no-control-regex
    if (/[\r\n\u0000]/.test(val))
      throw new FileBridgeError('INVALID_INPUT', `The value of the REST connection's header "${name}" holds a line break.`, { field: 'Extra headers' });
    out[name] = val;
  }
  return out;
}

function caText(value: unknown): string | undefined {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v === '') return undefined;
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The REST connection\'s "CA certificate" is not PEM text: paste the certificate(s) including the -----BEGIN CERTIFICATE----- lines.',
      {
        field: 'CA certificate',
      },
    );
  }
  return v;
}

function required(value: string, label: string, hint: string): string {
  if (value === '') throw new FileBridgeError('INVALID_INPUT', `The REST connection has no "${label}": ${hint}.`, { field: label });
  return value;
}

function authOf(fields: RestConnectionFields, credentials: RestCredentials): RestAuth {
  const type = choice<RestAuthType>(fields.authType, ['none', 'basic', 'bearer', 'apiKey', 'oauth2'], 'none', 'Authentication');
  switch (type) {
    case 'none':
      return { type };
    case 'basic':
      return {
        type,
        username: required(text(fields.username), 'User', 'enter the API user'),
        password: required(secret(credentials.password), 'Password', "enter the API user's password"),
      };
    case 'bearer':
      return { type, token: required(secret(credentials.token).trim(), 'Bearer token', 'paste the bearer token the API issued') };
    case 'apiKey': {
      const name = text(fields.apiKeyName) || 'X-API-Key';
      if (!TOKEN.test(name))
        throw new FileBridgeError('INVALID_INPUT', `The REST connection's "API key name" "${name}" is not a valid header or parameter name.`, {
          field: 'API key name',
        });
      return {
        type,
        name,
        in: choice<'header' | 'query'>(fields.apiKeyIn, ['header', 'query'], 'header', 'API key in'),
        value: required(secret(credentials.apiKey).trim(), 'API key', 'paste the API key'),
      };
    }
    case 'oauth2': {
      const auth: RestAuth = {
        type,
        tokenUrl: normaliseRestUrl(fields.tokenUrl, 'Token URL', 'https://login.example.com/oauth/token'),
        clientId: required(text(fields.clientId), 'Client id', 'enter the OAuth2 client id'),
        clientSecret: required(secret(credentials.clientSecret), 'Client secret', 'enter the OAuth2 client secret'),
        clientAuth: choice<'basic' | 'body'>(fields.clientAuth, ['basic', 'body'], 'basic', 'Client login'),
      };
      const scope = text(fields.scope);
      if (scope !== '') auth.scope = scope;
      return auth;
    }
  }
}

function proxyOf(fields: RestConnectionFields, credentials: RestCredentials): ProxySetting {
  const mode = choice<'env' | 'none' | 'url'>(fields.proxy, ['env', 'none', 'url'], 'env', 'Proxy');
  if (mode !== 'url') return { mode };
  const url = required(text(fields.proxyUrl), 'Proxy URL', 'enter the proxy, such as http://proxy.example.com:3128, or choose another proxy setting');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', 'The REST connection\'s "Proxy URL" is not a URL: enter one such as http://proxy.example.com:3128.', {
      field: 'Proxy URL',
    });
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The REST connection\'s "Proxy URL" must be http:// or https:// with a host, such as http://proxy.example.com:3128.',
      {
        field: 'Proxy URL',
      },
    );
  }
  if (parsed.password !== '') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The REST connection\'s "Proxy URL" holds a password: put it in the "Proxy password" field, which is stored as a credential.',
      {
        field: 'Proxy URL',
      },
    );
  }
  const setting: ProxySetting = { mode, url: parsed.toString() };
  const password = secret(credentials.proxyPassword);
  if (password !== '') setting.password = password;
  return setting;
}

/** Names of query parameters whose values are secrets (an API key sent in the query), to hide in URLs shown anywhere. */
export function secretQueryParams(auth: RestAuth): string[] {
  return auth.type === 'apiKey' && auth.in === 'query' ? [auth.name] : [];
}

/** Turns a REST connection's dialog fields and credentials into client options (INVALID_INPUT naming the field for anything wrong). */
export function restOptionsFromConfig(fields: RestConnectionFields, credentials: RestCredentials = {}): RestOptions {
  const baseUrl = normaliseRestUrl(fields.baseUrl, 'Base URL');
  const auth = authOf(fields, credentials);
  const fp = text(fields.certFingerprint);
  let pin: string | undefined;
  if (fp !== '') {
    try {
      pin = normaliseCertFingerprint(fp);
    } catch (err) {
      throw new FileBridgeError('INVALID_INPUT', (err as Error).message, { field: 'Pinned certificate' });
    }
    if (!baseUrl.startsWith('https:')) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        'The REST connection pins a certificate but its "Base URL" is http://: use https://, or clear "Pinned certificate".',
        {
          field: 'Pinned certificate',
        },
      );
    }
  }
  const idempotencyHeader = text(fields.idempotencyHeader) || 'Idempotency-Key';
  if (!TOKEN.test(idempotencyHeader)) {
    throw new FileBridgeError('INVALID_INPUT', `The REST connection's "Idempotency header" "${idempotencyHeader}" is not a valid header name.`, {
      field: 'Idempotency header',
    });
  }
  const testPath = text(fields.testPath) || '/';
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f]/.test(testPath) || /^[a-z][a-z0-9+.-]*:/i.test(testPath)) {
    throw new FileBridgeError('INVALID_INPUT', `The REST connection's "Test path" must be a path under the base URL such as /ping; got "${testPath}".`, {
      field: 'Test path',
    });
  }
  const options: RestOptions = {
    baseUrl,
    auth,
    headers: headerList(fields.headers),
    rejectUnauthorized: fields.rejectUnauthorized !== false && fields.rejectUnauthorized !== 'false',
    proxy: proxyOf(fields, credentials),
    timeoutMs: numberField(fields.timeout, 60, 'Timeout (seconds)', 1, 3600) * 1000,
    connectTimeoutMs: numberField(fields.connectTimeout, 15, 'Connect timeout (seconds)', 1, 600) * 1000,
    retries: Math.floor(numberField(fields.retries, 5, 'Retries', 0, 20)),
    rateLimit: numberField(fields.rateLimit, 0, 'Rate limit (requests per second)', 0, 10_000),
    idempotencyHeader,
    testPath,
  };
  const ca = caText(fields.ca);
  if (ca) options.ca = ca;
  if (pin) options.pin = pin;
  return options;
}

/**
 * Where a REST connection's stored secrets may be sent: base URL origin, token URL origin, auth type,
 * user and client id, in one comparable text. An unreadable URL stays as typed and matches nothing else.
 */
export function restSecretScope(fields: RestConnectionFields): string {
  const origin = (value: unknown): string => {
    try {
      return new URL(text(value)).origin;
    } catch {
      return `invalid:${text(value)}`;
    }
  };
  const type = text(fields.authType) || 'none';
  return JSON.stringify([
    'rest',
    origin(fields.baseUrl),
    type === 'oauth2' ? origin(fields.tokenUrl) : '',
    type,
    type === 'basic' ? text(fields.username) : '',
    type === 'oauth2' ? text(fields.clientId) : '',
    type === 'apiKey' ? `${text(fields.apiKeyIn) || 'header'}:${text(fields.apiKeyName) || 'X-API-Key'}` : '',
    text(fields.proxy) === 'url' ? origin(fields.proxyUrl) : '',
  ]);
}
