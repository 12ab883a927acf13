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

/**
 * Why a name a server listed cannot be one entry of the listed folder, or undefined when it can.
 * Names from a server are untrusted: `../../etc/passwd`, `a/b`, `.`, `..` or a NUL in a listing would
 * turn into a path outside the folder once joined to it (a lying or compromised server, a
 * misbehaving gateway), and every rename, delete and report built from it would land there too.
 * On FTP, CR and LF end a command (RFC 959), so such a name cannot be sent back at all.
 */
export function listedNameProblem(name: string, ftp = false): string | undefined {
  if (name === '') return 'an empty name';
  if (name === '.' || name === '..') return `the name "${name}", which means a folder, not an entry`;
  if (name.includes('/')) return 'a "/" in the name, which would make it a path into another folder';
  if (name.includes('\0')) return 'a NUL byte in the name';
  if (name.split('\\').includes('..')) return 'a ".." between backslashes, a path out of the folder on a server that reads "\\" as a separator';
  if (ftp && /[\r\n]/.test(name)) return 'a line break in the name, which no FTP command can carry';
  return undefined;
}

/** A listed name as it can be shown in a message: control characters escaped, at most 200 characters. */
export function printableName(name: string): string {
  const shown = JSON.stringify(name).slice(1, -1);
  return shown.length > 200 ? `${shown.slice(0, 200)}...` : shown;
}

/**
 * True when `path` is `root` itself (with `orSelf`) or lies below it once both are normalised: the
 * test every claim, archive and quarantine path passes before anything is renamed or deleted there.
 */
export function isBelow(root: string, path: string, orSelf = false): boolean {
  const r = posix.normalize(root).replace(/\/+$/, '') || '/';
  const p = posix.normalize(path).replace(/\/+$/, '') || '/';
  if (r.startsWith('/') !== p.startsWith('/')) return false;
  if (p === r) return orSelf;
  if (r === '.') return p !== '..' && !p.startsWith('../');
  if (r === '/') return true;
  return p.startsWith(`${r}/`);
}

/** Throws INVALID_INPUT unless `path` lies below `root`; `what` names the path for the message. */
export function checkBelow(root: string, path: string, what: string): string {
  if (!isBelow(root, path)) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The ${what} "${path}" is not inside its folder "${root}": a name or path from the server or the message leads out of it. Nothing was moved or deleted.`,
      { path, root },
    );
  }
  return path;
}

/**
 * The last part of a file path given in a message (`msg.filename` from a file-in node, a watch...).
 * A backslash separates folders only in a Windows path (`C:\\in\\x.pdf`, `\\\\host\\share\\x.pdf`);
 * anywhere else it is a character of the name, as in `a\\b.pdf` found on a POSIX server.
 */
export function lastPathPart(filename: string): string {
  const windows = /^([A-Za-z]:\\|\\\\)/.test(filename);
  return (windows ? filename.replace(/\\/g, '/') : filename).split('/').pop() ?? '';
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
