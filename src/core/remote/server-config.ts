import { FileBridgeError } from '../errors';
import { DEFAULT_TIMEOUTS, ServerOptions } from './server-options';
import { DEFAULT_PORTS, Protocol } from './types';

/** The config node's fields as the editor stores them (numbers may arrive as text). */
export interface ServerConfigFields {
  name?: string;
  protocol: Protocol;
  host: string;
  port?: number | string;
  username: string;
  hostKey?: string;
  trustOnFirstUse?: boolean;
  tlsCa?: string;
  tlsFingerprint?: string;
  tlsServername?: string;
  connectTimeout?: number | string;
  idleTimeout?: number | string;
  keepalive?: number | string;
  poolSize?: number | string;
  connectRetries?: number | string;
  /** Seconds a payload stream may sit unread before it is closed and its connection freed; 0 = never. */
  unreadTimeout?: number | string;
}

export interface ServerCredentials {
  password?: string;
  privateKey?: string;
  passphrase?: string;
}

export const SERVER_SECRETS = ['password', 'privateKey', 'passphrase'] as const;

export interface ResolvedServerOptions extends ServerOptions {
  poolSize: number;
  connectRetries: number;
  unreadTimeoutMs: number;
}

/** Five minutes: longer than any node needs between two reads, short enough to free a partner connection the same hour. */
export const DEFAULT_UNREAD_TIMEOUT_S = 300;

const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit'];

function numberField(value: number | string | undefined, fallback: number, what: string, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got "${String(value)}".`);
  }
  return n;
}

/** Lines of the host key field that are pins (blank lines and `#` comments are allowed). */
export function pinLines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Turns what the user configured into connection options, refusing incomplete settings with a
 * message that says which field to fix. Timeouts are configured in seconds (what people think in)
 * and used in milliseconds.
 */
export function serverOptionsFromConfig(
  fields: ServerConfigFields,
  credentials: ServerCredentials,
  extra: { learnedHostKey?: string; onHostKeyLearned?: (fingerprint: string) => void },
): ResolvedServerOptions {
  if (!PROTOCOLS.includes(fields.protocol)) {
    throw new FileBridgeError('INVALID_INPUT', `Unknown protocol "${String(fields.protocol)}": choose sftp, ftp, ftps-explicit or ftps-implicit.`);
  }
  const host = (fields.host ?? '').trim();
  if (!host) throw new FileBridgeError('INVALID_INPUT', 'The server has no host: enter a host name or IP address.');
  const username = (fields.username ?? '').trim();
  if (!username) throw new FileBridgeError('INVALID_INPUT', 'The server has no user name: enter the account to log in with.');
  const password = credentials.password || undefined;
  const privateKey = credentials.privateKey?.trim() ? credentials.privateKey : undefined;
  if (!password && !privateKey) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `No password${fields.protocol === 'sftp' ? ' or private key' : ''} is set for ${username}@${host}: enter one in the server configuration.`,
    );
  }
  if (privateKey && fields.protocol !== 'sftp') {
    throw new FileBridgeError('INVALID_INPUT', 'A private key only works with SFTP; FTP and FTPS log in with a password.');
  }
  const pins = pinLines(fields.hostKey);
  if (extra.learnedHostKey && pins.length === 0 && fields.trustOnFirstUse) pins.push(extra.learnedHostKey);
  // Once learned, the key is pinned for every later connection of this deployment too: trust on
  // *first* use, not on every reconnect.
  const onHostKeyLearned = (fingerprint: string): void => {
    if (!pins.includes(fingerprint)) pins.push(fingerprint);
    extra.onHostKeyLearned?.(fingerprint);
  };
  return {
    protocol: fields.protocol,
    host,
    port: numberField(fields.port, DEFAULT_PORTS[fields.protocol], 'Port', 1, 65535),
    username,
    password,
    privateKey,
    passphrase: credentials.passphrase || undefined,
    hostKeyPins: pins,
    trustOnFirstUse: Boolean(fields.trustOnFirstUse),
    onHostKeyLearned,
    tlsCa: fields.tlsCa?.trim() ? fields.tlsCa : undefined,
    tlsFingerprint: fields.tlsFingerprint?.trim() ? fields.tlsFingerprint.trim() : undefined,
    tlsServername: fields.tlsServername?.trim() ? fields.tlsServername.trim() : undefined,
    connectTimeoutMs: numberField(fields.connectTimeout, DEFAULT_TIMEOUTS.connectTimeoutMs / 1000, 'Connect timeout', 1, 600) * 1000,
    idleTimeoutMs: numberField(fields.idleTimeout, DEFAULT_TIMEOUTS.idleTimeoutMs / 1000, 'Idle timeout', 1, 3600) * 1000,
    keepaliveIntervalMs: numberField(fields.keepalive, DEFAULT_TIMEOUTS.keepaliveIntervalMs / 1000, 'Keepalive interval', 0, 3600) * 1000,
    poolSize: numberField(fields.poolSize, 2, 'Connections', 1, 16),
    connectRetries: numberField(fields.connectRetries, 2, 'Connect retries', 0, 10),
    unreadTimeoutMs: numberField(fields.unreadTimeout, DEFAULT_UNREAD_TIMEOUT_S, 'Unread timeout', 0, 86_400) * 1000,
  };
}
