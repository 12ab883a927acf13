import { FileBridgeError } from '../errors';
import { printableName } from '../paths';

/**
 * A Dropbox path for the API: '' for the root (list_folder refuses '/'), else '/a/b' without a
 * trailing slash; `id:...` and `rev:...` pass through. Paths come from flows: refuse what cannot be one.
 */
export function dropboxApiPath(path: string): string {
  if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', 'A Dropbox path must be text.');
  const p = path.trim() === '' ? '' : path;
  if (p.includes('\0')) throw new FileBridgeError('INVALID_INPUT', `The Dropbox path "${printableName(p)}" contains a NUL byte.`, { path: p });
  if (/^(id|rev|ns):/.test(p)) return p;
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
