import { Readable, pipeline } from 'node:stream';
import { randomBytes } from 'node:crypto';
import picomatch from 'picomatch';
import { FileBridgeError } from '../errors';
import { checkFileName, checkRemotePath, joinRemote, remoteBasename, remoteDirname } from '../paths';
import type { SessionPool } from './session-pool';
import type { RemoteEntry, RemoteSession } from './types';
import { UnreadGuard } from './unread-guard';

/*
 * What the remote node (and later the watch, ack and quarantine nodes) do with a server, written
 * once against `RemoteSession` so SFTP, FTP and FTPS behave alike.
 */

export interface ListOptions {
  /** Glob on the path relative to the listed folder (`*.pdf`, `**\/*.xml`); empty = everything. */
  glob?: string;
  recursive?: boolean;
  /** Folder levels below the start folder to descend into when recursive; undefined = no limit. */
  maxDepth?: number;
  /** Also return folders (files, symlinks and other entries are always returned). */
  includeFolders?: boolean;
  /** Include names starting with a dot (skipped by default, like `ls`). */
  includeDotFiles?: boolean;
  /** Told about each listed name left out because it cannot be an entry of its folder (`listedNameProblem`). */
  onRefused?: (folder: string, name: string, why: string) => void;
}

export interface ListedEntry extends RemoteEntry {
  /** Path relative to the listed folder, `/`-separated. */
  relativePath: string;
}

export async function listEntries(pool: SessionPool<RemoteSession>, dir: string, options: ListOptions = {}): Promise<ListedEntry[]> {
  checkRemotePath(dir, 'folder');
  const match = options.glob ? picomatch(options.glob, { dot: options.includeDotFiles ?? false }) : undefined;
  return pool.use(async (session) => {
    const root = await session.stat(dir);
    if (!root) throw new FileBridgeError('NOT_FOUND', `The folder ${dir} does not exist on the server.`, { path: dir });
    if (root.type !== 'directory')
      throw new FileBridgeError('INVALID_INPUT', `${dir} is a file, not a folder: use "stat" or "get" for a single file.`, { path: dir });
    const out: ListedEntry[] = [];
    const walk = async (folder: string, rel: string, depth: number): Promise<void> => {
      const entries = await session.list(folder, (name, why) => options.onRefused?.(folder, name, why));
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (!options.includeDotFiles && entry.name.startsWith('.')) continue;
        const relativePath = rel ? `${rel}/${entry.name}` : entry.name;
        const isDir = entry.type === 'directory';
        const wanted = !match || match(relativePath) || (!relativePath.includes('/') && match(entry.name));
        if ((!isDir || options.includeFolders) && wanted) out.push({ ...entry, relativePath });
        if (isDir && options.recursive && (options.maxDepth === undefined || depth < options.maxDepth)) {
          await walk(entry.path, relativePath, depth + 1);
        }
      }
    };
    await walk(dir, '', 0);
    return out;
  }, true);
}

export async function statEntry(pool: SessionPool<RemoteSession>, path: string): Promise<RemoteEntry | undefined> {
  checkRemotePath(path);
  return pool.use((session) => session.stat(path), true);
}

export interface OpenedFile {
  entry: RemoteEntry;
  stream: Readable;
}

/**
 * Opens a remote file as a stream. The session stays leased until the stream ends, fails or is
 * destroyed, so a slow consumer holds one pool slot and nothing else; a consumer that stops reading
 * altogether loses the stream (TIMEOUT) after the pool's `unreadTimeoutMs`, which frees the slot.
 */
export async function openFile(pool: SessionPool<RemoteSession>, path: string, start = 0): Promise<OpenedFile> {
  const opened = await openLeased(pool, path, start, true);
  return opened as OpenedFile;
}

/**
 * openFile's stream without the file's facts: where the session's own open checks the file (SFTP),
 * one request less per file, which many small files feel.
 */
export async function openStream(pool: SessionPool<RemoteSession>, path: string, start = 0): Promise<Readable> {
  return (await openLeased(pool, path, start, false)).stream;
}

