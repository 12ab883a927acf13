/**
 * A watch's memory of the folders it lists, so that a busy folder (50,000 files the watch is done
 * with) is not listed again at every poll: listing it costs the server and this process far more
 * than the one new file it might hold.
 *
 * A folder's own modification time and size (its stamp) change when an entry is added, removed or
 * renamed in it, on the file systems SFTP and FTP servers serve (POSIX and NTFS). So a folder is not
 * listed again while its stamp is the one it had when it was last listed, and that listing left
 * nothing to wait for: every file it showed that the watch takes was done (in the ledger, or set
 * aside where it is). Otherwise it is listed at every poll, as before: a file not yet stable, not
 * yet taken, or in flight must be seen again, and a file rewritten in place under its name does not
 * change the folder's stamp.
 *
 * The hazards, and what guards them:
 *  - Times with whole seconds (SFTP) or minutes (FTP LIST): a change made later in the same second
 *    leaves the stamp as it was. A stamp is only trusted once a listing started a full precision
 *    window after the stamp was first seen, by this process's clock: the change that set the stamp
 *    came before it was seen, so that window is past the end of the stamp's second (or minute) by
 *    the server's clock, whatever the offset between the clocks (only their rates matter). Any
 *    later change gives a later stamp.
 *  - A file the watch is done with, rewritten in place (same name, new content): its folder's
 *    stamp does not change, so it is seen at the next full listing: every folder is listed in full
 *    at least every 30 to 59 polls and 60 to 118 s (`fullListingAfter`). Today's rule (a new size or mtime
 *    is a new version in the ledger) then applies as before; it only comes up to that much later.
 *  - A server whose folder times do not follow their entries (object stores behind SFTP, a tool
 *    setting folder times): a full listing whose names differ from the last one while the stamp
 *    stayed the same stops the cache for this watch: every folder is listed at every poll again.
 *  - Remotes other than SFTP and FTP(S) (File 360) are always listed: their folder times are not
 *    known to follow the entries. A stamp of time 0 (FTP's home folder `.`, which has no listing
 *    line) is no stamp.
 *
 * FTP sessions also fingerprint a listing's text (`RemoteSession.listUnlessSame`): a folder with
 * nothing pending, no full listing due and no sub folders to walk, whose listing text is the one
 * last parsed, is kept like one with a trusted stamp, without parsing it: a minute-precision stamp
 * is trusted only a minute after it was seen, and a folder without a stamp (FTP's home folder) never
 * is. Any change of an entry's name, size or listed time changes the text.
 *
 * The sub folders of a folder that is not listed again get their stamps from a stat each (SFTP, a
 * few sub folders) or from one listing of the folder used only for them (FTP, where a folder's stamp
 * is a line of its parent's listing, and SFTP with many sub folders).
 */
import { remoteDirname } from '../paths';
import type { Protocol, RefusedName, RemoteEntry, RemoteSession } from '../remote/types';
import type { Listed } from './folder-view';

/**
 * Every folder is listed in full at least every this many polls, whatever its stamp says, plus a
 * share of it that depends on the folder's path (see `fullListingAfter`).
 */
export const FULL_EVERY_POLLS = 30;
/** ... and at least this often (ms, plus the same share), for long poll intervals. */
export const FULL_EVERY_MS = 60_000;
/** Sub folders of a folder not listed again, stat'ed one by one on SFTP up to this many; more are read from one listing. */
export const STAT_SUBFOLDERS_AT_MOST = 32;

/** Remotes whose folder times change with their entries. */
const STAMPED: ReadonlySet<Protocol> = new Set<Protocol>(['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit']);

/** How long after a stamp was first seen a listing shows everything the stamp's second (or minute) holds. */
function windowOf(precision: RemoteEntry['mtimePrecision']): number {
  // 2 s for seconds: FAT-like file systems keep folder times in 2 s steps. Day precision (FTP LIST of
  // an old folder) is a date long past: any change gives a minute stamp, so the minute rule holds.
  return precision === 'second' ? 2_000 : 61_000;
}

interface Stamp {
  key: string;
  precision: RemoteEntry['mtimePrecision'];
  /** This process's time when the stamp was received. */
  at: number;
}

function stampOf(entry: Pick<RemoteEntry, 'type' | 'mtime' | 'size' | 'mtimePrecision'> | undefined, at: number): Stamp | undefined {
  if (!entry || entry.type !== 'directory') return undefined;
  const t = entry.mtime.getTime();
  if (!Number.isFinite(t) || t <= 0) return undefined;
  return { key: `${t}/${entry.size}`, precision: entry.mtimePrecision, at };
}

interface Subfolder {
  path: string;
  relativePath: string;
}

