import { FileBridgeError } from '../errors';
import { printableName } from '../paths';
import { decodeDropboxName, dropboxNameProblem, encodeDropboxName } from './dropbox-name';

/** A reference to an item (`id:...`, `rev:...`, `ns:...`) rather than a path. */
export const isRef = (p: string): boolean => /^(id|rev|ns):/.test(p);

/**
 * A Dropbox path as the product writes it, normalised: '' for the root (list_folder refuses '/'),
 * else '/a/b' without a trailing slash; `id:...` and `rev:...` pass through. Paths come from flows:
 * refuse what cannot be one. Names are the product's own (see dropbox-name.ts), not yet encoded.
 */
export function dropboxPlainPath(path: string): string {
  if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', 'A Dropbox path must be text.');
  const p = path.trim() === '' ? '' : path;
  if (p.includes('\0')) throw new FileBridgeError('INVALID_INPUT', `The Dropbox path "${printableName(p)}" contains a NUL byte.`, { path: p });
  if (isRef(p)) return p;
  if (p === '' || p === '/' || p === '.') return '';
  const withSlash = p.startsWith('/') ? p : `/${p}`;
  const clean = withSlash.replace(/\/+$/, '');
  if (clean.split('/').some((part, i) => i > 0 && (part === '' || part === '.' || part === '..'))) {
    throw new FileBridgeError('INVALID_INPUT', `The Dropbox path "${printableName(p)}" has an empty, "." or ".." part; give a path like /Folder/file.pdf.`, {
      path: p,
    });
  }
  return clean;
}

/** The path as the API takes it: normalised, each name encoded for Dropbox (dropbox-name.ts). */
export function dropboxApiPath(path: string): string {
  const p = dropboxPlainPath(path);
  if (p === '' || isRef(p)) return p;
  return p.split('/').map(encodeDropboxName).join('/');
}

/**
 * The API path of something about to be created or written (upload, folder, move target): a last
 * name Dropbox refuses whatever its characters, or one too long, is an INVALID_INPUT naming the file
 * and what to do, before any byte is sent (rclone refuses the same names before uploading).
 */
export function dropboxWritePath(path: string): string {
  const p = dropboxPlainPath(path);
  if (p !== '' && !isRef(p)) {
    const name = p.slice(p.lastIndexOf('/') + 1);
    const problem = dropboxNameProblem(name);
    if (problem !== undefined) throw new FileBridgeError('INVALID_INPUT', `Cannot write "${printableName(p)}" to Dropbox: ${problem}.`, { path: p, name });
  }
  return dropboxApiPath(p);
}

/** A path Dropbox gave (path_display, path_lower) in the product's names. */
export function decodeDropboxPath(apiPath: string): string {
  if (isRef(apiPath)) return apiPath;
  return apiPath.split('/').map(decodeDropboxName).join('/');
}