async function openLeased(
  pool: SessionPool<RemoteSession>,
  path: string,
  start: number,
  needEntry: boolean,
): Promise<{ entry?: RemoteEntry; stream: Readable }> {
  checkRemotePath(path);
  for (let attempt = 0; ; attempt++) {
    const lease = await pool.acquire();
    try {
      let entry: RemoteEntry | undefined;
      if (needEntry || lease.session.readChecksFile !== true) {
        entry = await lease.session.stat(path);
        if (!entry) throw new FileBridgeError('NOT_FOUND', `The file ${path} does not exist on the server.`, { path });
        if (entry.type === 'directory') throw new FileBridgeError('INVALID_INPUT', `${path} is a folder, not a file: use "list" to read a folder.`, { path });
      }
      const stream = await lease.session.createReadStream(path, { start });
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        lease.release(!stream.readableEnded);
      };
      stream.once('end', release);
      stream.once('error', release);
      stream.once('close', release);
      const timeoutMs = pool.options.unreadTimeoutMs ?? 0;
      if (timeoutMs <= 0) return { entry, stream };
      // The guard destroyed (unread too long, or by the consumer) destroys the session's stream too.
      const guard = new UnreadGuard(timeoutMs, path);
      pipeline(stream, guard, () => undefined);
      return { entry, stream: guard };
    } catch (err) {
      const broken = !lease.session.alive || (err instanceof FileBridgeError && (err.code === 'CONNECTION' || err.code === 'TIMEOUT'));
      lease.release(broken);
      if (broken && lease.reused && attempt === 0) continue;
      throw err;
    }
  }
}

/** Reads a whole file into memory, refusing files above `maxBytes` before reading them. */
export async function readFileToBuffer(pool: SessionPool<RemoteSession>, path: string, maxBytes: number): Promise<{ entry: RemoteEntry; data: Buffer }> {
  const { entry, stream } = await openFile(pool, path);
  if (entry.size > maxBytes) {
    stream.destroy();
    throw new FileBridgeError(
      'INVALID_INPUT',
      `The file ${path} has ${entry.size} bytes, more than the ${maxBytes}-byte limit for Buffer output. Choose stream output for large files, or raise the limit.`,
      { path, size: entry.size },
    );
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    total += buf.length;
    if (total > maxBytes) {
      stream.destroy();
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The file ${path} grew past the ${maxBytes}-byte limit for Buffer output while being read. Choose stream output.`,
        { path },
      );
    }
    chunks.push(buf);
  }
  return { entry, data: Buffer.concat(chunks, total) };
}

export type ConflictPolicy = 'overwrite' | 'rename' | 'skip' | 'fail';
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['overwrite', 'rename', 'skip', 'fail'];

export interface PutOptions {
  conflict: ConflictPolicy;
  createFolders: boolean;
  /**
   * Write to a hidden temporary name and rename into place, so readers never see half a file. Not
   * needed (and not done) where the remote shows a file only once whole (`RemoteSession.writesWhole`).
   */
  atomic: boolean;
  /** Compare the remote size with the bytes sent. */
  verifySize: boolean;
  /** Suffix of an empty marker file written after the file is in place (e.g. `.done`); empty = none. */
  doneSuffix?: string;
  /** Give the written file the source's modification time (`mtime`), where the server allows it. */
  keepMtime?: boolean;
  /** The source's modification time, when known (see `sourceMtimeOf`). */
  mtime?: Date;
}

export const DEFAULT_PUT_OPTIONS: PutOptions = {
  conflict: 'fail',
  createFolders: true,
  atomic: true,
  verifySize: true,
  doneSuffix: '',
  keepMtime: true,
};

export interface PutResult {
  /** Where the file is now (differs from the requested path after a conflict rename). */
  path: string;
  bytes: number;
  skipped: boolean;
  renamed: boolean;
  /** The marker file written, if any. */
  donePath?: string;
  /** The modification time the file was given (ISO), when the source's was kept. */
  mtime?: string;
}

export type PutSource = Buffer | string | Readable;

function toStream(source: PutSource): Readable {
  if (typeof source === 'string' || Buffer.isBuffer(source)) {
    const data = Buffer.from(source);
    // Bytes in memory can be sent again from the start, and their size is known: a session that retries an
    // upload and declares its length (File 360, see File360Session.upload) uses both; the others ignore them.
    return Object.assign(Readable.from([data]), { reopen: () => Readable.from([data]), knownSize: data.length });
  }
  return source;
}

/** `name.ext` -> `name_1.ext`, `name_2.ext`, ...: the counter goes before the extension so type detection still works. */
export function numberedName(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${name}_${n}`;
  return `${name.slice(0, dot)}_${n}${name.slice(dot)}`;
}

async function freeName(session: RemoteSession, dir: string, name: string): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const candidate = joinRemote(dir, numberedName(name, n));
    if (!(await session.stat(candidate))) return candidate;
  }
  throw new FileBridgeError('CONFLICT', `No free name found for ${name} in ${dir} after 9,999 tries.`, { path: joinRemote(dir, name) });
}

