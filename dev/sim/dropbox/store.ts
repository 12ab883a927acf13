/**
 * The simulated Dropbox: namespaces (the user's home, the team root) of case-insensitive paths that keep
 * their display case, `id:` ids that follow a file through moves, revs that change on every write, a
 * change log per namespace that cursors follow (deletions included), and content in files on disk
 * (hard links for copies; nothing is ever held whole in memory).
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { lookupError, routeError, writeError, type JsonObject } from './errors';

export interface SimEntry {
  tag: 'file' | 'folder';
  id: string;
  name: string;
  /** Full lower-case path in its namespace, `/a/b.txt`. */
  lower: string;
  display: string;
  rev: string;
  size: number;
  contentHash: string;
  blob: string;
  serverModified: string;
  clientModified: string;
}

export interface Tombstone {
  name: string;
  display: string;
}

export interface Change {
  seq: number;
  lower: string;
  /** Display path at the time of the change (used for a `deleted` entry). */
  display: string;
}

export class Namespace {
  readonly entries = new Map<string, SimEntry>();
  readonly children = new Map<string, Set<string>>([['', new Set()]]);
  readonly tombstones = new Map<string, Tombstone>();
  readonly log: Change[] = [];
  seq = 0;
  constructor(
    readonly id: string,
    readonly name: string,
  ) {}
}

/** A resolved path argument: the namespace and the lower-case path ('' = the namespace root). */
export interface Target {
  ns: Namespace;
  lower: string;
  /** The path as the client wrote it (display case), '' for the root. */
  display: string;
}

export type WriteMode = { tag: 'add' } | { tag: 'overwrite' } | { tag: 'update'; rev: string };

export interface NewContent {
  /** A file on disk the store takes over (renamed into the blob folder). */
  file: string;
  size: number;
  contentHash: string;
}

/**
 * Names the Dropbox desktop client ignores and the API refuses (`disallowed_name`): the Dropbox help
 * page "files-not-syncing" ("desktop.ini", "thumbs.db", ".ds_store", "icon\r", ".dropbox" and
 * ".dropbox.attr", quoted in iterate-ch/docs issue 107, which reports the API's 409 disallowed_name),
 * the same list as rclone's `ignoredFiles` (backend/dropbox/dropbox.go).
 */
const DISALLOWED = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export const parentOf = (lower: string): string => lower.slice(0, Math.max(0, lower.lastIndexOf('/')));
const nameOf = (display: string): string => display.slice(display.lastIndexOf('/') + 1);

export class DropboxStore extends EventEmitter {
  readonly namespaces = new Map<string, Namespace>();
  /** `id:...` -> where the entry is now. */
  readonly ids = new Map<string, { ns: Namespace; lower: string }>();
  readonly blobDir: string;
  readonly tmpDir: string;
  private revCounter = 0x1a2b3c000;

  constructor(readonly dataDir: string) {
    super();
    this.setMaxListeners(0);
    this.blobDir = join(dataDir, 'blobs');
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.blobDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
  }

  addNamespace(id: string, name: string): Namespace {
    const ns = new Namespace(id, name);
    this.namespaces.set(id, ns);
    return ns;
  }

  newRev(): string {
    // Revs are at least 9 lower-case hex digits (files.stone: Rev pattern `[0-9a-f]+`, min_length 9).
    return `${(this.revCounter++).toString(16)}${randomBytes(2).toString('hex')}`;
  }

  newId(): string {
    return `id:${randomBytes(16).toString('base64url').slice(0, 22)}`;
  }

  tmpFile(): string {
    return join(this.tmpDir, randomBytes(12).toString('hex'));
  }

  get(ns: Namespace, lower: string): SimEntry | undefined {
    return ns.entries.get(lower);
  }

  childrenOf(ns: Namespace, lower: string): SimEntry[] {
    const set = ns.children.get(lower);
    if (!set) return [];
    return [...set].map((l) => ns.entries.get(l)).filter((e): e is SimEntry => e !== undefined);
  }

