/**
 * A watch's picture of its folder on a remote that reports changes (`RemoteSession.changes`, the
 * Dropbox `list_folder` cursor): built from a full listing, then kept current with the changes since
 * the last cursor instead of listing the whole tree at every poll.
 *
 * Why a full listing at every start, even with a cursor kept from the last run: a cursor only says
 * what changed after it, not which files are still waiting. Files the last run had seen but not
 * yet claimed (not complete yet, beyond its per-poll share, a full in-flight limit, a failing
 * claim) would never come again from a saved cursor. So the first poll of a watch lists everything
 * (what was done already is passed over by the claim folder and the ledger), and only the polls
 * after it follow the cursor. The kept cursor tells the next start whether the remote gave it up
 * in the meantime (a `reset`: the folder was restored, moved or re-shared), which is worth saying.
 */
import { isBelow, joinRemote, listedNameProblem } from '../paths';
import type { FolderChanges, RemoteEntry } from '../remote/types';

/** A listed file with its path below the watched folder. */
export type Listed = RemoteEntry & { relativePath: string };

export class FolderView {
  /** Files by path key (lower case when the remote ignores case). */
  private readonly files = new Map<string, RemoteEntry>();
  /** Folders known to hold (or to have held) files or folders, by path key: a removed one takes its files along. */
  private readonly folders = new Set<string>();
  private ignoreCase = false;

  get size(): number {
    return this.files.size;
  }

  private key(path: string): string {
    const p = path.replace(/\/+$/, '') || '/';
    return this.ignoreCase ? p.toLowerCase() : p;
  }

  /**
   * Takes in a full listing (replaces everything) or the changes since the last cursor, in order, as
   * Dropbox tells clients to keep a local copy (files/list_folder): a file replaces whatever was at
   * its path and removes that one's children; a folder leaves the children as they are; a deletion
   * removes the path and all its children, and is ignored when nothing is there.
   */
  apply(changes: FolderChanges): void {
    if (changes.full) {
      this.files.clear();
      this.folders.clear();
    }
    this.ignoreCase = changes.ignoreCase;
    for (const entry of changes.entries) {
      const key = this.key(entry.path);
      if (entry.type === 'deleted') {
        this.removeKey(key);
        continue;
      }
      // A folder (or anything else) where a file was: the file is gone.
      this.files.delete(key);
      if (entry.type === 'directory') this.addFolder(key);
      else if (entry.type === 'file') {
        // A file where a folder was: the folder's files are gone.
        if (this.folders.has(key)) this.removeKey(key);
        this.files.set(key, entry);
        this.addFolder(parentKey(key));
      }
    }
  }

  /** A file this watch claimed (moved away) or found gone: out of the picture before the remote says so. */
  remove(path: string): void {
    this.files.delete(this.key(path));
  }

  /** Every file in the picture. */
  entries(): RemoteEntry[] {
    return [...this.files.values()];
  }

  private addFolder(key: string): void {
    for (let k = key; k !== '' && k !== '/' && k !== '.' && !this.folders.has(k); k = parentKey(k)) this.folders.add(k);
  }

  private removeKey(key: string): void {
    if (this.files.delete(key)) return;
    if (!this.folders.has(key)) return; // a file already taken out (a claim), or never in the picture
    const below = `${key}/`;
    for (const k of this.folders) if (k === key || k.startsWith(below)) this.folders.delete(k);
    for (const k of this.files.keys()) if (k.startsWith(below)) this.files.delete(k);
  }
}

function parentKey(key: string): string {
  const i = key.lastIndexOf('/');
  return i <= 0 ? (key.startsWith('/') ? '/' : '') : key.slice(0, i);
}

export interface InboxRules {
  folder: string;
  recursive: boolean;
  /** Folder levels below the folder to take files from; undefined = no limit. */
  maxDepth?: number;
  includeDotFiles: boolean;
  /** Relative folder paths never looked into (the pipeline's own work folders). */
  skip: ReadonlySet<string>;
  ignoreCase: boolean;
}

/**
 * The files of a picture that a watch with these rules takes, as a listing walk would find them: below
 * the folder and within the depth, no dot names (of the file or a folder on its way) unless asked,
 * nothing in the skipped folders. Paths are the watched folder plus the relative path (the remote's
 * spelling of the part below the folder), which is what ack and quarantine check a claim against.
 * A path that does not lie below the folder or has a name no entry can have is told to `refused`.
 */
export function inboxOf(files: readonly RemoteEntry[], rules: InboxRules, refused: (path: string, why: string) => void): Listed[] {
  const place = placeIn(rules);
  const out: Listed[] = [];
  for (const entry of files) {
    if (entry.type !== 'file') continue;
    const where = place(entry.path);
    if (typeof where === 'string') {
      refused(entry.path, where);
      continue;
    }
    if (!where.taken) continue;
    const { relativePath, segments } = where;
    const depth = segments.length - 1;
    const path = joinRemote(rules.folder, relativePath);
    if (!isBelow(rules.folder, path)) {
      refused(entry.path, `its path is outside the watched folder ${rules.folder}`);
      continue;
    }
    out.push({ ...entry, name: segments[depth], path, relativePath });
  }
  return out;
}

/**
 * Where a path lies for a watch with these rules: a reason when it cannot be below the folder, else
 * its relative path and whether a file there is one the watch takes (folders: whether files below it
 * can be). The same walk rules as a listing: depth, dot names, the skipped work folders.
 */
function placeIn(rules: InboxRules): (path: string, folder?: boolean) => string | { relativePath: string; segments: string[]; taken: boolean } {
  const folder = rules.folder.replace(/\/+$/, '') || '/';
  const prefix = folder === '/' ? '/' : `${folder}/`;
  const fold = (s: string): string => (rules.ignoreCase ? s.toLowerCase() : s);
  const skip = new Set([...rules.skip].map(fold));
  return (path, isFolder = false) => {
    if (!fold(path).startsWith(fold(prefix))) return `its path is outside the watched folder ${rules.folder}`;
    const relativePath = path.slice(prefix.length);
    const segments = relativePath.split('/');
    const bad = segments.map((s) => listedNameProblem(s)).find((why) => why !== undefined);
    if (bad !== undefined) return bad;
    // A folder's own name counts as a folder on the way to its files.
    const depth = isFolder ? segments.length : segments.length - 1;
    const taken =
      !(depth > 0 && (!rules.recursive || (rules.maxDepth !== undefined && depth > rules.maxDepth))) &&
      (rules.includeDotFiles || !segments.some((s) => s.startsWith('.'))) &&
      !segments.some((_, i) => i < depth && skip.has(fold(segments.slice(0, i + 1).join('/'))));
    return { relativePath, segments, taken };
  };
}

/**
 * The changes a watch with these rules needs to keep: removals always (a removed folder takes its
 * files along), files it would take, and folders files it takes can be in. So a picture never holds
 * the claim folder, an archive below the watched folder, or other skipped trees.
 */
export function relevantChanges(changes: FolderChanges, rules: InboxRules): FolderChanges {
  const place = placeIn(rules);
  const entries = changes.entries.filter((e) => {
    if (e.type === 'deleted') return true;
    const where = place(e.path, e.type === 'directory');
    // A path that cannot be in the folder stays, so that the inbox tells about it.
    return typeof where === 'string' || where.taken;
  });
  return entries.length === changes.entries.length ? changes : { ...changes, entries };
}
