import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Attributes, Client, FileEntry, SFTPWrapper } from 'ssh2';
import { FileBridgeError } from '../errors';
import { joinRemote, listedNameProblem, remoteBasename, remoteDirname } from '../paths';
import type { ServerOptions } from './server-options';
import { connectSftp, serverLabel } from './sftp-connect';
import { SFTP_STATUS, sftpStatusOf } from './sftp-errors';
import { RequestWatch, TrackedSftp, type SessionFailure } from './sftp-io';
import { SftpReadStream } from './sftp-read-stream';
import { SftpWriteStream } from './sftp-write-stream';
import type { EntryType, ReadOptions, RefusedName, RemoteEntry, RemoteSession } from './types';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function entryType(attrs: Partial<Attributes>, longname?: string): EntryType {
  if (typeof attrs.mode === 'number') {
    const format = attrs.mode & S_IFMT;
    if (format === S_IFREG) return 'file';
    if (format === S_IFDIR) return 'directory';
    if (format === S_IFLNK) return 'symlink';
    return 'other';
  }
  // Servers that omit permissions still show an `ls -l` line.
  const marker = longname?.[0];
  return marker === '-' ? 'file' : marker === 'd' ? 'directory' : marker === 'l' ? 'symlink' : 'other';
}

function toEntry(path: string, attrs: Partial<Attributes>, longname?: string): RemoteEntry {
  return {
    name: remoteBasename(path),
    path,
    type: entryType(attrs, longname),
    size: typeof attrs.size === 'number' ? attrs.size : 0,
    mtime: new Date(typeof attrs.mtime === 'number' ? attrs.mtime * 1000 : 0),
    mtimePrecision: 'second',
  };
}

/** 'w' truncates: `write` promises to replace whatever was there, not to patch it. */
type OpenFlags = 'r' | 'w';

export interface SftpSessionTuning {
  readConcurrency?: number;
  readChunkSize?: number;
  writeConcurrency?: number;
  writeBlockSize?: number;
}

/** A `RemoteSession` over one SSH connection and one SFTP channel. */
export class SftpSession implements RemoteSession {
  readonly protocol = 'sftp' as const;
  /** createReadStream opens (NOT_FOUND) and fstats the handle (INVALID_INPUT for a folder). */
  readonly readChecksFile = true;
  /** `SHA256:...` of the key the server presented (shown by "Test connection"). */
  readonly hostKeyFingerprint: string;
  /** `ssh-ed25519`, `rsa-sha2-...` key type name as found in the key. */
  readonly hostKeyType: string;
  readonly server: string;
  /** Tuning for benchmarks and tests; defaults suit OpenSSH. */
  tuning: SftpSessionTuning = {};

  private failure: SessionFailure | undefined;
  private closed = false;
  private readonly io: TrackedSftp;
  private readonly watch: RequestWatch;
  private readonly sftp: SFTPWrapper;
  private readonly client: Client;
  private readonly closedPromise: Promise<void>;

  /** Use `openSftpSession`. */
  constructor(
    client: Client,
    sftp: SFTPWrapper,
    hostKey: { fingerprint: string; keyType: string },
    private readonly options: ServerOptions,
    bindDisconnect: (handler: (failure: SessionFailure) => void) => void,
  ) {
    this.client = client;
    this.sftp = sftp;
    this.server = serverLabel(options);
    this.hostKeyFingerprint = hostKey.fingerprint;
    this.hostKeyType = hostKey.keyType;
    this.closedPromise = new Promise((resolve) => client.once('close', resolve));
    this.watch = new RequestWatch(options.idleTimeoutMs, () => this.stalled());
    this.io = new TrackedSftp(sftp, {
      server: this.server,
      isOpen: () => this.alive,
      failure: () => this.failure ?? (this.closed ? { code: 'CONNECTION', reason: 'the session was closed.' } : undefined),
      watch: this.watch,
    });
    bindDisconnect((failure) => this.lost(failure));
    sftp.on('close', () => this.lost({ code: 'CONNECTION', reason: 'the server closed the SFTP channel.' }));
  }

  get alive(): boolean {
    return !this.closed && this.failure === undefined;
  }