  /** Every entry below `lower` (not itself), parents before children. */
  descendants(ns: Namespace, lower: string): SimEntry[] {
    const out: SimEntry[] = [];
    const walk = (l: string): void => {
      for (const c of this.childrenOf(ns, l).sort((a, b) => (a.lower < b.lower ? -1 : 1))) {
        out.push(c);
        if (c.tag === 'folder') walk(c.lower);
      }
    };
    walk(lower);
    return out;
  }

  private record(ns: Namespace, lower: string, display: string): void {
    ns.log.push({ seq: ++ns.seq, lower, display });
    this.emit('change', ns.id);
  }

  /**
   * Checks a display path (`/a/b`, never the root) the way Dropbox does: no empty, `.` or `..`
   * components, no trailing slash (`malformed_path`), no names Dropbox refuses (`disallowed_name`).
   * No name may end with a space, a file's or a folder's on the way: `malformed_path` ("Paths may not
   * end with a slash or whitespace", the Dropbox HTTP documentation's Path formats, quoted by Dropbox
   * in dropbox/dropbox-sdk-obj-c issue 277; an upload of an article "Hero " failed with `malformed_path`,
   * MarquisLP/World-Scribe issue 57; a folder "DeepSkyStacker " on the way failed too, rclone issue
   * 3481, and rclone's Dropbox encoding replaces a trailing space because "names with trailing spaces
   * ... don't work", rclone backend/dropbox/dropbox.go). Backslash and DEL, which rclone encodes too,
   * are accepted here: no public source shows what the API answers to them.
   */
  checkPath(display: string, outer: string, write: boolean): void {
    const parts = display.split('/').slice(1);
    if (parts.some((p) => p === '' || p === '.' || p === '..' || p.endsWith(' '))) throw lookupError('malformed_path', outer);
    if (write) {
      const last = parts[parts.length - 1] ?? '';
      if (DISALLOWED.has(last.toLowerCase())) throw routeError(writeError('disallowed_name', undefined, outer));
    }
  }

  private insert(ns: Namespace, entry: SimEntry): void {
    ns.entries.set(entry.lower, entry);
    ns.tombstones.delete(entry.lower);
    const parent = parentOf(entry.lower);
    let set = ns.children.get(parent);
    if (!set) ns.children.set(parent, (set = new Set()));
    set.add(entry.lower);
    if (entry.tag === 'folder' && !ns.children.has(entry.lower)) ns.children.set(entry.lower, new Set());
    this.ids.set(entry.id, { ns, lower: entry.lower });
    this.record(ns, entry.lower, entry.display);
  }

  private detach(ns: Namespace, entry: SimEntry): void {
    ns.entries.delete(entry.lower);
    ns.children.get(parentOf(entry.lower))?.delete(entry.lower);
    if (entry.tag === 'folder') ns.children.delete(entry.lower);
  }

  /**
   * Makes sure the parent folders of `display` exist (Dropbox creates missing parents on upload,
   * create_folder, move and copy) and returns the parent's display path with its stored case.
   * A file in the way is a `conflict/file_ancestor`... reported under `outer`.
   */
  ensureParents(ns: Namespace, display: string, outer: string): string {
    const parts = display.split('/').slice(1, -1);
    let lower = '';
    let shown = '';
    for (const part of parts) {
      lower = `${lower}/${part.toLowerCase()}`;
      const existing = ns.entries.get(lower);
      if (existing) {
        if (existing.tag === 'file') throw routeError(writeError('conflict', 'file_ancestor', outer));
        shown = existing.display;
        continue;
      }
      shown = `${shown}/${part}`;
      this.insert(ns, this.folderEntry(lower, shown));
    }
    return shown;
  }

  private folderEntry(lower: string, display: string): SimEntry {
    return {
      tag: 'folder',
      id: this.newId(),
      name: nameOf(display),
      lower,
      display,
      rev: '',
      size: 0,
      contentHash: '',
      blob: '',
      serverModified: '',
      clientModified: '',
    };
  }

