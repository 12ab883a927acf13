import { FileBridgeError } from '../errors';
import { DEFAULT_POOL_OPTIONS, SessionPool, type PoolOptions } from '../remote/session-pool';
import type { RemoteEntry, RemoteSession } from '../remote/types';
import { accountOf, type DropboxAccount, type DropboxOptions } from './auth';
import { DropboxClient } from './client';
import { DropboxSession, openDropboxSession } from './session';
import { dropboxApiPath, dropboxPlainPath } from './api-path';
import { decodeDropboxName } from './dropbox-name';

/**
 * A pool of Dropbox sessions on one account, like `createPool` for SFTP/FTP. Its sessions share one
 * client: one access token, one refresh at a time for all of them, one batch commit at a time.
 * Dropbox holds no connection per session, so the pool only bounds how many calls run at once.
 */
export function createDropboxPool(options: DropboxOptions, poolOptions: Partial<PoolOptions> = {}): SessionPool<RemoteSession> {
  let client: DropboxClient | undefined;
  return new SessionPool<RemoteSession>(
    async () => {
      client ??= new DropboxClient(options);
      await client.tokens.get();
      await client.ensurePathRoot();
      return new DropboxSession(client, false);
    },
    { ...DEFAULT_POOL_OPTIONS, ...poolOptions },
  );
}

export interface DropboxConnectionReport {
  ok: boolean;
  protocol: 'dropbox';
  /** The service reached: api.dropboxapi.com or the service URL's host. */
  server: string;
  account?: DropboxAccount;
  folder?: string;
  entries?: Pick<RemoteEntry, 'name' | 'type' | 'size'>[];
  truncated?: boolean;
  error?: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * Signs in once with the stored refresh token (no pool, no long retries: someone waits at the dialog)
 * and reports the account's name and the first entries of `folder`.
 */
export async function testDropboxConnection(options: DropboxOptions, folder = '', maxEntries = 50): Promise<DropboxConnectionReport> {
  let server = 'api.dropboxapi.com';
  try {
    if (options.serviceUrl) server = new URL(options.serviceUrl).host;
  } catch {
    // reported below by openDropboxSession
  }
  const report: DropboxConnectionReport = { ok: false, protocol: 'dropbox', server };
  let session: DropboxSession | undefined;
  try {
    session = await openDropboxSession({ ...options, maxRetries: Math.min(options.maxRetries ?? 2, 2) });
    const client = session.client;
    const raw = await client.rpc({ what: 'read the account' }, (dbx) => dbx.usersGetCurrentAccount());
    report.account = accountOf(raw as unknown as Parameters<typeof accountOf>[0]);
    const path = dropboxApiPath(folder);
    const page = await client.rpc({ what: 'list', path: folder || '/' }, (dbx) => dbx.filesListFolder({ path, limit: maxEntries + 1 }));
    const shown = page.entries.filter((e) => e['.tag'] !== 'deleted');
    report.folder = dropboxPlainPath(folder) || '/';
    report.entries = shown
      .slice(0, maxEntries)
      .map((e) => ({ name: decodeDropboxName(e.name), type: e['.tag'] === 'folder' ? 'directory' : 'file', size: e['.tag'] === 'file' ? e.size : 0 }));
    report.truncated = shown.length > maxEntries || page.has_more;
    report.ok = true;
  } catch (err) {
    const e = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', 'Could not reach Dropbox.');
    report.error = { code: e.code, message: e.message, details: e.details };
  } finally {
    await session?.close().catch(() => undefined);
  }
  return report;
}
