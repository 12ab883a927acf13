import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'ssh2';
import type { Protocol } from '../../src/core/remote/types';
import { LocalHome, startDevServers, startSshd, stopDevServers, type SshdServer } from '../servers';
import { isRoot } from '../servers/exec';
import { FTP_PREREQUISITES, locate, SSH_PREREQUISITES, USER_PREREQUISITES, type Prerequisite } from '../servers/prerequisites';
import type { Endpoint, SandboxTargets } from './flows';
import { markOwned, removeAbandoned } from '../servers/owner';

/** One running server as the banner and the status file describe it. */
export interface ServerInfo {
  protocol: 'sftp' | 'ftp' | 'ftps-implicit';
  /** What to paste into a client, e.g. `sftp://fbtest@127.0.0.1:40123`. */
  url: string;
  host: string;
  port: number;
  username: string;
  /** Shown because the sandbox account is thrown away when the sandbox stops. */
  password: string | undefined;
  /** File with the private key, for SFTP logins by key (non-root mode). */
  privateKeyFile: string | undefined;
  note: string;
}

export interface SandboxServers extends SandboxTargets {
  /** The home folder every protocol sees, or undefined when no server runs at all. */
  home: LocalHome | undefined;
  caFile: string | undefined;
  servers: ServerInfo[];
  /** Things a person should fix to get the whole sandbox; printed before the banner. */
  warnings: string[];
  stop(): Promise<void>;
}

const SSHD_DIR_PREFIX = 'filebridge-sshd-';
const NEED_ROOT_FOR_FTP =
  'FTP and FTPS need root, because vsftpd logs in local users only when it runs as root; start the sandbox with `sudo npm start` to try them';

function missingPackages(list: readonly Prerequisite[]): string[] {
  return [...new Set(list.filter((p) => locate(p) === undefined).map((p) => p.aptPackage))];
}

/** `SHA256:<base64 without padding>` of a raw SSH public key blob, as ssh-keygen prints it. */
function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Logs in once the way the examples will. sshd run by a normal user refuses that user when the
 * account is locked (common for container users without a password), and a person should learn
 * that here rather than from a red node status.
 */
function probeSftpLogin(server: SshdServer, credentials: Endpoint['credentials']): Promise<string | undefined> {
  return new Promise((resolve) => {
    const client = new Client();
    let settled = false;
    const finish = (problem: string | undefined): void => {
      if (settled) return;
      settled = true;
      client.end();
      resolve(problem);
    };
    client.once('ready', () => finish(undefined));
    client.once('error', (err) => finish(err.message));
    client.connect({
      host: server.host,
      port: server.port,
      username: server.username,
      password: credentials.password,
      privateKey: credentials.privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => sshFingerprint(key) === server.hostKeyFingerprints.ed25519,
    });
  });
}

