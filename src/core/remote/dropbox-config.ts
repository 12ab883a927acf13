/**
 * A `filebridge-server` configuration with protocol "dropbox": its dialog fields turned into the
 * options of the Dropbox client (src/core/dropbox), and the rule that keeps its sign-in (the
 * refresh token) with the app key and service it was made for.
 *
 * The refresh token is the account's lasting secret. The editor's "Connect to Dropbox" stores it as
 * a *scoped* token: the token together with the scope (service URL and app key) it was obtained
 * for, so wherever it is read later (the deployed node, "Test connection", the folder picker) it is
 * only ever sent back to that service, with that app key. A token supplied without a scope (a flow
 * deployed through the admin API with a refresh token from a script) belongs to the settings it was
 * deployed with.
 */
import { FileBridgeError } from '../errors';
import { normaliseServiceUrl as clientServiceUrl } from '../dropbox/http';
import type { DropboxOptions } from '../dropbox/auth';
import { numberField } from './config-number';
import { DEFAULT_TIMEOUTS, DEFAULT_UNREAD_TIMEOUT_S } from './server-options';

/** Dropbox's own service: the RPC host stands for it in a configuration's endpoint. */
export const DROPBOX_API_HOST = 'api.dropboxapi.com';

/** The dialog fields of a Dropbox configuration (numbers may arrive as text). */
export interface DropboxConfigFields {
  protocol?: unknown;
  appKey?: unknown;
  /** Work in the team space (the team's root namespace) instead of the member's own folder. */
  teamRoot?: unknown;
  /** Blank: Dropbox itself. Else one base URL serving every Dropbox host (the Dropbox simulator). */
  serviceUrl?: unknown;
  connectTimeout?: number | string;
  poolSize?: number | string;
  connectRetries?: number | string;
  unreadTimeout?: number | string;
}

export interface ResolvedDropboxOptions {
  /** The client's options ('' service URL = the real Dropbox hosts). */
  dropbox: DropboxOptions & { serviceUrl: string; teamRoot: boolean };
  poolSize: number;
  connectRetries: number;
  unreadTimeoutMs: number;
  /** Where the account is, for the nodes' source facts (no secret, no account). */
  endpoint: { protocol: 'dropbox'; host: string; port: number };
}

const APP_KEY = /^[A-Za-z0-9._-]{1,128}$/;

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * The service URL as the client takes it: '' for Dropbox itself, else `http(s)://host[:port][/path]`
 * without a trailing slash (the client's own rule); anything else is refused saying what to enter.
 */
export function normaliseServiceUrl(value: unknown): string {
  return clientServiceUrl(text(value));
}

/** The app key as typed, checked: Dropbox app keys are short letters and digits. */
export function appKeyOf(value: unknown): string {
  const key = text(value);
  if (key === '') throw new FileBridgeError('INVALID_INPUT', 'The Dropbox configuration has no app key: copy it from your app in the Dropbox App Console.');
  if (!APP_KEY.test(key)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'The Dropbox app key may hold only letters, digits, ".", "_" and "-": copy it again from the Dropbox App Console.',
    );
  }
  return key;
}

