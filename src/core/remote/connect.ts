import { createDropboxPool } from '../dropbox/pool';
import { openDropboxSession } from '../dropbox/session';
import { FileBridgeError } from '../errors';
import { fetchFtpsCertificate, openFtpSession } from './ftp-session';
import { openSftpSession } from './sftp-session';
import type { ServerOptions } from './server-options';
import { SessionPool, PoolOptions, DEFAULT_POOL_OPTIONS } from './session-pool';
import type { RemoteEntry, RemoteSession } from './types';
import type { CertificateFacts } from './tls-pin';

export async function openSession(options: ServerOptions): Promise<RemoteSession> {
  await options.beforeConnect?.();
  if (options.protocol === 'dropbox') return openDropboxSession(dropboxOptionsOf(options));
  if (options.protocol === 'file360') {
    // File 360 sessions share their configuration's one client: file360OptionsFromConfig + createFile360Pool.
    throw new FileBridgeError('INVALID_INPUT', 'A File 360 connection is opened from its configuration (createFile360Pool), not as a server.');
  }
  return options.protocol === 'sftp' ? openSftpSession(options) : openFtpSession(options);
}

function dropboxOptionsOf(options: ServerOptions): NonNullable<ServerOptions['dropbox']> {
  if (!options.dropbox) throw new FileBridgeError('INVALID_INPUT', 'A Dropbox server needs its Dropbox settings (app key and sign-in).');
  return { connectTimeoutMs: options.connectTimeoutMs, idleTimeoutMs: options.idleTimeoutMs, ...options.dropbox };
}

export function createPool(options: ServerOptions, poolOptions: Partial<PoolOptions> = {}): SessionPool<RemoteSession> {
  if (options.protocol === 'dropbox') return createDropboxPool(dropboxOptionsOf(options), poolOptions);
  return new SessionPool<RemoteSession>(() => openSession(options), { ...DEFAULT_POOL_OPTIONS, ...poolOptions });
}

export interface ConnectionReport {
  ok: boolean;
  protocol: ServerOptions['protocol'];
  server: string;
  hostKey?: { fingerprint: string; type?: string };
  certificate?: CertificateFacts;
  /** Folder listed: the requested one, or the server's start folder. */
  folder?: string;
  entries?: Pick<RemoteEntry, 'name' | 'type' | 'size'>[];
  /** True when more entries exist than were returned. */
  truncated?: boolean;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * Connects once with the given settings (no pool, no retries: the user is waiting at the dialog)
 * and reports what a person needs to trust the server: its key or certificate and what it shows.
 */
export async function testConnection(options: ServerOptions, folder = '.', maxEntries = 50): Promise<ConnectionReport> {
  const report: ConnectionReport = { ok: false, protocol: options.protocol, server: `${options.host}:${options.port}` };
  let session: RemoteSession | undefined;
  let presentedKey: string | undefined;
  try {
    session = await openSession({
      ...options,
      onHostKeyLearned: (fp) => {
        presentedKey = fp;
      },
    });
    const facts = session as RemoteSession & { hostKeyFingerprint?: string; hostKeyType?: string; certificate?: CertificateFacts };
    if (facts.hostKeyFingerprint) report.hostKey = { fingerprint: facts.hostKeyFingerprint, type: facts.hostKeyType };
    else if (presentedKey) report.hostKey = { fingerprint: presentedKey };
    if (facts.certificate) report.certificate = facts.certificate;
    const entries = await session.list(folder || '.');
    report.folder = folder || '.';
    report.entries = entries.slice(0, maxEntries).map((e) => ({ name: e.name, type: e.type, size: e.size }));
    report.truncated = entries.length > maxEntries;
    report.ok = true;
  } catch (err) {
    const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', String(err));
    report.error = { code: e.code, message: e.message, details: e.details };
    const presented = e.details.fingerprint;
    if (typeof presented === 'string' && options.protocol === 'sftp') report.hostKey = { fingerprint: presented };
    if (e.code === 'TLS') report.certificate = await fetchFtpsCertificate(options);
  } finally {
    await session?.close().catch(() => undefined);
  }
  return report;
}