  async list(dir: string, refused?: RefusedName): Promise<RemoteEntry[]> {
    const action = 'list the folder';
    const handle = await this.io
      .call<Buffer>(action, dir, (cb) => this.sftp.opendir(dir, cb))
      .catch(async (err: unknown) => {
        // OpenSSH answers "no such file" for a file given as folder; say what is really there.
        if (err instanceof FileBridgeError && err.code === 'NOT_FOUND' && (await this.stat(dir).catch(() => undefined))) {
          throw new FileBridgeError(
            'INVALID_INPUT',
            `Could not list "${dir}" on ${this.server}: it is a file, not a folder.`,
            { path: dir, server: this.server },
            { cause: err },
          );
        }
        throw err;
      });
    const entries: RemoteEntry[] = [];
    try {
      for (;;) {
        const batch = await this.io.call<FileEntry[] | false>(action, dir, (cb) =>
          this.sftp.readdir(handle, (err, list) => {
            // The end of a listing arrives as an EOF status, not as an empty batch.
            if (err && sftpStatusOf(err) === SFTP_STATUS.EOF) cb(undefined, false);
            else cb(err, list);
          }),
        );
        if (batch === false) break;
        for (const item of batch) {
          if (item.filename === '.' || item.filename === '..') continue;
          const problem = listedNameProblem(item.filename);
          if (problem !== undefined) {
            refused?.(item.filename, problem);
            continue;
          }
          entries.push(toEntry(joinRemote(dir, item.filename), item.attrs, item.longname));
        }
      }
    } finally {
      await this.io.close(handle).catch(() => undefined);
    }
    return entries;
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    try {
      const attrs = await this.io.call<Attributes>('look up', path, (cb) => this.sftp.stat(path, cb));
      return toEntry(path, attrs);
    } catch (err) {
      if (err instanceof FileBridgeError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  async createReadStream(path: string, options: ReadOptions = {}): Promise<Readable> {
    const start = options.start ?? 0;
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new FileBridgeError('INVALID_INPUT', `The read start offset must be a whole number of bytes, 0 or more; got ${String(options.start)}.`, { path });
    }
    const handle = await this.open(path, 'r', 'read');
    let size: number | undefined;
    try {
      const attrs = await this.io.call<Attributes>('read', path, (cb) => this.sftp.fstat(handle, cb));
      if (entryType(attrs) === 'directory') {
        throw new FileBridgeError('INVALID_INPUT', `"${path}" on ${this.server} is a folder, not a file.`, { path, server: this.server });
      }
      size = typeof attrs.size === 'number' ? attrs.size : undefined;
    } catch (err) {
      await this.io.close(handle).catch(() => undefined);
      throw err;
    }
    return new SftpReadStream(this.io, handle, path, {
      start,
      sizeHint: size,
      chunkSize: this.tuning.readChunkSize,
      concurrency: this.tuning.readConcurrency,
    });
  }

  async write(path: string, source: Readable): Promise<number> {
    const handle = await this.open(path, 'w', 'write');
    const target = new SftpWriteStream(this.io, handle, path, {
      blockSize: this.tuning.writeBlockSize,
      concurrency: this.tuning.writeConcurrency,
    });
    // The target only ever fails with FileBridgeErrors; a failing source's own error passes
    // through untouched, since it is the caller's and not the server's.
    await pipeline(source, target);
    return target.bytesWritten;
  }

  async rename(from: string, to: string, overwrite = false): Promise<void> {
    const action = `rename "${from}" to`;
    if (!overwrite) {
      // Some servers replace the target on a plain rename; checking first keeps the promise of
      // CONFLICT there too (OpenSSH itself refuses, which is caught below).
      if (await this.stat(to)) throw this.conflict(from, to);
      try {
        await this.io.call<void>(action, to, (cb) => this.sftp.rename(from, to, (err) => cb(err ?? undefined, undefined)));
      } catch (err) {
        if (err instanceof FileBridgeError && err.code === 'CONFLICT' && (await this.stat(to))) throw this.conflict(from, to, err);
        throw err;
      }
      return;
    }
    if (this.hasExtension('posix-rename@openssh.com')) {
      await this.io.call<void>(action, to, (cb) => this.sftp.ext_openssh_rename(from, to, (err) => cb(err ?? undefined, undefined)));
      return;
    }
    // Without an atomic replace the target must go first; a crash in between leaves only `from`.
    if (!(await this.stat(from))) {
      throw new FileBridgeError('NOT_FOUND', `Could not rename "${from}" on ${this.server}: it does not exist.`, { path: from, server: this.server });
    }
    await this.deleteFile(to).catch((err: unknown) => {
      if (!(err instanceof FileBridgeError && err.code === 'NOT_FOUND')) throw err;
    });
    await this.io.call<void>(action, to, (cb) => this.sftp.rename(from, to, (err) => cb(err ?? undefined, undefined)));
  }

  async deleteFile(path: string): Promise<void> {
    await this.io.call<void>('delete', path, (cb) => this.sftp.unlink(path, (err) => cb(err ?? undefined, undefined)));
  }

  async removeDir(path: string): Promise<void> {
    try {
      await this.io.call<void>('remove the folder', path, (cb) => this.sftp.rmdir(path, (err) => cb(err ?? undefined, undefined)));
    } catch (err) {
      // OpenSSH answers a non-empty folder with a bare FAILURE; say what it most likely means.
      if (err instanceof FileBridgeError && err.code === 'CONFLICT' && (await this.stat(path))?.type === 'directory') {
        throw new FileBridgeError(
          'CONFLICT',
          `Could not remove the folder "${path}" on ${this.server}: it is not empty.`,
          { path, server: this.server },
          { cause: err },
        );
      }
      throw err;
    }
  }

  async mkdir(path: string, recursive: boolean): Promise<void> {
    try {
      await this.io.call<void>('create the folder', path, (cb) => this.sftp.mkdir(path, (err) => cb(err ?? undefined, undefined)));
      return;
    } catch (err) {
      if (!(err instanceof FileBridgeError) || !(err.code === 'CONFLICT' || err.code === 'NOT_FOUND' || err.code === 'PERMISSION_DENIED')) throw err;
      // mkdir's status does not say why it failed; what is (or is not) at the path does.
      const existing = await this.stat(path);
      if (existing?.type === 'directory') return;
      if (existing) {
        throw new FileBridgeError(
          'CONFLICT',
          `Could not create the folder "${path}" on ${this.server}: a ${existing.type} of that name is in the way.`,
          { path, server: this.server, existingType: existing.type },
          { cause: err },
        );
      }
      const parent = remoteDirname(path);
      if (!recursive || err.code !== 'NOT_FOUND' || parent === path) throw err;
      await this.mkdir(parent, true);
    }
    try {
      await this.io.call<void>('create the folder', path, (cb) => this.sftp.mkdir(path, (err) => cb(err ?? undefined, undefined)));
    } catch (err) {
      // Someone else may have created it in the meantime, which is what we wanted.
      if ((await this.stat(path))?.type !== 'directory') throw err;
    }
  }

  /** SETSTAT with the times (OpenSSH's `utimes`); the access time is set to the same moment. */
  async setModifiedTime(path: string, mtime: Date): Promise<boolean> {
    const seconds = Math.floor(mtime.getTime() / 1000);
    try {
      await this.io.call<void>('set the modification time of', path, (cb) =>
        this.sftp.utimes(path, seconds, seconds, (err) => cb(err ?? undefined, undefined)),
      );
    } catch (err) {
      if (err instanceof FileBridgeError && (err.code === 'CONNECTION' || err.code === 'TIMEOUT')) throw err;
      return false;
    }
    return true;
  }

  /** One SFTP round trip: proves a session that sat idle in a pool still reaches the server. */
  async ping(): Promise<void> {
    await this.io.call<string>('check the connection to', undefined, (cb) => this.sftp.realpath('.', cb));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch.stop();
    this.client.end();
    // A server that ignores the goodbye must not hold the caller.
    const timer = setTimeout(() => this.client.destroy(), 2000);
    timer.unref();
    await this.closedPromise;
    clearTimeout(timer);
  }

  private async open(path: string, flags: OpenFlags, action: string): Promise<Buffer> {
    try {
      return await this.io.call<Buffer>(action, path, (cb) => this.sftp.open(path, flags, cb));
    } catch (err) {
      // Opening a folder for writing fails with a bare FAILURE; name the actual reason.
      if (err instanceof FileBridgeError && err.code === 'CONFLICT' && (await this.stat(path).catch(() => undefined))?.type === 'directory') {
        throw new FileBridgeError(
          'CONFLICT',
          `Could not ${action} "${path}" on ${this.server}: a folder of that name is in the way.`,
          { path, server: this.server },
          { cause: err },
        );
      }
      throw err;
    }
  }

  private hasExtension(name: string): boolean {
    const extensions = (this.sftp as unknown as { _extensions?: Record<string, unknown> })._extensions;
    return extensions?.[name] !== undefined;
  }

  private conflict(from: string, to: string, cause?: unknown): FileBridgeError {
    return new FileBridgeError(
      'CONFLICT',
      `Could not rename "${from}" to "${to}" on ${this.server}: "${to}" already exists.`,
      { path: to, from, server: this.server },
      { cause },
    );
  }

  private stalled(): void {
    const seconds = Math.round(this.options.idleTimeoutMs / 100) / 10;
    this.lost({ code: 'TIMEOUT', reason: `the server did not answer for ${seconds} s; the connection was closed.` });
    this.client.destroy();
  }

  private lost(failure: SessionFailure): void {
    if (this.failure === undefined && !this.closed) this.failure = failure;
    this.watch.stop();
  }
}

/** Connects, checks the host key, logs in and starts SFTP. */
export async function openSftpSession(options: ServerOptions): Promise<SftpSession> {
  // A disconnect between login and the session object taking over must not be lost, or the
  // session would claim to be alive on a dead connection.
  let early: SessionFailure | undefined;
  let onDisconnect: (failure: SessionFailure) => void = (failure) => {
    early ??= failure;
  };
  const { client, sftp, hostKey } = await connectSftp(options, { onDisconnect: (failure) => onDisconnect(failure) });
  const session = new SftpSession(client, sftp, hostKey, options, (handler) => {
    onDisconnect = handler;
    if (early) handler(early);
  });
  if (hostKey.learned && options.onHostKeyLearned) {
    try {
      await options.onHostKeyLearned(hostKey.fingerprint);
    } catch (err) {
      await session.close();
      throw err;
    }
  }
  return session;
}
