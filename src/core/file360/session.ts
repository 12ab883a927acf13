/**
 * File 360 folders behind the `RemoteSession` contract, so watch, remote, ack and quarantine work on
 * them. Paths are `/Folder/Sub/name.ext` below the signed-in user's root folder (`users/me` rootId),
 * each name matched exactly (case too), as `File360Client.resolveFolder` matches them.
 *
 * The API addresses folders and documents by id, so a path is resolved name by name through folder
 * listings. Folder ids found on the way are kept in a small cache of this session (for a short time);
 * any NOT_FOUND drops the whole cache and the operation is tried once more from the root, so a
 * folder someone deleted or replaced is found anew rather than failing for good.
 *
 * What the API cannot do is refused clearly: it has no rename, only a move of a document between
 * folders (`PUT /api/v1/documents/{id}` with a new parentId, contract.ts), so `rename` keeps the name.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { FileBridgeError, isFileBridgeError } from '../errors';
import { listedNameProblem } from '../paths';
import { DEFAULT_POOL_OPTIONS, SessionPool, type PoolOptions } from '../remote/session-pool';
import type { ReadOptions, RefusedName, RemoteEntry, RemoteSession } from '../remote/types';
import { File360Client } from './client';
import { F360_ROUTES } from './contract';
import { isValidName, type File360Resource } from './resources';

/** How long a resolved folder id is trusted without looking again (ms). */
const FOLDER_CACHE_MS = 30_000;
/** At most this many folder ids are kept per session. */
const FOLDER_CACHE_MAX = 256;