interface CachedFolder {
  /** The stamp at its last listing (undefined: none known, always listed). */
  stamp?: string;
  precision: RemoteEntry['mtimePrecision'];
  /** When that stamp was first seen. */
  stampSince: number;
  /** When its last listing was asked for. */
  listedAt: number;
  /** Polls it was not listed since. */
  skipped: number;
  /** See `fullListingAfter`. */
  full: { polls: number; ms: number };
  /** Its last listing showed a file the watch is not done with. */
  pending: boolean;
  /** The sub folders the walk goes into. */
  subfolders: Subfolder[];
  /** A hash of its entries' names at its last listing (a full listing checks the stamp against it). */
  names: number;
  /** The session's fingerprint of its last listing's text (`RemoteSession.listUnlessSame`). */
  fingerprint?: string;
}

/** How the watch reads a folder's entries (see `Watcher.listInbox`). */
export interface WalkRules {
  /** Whether the walk goes into the sub folders of a folder at this depth (0: the watched folder). */
  descend(depth: number): boolean;
  /**
   * What a listed entry of a folder is to the watch: a file it returns, a folder it may walk into,
   * or nothing (undefined: a dot name, its work folder, outside the folder...).
   */
  place(dir: string, entry: RemoteEntry, parentRelativePath: string): { kind: 'file' | 'folder'; relativePath: string } | undefined;
  /** A listed file the watch is not done with: its folder is listed again at the next poll. */
  pending(file: Listed): boolean;
  refused(dir: string): RefusedName;
}

/** FNV-1a of a name, summed over a folder: the same for the same names in any order. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * After how many polls without a listing, and how long, a folder is listed in full: between 1 and 2
 * times `FULL_EVERY_POLLS` and `FULL_EVERY_MS`, by its path. The folders of a tree, all listed by
 * the first poll, would otherwise all come due in the same poll, which would list the whole tree
 * again; spread, each poll lists a few of them.
 */
export function fullListingAfter(dir: string): { polls: number; ms: number } {
  const share = nameHash(dir) % FULL_EVERY_POLLS;
  return { polls: FULL_EVERY_POLLS + share, ms: FULL_EVERY_MS + (FULL_EVERY_MS * share) / FULL_EVERY_POLLS };
}

export class ListingCache {
  private folders = new Map<string, CachedFolder>();
  /** Folders whose files the last walk did not return (they are as they were). */
  private kept = new Set<string>();
  private trustStamps = true;