/**
 * Writes a file with the publishing guarantees partners rely on: temporary name then rename, the
 * conflict policy applied both before the upload and at the rename (someone may have written the
 * same name meanwhile), missing folders created, size verified, optional done marker last.
 * A failed upload removes its temporary file. Nothing is retried here: a half-done put is not safe
 * to repeat blindly, so the caller decides (the pool already checks idle connections before use).
 */
export async function putFile(
  pool: SessionPool<RemoteSession>,
  path: string,
  source: PutSource,
  options: PutOptions = DEFAULT_PUT_OPTIONS,
): Promise<PutResult> {
  checkRemotePath(path);
  const dir = remoteDirname(path);
  const name = checkFileName(remoteBasename(path));
  if (!(CONFLICT_POLICIES as readonly string[]).includes(options.conflict)) {
    throw new FileBridgeError('INVALID_INPUT', `Unknown conflict policy "${String(options.conflict)}": use one of ${CONFLICT_POLICIES.join(', ')}.`);
  }
  if (options.doneSuffix) checkFileName(name + options.doneSuffix, 'done-file name');
  return pool.use(async (session) => {
    let target = path;
    let renamed = false;
    const existing = await session.stat(target);
    if (existing?.type === 'directory') {
      destroySource(source);
      throw new FileBridgeError('CONFLICT', `Cannot write ${path}: a folder of that name exists.`, { path });
    }
    if (existing) {
      switch (options.conflict) {
        case 'fail':
          destroySource(source);
          throw new FileBridgeError(
            'CONFLICT',
            `The file ${path} already exists and the conflict policy is "fail". Choose overwrite, rename or skip to allow this.`,
            { path },
          );
        case 'skip':
          destroySource(source);
          return { path, bytes: 0, skipped: true, renamed: false };
        case 'rename':
          target = await freeName(session, dir, name);
          renamed = true;
          break;
        case 'overwrite':
          break;
      }
    }
    const parent = dir === '.' ? undefined : await session.stat(dir);
    if (dir !== '.' && !parent) {
      if (!options.createFolders) {
        destroySource(source);
        throw new FileBridgeError('NOT_FOUND', `The folder ${dir} does not exist. Create it, or tick "create missing folders".`, { path: dir });
      }
      await session.mkdir(dir, true);
    }
    const atomic = options.atomic && session.writesWhole !== true;
    const writePath = atomic ? joinRemote(dir, `.${remoteBasename(target)}.${randomBytes(4).toString('hex')}.part`) : target;
    let bytes: number;
    let keptMtime: string | undefined;
    try {
      bytes = await session.write(writePath, toStream(source));
      if (options.verifySize) {
        const written = await session.stat(writePath);
        if (!written || written.size !== bytes) {
          throw new FileBridgeError(
            'CONNECTION',
            `Upload of ${target} is incomplete: sent ${bytes} bytes but the server has ${written ? written.size : 'no file'}. Nothing was published; send the file again.`,
            { path: target, sent: bytes, remote: written?.size },
          );
        }
      }
      // Before the rename: a reader never sees the file with the upload's time (a rename keeps it).
      if (options.keepMtime && options.mtime && !Number.isNaN(options.mtime.getTime()) && session.setModifiedTime) {
        if (await session.setModifiedTime(writePath, options.mtime)) keptMtime = new Date(Math.floor(options.mtime.getTime() / 1000) * 1000).toISOString();
      }
      if (atomic) {
        for (;;) {
          try {
            await session.rename(writePath, target, options.conflict === 'overwrite');
            break;
          } catch (err) {
            if (!(err instanceof FileBridgeError) || err.code !== 'CONFLICT') throw err;
            // Someone wrote the same name while we uploaded: apply the policy again.
            if (options.conflict === 'rename') {
              target = await freeName(session, dir, name);
              renamed = true;
              continue;
            }
            if (options.conflict === 'skip') {
              await session.deleteFile(writePath);
              return { path, bytes: 0, skipped: true, renamed: false };
            }
            throw new FileBridgeError('CONFLICT', `The file ${target} appeared while it was being uploaded and the conflict policy is "fail".`, {
              path: target,
            });
          }
        }
      }
    } catch (err) {
      if (atomic) await removeQuietly(pool, session, writePath);
      throw err;
    }
    const result: PutResult = { path: target, bytes, skipped: false, renamed, ...(keptMtime ? { mtime: keptMtime } : {}) };
    if (options.doneSuffix) {
      result.donePath = target + options.doneSuffix;
      await session.write(result.donePath, Readable.from([]));
    }
    return result;
  }, false);
}