/** How nodes name a Dropbox configuration in messages and logs: the service, as `protocol://host` names a server. */
export function dropboxLabel(fields: { serviceUrl?: unknown; teamRoot?: boolean }): string {
  const service =
    typeof fields.serviceUrl === 'string' && fields.serviceUrl.trim()
      ? fields.serviceUrl
          .trim()
          .replace(/^https?:\/\//, '')
          .replace(/\/+$/, '')
      : 'dropbox.com';
  return `dropbox://${service}${fields.teamRoot ? ' (team space)' : ''}`;
}

/**
 * Where a Dropbox sign-in may be sent: protocol, service URL and app key in one comparable text
 * (the Dropbox counterpart of `serverSecretScope`). The service URL compares normalised, so
 * `http://127.0.0.1:8282/` and `http://127.0.0.1:8282` are the same service; an unparsable one
 * stays as typed and matches nothing else.
 */
export function dropboxSecretScope(fields: { serviceUrl?: unknown; appKey?: unknown }): string {
  let service: string;
  try {
    service = normaliseServiceUrl(fields.serviceUrl);
  } catch {
    service = `invalid:${text(fields.serviceUrl)}`;
  }
  return JSON.stringify(['dropbox', service, text(fields.appKey)]);
}

/** A refresh token as stored in the node's credentials: bound to its scope, or bare. */
export interface StoredRefreshToken {
  token: string;
  /** The `dropboxSecretScope` it was obtained for; undefined for a bare token. */
  scope?: string;
}

/** The credential text of a refresh token obtained for `scope` (JSON; Dropbox tokens never start with "{"). */
export function scopedRefreshToken(token: string, scope: string): string {
  return JSON.stringify({ refreshToken: token, scope });
}

/** Reads the credential back; undefined when there is none. A malformed scoped value counts as none. */
export function parseStoredRefreshToken(value: unknown): StoredRefreshToken | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (!value.startsWith('{')) return { token: value.trim() };
  try {
    const parsed = JSON.parse(value) as { refreshToken?: unknown; scope?: unknown };
    if (typeof parsed.refreshToken === 'string' && parsed.refreshToken !== '' && typeof parsed.scope === 'string') {
      return { token: parsed.refreshToken, scope: parsed.scope };
    }
  } catch {
    // not ours: treated as no sign-in at all
  }
  return undefined;
}

export const NOT_CONNECTED =
  'This Dropbox configuration is not connected to an account: open it, click "Connect to Dropbox", sign in, paste the code, then click Done and deploy.';

export const SIGNED_IN_ELSEWHERE =
  'The stored Dropbox sign-in was made for another app key or service URL, and is only ever sent to the one it was made for: click "Connect to Dropbox" again with these settings.';

/**
 * The refresh token a configuration with `scope` may use: a scoped token only for its own scope; a
 * bare token only when `bareAllowed` (the deployed node's own settings are these). Throws otherwise,
 * without the token in the message.
 */
export function refreshTokenFor(stored: StoredRefreshToken | undefined, scope: string, bareAllowed: boolean): string {
  if (!stored) throw new FileBridgeError('AUTHENTICATION', NOT_CONNECTED);
  if (stored.scope === undefined ? !bareAllowed : stored.scope !== scope) throw new FileBridgeError('AUTHENTICATION', SIGNED_IN_ELSEWHERE);
  return stored.token;
}

/**
 * Turns a Dropbox configuration into client and pool options, refusing incomplete settings with a
 * message naming the field to fix, then a sign-in that is missing or was made elsewhere
 * (`refreshTokenFor`, with `bareAllowed`).
 */
export function dropboxOptionsFromConfig(fields: DropboxConfigFields, stored: StoredRefreshToken | undefined, bareAllowed: boolean): ResolvedDropboxOptions {
  const appKey = appKeyOf(fields.appKey);
  const serviceUrl = normaliseServiceUrl(fields.serviceUrl);
  const refreshToken = refreshTokenFor(stored, dropboxSecretScope(fields), bareAllowed);
  let host = DROPBOX_API_HOST;
  let port = 443;
  if (serviceUrl !== '') {
    const url = new URL(serviceUrl);
    host = url.hostname;
    port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  }
  return {
    dropbox: {
      appKey,
      refreshToken,
      serviceUrl,
      teamRoot: fields.teamRoot === true || fields.teamRoot === 'true',
      connectTimeoutMs: numberField(fields.connectTimeout, DEFAULT_TIMEOUTS.connectTimeoutMs / 1000, 'Connect timeout', 1, 600) * 1000,
    },
    poolSize: numberField(fields.poolSize, 2, 'Connections', 1, 16),
    connectRetries: numberField(fields.connectRetries, 2, 'Connect retries', 0, 10),
    unreadTimeoutMs: numberField(fields.unreadTimeout, DEFAULT_UNREAD_TIMEOUT_S, 'Unread timeout', 0, 86_400) * 1000,
    endpoint: { protocol: 'dropbox', host, port },
  };
}