  constructor(
    private readonly onUntrusted?: (folder: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `path` lies directly in a folder the last walk did not list again: what the watch knows of it still holds. */
  keeps(path: string): boolean {
    return this.kept.size > 0 && this.kept.has(remoteDirname(path));
  }

  /** Folders remembered (for tests and the benchmark's report). */
  get size(): number {
    return this.folders.size;
  }

  /** Forgets every folder: the next walk lists everything. */
  clear(): void {
    this.folders.clear();
    this.kept.clear();
  }

  /**
   * The files of `root` (and its sub folders, as `rules` says) that are in folders listed this time;
   * folders left as they were (see the top of this file) are not listed and their files not returned
   * (`keeps` tells them).
   */
  async walk(session: RemoteSession, root: string, rules: WalkRules): Promise<Listed[]> {
    const out: Listed[] = [];
    const visited = new Map<string, CachedFolder>();
    const kept = new Set<string>();
    const stamped = this.trustStamps && STAMPED.has(session.protocol);

    const read = async (dir: string): Promise<RemoteEntry[]> => session.list(dir, rules.refused(dir));
    const visit = async (dir: string, rel: string, depth: number, stamp: Stamp | undefined): Promise<void> => {
      const cached = this.folders.get(dir);
      const descend = rules.descend(depth);
      if (stamped && cached && stamp && this.unchanged(cached, stamp)) {
        cached.skipped++;
        visited.set(dir, cached);
        kept.add(dir);
        if (!descend || cached.subfolders.length === 0) return;
        if (session.protocol === 'sftp' && cached.subfolders.length <= STAT_SUBFOLDERS_AT_MOST) {
          for (const sub of cached.subfolders) {
            const st = await session.stat(sub.path);
            // Gone since (within the stamp's own second, or the folder's times do not follow): the full listing will tell.
            if (st) await visit(sub.path, sub.relativePath, depth + 1, stampOf(st, this.now()));
          }
          return;
        }
        const entries = await read(dir);
        const at = this.now();
        for (const entry of entries) {
          const place = entry.type === 'directory' ? rules.place(dir, entry, rel) : undefined;
          if (place?.kind === 'folder') await visit(entry.path, place.relativePath, depth + 1, stampOf(entry, at));
        }
        return;
      }

      const listedAt = this.now();
      let fingerprint: string | undefined;
      let entries: RemoteEntry[];
      if (session.listUnlessSame) {
        // A listing whose text is the last one's is as good as a trusted stamp (FTP, whose folder
        // times are minutes: a minute after each change, or never for a folder without a stamp).
        const reuse = cached && this.keepable(cached) && (!descend || cached.subfolders.length === 0);
        const listed = await session.listUnlessSame(dir, rules.refused(dir), reuse ? cached.fingerprint : undefined);
        if (!listed.entries && cached) {
          cached.skipped++;
          visited.set(dir, cached);
          kept.add(dir);
          return;
        }
        fingerprint = listed.fingerprint;
        entries = listed.entries ?? [];
      } else {
        entries = await read(dir);
      }
      const at = this.now();
      let pending = false;
      let names = 0;
      const subfolders: (Subfolder & { stamp?: Stamp })[] = [];
      for (const entry of entries) {
        names = (names + nameHash(entry.name)) >>> 0;
        const place = rules.place(dir, entry, rel);
        if (!place) continue;
        if (place.kind === 'folder') {
          if (descend) subfolders.push({ path: entry.path, relativePath: place.relativePath, stamp: stampOf(entry, at) });
          continue;
        }
        // The session made this object for this listing: it becomes the listed file itself (no copy per entry).
        const file = Object.assign(entry, { relativePath: place.relativePath });
        out.push(file);
        if (!pending && rules.pending(file)) pending = true;
      }
      const sameStamp = cached !== undefined && stamp !== undefined && cached.stamp === stamp.key;
      if (stamped && sameStamp && cached.listedAt >= cached.stampSince + windowOf(cached.precision) && cached.names !== names) {
        // A trusted stamp, yet the names changed: this server's folder times do not follow their entries.
        this.trustStamps = false;
        this.onUntrusted?.(dir);
      }
      visited.set(dir, {
        stamp: stamp?.key,
        precision: stamp?.precision ?? 'second',
        stampSince: sameStamp ? cached.stampSince : (stamp?.at ?? listedAt),
        listedAt,
        skipped: 0,
        full: cached?.full ?? fullListingAfter(dir),
        pending,
        subfolders: subfolders.map(({ path, relativePath }) => ({ path, relativePath })),
        names,
        fingerprint,
      });
      for (const sub of subfolders) await visit(sub.path, sub.relativePath, depth + 1, sub.stamp);
    };

    const rootStamp = stamped ? stampOf(await session.stat(root), this.now()) : undefined;
    await visit(root, '', 0, rootStamp);
    this.folders = visited;
    this.kept = kept;
    return out;
  }

  /**
   * After the poll that made the last walk: a folder it listed with files pending, none of whose
   * files is pending any more, is not pending. A folder the watch is done with but has not yet looked
   * up in the ledger (the first poll after a deploy, 50,000 old files) would otherwise be listed in
   * full once more, only to find what this poll just found, and that second listing's entries are
   * garbage V8 keeps for long (see the README's *Busy folders*). `listed` is that walk's files.
   */
  recheckPending(listed: readonly Listed[], pending: (file: Listed) => boolean): void {
    const open = new Map<string, CachedFolder>();
    for (const [dir, cached] of this.folders) if (cached.pending && !this.kept.has(dir)) open.set(dir, cached);
    if (open.size === 0) return;
    // Only the files of folders still marked pending are asked, and a folder's first pending file settles it.
    const still = new Set<string>();
    for (const file of listed) {
      const dir = remoteDirname(file.path);
      if (open.has(dir) && !still.has(dir) && pending(file)) still.add(dir);
    }
    for (const [dir, cached] of open) if (!still.has(dir)) cached.pending = false;
  }

  /** The folder is as its last listing saw it, that listing left nothing to wait for, and no full listing is due. */
  private unchanged(cached: CachedFolder, stamp: Stamp): boolean {
    return cached.stamp === stamp.key && cached.listedAt >= cached.stampSince + windowOf(cached.precision) && this.keepable(cached);
  }

  /** Its last listing left nothing to wait for, and no full listing is due. */
  private keepable(cached: CachedFolder): boolean {
    return !cached.pending && cached.skipped + 1 < cached.full.polls && this.now() - cached.listedAt < cached.full.ms;
  }
}

/**
 * The path in a listing key of the watch (`path\nsize\nmtime`; see `listingKey` in watcher.ts), or
 * undefined for a key by id (Dropbox, which this cache never holds).
 */
export function pathOfListingKey(key: string): string | undefined {
  if (key.startsWith('id\n')) return undefined;
  const last = key.lastIndexOf('\n');
  const cut = last > 0 ? key.lastIndexOf('\n', last - 1) : -1;
  return cut > 0 ? key.slice(0, cut) : undefined;
}
