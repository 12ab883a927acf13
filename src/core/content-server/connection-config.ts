/** The cs-connection config node's dialog fields and credentials, and the client options they make. */
import { FileBridgeError } from '../errors';
import type { CsAuth } from './auth';
import type { ContentServerClientOptions } from './client';

export type CsAuthMode = 'password' | 'otds' | 'ticket';

export interface CsConnectionConfigFields {
  baseUrl?: string;
  authMode?: CsAuthMode;
  otdsUrl?: string;
  username?: string;
  clientId?: string;
  timeout?: string | number;
  retries?: string | number;
  /** Node id of the RM classification tree's root, so flows can name classifications by path. */
  classificationRoot?: string | number;
  /** Comma-separated node ids whose applied categories flows may name, besides the target folder's. */
  categoryTemplates?: string;
  /** Files of at least this many MiB go through the large-file API when the server has it; empty = never. */
  largeFileMb?: string | number;
}

/** Kept in Node-RED's credentials, never in the flow. */
export interface CsConnectionCredentials {
  password?: string;
  clientSecret?: string;
  ticket?: string;
}

export const CS_CONNECTION_SECRETS = ['password', 'clientSecret', 'ticket'] as const;

function optionalNumber(value: unknown, fallback: number, min: number, max: number, what: string): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got '${String(value)}'`);
  return n;
}

/** Client options from the dialog's fields and credentials; throws INVALID_INPUT naming what is missing. */
export function csClientOptionsFromConfig(fields: CsConnectionConfigFields, creds: CsConnectionCredentials): ContentServerClientOptions {
  const baseUrl = (fields.baseUrl ?? '').trim();
  if (baseUrl === '')
    throw new FileBridgeError('INVALID_INPUT', 'The Content Server URL is empty: enter the REST API base, e.g. https://cs.example.com/otcs/cs.exe/api');
  const mode = fields.authMode || 'password';
  let auth: CsAuth;
  switch (mode) {
    case 'password':
      if (!fields.username) throw new FileBridgeError('INVALID_INPUT', 'Password login needs a user name');
      if (!creds.password) throw new FileBridgeError('INVALID_INPUT', 'Password login needs a password');
      auth = { kind: 'password', username: fields.username, password: creds.password };
      break;
    case 'otds':
      if (!fields.otdsUrl) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs the OTDS URL');
      if (!fields.clientId) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs a client id');
      if (!creds.clientSecret) throw new FileBridgeError('INVALID_INPUT', 'OTDS login needs the client secret');
      auth = { kind: 'otds', otdsUrl: fields.otdsUrl, clientId: fields.clientId, clientSecret: creds.clientSecret };
      break;
    case 'ticket':
      if (!creds.ticket) throw new FileBridgeError('INVALID_INPUT', 'Ticket login needs a ticket');
      auth = { kind: 'ticket', ticket: creds.ticket };
      break;
    default:
      throw new FileBridgeError('INVALID_INPUT', `Unknown authentication mode '${String(mode)}': use password, otds or ticket`);
  }
  const templates = String(fields.categoryTemplates ?? '')
    .split(/[\s,;]+/)
    .filter((t) => t !== '');
  for (const t of templates)
    if (!/^\d+$/.test(t)) throw new FileBridgeError('INVALID_INPUT', `Category templates must be node ids separated by commas, got '${t}'`);
  const root = optionalNumber(fields.classificationRoot, NaN, 1, Number.MAX_SAFE_INTEGER, 'Classification root');
  const largeMb = optionalNumber(fields.largeFileMb, NaN, 1, 1024 * 1024, 'Large-file threshold');
  return {
    baseUrl,
    auth,
    timeoutMs: Math.round(optionalNumber(fields.timeout, 60, 1, 3600, 'Timeout') * 1000),
    retry: { retries: Math.round(optionalNumber(fields.retries, 4, 0, 20, 'Retries')) },
    categoryTemplates: templates.map(Number),
    classificationRoot: Number.isNaN(root) ? undefined : Math.round(root),
    largeFileThreshold: Number.isNaN(largeMb) ? undefined : Math.round(largeMb * 1024 * 1024),
  };
}

/**
 * Where a connection's secrets go: the REST base URL with the login method, and the user (password
 * login) or OTDS URL and client id (OTDS login), in one comparable text. "Test connection" and the
 * pickers reuse a deployed connection's stored secrets only when the dialog's fields give the same
 * text, so a changed URL (or a node of another type) never receives them.
 */
export function csSecretScope(fields: Partial<Record<keyof CsConnectionConfigFields, unknown>>): string {
  const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
  const mode = text(fields.authMode) || 'password';
  const who = mode === 'password' ? [text(fields.username)] : mode === 'otds' ? [text(fields.otdsUrl), text(fields.clientId)] : [];
  return JSON.stringify([text(fields.baseUrl), mode, ...who]);
}

/** A pre-issued ticket belongs to someone else's session: a client made from it must not end it. */
export function ownsSession(fields: CsConnectionConfigFields): boolean {
  return fields.authMode !== 'ticket';
}
