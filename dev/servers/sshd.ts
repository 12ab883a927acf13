import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, run } from './exec';
import { freePort } from './ports';
import { commandPath, requirePrerequisites, SSH_PREREQUISITES, SSHD_BINARY } from './prerequisites';
import { ManagedProcess } from './process';
import { ensureTestUser, type TestUser } from './user';

export interface SshdOptions {
  /** Folder for the generated config and keys. Default: a new temp folder, removed by `dispose()`. */
  dir?: string;
  /**
   * Account to log in as. Default: as root a throwaway system user (see `ensureTestUser`) with home
   * `<dir>/home`; otherwise the current user.
   */
  user?: TestUser;
  /** Name for the throwaway user when `user` is not given (root only). */
  username?: string;
  /** Default: a free port. */
  port?: number;
}

export interface HostKeyInfo<T> {
  ed25519: T;
  rsa: T;
}

export interface SshdServer {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** Undefined when not run as root: sshd as a normal user cannot check passwords, only keys. */
  readonly password: string | undefined;
  /** OpenSSH-format ed25519 private key without passphrase. */
  readonly privateKey: string;
  /** PEM (PKCS#1) RSA private key encrypted with `passphrase`. */
  readonly encryptedPrivateKey: string;
  readonly passphrase: string;
  /** As `ssh-keygen -lf` prints them: `SHA256:<base64 without padding>`. */
  readonly hostKeyFingerprints: HostKeyInfo<string>;
  /** `<type> <base64>` public host keys. */
  readonly hostPublicKeys: HostKeyInfo<string>;
  /** known_hosts lines for this server, e.g. `[127.0.0.1]:PORT ssh-ed25519 AAAA...`. */
  readonly knownHostsLines: readonly string[];
  /** Absolute local path where SFTP relative paths land (the user's home). */
  readonly root: string;
  readonly running: boolean;
  /** Starts again on the same port with the same keys. */
  start(): Promise<void>;
  /** Kills the listener and every open session, as a crashing server would. */
  stop(): Promise<void>;
  /** Stops for good and deletes what `startSshd` created (temp folder, throwaway user claim). */
  dispose(): Promise<void>;
  /** sshd's recent log output. */
  log(): string;
}

const HOST = '127.0.0.1';

async function keygen(args: string[]): Promise<void> {
  await run(commandPath({ command: 'ssh-keygen', aptPackage: 'openssh-client' }), ['-q', ...args]);
}

async function fingerprint(pubFile: string): Promise<string> {
  const out = await run(commandPath({ command: 'ssh-keygen', aptPackage: 'openssh-client' }), ['-l', '-f', pubFile]);
  // "256 SHA256:abc... comment (ED25519)"
  const fp = out.trim().split(/\s+/)[1];
  if (fp === undefined || !fp.startsWith('SHA256:')) throw new Error(`Unexpected ssh-keygen -l output: ${out}`);
  return fp;
}

async function publicKey(pubFile: string): Promise<string> {
  const [type, base64] = (await readFile(pubFile, 'utf8')).trim().split(/\s+/);
  if (type === undefined || base64 === undefined) throw new Error(`Unreadable public key ${pubFile}`);
  return `${type} ${base64}`;
}