async function sftpOnly(tmpDir: string, asRoot: boolean, warnings: string[], missing: SandboxServers['missing']): Promise<SandboxServers> {
  // A sandbox killed with SIGKILL leaves its sshd folder behind; folders without an owner go too.
  await removeAbandoned(tmpDir, SSHD_DIR_PREFIX, true);
  const dir = await mkdtemp(join(tmpDir, SSHD_DIR_PREFIX));
  await markOwned(dir);
  let sshd: SshdServer;
  try {
    sshd = await startSshd({ dir });
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  const stop = async (): Promise<void> => {
    try {
      await sshd.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  try {
    // As root sshd logs in a throwaway account by password; as a normal user only the user itself, by key.
    const credentials = sshd.password !== undefined ? { password: sshd.password } : { privateKey: sshd.privateKey };
    const privateKeyFile = sshd.password === undefined ? join(dir, 'sandbox-client-key') : undefined;
    if (privateKeyFile) await writeFile(privateKeyFile, sshd.privateKey, { mode: 0o600 });
    const owner = await stat(sshd.root);
    const home = new LocalHome(sshd.root, owner.uid, owner.gid);
    const problem = await probeSftpLogin(sshd, credentials);
    const endpoints: SandboxServers['endpoints'] = {};
    if (problem === undefined) {
      endpoints.sftp = { host: sshd.host, port: sshd.port, username: sshd.username, credentials };
    } else {
      const hint = asRoot
        ? ''
        : ` sshd refuses a locked account: if \`passwd -S ${sshd.username}\` shows "L", give the account a password, or start the sandbox with \`sudo npm start\`.`;
      const reason = `the local sshd did not let ${sshd.username} log in (${problem})`;
      missing.sftp = reason;
      warnings.push(`SFTP: ${reason}.${hint}\n  sshd said:\n    ${sshd.log().split('\n').slice(-5).join('\n    ')}`);
    }
    return {
      endpoints,
      missing,
      warnings,
      home,
      hostKey: sshd.hostKeyFingerprints.ed25519,
      caPem: undefined,
      caFile: undefined,
      servers: [
        {
          protocol: 'sftp',
          url: `sftp://${sshd.username}@${sshd.host}:${sshd.port}`,
          host: sshd.host,
          port: sshd.port,
          username: sshd.username,
          password: sshd.password,
          privateKeyFile,
          note: privateKeyFile ? `key login only (${privateKeyFile})` : 'password or key',
        },
      ],
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function noServers(warnings: string[], missing: SandboxServers['missing']): SandboxServers {
  return {
    endpoints: {},
    missing,
    warnings,
    home: undefined,
    hostKey: undefined,
    caPem: undefined,
    caFile: undefined,
    servers: [],
    stop: async () => undefined,
  };
}

/** True when every folder from `/` down to `dir` lets other users pass (o+x). */
async function othersCanReach(dir: string): Promise<boolean> {
  for (let d = dir; ; d = dirname(d)) {
    const info = await stat(d).catch(() => undefined);
    if (!info || (info.mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/**
 * Where the servers' temp folders go. As root the servers run file operations as the throwaway
 * account, which must be able to walk down to its home: a repository below /root (mode 700) or a
 * umask of 077 would make every login land in a folder it cannot enter. Our own folders get o+x
 * (pass through, not list); when a parent we do not own blocks the way, the OS temp folder is used.
 */
export async function serversTmpDir(dataDir: string): Promise<{ dir: string; note: string | undefined }> {
  const dir = join(dataDir, 'servers');
  await mkdir(dir, { recursive: true });
  if (!isRoot()) return { dir, note: undefined };
  for (const d of [dataDir, dir]) {
    const info = await stat(d);
    if ((info.mode & 0o001) === 0) await chmod(d, (info.mode & 0o7777) | 0o011);
  }
  if (await othersCanReach(dir)) return { dir, note: undefined };
  const fallback = join(tmpdir(), 'filebridge-sandbox-servers');
  await mkdir(fallback, { recursive: true, mode: 0o755 });
  return { dir: fallback, note: `The server files are in ${fallback}: the throwaway server account cannot enter ${dir} (a parent folder denies other users).` };
}

/**
 * Starts what this machine and user allow: everything as root with all packages installed, SFTP
 * alone otherwise when sshd is there, nothing (but a clear explanation) when it is not. Problems
 * that only cost some examples become warnings; the sandbox still starts.
 */
export async function startSandboxServers(tmpDir: string): Promise<SandboxServers> {
  await mkdir(tmpDir, { recursive: true });
  const warnings: string[] = [];
  const missing: SandboxServers['missing'] = {};
  const ftpProtocols: Protocol[] = ['ftp', 'ftps-explicit', 'ftps-implicit'];
  const sshPackages = missingPackages(isRoot() ? [...SSH_PREREQUISITES, ...USER_PREREQUISITES] : SSH_PREREQUISITES);
  const sshMissing =
    sshPackages.length > 0 ? `SFTP needs ${sshPackages.join(' and ')}; install with \`sudo apt-get install -y ${sshPackages.join(' ')}\`` : undefined;

  if (isRoot()) {
    const ftpPackages = missingPackages(FTP_PREREQUISITES);
    if (ftpPackages.length === 0 && sshMissing === undefined) {
      const dev = await startDevServers({ tmpDir });
      const password = dev.password;
      const endpoint = (port: number): Endpoint => ({ host: dev.host, port, username: dev.username, credentials: { password } });
      return {
        endpoints: {
          sftp: endpoint(dev.sftp.port),
          ftp: endpoint(dev.ftp.port),
          'ftps-explicit': endpoint(dev.ftp.port),
          'ftps-implicit': endpoint(dev.ftpsImplicit.port),
        },
        missing,
        warnings,
        home: dev.home,
        hostKey: dev.sftp.hostKeyFingerprints.ed25519,
        caPem: dev.certs.ca.cert.pem,
        caFile: dev.certs.ca.cert.path,
        servers: [
          {
            protocol: 'sftp',
            url: `sftp://${dev.username}@${dev.host}:${dev.sftp.port}`,
            host: dev.host,
            port: dev.sftp.port,
            username: dev.username,
            password,
            privateKeyFile: undefined,
            note: 'OpenSSH sshd',
          },
          {
            protocol: 'ftp',
            url: `ftp://${dev.username}@${dev.host}:${dev.ftp.port}`,
            host: dev.host,
            port: dev.ftp.port,
            username: dev.username,
            password,
            privateKeyFile: undefined,
            note: 'vsftpd: plain FTP and explicit FTPS (AUTH TLS)',
          },
          {
            protocol: 'ftps-implicit',
            url: `ftps://${dev.username}@${dev.host}:${dev.ftpsImplicit.port}`,
            host: dev.host,
            port: dev.ftpsImplicit.port,
            username: dev.username,
            password,
            privateKeyFile: undefined,
            note: 'vsftpd: implicit FTPS',
          },
        ],
        stop: () => stopDevServers(),
      };
    }
    if (ftpPackages.length > 0) {
      const reason = `FTP and FTPS need ${ftpPackages.join(' and ')}; install with \`sudo apt-get install -y ${ftpPackages.join(' ')}\``;
      for (const p of ftpProtocols) missing[p] = reason;
      warnings.push(`${reason}.`);
    }
    if (sshMissing !== undefined) {
      missing.sftp = sshMissing;
      warnings.push(`${sshMissing}.`);
      // startDevServers needs both; without sshd there is nothing left that could run.
      if (ftpPackages.length === 0) {
        for (const p of ftpProtocols) missing[p] = `the sandbox starts FTP only together with SFTP; ${sshMissing}`;
      }
      return noServers(warnings, missing);
    }
    return sftpOnly(tmpDir, true, warnings, missing);
  }

  for (const p of ftpProtocols) missing[p] = NEED_ROOT_FOR_FTP;
  warnings.push(`${NEED_ROOT_FOR_FTP}.`);
  if (sshMissing !== undefined) {
    missing.sftp = sshMissing;
    warnings.push(`${sshMissing}.`);
    return noServers(warnings, missing);
  }
  return sftpOnly(tmpDir, false, warnings, missing);
}
