import type { DropboxOptions } from '../dropbox/auth';
import type { Protocol } from './types';

/** Everything needed to open a session. Secrets sit here only in memory, taken from Node-RED credentials. */
export interface ServerOptions {
  protocol: Protocol;
  host: string;
  port: number;
  username: string;
  password?: string;
  /** PEM or OpenSSH private key text (SFTP). */
  privateKey?: string;
  passphrase?: string;

  /** SFTP: accepted host keys, each a `SHA256:...` fingerprint or a known_hosts line. */
  hostKeyPins?: string[];
  /**
   * SFTP: with no pin, accept the first key seen and remember it (`onHostKeyLearned`). Without this
   * flag a missing pin refuses the connection.
   */
  trustOnFirstUse?: boolean;
  /**
   * Called with the fingerprint accepted by trust-on-first-use so the caller can record it. The
   * session is used only once this settles; when it rejects, the session is closed and opening it
   * fails with that error.
   */
  onHostKeyLearned?: (fingerprint: string) => void | Promise<void>;
  /** Awaited before each connection is opened (trust on first use loads the key it remembered). */
  beforeConnect?: () => Promise<void>;

  /** FTPS: extra CA certificates (PEM) to trust besides the system ones. */
  tlsCa?: string;
  /** FTPS: pinned SHA-256 certificate fingerprint (`AB:CD:...` or plain hex); replaces CA checks. */
  tlsFingerprint?: string;
  /** FTPS: name to check the certificate against when it differs from `host`. */
  tlsServername?: string;

  /** FTP: passive mode (default). Active mode is not offered: it rarely passes firewalls. */
  connectTimeoutMs: number;
  /** No byte moved on the connection for this long = TIMEOUT. */
  idleTimeoutMs: number;
  /** SSH keepalive interval; 0 disables. */
  keepaliveIntervalMs: number;

  /** Dropbox (protocol 'dropbox'): the account's app key, refresh token, service URL and team root. */
  dropbox?: DropboxOptions;
}

/** Five minutes: longer than any node needs between two reads, short enough to free a partner connection the same hour. */
export const DEFAULT_UNREAD_TIMEOUT_S = 300;

export const DEFAULT_TIMEOUTS = {
  connectTimeoutMs: 15_000,
  idleTimeoutMs: 60_000,
  keepaliveIntervalMs: 15_000,
} as const;
