import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { commandPath, requirePrerequisites, USER_PREREQUISITES } from './prerequisites';
import { isRoot, run } from './exec';
import { pidAlive } from './owner';

/** The account every dev server logs in as; its home is the folder all protocols see. */
export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** Absolute path of the home folder (created, owned by the user). */
  home: string;
  /** Undefined when not running as root: then the user is the current one and its password is unknown. */
  password: string | undefined;
  /** True when this is a throwaway system account created or reset by `ensureTestUser`. */
  managed: boolean;
  /** Locks the throwaway account again and lets other runs use the name. No-op for the current user. */
  release(): Promise<void>;
}

export interface TestUserOptions {
  /** Throwaway account name (root only). Default `fbtest`; taken by another live run, `fbtest2`, ... */
  name?: string;
  /** Folder to use as the home; created if missing. */
  home: string;
}

const LOCK_DIR = '/run/filebridge-devservers';
const DEFAULT_NAME = 'fbtest';
/** pam_shells (in /etc/pam.d/vsftpd) refuses FTP logins whose shell is not in /etc/shells. */
const SHELL = '/bin/sh';

/** Password without ':' (chpasswd's separator) or characters a URL or shell would mangle. */
function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Claims an account name for this process. Two test runs on one machine (parallel worktrees) would
 * otherwise reset each other's password and home in the middle of their tests.
 */
async function claimName(name: string): Promise<boolean> {
  await mkdir(LOCK_DIR, { recursive: true, mode: 0o700 });
  const lock = `${LOCK_DIR}/${name}.pid`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (owner === process.pid) return true;
    if (Number.isInteger(owner) && owner > 0 && pidAlive(owner)) return false;
    await unlink(lock).catch(() => undefined); // stale: its run died without cleaning up
  }
  return false;
}

async function unclaimName(name: string): Promise<void> {
  const lock = `${LOCK_DIR}/${name}.pid`;
  const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
  if (owner === process.pid) await unlink(lock).catch(() => undefined);
}

interface PasswdEntry {
  uid: number;
  gid: number;
}

async function lookupUser(name: string): Promise<PasswdEntry | undefined> {
  let line: string;
  try {
    line = (await run(commandPath({ command: 'getent', aptPackage: 'libc-bin' }), ['passwd', name])).trim();
  } catch {
    return undefined; // getent exits 2 for an unknown name
  }
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

async function checkNotDeniedByFtpusers(name: string): Promise<void> {
  const text = await readFile('/etc/ftpusers', 'utf8').catch(() => '');
  if (text.split('\n').some((l) => l.trim() === name)) {
    throw new Error(`User ${name} is listed in /etc/ftpusers, so vsftpd's PAM service would refuse it. Pick another name.`);
  }
}

/**
 * Root: creates (or takes over) a throwaway system account with a fresh random password and `home`
 * as its home folder. Not root: returns the current user (key login only; password login would
 * need root to read /etc/shadow) with `home` created for it.
 */
export async function ensureTestUser(options: TestUserOptions): Promise<TestUser> {
  const { home } = options;
  if (!isRoot()) {
    const me = userInfo();
    await mkdir(home, { recursive: true, mode: 0o755 });
    return { name: me.username, uid: me.uid, gid: me.gid, home, password: undefined, managed: false, release: async () => undefined };
  }
  requirePrerequisites(USER_PREREQUISITES);

  const wanted = options.name ?? DEFAULT_NAME;
  let name: string | undefined;
  for (let i = 1; i <= 9 && name === undefined; i++) {
    const candidate = i === 1 ? wanted : `${wanted}${i}`;
    if (await claimName(candidate)) name = candidate;
    else if (options.name !== undefined) {
      throw new Error(`Test user ${candidate} is in use by another running test process (see ${LOCK_DIR}).`);
    }
  }
  if (name === undefined) throw new Error(`All test user names ${wanted}..${wanted}9 are in use by other running test processes.`);

  try {
    await checkNotDeniedByFtpusers(name);
    await mkdir(home, { recursive: true, mode: 0o755 });
    const existing = await lookupUser(name);
    if (existing) {
      // usermod refuses while the account runs processes, which would mean a leftover server session.
      await run(commandPath({ command: 'usermod', aptPackage: 'passwd' }), ['--home', home, '--shell', SHELL, '--expiredate', '', name]);
    } else {
      await run(commandPath({ command: 'useradd', aptPackage: 'passwd' }), [
        '--system',
        '--user-group',
        '--shell',
        SHELL,
        '--home-dir',
        home,
        '--no-create-home',
        '--comment',
        'node-red-contrib-ecm-filebridge test servers',
        name,
      ]);
    }
    const entry = await lookupUser(name);
    if (!entry) throw new Error(`User ${name} not found after useradd`);
    const password = randomPassword();
    await run(commandPath({ command: 'chpasswd', aptPackage: 'passwd' }), [], { input: `${name}:${password}\n` });
    await chown(home, entry.uid, entry.gid);
    await chmod(home, 0o755);

    const userName = name;
    return {
      name,
      uid: entry.uid,
      gid: entry.gid,
      home,
      password,
      managed: true,
      release: async () => {
        // Lock the password so the account is useless until the next run sets a new one.
        await run(commandPath({ command: 'usermod', aptPackage: 'passwd' }), ['--lock', userName]).catch(() => undefined);
        await unclaimName(userName);
      },
    };
  } catch (err) {
    await unclaimName(name);
    throw err;
  }
}
