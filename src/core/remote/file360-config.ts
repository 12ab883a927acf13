/**
 * A `filebridge-server` configuration with protocol "file360": its dialog fields turned into the
 * options of the File 360 client (src/core/file360), and the rule that keeps its secrets (client
 * secret, password) with the API, sign-in service, client and user they were saved for.
 */
import { FileBridgeError } from '../errors';
import { F360_DEFAULT_API_URL, F360_DEFAULT_SSO_URL } from '../file360/contract';
import type { File360Options } from '../file360/client';
import { numberField } from './config-number';
import { DEFAULT_TIMEOUTS, DEFAULT_UNREAD_TIMEOUT_S } from './server-options';

/** The dialog fields of a File 360 configuration (numbers may arrive as text). */
export interface File360ConfigFields {
  protocol?: unknown;
  /** The API base URL; blank = https://core.opentext.com. */
  apiUrl?: unknown;
  /** The sign-in (OTDS) base URL serving /otdsws/oauth2/token; blank = https://sso.core.opentext.com. */
  ssoUrl?: unknown;
  /** The OAuth client id. */
  clientId?: unknown;
  /** Blank: the client-credentials grant; else the password grant as this user. */
  username?: unknown;
  connectTimeout?: number | string;
  idleTimeout?: number | string;
  poolSize?: number | string;
  connectRetries?: number | string;
  unreadTimeout?: number | string;
}

export interface File360Credentials {
  clientSecret?: string;
  password?: string;
}

export interface ResolvedFile360Options {
  file360: File360Options;
  poolSize: number;
  connectRetries: number;
  unreadTimeoutMs: number;
  /** Where the account is, for the nodes' source facts (no secret, no user). */
  endpoint: { protocol: 'file360'; host: string; port: number };
}

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * A base URL as the client takes it: `http(s)://host[:port][/path]`, no trailing slash, host in
 * lower case; blank gives `fallback`. Anything else is refused naming the field (`label`) to fix.
 */
export function normaliseFile360Url(value: unknown, fallback: string, label: string): string {
  const typed = text(value);
  if (typed === '') return fallback;
  let url: URL;
  try {
    url = new URL(typed);
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `The File 360 "${label}" field holds "${typed}", which is not a URL: enter one such as ${fallback}.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username || url.password) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The File 360 "${label}" field must be a plain http(s) base URL such as ${fallback}, without user, query or #; got "${typed}".`,
    );
  }
  // URL already writes the host in lower case and drops a default port.
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export const API_URL_LABEL = 'API URL';
export const SSO_URL_LABEL = 'SSO URL';

/** How nodes name a File 360 configuration: the API host and the user (or the client, signed in as itself). */
export function file360Label(fields: { apiUrl?: unknown; username?: unknown; clientId?: unknown }): string {
  const api =
    typeof fields.apiUrl === 'string' && fields.apiUrl.trim()
      ? fields.apiUrl
          .trim()
          .replace(/^https?:\/\//, '')
          .replace(/\/+$/, '')
      : 'core.opentext.com';
  const clientId = typeof fields.clientId === 'string' || typeof fields.clientId === 'number' ? String(fields.clientId).trim() : '';
  const who = typeof fields.username === 'string' && fields.username.trim() ? fields.username.trim() : `client ${clientId}`;
  return `file360://${api} (${who})`;
}

/**
 * Where a File 360 configuration's secrets may be sent: API URL, SSO URL, client id and user in one
 * comparable text (the File 360 counterpart of `serverSecretScope`, which delegates here). URLs
 * compare normalised (a trailing slash, the host's case and a default port do not matter); an
 * unparsable one stays as typed and matches nothing else.
 */
export function file360SecretScope(fields: { apiUrl?: unknown; ssoUrl?: unknown; clientId?: unknown; username?: unknown }): string {
  const url = (value: unknown, fallback: string, label: string): string => {
    try {
      return normaliseFile360Url(value, fallback, label);
    } catch {
      return `invalid:${text(value)}`;
    }
  };
  return JSON.stringify([
    'file360',
    url(fields.apiUrl, F360_DEFAULT_API_URL, API_URL_LABEL),
    url(fields.ssoUrl, F360_DEFAULT_SSO_URL, SSO_URL_LABEL),
    text(fields.clientId),
    text(fields.username),
  ]);
}

/**
 * Turns a File 360 configuration into client and pool options, refusing incomplete settings with a
 * message naming the field to fix. The client's timeout (an answer must start, and a transfer must
 * not stall, within it) is the larger of Connect timeout and Idle timeout.
 */
export function file360OptionsFromConfig(fields: File360ConfigFields, credentials: File360Credentials): ResolvedFile360Options {
  const apiUrl = normaliseFile360Url(fields.apiUrl, F360_DEFAULT_API_URL, API_URL_LABEL);
  const ssoUrl = normaliseFile360Url(fields.ssoUrl, F360_DEFAULT_SSO_URL, SSO_URL_LABEL);
  const clientId = text(fields.clientId);
  if (clientId === '') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The File 360 configuration has no "Client id": copy it from the tenant\'s OAuth confidential client (the administrator has it).',
    );
  }
  const clientSecret = typeof credentials.clientSecret === 'string' ? credentials.clientSecret : '';
  if (clientSecret === '') {
    throw new FileBridgeError('INVALID_INPUT', 'The File 360 configuration has no "Client secret": enter the secret of the OAuth client.');
  }
  const username = text(fields.username);
  const password = typeof credentials.password === 'string' && credentials.password !== '' ? credentials.password : undefined;
  if (username !== '' && password === undefined) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The File 360 configuration names the user "${username}" but has no "Password": enter it, or clear "User" to sign in as the client.`,
    );
  }
  const connect = numberField(fields.connectTimeout, DEFAULT_TIMEOUTS.connectTimeoutMs / 1000, 'Connect timeout', 1, 600);
  const idle = numberField(fields.idleTimeout, DEFAULT_TIMEOUTS.idleTimeoutMs / 1000, 'Idle timeout', 1, 3600);
  const api = new URL(apiUrl);
  const file360: File360Options = { apiUrl, ssoUrl, clientId, clientSecret, timeoutMs: Math.max(connect, idle) * 1000 };
  if (username !== '') {
    file360.username = username;
    file360.password = password;
  }
  return {
    file360,
    poolSize: numberField(fields.poolSize, 2, 'Connections', 1, 16),
    connectRetries: numberField(fields.connectRetries, 2, 'Connect retries', 0, 10),
    unreadTimeoutMs: numberField(fields.unreadTimeout, DEFAULT_UNREAD_TIMEOUT_S, 'Unread timeout', 0, 86_400) * 1000,
    endpoint: { protocol: 'file360', host: api.hostname, port: api.port ? Number(api.port) : api.protocol === 'https:' ? 443 : 80 },
  };
}
