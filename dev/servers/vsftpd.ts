import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from './exec';
import type { CertificateAndKey } from './certs';
import { freePort, freePortRange } from './ports';
import { FTP_PREREQUISITES, requirePrerequisites, VSFTPD_BINARY } from './prerequisites';
import { ManagedProcess } from './process';
import type { TestUser } from './user';

/** `explicit`: plain FTP and AUTH TLS on one port. `implicit`: TLS from the first byte. */
export type FtpTlsMode = 'none' | 'explicit' | 'implicit';

export interface VsftpdOptions {
  /** Account to log in as; must have a password (so vsftpd needs root, see `ensureTestUser`). */
  user: TestUser;
  tls: FtpTlsMode;
  /** Server certificate; required unless `tls` is `none`. */
  certificate?: CertificateAndKey;
  /** Folder for config and log. Default: a new temp folder, removed by `dispose()`. */
  dir?: string;
  port?: number;
  /** Shown in errors and debug output. */
  name?: string;
}

export interface VsftpdServer {
  readonly host: string;
  readonly port: number;
  readonly tls: FtpTlsMode;
  readonly username: string;
  readonly password: string;
  /** Absolute local path of the user's home, where FTP relative paths land. */
  readonly root: string;
  readonly pasvPorts: { min: number; max: number };
  readonly running: boolean;
  /** Starts again on the same port. */
  start(): Promise<void>;
  /** Kills the listener and every open session. */
  stop(): Promise<void>;
  dispose(): Promise<void>;
  log(): string;
}

const HOST = '127.0.0.1';
/*
 * Each FTP data transfer (a listing, a get, a put) takes a passive port. The sandbox runs every FTP
 * example at once (watches polling, exports putting): with 20 ports its on-demand export kept missing
 * its test's 20 s, and passed every time with 100.
 */
const PASV_PORTS = 100;

interface ConfigInput {
  port: number;
  pasv: { min: number; max: number };
  emptyDir: string;
  logFile: string;
  tls: FtpTlsMode;
  certificate: CertificateAndKey | undefined;
}

function tlsLines(tls: FtpTlsMode, certificate: CertificateAndKey | undefined): string[] {
  if (tls === 'none') return ['ssl_enable=NO'];
  if (!certificate) throw new Error(`vsftpd with ${tls} TLS needs a certificate`);
  return [
    'ssl_enable=YES',
    `rsa_cert_file=${certificate.cert.path}`,
    `rsa_private_key_file=${certificate.key.path}`,
    'ssl_sslv2=NO',
    'ssl_sslv3=NO',
    'ssl_tlsv1=YES',
    // vsftpd 3.0.3's built-in default cipher list is a single legacy cipher.
    'ssl_ciphers=HIGH',
    'allow_anon_ssl=NO',
    // Nobody here presents client certificates; asking only adds noise to handshakes.
    'ssl_request_cert=NO',
    // Kept at vsftpd's default (YES): data connections must resume the control connection's TLS
    // session, which stops a third party from hijacking the data port. basic-ftp does resume.
    'require_ssl_reuse=YES',
    ...(tls === 'implicit'
      ? ['implicit_ssl=YES', 'force_local_logins_ssl=YES', 'force_local_data_ssl=YES']
      : ['implicit_ssl=NO', 'force_local_logins_ssl=NO', 'force_local_data_ssl=NO']),
  ];
}

function vsftpdConfig(c: ConfigInput): string {
  return [
    'listen=YES',
    'listen_ipv6=NO',
    // Foreground, so the supervisor owns the listener and can kill it.
    'background=NO',
    `listen_address=${HOST}`,
    `listen_port=${c.port}`,
    'anonymous_enable=NO',
    'local_enable=YES',
    'write_enable=YES',
    'local_umask=022',
    'chroot_local_user=NO',
    'pasv_enable=YES',
    `pasv_min_port=${c.pasv.min}`,
    `pasv_max_port=${c.pasv.max}`,
    `pasv_address=${HOST}`,
    'connect_from_port_20=NO',
    // The seccomp filter kills sessions on syscalls newer libcs make (and in some containers).
    'seccomp_sandbox=NO',
    `secure_chroot_dir=${c.emptyDir}`,
    'userlist_enable=NO',
    // Debian's service: denies /etc/ftpusers and shells missing from /etc/shells, both handled by ensureTestUser.
    'pam_service_name=vsftpd',
    'xferlog_enable=NO',
    `vsftpd_log_file=${c.logFile}`,
    'dirmessage_enable=NO',
    // Tests of wrong passwords already wait for pam_unix's own delay; vsftpd's extra second adds nothing.
    'delay_failed_login=0',
    'max_per_ip=0',
    'max_clients=0',
    ...tlsLines(c.tls, c.certificate),
    '',
  ].join('\n');
}

/** Starts Debian's vsftpd in the foreground on 127.0.0.1 for one local user. */
export async function startVsftpd(options: VsftpdOptions): Promise<VsftpdServer> {
  requirePrerequisites(FTP_PREREQUISITES);
  const { user, tls } = options;
  const password = user.password;
  if (!isRoot() || password === undefined) {
    throw new Error('vsftpd can only log local users in when started as root; run the tests as root (or use SFTP alone via startSshd).');
  }
  const name = options.name ?? `vsftpd (${tls === 'none' ? 'plain' : tls})`;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'filebridge-vsftpd-')));
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // vsftpd chroots its unprivileged helper here; it must exist, be root-owned and stay empty.
    const emptyDir = join(dir, 'empty');
    await mkdir(emptyDir, { recursive: true, mode: 0o755 });
    if ((await readdir(emptyDir)).length > 0) throw new Error(`${emptyDir} must be empty`);

    const port = options.port ?? (await freePort());
    const pasv = await freePortRange(PASV_PORTS);
    const configFile = join(dir, 'vsftpd.conf');
    await writeFile(
      configFile,
      vsftpdConfig({ port, pasv, emptyDir, logFile: join(dir, 'vsftpd.log'), tls, certificate: options.certificate }),
      // vsftpd refuses a config file that is not owned by root.
      { mode: 0o600 },
    );

    const proc = new ManagedProcess({ name, command: VSFTPD_BINARY, args: [configFile], port });
    await proc.start();
    return {
      host: HOST,
      port,
      tls,
      username: user.name,
      password,
      root: user.home,
      pasvPorts: pasv,
      get running() {
        return proc.running;
      },
      start: () => proc.start(),
      stop: () => proc.stop(),
      dispose: async () => {
        await proc.stop();
        if (ownDir) await rm(dir, { recursive: true, force: true });
      },
      log: () => proc.log(),
    };
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
