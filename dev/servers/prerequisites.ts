import { findCommand, isExecutable } from './exec';

/** A program the dev servers need and the Debian package that provides it. */
export interface Prerequisite {
  /** Absolute path, or a bare name looked up on PATH. */
  command: string;
  aptPackage: string;
}

export const SSHD_BINARY = '/usr/sbin/sshd';
export const VSFTPD_BINARY = '/usr/sbin/vsftpd';

export const SSH_PREREQUISITES: readonly Prerequisite[] = [
  { command: SSHD_BINARY, aptPackage: 'openssh-server' },
  { command: 'ssh-keygen', aptPackage: 'openssh-client' },
];

export const FTP_PREREQUISITES: readonly Prerequisite[] = [
  { command: VSFTPD_BINARY, aptPackage: 'vsftpd' },
  { command: 'openssl', aptPackage: 'openssl' },
];

export const USER_PREREQUISITES: readonly Prerequisite[] = [
  { command: 'useradd', aptPackage: 'passwd' },
  { command: 'usermod', aptPackage: 'passwd' },
  { command: 'chpasswd', aptPackage: 'passwd' },
  { command: 'getent', aptPackage: 'libc-bin' },
];

/** Resolves a prerequisite to an absolute path, or undefined when it is not installed. */
export function locate(p: Prerequisite): string | undefined {
  if (p.command.startsWith('/')) return isExecutable(p.command) ? p.command : undefined;
  return findCommand(p.command);
}

/**
 * Throws one error listing every missing program with the apt package to install, so a fresh machine
 * is fixed in one step instead of one failure per run.
 */
export function requirePrerequisites(list: readonly Prerequisite[]): void {
  const missing = list.filter((p) => locate(p) === undefined);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((p) => p.aptPackage))];
  const names = missing.map((p) => `${p.command} (package ${p.aptPackage})`).join(', ');
  throw new Error(`The local test servers need programs that are not installed: ${names}. ` + `Install them with: apt-get install -y ${packages.join(' ')}`);
}

/** Like `locate` but fails with the install hint; use after `requirePrerequisites` or for one-off tools. */
export function commandPath(p: Prerequisite): string {
  const found = locate(p);
  if (found === undefined) requirePrerequisites([p]);
  return found ?? p.command;
}
