import * as posix from 'node:path/posix';
import { FileBridgeError } from './errors';

/**
 * Checks a remote path given by a user or a message before it reaches any server. `..` segments are
 * refused rather than normalised away: a flow that builds `inbox/${msg.filename}` from partner input
 * must not be steerable outside its folder, and silently resolving `..` would hide that.
 */
export function checkRemotePath(value: unknown, what = 'path'): string {
  if (typeof value !== 'string') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} must be a text, got ${value === null ? 'null' : typeof value}. Set it in the node or in the message.`,
    );
  }
  if (value.length === 0) {
    throw new FileBridgeError('INVALID_INPUT', `The ${what} is empty. Set it in the node or in the message.`);
  }
  if (value.includes('\0')) {
    throw new FileBridgeError('INVALID_INPUT', `The ${what} contains a NUL byte, which no server accepts: check where the name comes from.`, {
      path: value.replace(/\0/g, '\\0'),
    });
  }
  const segments = value.split(/[\\/]/);
  if (segments.includes('..')) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} "${value}" contains a ".." segment. Paths must stay inside the configured folders: remove the "..".`,
      { path: value },
    );
  }
  return value;
}

/**
 * Checks a single name (no folder part allowed), e.g. a file name taken from `msg.filename`. A
 * backslash is an ordinary character of a name on POSIX servers (OpenSSH, vsftpd), where partners do
 * drop `a\b.pdf`, so it is allowed; `..` between backslashes is still refused (by `checkRemotePath`),
 * so a Windows server that reads `\` as a separator cannot be steered out of the folder either.
 */
export function checkFileName(value: unknown, what = 'file name'): string {
  const name = checkRemotePath(value, what);
  if (name.includes('/')) {
    throw new FileBridgeError('INVALID_INPUT', `The ${what} "${name}" must be a name without folders.`, { name });
  }
  if (name === '.') {
    throw new FileBridgeError('INVALID_INPUT', `The ${what} "." is not a file name.`, { name });
  }
  return name;
}

/** Joins remote path parts with `/` (remote servers are POSIX-like whatever the local OS). */
export function joinRemote(...parts: string[]): string {
  const filtered = parts.filter((p) => p !== '');
  if (filtered.length === 0) return '.';
  return posix.join(...filtered);
}

export function remoteDirname(path: string): string {
  return posix.dirname(path);
}

export function remoteBasename(path: string): string {
  return posix.basename(path);
}
