import type { Readable } from 'node:stream';

export type Protocol = 'sftp' | 'ftp' | 'ftps-explicit' | 'ftps-implicit' | 'dropbox' | 'file360';

export const DEFAULT_PORTS: Readonly<Record<Protocol, number>> = {
  sftp: 22,
  ftp: 21,
  'ftps-explicit': 21,
  'ftps-implicit': 990,
  /** HTTPS to the Dropbox API hosts (or the service URL's port). */
  dropbox: 443,
  /** HTTPS to the File 360 API (or the API URL's port). */
  file360: 443,
};

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface RemoteEntry {
  name: string;
  /** Full remote path as it would be passed back to the server. */
  path: string;
  type: EntryType;
  size: number;
  /** Modification time; `mtimePrecision` says how much of it the server really told us. */
  mtime: Date;
  /** FTP LIST gives minutes (or days for old files); SFTP and FTP MLSD/MDTM give seconds. */
  mtimePrecision: 'second' | 'minute' | 'day';
  /** Dropbox: the file's id (`id:...`), which stays the same across renames and edits. File 360: the document or folder id (digits, as a string). */
  id?: string;
  /** Dropbox: the revision, which changes on every write. */
  rev?: string;
  /** Dropbox: the content_hash of the bytes (https://www.dropbox.com/developers/reference/content-hash). */
  contentHash?: string;
}

/** A path that went away since a cursor (`FolderChanges`); a removed folder takes everything below it along. */
export interface RemovedEntry {
  type: 'deleted';
  name: string;
  path: string;
}

/** What `RemoteSession.changes` reports: the whole folder, or what changed since a cursor. */
export interface FolderChanges {
  /**
   * With `full`: every file and folder below the folder (the folder's whole current state, no
   * `deleted` entries). Otherwise what was added, changed or removed since the cursor, in the order
   * it happened (a path removed and made again comes as `deleted`, then as its new entry). Paths
   * are the folder as given plus the rest, like `list` builds them.
   */
  entries: (RemoteEntry | RemovedEntry)[];
  /** Where the next call goes on from. Opaque text that may be kept across restarts. */
  cursor: string;
  /** `entries` is the folder's whole current state: no cursor was given, or the one given was dead. */
  full: boolean;
  /** The cursor given could no longer be followed (Dropbox `reset`): `entries` is a full listing again. */
  reset: boolean;
  /** Paths name the same entry whatever their case (Dropbox). */
  ignoreCase: boolean;
}

export interface ChangesOptions {
  /** Everything below the folder, not only its own entries. */
  recursive: boolean;
  /** Told about listed names that were left out (see `list`). */
  refused?: RefusedName;
}

/** Told about a listed name that was left out of a listing, and why (see `listedNameProblem`). */
export type RefusedName = (name: string, why: string) => void;

/** The pool slot of a leased session that holds no connection of its own (Dropbox). */
export interface PoolSlot {
  /** Callers are waiting for a slot of this pool. */
  wanted(): boolean;
  /**
   * Gives the slot to the next caller while the session waits for something that needs no
   * connection of its own (a Dropbox upload whose bytes are sent, waiting for its batch commit).
   * `taken`: a caller that was waiting got it. `reclaim` takes the slot back (the pool may then hold
   * one session more than its size until this one is released).
   */
  lend(): { taken: boolean; reclaim: () => void };
}

export interface ReadOptions {
  /** Byte offset to start at (resume). */
  start?: number;
}

/**
 * One live connection to a remote folder tree. Implementations: `SftpSession`, `FtpSession`.
 * Methods throw `FileBridgeError` with a code; they never throw raw library errors.
 *
 * FTP can run only one transfer per control connection, so a session is used by one caller at a
 * time; the pool hands sessions out exclusively and a read stream keeps its session until it ends.
 */
export interface RemoteSession {
  readonly protocol: Protocol;
  /** False once the underlying connection is closed or broken; the pool then discards it. */
  readonly alive: boolean;
  /**
   * The entries of a folder. Entries whose name cannot be one entry of it (`listedNameProblem`: a `/`,
   * `.`/`..`, a NUL; on FTP a line break) are left out, and `refused` is told about each, with why.
   */
  list(dir: string, refused?: RefusedName): Promise<RemoteEntry[]>;
  /**
   * `list`, and a fingerprint of the server's listing text (FTP `LIST`): when it equals `previous`,
   * the folder lists exactly as it did then and `entries` is undefined (nothing parsed, nobody told).
   */
  listUnlessSame?(dir: string, refused: RefusedName | undefined, previous: string | undefined): Promise<{ fingerprint: string; entries?: RemoteEntry[] }>;
  /** Facts about one path, or undefined when nothing exists there. */
  stat(path: string): Promise<RemoteEntry | undefined>;
  /** A stream of the file's bytes. The session is busy until the stream ends, errors or is destroyed. */
  createReadStream(path: string, options?: ReadOptions): Promise<Readable>;
  /**
   * True when createReadStream itself fails with NOT_FOUND for a missing file and INVALID_INPUT for a
   * folder (SFTP opens and fstats the handle anyway), so a reader needs no stat first.
   */
  readonly readChecksFile?: boolean;
  /** Writes `source` to `path`, replacing anything there. Resolves with the number of bytes written. */
  write(path: string, source: Readable): Promise<number>;
  /** Renames; fails with CONFLICT when `to` exists unless `overwrite` is set. */
  rename(from: string, to: string, overwrite?: boolean): Promise<void>;
  deleteFile(path: string): Promise<void>;
  /** Removes an empty directory. */
  removeDir(path: string): Promise<void>;
  /** Creates a directory and, with `recursive`, its missing parents; an existing directory is fine. */
  mkdir(path: string, recursive: boolean): Promise<void>;
  /**
   * Sets a file's modification time where the server allows it. Resolves true when the server now
   * reports that time, false when it cannot set times (refused or not supported); throws only when
   * the connection failed.
   */
  setModifiedTime?(path: string, mtime: Date): Promise<boolean>;
  /**
   * Optional capability (Dropbox `list_folder` cursors): the folder's changes since `cursor`, or its
   * whole current state when `cursor` is undefined or dead (then `full`, and `reset` for a dead one).
   * Every page is fetched before it resolves. A remote without it is listed with `list` on every poll.
   */
  changes?(dir: string, cursor: string | undefined, options: ChangesOptions): Promise<FolderChanges>;
  /**
   * Optional capability (Dropbox `list_folder/longpoll`): waits up to `timeoutSeconds` for a change
   * after `cursor`; resolves true when there is one (or the cursor died: the next `changes` call
   * tells), false when the time ran out or `signal` aborted the wait. A backoff the server asks for
   * is waited out inside (before resolving true).
   */
  waitForChanges?(cursor: string, timeoutSeconds: number, signal?: AbortSignal): Promise<boolean>;
  /**
   * True when a written file appears only once all of it is there (Dropbox commits an upload in one
   * step). A put then writes under the real name: a temporary name and a rename would protect
   * nothing and would give a replaced file a new identity (its Dropbox id, links and history).
   */
  readonly writesWhole?: boolean;
  /** A cheap round trip proving the connection still works (the pool checks sessions that sat idle). */
  ping?(): Promise<void>;
  /**
   * Set by the pool while the session is leased, for sessions that hold no connection of their own
   * (`lendsSlot`, Dropbox): see `PoolSlot`.
   */
  poolSlot?: PoolSlot;
  /** The session may give its pool slot to others while it waits (it holds no connection: Dropbox). */
  readonly lendsSlot?: boolean;
  close(): Promise<void>;
}
