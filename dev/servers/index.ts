import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCertificates, type TestCertificates } from './certs';
import { isRoot } from './exec';
import { LocalHome } from './home';
import { FTP_PREREQUISITES, requirePrerequisites, SSH_PREREQUISITES, USER_PREREQUISITES } from './prerequisites';
import { markOwned, removeAbandoned } from './owner';
import { startSshd, type SshdServer } from './sshd';
import { ensureTestUser, type TestUser } from './user';
import { startVsftpd, type VsftpdServer } from './vsftpd';

export type { CertificateAndKey, PemFile, TestCertificates } from './certs';
export type { HostKeyInfo, SshdOptions, SshdServer } from './sshd';
export type { FtpTlsMode, VsftpdOptions, VsftpdServer } from './vsftpd';
export type { TestUser, TestUserOptions } from './user';
export { makeTestCertificates } from './certs';
export { LocalHome } from './home';
export { startSshd } from './sshd';
export { startVsftpd } from './vsftpd';
export { ensureTestUser } from './user';
export { requirePrerequisites } from './prerequisites';

export interface DevServersOptions {
  /** Throwaway account name; default `fbtest` (or `fbtest2`... when another run holds it). */
  username?: string;
  /** Where the run's temp folder goes; default the OS temp folder. */
  tmpDir?: string;
}

/** All servers of one run: one user and one home folder shared by SFTP, FTP and FTPS. */
export interface DevServers {
  readonly host: string;
  readonly username: string;
  readonly password: string;
  /** Absolute local path of the shared home folder. */
  readonly root: string;
  readonly sftp: SshdServer & { readonly password: string };
  /** Plain FTP and explicit FTPS (AUTH TLS) on the same port. */
  readonly ftp: VsftpdServer;
  /** Implicit FTPS (TLS from the first byte). */
  readonly ftpsImplicit: VsftpdServer;
  /** The FTPS servers present `certs.server`, signed by `certs.ca`. */
  readonly certs: TestCertificates;
  readonly home: LocalHome;
  /** Absolute local path for a path relative to the home. */
  localPath(relPath: string): string;
  writeFile(relPath: string, data: string | Uint8Array): Promise<void>;
  readFile(relPath: string): Promise<Buffer>;
  exists(relPath: string): Promise<boolean>;
  mkdirp(relPath: string): Promise<void>;
  remove(relPath: string): Promise<void>;
  /** Empties the home folder. */
  clear(): Promise<void>;
  /** Starts every server that is stopped (after a test stopped one and failed before restarting it). */
  startAll(): Promise<void>;
}

const BASE_PREFIX = 'filebridge-dev-';

let current: { servers: DevServers; dispose: () => Promise<void> } | undefined;

/**
 * Starts sshd, vsftpd (plain + explicit FTPS) and vsftpd (implicit FTPS) on 127.0.0.1, with a
 * throwaway user, home folder, keys and certificates. Needs root: vsftpd can only log in local
 * users as root (for an SFTP-only sandbox without root, use `startSshd`).
 */
export async function startDevServers(options: DevServersOptions = {}): Promise<DevServers> {
  if (current) throw new Error('Dev servers are already running; call stopDevServers() first.');
  requirePrerequisites([...SSH_PREREQUISITES, ...FTP_PREREQUISITES, ...USER_PREREQUISITES]);
  if (!isRoot()) {
    throw new Error(
      'startDevServers needs root: it creates a throwaway system user, and vsftpd only logs in local users as root. Run the tests as root, or use startSshd() for an SFTP-only sandbox.',
    );
  }

  const parent = options.tmpDir ?? tmpdir();
  await removeAbandoned(parent, BASE_PREFIX, false);
  const base = await mkdtemp(join(parent, BASE_PREFIX));
  await markOwned(base);
  // The test user must be able to walk into its home below this folder.
  await chmod(base, 0o755);
  const cleanups: (() => Promise<void>)[] = [() => rm(base, { recursive: true, force: true })];
  const dispose = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'Stopping the dev servers failed');
  };

  try {
    const user: TestUser = await ensureTestUser({ name: options.username, home: join(base, 'home') });
    cleanups.push(() => user.release());
    const password = user.password;
    if (password === undefined) throw new Error('The test user has no password');

    const [certs, sftp] = await Promise.all([makeTestCertificates({ dir: join(base, 'certs') }), startSshd({ dir: base, user })]);
    cleanups.push(() => sftp.dispose());
    const [ftp, ftpsImplicit] = await Promise.all([
      startVsftpd({ user, tls: 'explicit', certificate: certs.server, dir: join(base, 'vsftpd-explicit'), name: 'vsftpd (FTP + explicit FTPS)' }),
      startVsftpd({ user, tls: 'implicit', certificate: certs.server, dir: join(base, 'vsftpd-implicit'), name: 'vsftpd (implicit FTPS)' }),
    ]);
    cleanups.push(
      () => ftp.dispose(),
      () => ftpsImplicit.dispose(),
    );

    const home = new LocalHome(user.home, user.uid, user.gid);
    const servers: DevServers = {
      host: sftp.host,
      username: user.name,
      password,
      root: user.home,
      sftp: Object.assign(sftp, { password }),
      ftp,
      ftpsImplicit,
      certs,
      home,
      localPath: (p) => home.path(p),
      writeFile: (p, data) => home.writeFile(p, data),
      readFile: (p) => home.readFile(p),
      exists: (p) => home.exists(p),
      mkdirp: (p) => home.mkdirp(p),
      remove: (p) => home.remove(p),
      clear: () => home.clear(),
      startAll: async () => {
        await Promise.all([sftp, ftp, ftpsImplicit].filter((s) => !s.running).map((s) => s.start()));
      },
    };
    current = { servers, dispose };
    return servers;
  } catch (err) {
    await dispose().catch(() => undefined);
    throw err;
  }
}

/** Stops everything `startDevServers` started and deletes its temp folder. Safe to call twice. */
export async function stopDevServers(): Promise<void> {
  const running = current;
  current = undefined;
  if (running) await running.dispose();
}

/** The running servers, or undefined. */
export function currentDevServers(): DevServers | undefined {
  return current?.servers;
}