/** sshd_config has no escaping worth trusting; temp paths never need it, so refuse odd ones. */
function configPath(path: string): string {
  if (/[\s"#]/.test(path)) throw new Error(`sshd config cannot safely hold the path "${path}"; set TMPDIR to a plain path`);
  return path;
}

interface SshdConfigInput {
  port: number;
  hostKeys: string[];
  pidFile: string;
  authorizedKeys: string;
  username: string;
  home: string;
  passwords: boolean;
}

function sshdConfig(c: SshdConfigInput): string {
  return [
    `Port ${c.port}`,
    `ListenAddress ${HOST}`,
    ...c.hostKeys.map((k) => `HostKey ${configPath(k)}`),
    `PidFile ${configPath(c.pidFile)}`,
    // The temp folders are not laid out like a real home (~/.ssh owned by the user, etc.).
    'StrictModes no',
    `AuthorizedKeysFile ${configPath(c.authorizedKeys)}`,
    'PubkeyAuthentication yes',
    `PasswordAuthentication ${c.passwords ? 'yes' : 'no'}`,
    'KbdInteractiveAuthentication no',
    // Without PAM sshd checks /etc/shadow itself, and no system PAM policy can interfere.
    'UsePAM no',
    // -d: relative paths land in our temp home even when the passwd home is elsewhere (non-root mode).
    `Subsystem sftp internal-sftp -d ${configPath(c.home)}`,
    `AllowUsers ${c.username}`,
    'PermitRootLogin no',
    'PermitEmptyPasswords no',
    // Tests open many connections at once; sshd's default (10:30:100) would randomly drop some.
    'MaxStartups 200',
    'MaxSessions 50',
    'LoginGraceTime 30',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'PrintMotd no',
    'UseDNS no',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/**
 * Starts OpenSSH's sshd in the foreground on 127.0.0.1 with throwaway keys.
 *
 * As root it logs in a throwaway system user by password or key. As a normal user (developer
 * sandbox) sshd can only authenticate that same user, by key only (checking passwords needs root to
 * read /etc/shadow), and refuses it if the account is locked; relative SFTP paths still land in
 * `<dir>/home`.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdServer> {
  requirePrerequisites(SSH_PREREQUISITES);
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'filebridge-sshd-')));
  // The test user must be able to pass through to its home and the authorized_keys file.
  await chmod(dir, 0o755).catch(() => undefined);
  const ownUser = options.user === undefined;
  let user: TestUser | undefined;
  let proc: ManagedProcess | undefined;
  try {
    user = options.user ?? (await ensureTestUser({ name: options.username, home: join(dir, 'home') }));

    const confDir = join(dir, 'sshd');
    const authDir = join(dir, 'sshd-auth');
    await mkdir(confDir, { recursive: true, mode: 0o700 });
    await mkdir(authDir, { recursive: true, mode: 0o755 });

    const hostEd = join(confDir, 'ssh_host_ed25519_key');
    const hostRsa = join(confDir, 'ssh_host_rsa_key');
    const clientEd = join(confDir, 'client_ed25519');
    const clientRsa = join(confDir, 'client_rsa_pem');
    const passphrase = randomBytes(12).toString('base64url');
    await Promise.all([
      keygen(['-t', 'ed25519', '-N', '', '-C', 'filebridge-test-host', '-f', hostEd]),
      keygen(['-t', 'rsa', '-b', '2048', '-N', '', '-C', 'filebridge-test-host', '-f', hostRsa]),
      keygen(['-t', 'ed25519', '-N', '', '-C', 'filebridge-test-plain', '-f', clientEd]),
      // PEM (PKCS#1) with a passphrase: the legacy format partners still hand out, encrypted.
      keygen(['-t', 'rsa', '-b', '2048', '-m', 'PEM', '-N', passphrase, '-C', 'filebridge-test-encrypted', '-f', clientRsa]),
    ]);

    const authorizedKeys = join(authDir, 'authorized_keys');
    const clientPubs = await Promise.all([readFile(`${clientEd}.pub`, 'utf8'), readFile(`${clientRsa}.pub`, 'utf8')]);
    await writeFile(authorizedKeys, clientPubs.map((k) => k.trim()).join('\n') + '\n', { mode: 0o644 });

    if (isRoot()) {
      // Debian's sshd refuses to start without its privilege separation folder (normally made by systemd).
      await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    }

    const port = options.port ?? (await freePort());
    const configFile = join(confDir, 'sshd_config');
    const passwords = user.password !== undefined;
    await writeFile(
      configFile,
      sshdConfig({ port, hostKeys: [hostEd, hostRsa], pidFile: join(confDir, 'sshd.pid'), authorizedKeys, username: user.name, home: user.home, passwords }),
      { mode: 0o600 },
    );

    // sshd re-executes itself per connection and insists on an absolute path for that.
    const sshdProc = new ManagedProcess({ name: 'sshd', command: SSHD_BINARY, args: ['-D', '-e', '-f', configFile], port });
    proc = sshdProc;
    await sshdProc.start();

    const [edFp, rsaFp, edPub, rsaPub, privateKey, encryptedPrivateKey] = await Promise.all([
      fingerprint(`${hostEd}.pub`),
      fingerprint(`${hostRsa}.pub`),
      publicKey(`${hostEd}.pub`),
      publicKey(`${hostRsa}.pub`),
      readFile(clientEd, 'utf8'),
      readFile(clientRsa, 'utf8'),
    ]);
    const knownHostsLines = [edPub, rsaPub].map((k) => `[${HOST}]:${port} ${k}`);
    const testUser = user;
    return {
      host: HOST,
      port,
      username: testUser.name,
      password: testUser.password,
      privateKey,
      encryptedPrivateKey,
      passphrase,
      hostKeyFingerprints: { ed25519: edFp, rsa: rsaFp },
      hostPublicKeys: { ed25519: edPub, rsa: rsaPub },
      knownHostsLines,
      root: testUser.home,
      get running() {
        return sshdProc.running;
      },
      start: () => sshdProc.start(),
      stop: () => sshdProc.stop(),
      dispose: async () => {
        await sshdProc.stop();
        if (ownUser) await testUser.release();
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
      log: () => sshdProc.log(),
    };
  } catch (err) {
    await proc?.stop().catch(() => undefined);
    if (ownUser) await user?.release().catch(() => undefined);
    if (ownDir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
