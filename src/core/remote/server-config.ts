import { FileBridgeError } from '../errors';
import type { KeyValueStore } from '../key-value-store';
import { numberField } from './config-number';
import { dropboxLabel, dropboxSecretScope } from './dropbox-config';
import { file360Label, file360SecretScope } from './file360-config';
import { hostKeyMemory } from './learned-host-key';
import { DEFAULT_TIMEOUTS, DEFAULT_UNREAD_TIMEOUT_S, ServerOptions } from './server-options';
import { DEFAULT_PORTS, Protocol } from './types';

/** The config node's fields as the editor stores them (numbers may arrive as text). */
export interface ServerConfigFields {
  name?: string;
  /** 'dropbox' makes this the Dropbox account configuration (dropbox-config.ts); the others are servers. */
  protocol: Protocol | 'dropbox';
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
  /** Dropbox: the app's key from the Dropbox App Console. */
  appKey?: string;
  /** Dropbox: work in the team space (the team's root namespace). */
  teamRoot?: boolean;
  /** Dropbox: blank for Dropbox itself, else one base URL (the Dropbox simulator). */
  serviceUrl?: string;
  /** Dropbox: the signed-in account's name, shown by the dialog (no secret). */
  accountName?: string;
  /** File 360: the API base URL (blank = https://core.opentext.com). */
  apiUrl?: string;
  /** File 360: the sign-in (OTDS) base URL (blank = https://sso.core.opentext.com). */
  ssoUrl?: string;
  /** File 360: the OAuth client id. */
  clientId?: string;
}

export interface ServerCredentials {
  password?: string;
  privateKey?: string;
  passphrase?: string;
  /** Dropbox: the sign-in, as `scopedRefreshToken` stores it (or a bare token deployed with the flow). */
  refreshToken?: string;
  /** File 360: the OAuth client's secret. */
  clientSecret?: string;
}

export const SERVER_SECRETS = ['password', 'privateKey', 'passphrase', 'refreshToken', 'clientSecret'] as const;

export interface ResolvedServerOptions extends ServerOptions {
  poolSize: number;
  connectRetries: number;
  unreadTimeoutMs: number;
}

export { DEFAULT_UNREAD_TIMEOUT_S };

const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit'];

/** Lines of the host key field that are pins (blank lines and `#` comments are allowed). */
export function pinLines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** How nodes name a configuration in messages, statuses and logs: `sftp://host:22`, `dropbox://dropbox.com`, `file360://core.opentext.com (user)`. */
export function serverLabel(
  fields: Pick<ServerConfigFields, 'protocol' | 'host' | 'port' | 'serviceUrl' | 'teamRoot' | 'apiUrl' | 'username' | 'clientId'>,
): string {
  if (fields.protocol === 'dropbox') return dropboxLabel(fields);
  if (fields.protocol === 'file360') return file360Label(fields);
  return `${fields.protocol}://${fields.host}:${fields.port || DEFAULT_PORTS[fields.protocol] || ''}`;
}

/**
 * Where a configuration's password or key goes: protocol, host, port and user, in one comparable
 * text. "Test connection" reuses a deployed configuration's stored secrets only when the dialog's
 * fields give the same text, so a changed host (or a node of another type) never receives them.
 * Host names compare without case (DNS ignores it), an empty port is the protocol's default, and
 * anything unparsable stays as typed, so it simply matches nothing else.
 */
export function serverSecretScope(fields: Partial<Record<keyof ServerConfigFields, unknown>>): string {
  // A Dropbox sign-in goes to a service URL with an app key instead of a host and user.
  if (fields.protocol === 'dropbox') return dropboxSecretScope(fields);
  // File 360 secrets go to an API and sign-in service, for a client id and user.
  if (fields.protocol === 'file360') return file360SecretScope(fields);
  const text = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');
  const protocol = text(fields.protocol);
  const rawPort = text(fields.port);
  const defaultPort = PROTOCOLS.includes(protocol as Protocol) ? DEFAULT_PORTS[protocol as Protocol] : undefined;
  const port = rawPort === '' ? defaultPort : /^\d+$/.test(rawPort) ? Number(rawPort) : rawPort;
  return JSON.stringify([protocol, text(fields.host).toLowerCase(), port ?? '', text(fields.username)]);
}

/**
 * True when this configuration accepts the SFTP host key on first use: ticked, and no key pinned.
 * A deployed configuration then needs a store that outlives a restart (`hostKeyMemory` below).
 */
export function learnsHostKey(fields: Pick<ServerConfigFields, 'protocol' | 'hostKey' | 'trustOnFirstUse'>): boolean {
  return fields.protocol === 'sftp' && Boolean(fields.trustOnFirstUse) && pinLines(fields.hostKey).length === 0;
}

/**
 * Turns what the user configured into connection options, refusing incomplete settings with a
 * message that says which field to fix. Timeouts are configured in seconds (what people think in)
 * and used in milliseconds.
 */
export function serverOptionsFromConfig(
  fields: ServerConfigFields,
  credentials: ServerCredentials,
  extra: {
    /**
     * Where trust on first use keeps the learned key (see learned-host-key.ts): read before the first
     * connection, written before a connection that learned a key is used. Without it (Test
     * connection) a learned key is pinned for these options only.
     */
    hostKeyMemory?: KeyValueStore;
    /** Told each key trust on first use accepted, once it is stored. */
    onHostKeyLearned?: (fingerprint: string) => void;
  },
): ResolvedServerOptions {
  if (fields.protocol === 'dropbox' || fields.protocol === 'file360' || !PROTOCOLS.includes(fields.protocol)) {
    // Dropbox configurations are read by dropboxOptionsFromConfig, File 360 ones by file360OptionsFromConfig.
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
  const port = numberField(fields.port, DEFAULT_PORTS[fields.protocol], 'Port', 1, 65535);
  const pins = pinLines(fields.hostKey);
  // Once learned, the key is pinned for every later connection of this deployment too, and with a
  // memory for every later run: trust on *first* use, not on every reconnect or restart.
  const memory = learnsHostKey(fields) ? hostKeyMemory(pins, { host, port }, extra.hostKeyMemory) : undefined;
  const onHostKeyLearned = async (fingerprint: string): Promise<void> => {
    if (memory) await memory.learn(fingerprint);
    else if (!pins.includes(fingerprint)) pins.push(fingerprint);
    extra.onHostKeyLearned?.(fingerprint);
  };
  return {
    protocol: fields.protocol,
    host,
    port,
    username,
    password,
    privateKey,
    passphrase: credentials.passphrase || undefined,
    hostKeyPins: pins,
    trustOnFirstUse: Boolean(fields.trustOnFirstUse),
    onHostKeyLearned,
    beforeConnect: memory?.load,
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