/** The names of a remote path below the root: `/A/B/c.pdf`, `A/B/c.pdf`, `./A` -> ['A', 'B', ...]; '/', '.', '' -> []. */
export function file360PathParts(path: string): string[] {
  if (typeof path !== 'string') throw new FileBridgeError('INVALID_INPUT', 'A File 360 path must be text such as /Suppliers/ACME/order.csv.');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    if (!isValidName(p)) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The File 360 path "${path}" has the part ${JSON.stringify(p)}, which is not a File 360 name (1-255 characters without \\, control characters, and not ..).`,
        { path },
      );
    }
  }
  return parts;
}

/** The product's path of parts: `/A/B`; the root is `/`. */
function pathOf(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}

/** The product's path of `name` in the listed `dir`, keeping the form the caller gave (`/in` or `in`). */
function joinListed(dir: string, name: string): string {
  const d = dir.replace(/\/+$/, '');
  if (d === '' || d === '.') return dir.startsWith('/') ? `/${name}` : name;
  return `${d}/${name}`;
}

function isNotFound(err: unknown): boolean {
  return isFileBridgeError(err) && err.code === 'NOT_FOUND';
}

function mtimeOf(r: File360Resource): Date {
  for (const t of [r.lastModified, r.created]) {
    if (t === undefined) continue;
    const d = new Date(t);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return new Date(0);
}

function entryOf(path: string, r: File360Resource): RemoteEntry {
  return {
    name: r.name,
    path,
    type: r.kind === 'folder' ? 'directory' : 'file',
    size: r.kind === 'document' ? (r.size ?? 0) : 0,
    mtime: mtimeOf(r),
    // lastModified is an ISO time with milliseconds: at least seconds.
    mtimePrecision: 'second',
    id: r.id,
  };
}

/** Passes on what comes after the first `skip` bytes (no Range on the content route): flat memory. */
class SkipBytes extends Transform {
  constructor(private left: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.left >= chunk.length) {
      this.left -= chunk.length;
      cb();
      return;
    }
    const rest = this.left > 0 ? chunk.subarray(this.left) : chunk;
    this.left = 0;
    cb(null, rest);
  }
}

/** A readable that can be opened again for a retried upload (the caller's own `reopen`), and whose size may be known. */
export type Reopenable = Readable & { reopen?: () => Readable; knownSize?: number };

export class File360Session implements RemoteSession {
  readonly protocol = 'file360' as const;
  /** An upload makes the document appear whole in one step: a put writes under the real name. */
  readonly writesWhole = true;
  private open = true;
  private readonly folders = new Map<string, { id: string; at: number }>();

  constructor(
    readonly client: File360Client,
    private readonly ownsClient = false,
  ) {}

  get alive(): boolean {
    return this.open;
  }

  async list(dir: string, refused?: RefusedName): Promise<RemoteEntry[]> {
    const parts = file360PathParts(dir);
    return this.retried(async () => {
      const id = await this.folderId(parts, false);
      const entries: RemoteEntry[] = [];
      for await (const child of this.client.listChildren(id)) {
        const problem = listedNameProblem(child.name);
        if (problem !== undefined) {
          refused?.(child.name, problem);
          continue;
        }
        entries.push(entryOf(joinListed(dir, child.name), child));
      }
      return entries;
    });
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    const parts = file360PathParts(path);
    if (parts.length === 0) return { name: '', path: '/', type: 'directory', size: 0, mtime: new Date(0), mtimePrecision: 'second' };
    try {
      const found = await this.retried(() => this.lookup(parts));
      return found ? entryOf(path, found) : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createReadStream(path: string, options: ReadOptions = {}): Promise<Readable> {
    const start = options.start ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new FileBridgeError('INVALID_INPUT', `The read start offset must be a whole number of bytes, 0 or more; got ${String(options.start)}.`, { path });
    }
    const parts = file360PathParts(path);
    const got = await this.retried(async () => {
      const doc = await this.document(parts, path);
      return this.client.download(doc.id);
    });
    if (start === 0) return got.stream;
    // The content route has no Range (contract.ts): the first bytes are read and dropped as they come.
    const skipped = new SkipBytes(start);
    got.stream.on('error', (err) => skipped.destroy(err));
    skipped.on('close', () => {
      if (!got.stream.destroyed) got.stream.destroy();
    });
    return got.stream.pipe(skipped);
  }

  /**
   * Uploads `source` as the document at `path`, replacing a document of that name (collision
   * strategy overwrite keeps its id). When `source` carries `reopen`, a retried upload reads it anew.
   */
  async write(path: string, source: Readable): Promise<number> {
    const doc = await this.upload(path, source);
    return doc.size ?? 0;
  }

  /** `write`, answering the document (id, size...). */
  async upload(path: string, source: Reopenable, opts: { size?: number } = {}): Promise<File360Resource> {
    const parts = file360PathParts(path);
    if (parts.length === 0) throw new FileBridgeError('INVALID_INPUT', `Give a document path such as /Folder/file.pdf to upload to, not "${path}".`, { path });
    const name = parts[parts.length - 1];
    const parentParts = parts.slice(0, -1);
    const parentId = await this.retried(async () => {
      const id = await this.folderId(parentParts, false);
      const existing = await this.client.findChild(id, name);
      if (existing?.kind === 'folder') {
        throw new FileBridgeError('CONFLICT', `File 360 has a folder named "${name}" in "${pathOf(parentParts)}": a document cannot replace it.`, { path });
      }
      return id;
    });
    // The stream given is sent first; a retried upload opens the bytes anew when the source can (`reopen`),
    // else the client replays what it kept of the stream (its first 8 MiB).
    const reopen = source.reopen;
    let first: Readable | undefined = source;
    const body =
      reopen === undefined
        ? source
        : (): Readable => {
            const next = first ?? reopen();
            first = undefined;
            return next;
          };
    const size = opts.size ?? (Number.isSafeInteger(source.knownSize) ? source.knownSize : undefined);
    const uploaded = await this.client.upload(parentId, name, body, { collision: 'overwrite', ...(size !== undefined ? { size } : {}) });
    if (uploaded.name !== name) {
      throw new FileBridgeError('CONFLICT', `File 360 stored the upload to "${path}" as "${uploaded.name}" instead of replacing "${name}".`, {
        path,
        id: uploaded.id,
      });
    }
    return uploaded;
  }

  /**
   * A move of a document into another folder, keeping its name: the File 360 API has no rename. A
   * change of name is refused with INVALID_INPUT; `to` taken by a document is CONFLICT unless
   * `overwrite` (then that document goes to the trash first).
   */
  async rename(from: string, to: string, overwrite = false): Promise<void> {
    const src = file360PathParts(from);
    const dst = file360PathParts(to);
    if (src.length === 0 || dst.length === 0) throw new FileBridgeError('INVALID_INPUT', `Cannot move "${from}" to "${to}": name a document on both sides.`);
    const name = src[src.length - 1];
    if (dst[dst.length - 1] !== name) {
      throw new FileBridgeError(
        'INVALID_INPUT',
        `File 360 cannot rename "${from}" to "${to}": its API only moves documents between folders, keeping the name. Move it to a folder under the same name "${name}" (an archive path ending in {name}).`,
        { path: from, to },
      );
    }
    await this.retried(async () => {
      const doc = await this.lookup(src);
      if (!doc) throw new FileBridgeError('NOT_FOUND', `File 360 has no document "${from}" to move.`, { path: from });
      if (doc.kind !== 'document') {
        throw new FileBridgeError('INVALID_INPUT', `"${from}" is a folder in File 360; only documents can be moved.`, { path: from });
      }
      const targetFolder = await this.folderId(dst.slice(0, -1), false);
      if (doc.parentId === targetFolder) return;
      const taken = await this.client.findChild(targetFolder, name);
      if (taken) {
        if (taken.id === doc.id) return;
        if (!overwrite || taken.kind !== 'document') {
          throw new FileBridgeError('CONFLICT', `Cannot move "${from}" to "${to}": File 360 already has a ${taken.kind} of that name there.`, {
            path: from,
            to,
          });
        }
        await this.client.delete(taken.id);
      }
      await this.client.move(doc.id, targetFolder);
    });
  }

  async deleteFile(path: string): Promise<void> {
    const parts = file360PathParts(path);
    await this.retried(async () => {
      const doc = await this.document(parts, path);
      await this.client.delete(doc.id);
    });
  }

  async removeDir(path: string): Promise<void> {
    const parts = file360PathParts(path);
    if (parts.length === 0) throw new FileBridgeError('INVALID_INPUT', 'The root folder of the File 360 account cannot be removed.', { path });
    await this.retried(async () => {
      const id = await this.folderId(parts, false);
      for await (const child of this.client.listChildren(id, { pageSize: 1 })) {
        throw new FileBridgeError('CONFLICT', `The File 360 folder "${path}" is not empty (it holds "${child.name}"); only empty folders are removed.`, {
          path,
        });
      }
      await this.client.delete(id, { kind: 'folder' });
      this.folders.clear();
    });
  }

  async mkdir(path: string, recursive: boolean): Promise<void> {
    const parts = file360PathParts(path);
    if (parts.length === 0) return;
    await this.retried(async () => {
      if (!recursive) await this.folderId(parts.slice(0, -1), false);
      await this.folderId(parts, true);
    });
  }

  /** A real round trip (users/me, not the client's remembered answer), proving token and service work. */
  async ping(): Promise<void> {
    const r = F360_ROUTES.me;
    await this.client.http.json(r.method, r.path(), { what: 'check the connection' });
  }

  close(): Promise<void> {
    this.open = false;
    this.folders.clear();
    if (this.ownsClient) this.client.close();
    return Promise.resolve();
  }

  /** Runs `op`; on NOT_FOUND with cached folder ids in play, drops them and runs it once more. */
  private async retried<T>(op: () => Promise<T>): Promise<T> {
    const cached = this.folders.size > 0;
    try {
      return await op();
    } catch (err) {
      if (!isNotFound(err) || !cached) throw err;
      this.folders.clear();
      return op();
    }
  }

  /** The id of the folder at `parts` (walked from the root, by exact name); created when `create`. */
  private async folderId(parts: readonly string[], create: boolean): Promise<string> {
    const now = Date.now();
    let id = (await this.client.me()).rootId;
    let i = 0;
    // Start from the deepest cached folder on the way.
    for (let n = parts.length; n > 0; n--) {
      const hit = this.folders.get(pathOf(parts.slice(0, n)));
      if (hit && now - hit.at < FOLDER_CACHE_MS) {
        id = hit.id;
        i = n;
        break;
      }
    }
    for (; i < parts.length; i++) {
      const name = parts[i];
      let next: File360Resource | undefined;
      let document = false;
      for await (const child of this.client.listChildren(id)) {
        if (child.name !== name) continue;
        if (child.kind === 'folder') {
          next = child;
          break;
        }
        document = true;
      }
      const here = pathOf(parts.slice(0, i));
      if (!next && document) {
        throw new FileBridgeError('CONFLICT', `File 360 has a document named "${name}" in "${here}" where the path "${pathOf(parts)}" needs a folder.`, {
          path: pathOf(parts),
        });
      }
      if (!next && !create) {
        throw new FileBridgeError('NOT_FOUND', `File 360 has no folder "${name}" in "${here}" (looking for "${pathOf(parts)}").`, { path: pathOf(parts) });
      }
      next ??= await this.client.createFolder(id, name);
      id = next.id;
      this.remember(pathOf(parts.slice(0, i + 1)), id);
    }
    return id;
  }

  private remember(path: string, id: string): void {
    if (this.folders.size >= FOLDER_CACHE_MAX) this.folders.delete(this.folders.keys().next().value as string);
    this.folders.set(path, { id, at: Date.now() });
  }

  /** The folder or document at `parts` (not the root), or undefined when its folder holds no such name. */
  private async lookup(parts: readonly string[]): Promise<File360Resource | undefined> {
    const parentId = await this.folderId(parts.slice(0, -1), false);
    const found = await this.client.findChild(parentId, parts[parts.length - 1]);
    if (found) return { ...found, parentId: found.parentId ?? parentId };
    return undefined;
  }

  /** The document at `parts`: NOT_FOUND when nothing is there, INVALID_INPUT for a folder. */
  private async document(parts: readonly string[], path: string): Promise<File360Resource> {
    if (parts.length === 0) throw new FileBridgeError('INVALID_INPUT', `"${path}" is the root folder, not a document.`, { path });
    const found = await this.lookup(parts);
    if (!found) throw new FileBridgeError('NOT_FOUND', `File 360 has no document "${path}".`, { path });
    if (found.kind !== 'document') throw new FileBridgeError('INVALID_INPUT', `"${path}" is a folder in File 360, not a document.`, { path });
    return found;
  }
}

/**
 * A pool of File 360 sessions over ONE client (one token and one refresh for all of them). File 360
 * holds no connection per session, so the pool only bounds how many calls run at once; opening a
 * session signs in (once) and reads the user's root folder.
 */
export function createFile360Pool(client: File360Client, poolOptions: Partial<PoolOptions> = {}): SessionPool<RemoteSession> {
  return new SessionPool<RemoteSession>(
    async () => {
      await client.me();
      return new File360Session(client, false);
    },
    { ...DEFAULT_POOL_OPTIONS, ...poolOptions },
  );
}