function destroySource(source: PutSource): void {
  if (source instanceof Readable) source.destroy();
}

async function removeQuietly(pool: SessionPool<RemoteSession>, session: RemoteSession, path: string): Promise<void> {
  try {
    if (session.alive) {
      await session.deleteFile(path);
      return;
    }
    // The session died with the upload: clean up with a fresh one, if the server is back.
    await pool.use((s) => s.deleteFile(path), false);
  } catch {
    // Best effort: a leftover hidden .part file is harmless and names itself.
  }
}

export async function moveEntry(
  pool: SessionPool<RemoteSession>,
  from: string,
  to: string,
  options: { overwrite: boolean; createFolders: boolean },
): Promise<{ from: string; to: string }> {
  checkRemotePath(from, 'source path');
  checkRemotePath(to, 'destination path');
  return pool.use(async (session) => {
    if (!(await session.stat(from))) throw new FileBridgeError('NOT_FOUND', `Cannot move ${from}: it does not exist.`, { path: from });
    const dir = remoteDirname(to);
    if (dir !== '.' && !(await session.stat(dir))) {
      if (!options.createFolders) throw new FileBridgeError('NOT_FOUND', `Cannot move ${from} to ${to}: the folder ${dir} does not exist.`, { path: dir });
      await session.mkdir(dir, true);
    }
    await session.rename(from, to, options.overwrite);
    return { from, to };
  }, false);
}

export async function deleteEntry(
  pool: SessionPool<RemoteSession>,
  path: string,
  options: { missingOk: boolean; folder: boolean },
): Promise<{ path: string; deleted: boolean }> {
  checkRemotePath(path);
  return pool.use(async (session) => {
    const entry = await session.stat(path);
    if (!entry) {
      if (options.missingOk) return { path, deleted: false };
      throw new FileBridgeError('NOT_FOUND', `Cannot delete ${path}: it does not exist.`, { path });
    }
    if (entry.type === 'directory') {
      if (!options.folder)
        throw new FileBridgeError('INVALID_INPUT', `${path} is a folder; only empty folders are deleted, and only when "delete folders" is ticked.`, { path });
      await session.removeDir(path);
    } else {
      await session.deleteFile(path);
    }
    return { path, deleted: true };
  }, false);
}

export async function makeFolder(pool: SessionPool<RemoteSession>, path: string, recursive = true): Promise<{ path: string }> {
  checkRemotePath(path);
  await pool.use((session) => session.mkdir(path, recursive), true);
  return { path };
}