  /** `name (1).ext`, `name (2).ext`... the first free one in the parent (Dropbox's autorename). */
  private autorename(ns: Namespace, parentDisplay: string, name: string): string {
    const dot = name.lastIndexOf('.');
    const [base, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    for (let i = 1; ; i++) {
      const candidate = `${parentDisplay}/${base} (${i})${ext}`;
      if (!ns.entries.has(candidate.toLowerCase())) return candidate;
    }
  }

  createFolder(ns: Namespace, display: string, autorename: boolean): SimEntry {
    this.checkPath(display, 'path', true);
    const parent = this.ensureParents(ns, display, 'path');
    let shown = `${parent}/${nameOf(display)}`;
    const existing = ns.entries.get(shown.toLowerCase());
    if (existing) {
      if (!autorename) throw routeError(writeError('conflict', existing.tag, 'path'));
      shown = this.autorename(ns, parent, nameOf(display));
    }
    const entry = this.folderEntry(shown.toLowerCase(), shown);
    this.insert(ns, entry);
    return entry;
  }

  /**
   * Commits uploaded content at `display` with Dropbox's write modes (files.stone WriteMode): `add`
   * never replaces (identical bytes: the existing file, same rev), `overwrite` replaces, `update`
   * replaces only the given rev. `autorename` picks a free name instead of a conflict. The content
   * file is taken over (or removed when identical bytes are already there); on an error it stays
   * where it is (an upload session can retry the commit).
   */
  commitFile(ns: Namespace, display: string, content: NewContent, mode: WriteMode, autorename: boolean, clientModified?: string, outer = 'path'): SimEntry {
    this.checkPath(display, outer, true);
    const parent = this.ensureParents(ns, display, outer);
    let shown = `${parent}/${nameOf(display)}`;
    const existing = ns.entries.get(shown.toLowerCase());
    let replace: SimEntry | undefined;
    if (existing) {
      const conflictKind = existing.tag;
      let conflict = false;
      if (existing.tag === 'folder') conflict = true;
      else if (existing.contentHash === content.contentHash && mode.tag !== 'update') {
        rmSync(content.file, { force: true });
        return existing;
      } else if (mode.tag === 'add') conflict = true;
      else if (mode.tag === 'update' && mode.rev !== existing.rev) conflict = true;
      else replace = existing;
      if (conflict) {
        if (!autorename) throw routeError(writeError('conflict', conflictKind, outer));
        shown = this.autorename(ns, parent, nameOf(display));
        replace = undefined;
      }
    } else if (mode.tag === 'update') {
      // update needs the file it updates: a missing one is a conflict of kind file.
      if (!autorename) throw routeError(writeError('conflict', 'file', outer));
    }
    const blob = join(this.blobDir, randomBytes(12).toString('hex'));
    renameSync(content.file, blob);
    const time = now();
    const entry: SimEntry = {
      tag: 'file',
      id: replace?.id ?? this.newId(),
      name: nameOf(shown),
      lower: shown.toLowerCase(),
      display: shown,
      rev: this.newRev(),
      size: content.size,
      contentHash: content.contentHash,
      blob,
      serverModified: time,
      clientModified: clientModified ?? time,
    };
    if (replace) {
      this.detach(ns, replace);
      rmSync(replace.blob, { force: true });
    }
    this.insert(ns, entry);
    return entry;
  }

  /** Deletes a file or a folder with everything in it; the change log gets one `deleted` for it. */
  delete(ns: Namespace, lower: string): SimEntry {
    const entry = ns.entries.get(lower);
    if (!entry) throw lookupError('not_found', 'path_lookup');
    const all = entry.tag === 'folder' ? [...this.descendants(ns, lower).reverse(), entry] : [entry];
    for (const e of all) {
      this.detach(ns, e);
      this.ids.delete(e.id);
      ns.tombstones.set(e.lower, { name: e.name, display: e.display });
      if (e.tag === 'file') rmSync(e.blob, { force: true });
    }
    this.record(ns, entry.lower, entry.display);
    return entry;
  }

  /**
   * move_v2 / copy_v2 (files.stone RelocationArg): missing source `from_lookup/not_found`, occupied
   * target `to/conflict/..` (or a free name with autorename), a folder into itself
   * `cant_move_folder_into_itself`. A move keeps ids; a copy gets new ones. Both give new revs.
   */
  relocate(kind: 'move' | 'copy', from: Target, to: Target, autorename: boolean): SimEntry {
    const source = from.ns.entries.get(from.lower);
    if (!source) throw lookupError('not_found', 'from_lookup');
    this.checkPath(to.display, 'to', true);
    const sameNs = from.ns === to.ns;
    if (
      sameNs &&
      source.tag === 'folder' &&
      (to.lower === from.lower || to.lower.startsWith(`${from.lower}/`)) &&
      !(kind === 'move' && to.lower === from.lower)
    )
      throw routeError({ '.tag': kind === 'move' ? 'cant_move_folder_into_itself' : 'cant_copy_shared_folder' });
    const parent = this.ensureParents(to.ns, to.display, 'to');
    let shown = `${parent}/${nameOf(to.display)}`;
    const occupant = to.ns.entries.get(shown.toLowerCase());
    const caseRename = kind === 'move' && sameNs && occupant === source;
    if (occupant && !caseRename) {
      if (!autorename) throw routeError(writeError('conflict', occupant.tag, 'to'));
      shown = this.autorename(to.ns, parent, nameOf(to.display));
    }
    const subtree = source.tag === 'folder' ? [source, ...this.descendants(from.ns, from.lower)] : [source];
    const time = now();
    const moved: SimEntry[] = subtree.map((e) => {
      const display = shown + e.display.slice(source.display.length);
      let blob = e.blob;
      if (kind === 'copy' && e.tag === 'file') {
        blob = join(this.blobDir, randomBytes(12).toString('hex'));
        linkSync(e.blob, blob);
      }
      return {
        ...e,
        id: kind === 'copy' ? this.newId() : e.id,
        name: nameOf(display),
        lower: display.toLowerCase(),
        display,
        rev: e.tag === 'file' ? this.newRev() : '',
        blob,
        serverModified: e.tag === 'file' ? time : '',
      };
    });
    if (kind === 'move') {
      for (const e of [...subtree].reverse()) this.detach(from.ns, e);
      for (const e of subtree) if (e.lower !== shown.toLowerCase() || from.ns !== to.ns) from.ns.tombstones.set(e.lower, { name: e.name, display: e.display });
      if (!caseRename) this.record(from.ns, source.lower, source.display);
    }
    for (const e of moved) this.insert(to.ns, e);
    return moved[0] as SimEntry;
  }

  /**
   * Metadata as files.stone defines it. Where a route's result type is the Metadata union (list_folder
   * entries, get_metadata, RelocationResult, DeleteResult) it carries `.tag`; where it is FileMetadata /
   * FolderMetadata itself (upload, upload_session/finish, Dropbox-API-Result, create_folder_v2,
   * finish_batch success entries) stone serialises no tag: see {@link plainMetadata}.
   */
  metadata(entry: SimEntry): JsonObject {
    if (entry.tag === 'folder') return { '.tag': 'folder', name: entry.name, path_lower: entry.lower, path_display: entry.display, id: entry.id };
    return {
      '.tag': 'file',
      name: entry.name,
      path_lower: entry.lower,
      path_display: entry.display,
      id: entry.id,
      client_modified: entry.clientModified,
      server_modified: entry.serverModified,
      rev: entry.rev,
      size: entry.size,
      is_downloadable: true,
      content_hash: entry.contentHash,
    };
  }

  plainMetadata(entry: SimEntry): JsonObject {
    const { ['.tag']: _tag, ...rest } = this.metadata(entry);
    return rest;
  }

  deletedMetadata(lower: string, display: string): JsonObject {
    return { '.tag': 'deleted', name: nameOf(display), path_lower: lower, path_display: display };
  }
}
