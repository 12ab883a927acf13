import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { files } from 'dropbox';
import { FileBridgeError } from '../errors';
import { listedNameProblem } from '../paths';
import type { ChangesOptions, FolderChanges, PoolSlot, ReadOptions, RefusedName, RemoteEntry, RemoteSession } from '../remote/types';
import { DropboxClient } from './client';
import type { ContentAnswer } from './content-request';
import { committerOf, inTurn, isLostAnswer, type DropboxCommitter } from './committer';
import { DropboxContentHasher, DROPBOX_HASH_BLOCK } from './content-hash';
import { uploadChunks, UploadChunk } from './chunks';
import type { DropboxOptions } from './auth';
import { decodeDropboxPath, dropboxApiPath, dropboxPlainPath, dropboxWritePath, isRef } from './api-path';
import { decodeDropboxName, storedDropboxNameProblem } from './dropbox-name';
import { dropboxFolderChanges, waitForDropboxChanges } from './folder-changes';

export { dropboxApiPath };

/** One request carries at most 150 MiB (https://www.dropbox.com/developers/documentation/http/documentation#files-upload_session-append). */
export const DROPBOX_MAX_REQUEST = 150 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;
/** Dropbox-API-Result of a download is a JSON header; a peer sending more than this is lying. */
const MAX_RESULT_HEADER = 64 * 1024;
const LIST_LIMIT = 2000;

/** The product's path of `name` (already decoded) in `dir`. */
function joinDropbox(dir: string, name: string): string {
  const d = dropboxPlainPath(dir);
  return `${d}/${name}`;
}

type Metadata = files.FileMetadataReference | files.FolderMetadataReference | files.DeletedMetadataReference;

/** A listed or looked-up entry in the product's names (`path` is the product's path already). */
function toEntry(path: string, m: Metadata): RemoteEntry {
  if (m['.tag'] === 'file') {
    const f = m;
    return {
      name: decodeDropboxName(f.name),
      path,
      type: 'file',
      size: f.size,
      mtime: new Date(f.server_modified),
      mtimePrecision: 'second',
      id: f.id,
      rev: f.rev,
      ...(f.content_hash ? { contentHash: f.content_hash } : {}),
    };
  }
  if (m['.tag'] === 'folder') {
    return { name: decodeDropboxName(m.name), path, type: 'directory', size: 0, mtime: new Date(0), mtimePrecision: 'second', id: m.id };
  }
  return { name: decodeDropboxName(m.name), path, type: 'other', size: 0, mtime: new Date(0), mtimePrecision: 'second' };
}

function correctOffsetOf(err: unknown): number | undefined {
  if (!(err instanceof FileBridgeError)) return undefined;
  const v = err.details.correctOffset;
  return typeof v === 'number' ? v : undefined;
}

/** A retried finish whose session is gone: `lookup_failed/not_found` or `lookup_failed/closed`. */
function isSessionGone(err: unknown): boolean {
  if (!(err instanceof FileBridgeError)) return false;
  const said = err.details.dropboxError;
  return typeof said === 'string' && /lookup_failed\/(not_found|closed)/.test(said);
}

export interface UploadedFile {
  path: string;
  size: number;
  contentHash: string;
  id?: string;
  rev?: string;
}

/**
 * A RemoteSession on a Dropbox account. Dropbox is plain HTTPS with no connection to keep, so a
 * session is cheap: the pool's sessions share one `DropboxClient` (one token refresh for all).
 */
export class DropboxSession implements RemoteSession {
  /** An upload (files/upload or upload_session/finish) is committed in one step: no temporary name needed. */
  readonly writesWhole = true;
  readonly protocol = 'dropbox' as const;
  /** Calls share the account's client and hold no connection: an upload waiting for its batch commit lends its pool slot. */
  readonly lendsSlot = true;
  poolSlot?: PoolSlot;
  private open = true;

  constructor(
    readonly client: DropboxClient,
    private readonly ownsClient: boolean,
  ) {}

  get alive(): boolean {
    return this.open;
  }

  private get chunkSize(): number {
    const wanted = this.client.options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    // Whole 4 MiB blocks (concurrent sessions need them; sequential ones do not mind), at most 148 MiB.
    const blocks = Math.max(1, Math.min(37, Math.floor(wanted / DROPBOX_HASH_BLOCK)));
    return blocks * DROPBOX_HASH_BLOCK;
  }

  async list(dir: string, refused?: RefusedName): Promise<RemoteEntry[]> {
    const path = dropboxApiPath(dir);
    const entries: RemoteEntry[] = [];
    const take = (batch: Metadata[]): void => {
      for (const m of batch) {
        if (m['.tag'] === 'deleted') continue;
        const name = decodeDropboxName(m.name);
        const problem = listedNameProblem(name) ?? storedDropboxNameProblem(m.name);
        if (problem !== undefined) {
          refused?.(m.name, problem);
          continue;
        }
        entries.push(toEntry(joinDropbox(dir, name), m));
      }
    };
    let page = await this.client.rpc({ what: 'list', path: dir }, (dbx) => dbx.filesListFolder({ path, limit: LIST_LIMIT, include_deleted: false }));
    take(page.entries);
    while (page.has_more) {
      const cursor = page.cursor;
      page = await this.client.rpc({ what: 'list', path: dir }, (dbx) => dbx.filesListFolderContinue({ cursor }));
      take(page.entries);
    }
    return entries;
  }

  async stat(path: string): Promise<RemoteEntry | undefined> {
    const p = dropboxApiPath(path);
    if (p === '') return { name: '', path: '/', type: 'directory', size: 0, mtime: new Date(0), mtimePrecision: 'second' };
    try {
      const m = await this.client.rpc({ what: 'look up', path }, (dbx) => dbx.filesGetMetadata({ path: p }));
      return toEntry(path, m);
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
    const { res, meta } = await this.download(dropboxApiPath(path), path, start);
    return new DropboxDownloadStream(this, path, meta, start, res);
  }

  /**
   * One download request from `start` (Range when > 0), with what its Dropbox-API-Result header says;
   * an answer whose header cannot be read is let go (its connection freed) before the error is thrown.
   */
  async download(apiPath: string, shownPath: string, start: number): Promise<{ res: ContentAnswer; meta: DownloadMeta }> {
    const headers: Record<string, string> = start > 0 ? { Range: `bytes=${start}-` } : {};
    const res = await this.client.content({ what: 'download', path: shownPath }, 'files/download', { path: apiPath }, undefined, headers);
    try {
      return { res, meta: parseApiResult(res.headers.get('dropbox-api-result'), shownPath) };
    } catch (err) {
      res.discard();
      throw err;
    }
  }

  async write(path: string, source: Readable): Promise<number> {
    const result = await this.upload(path, source, { mode: 'overwrite' });
    return result.size;
  }

  /**
   * Streams `source` to `path`: files up to one chunk in one `files/upload`, bigger or unknown ones
   * through an upload session in chunks of `chunkSize`, the whole file's content_hash computed on the
   * way and compared with what Dropbox reports. Each request also carries the content_hash of its own
   * bytes, which Dropbox checks (`content_hash` of UploadSessionAppendArg / UploadSessionFinishArg /
   * UploadArg is "a hash of the file content uploaded in this call": dropbox-sdk-js types/dropbox_types.d.ts,
   * generated from the API spec).
   */
  async upload(
    path: string,
    source: Readable,
    commit: { mode: 'overwrite' | 'add'; clientModified?: Date; autorename?: boolean } = { mode: 'overwrite' },
  ): Promise<UploadedFile> {
    const plain = dropboxPlainPath(path);
    if (plain === '' || isRef(plain))
      throw new FileBridgeError('INVALID_INPUT', `Give a file path such as /Folder/file.pdf to upload to, not "${path}".`, { path });
    const p = dropboxWritePath(path);
    const committer = committerOf(this.client);
    committer.entered();
    try {
      return await this.uploadEntered(path, p, source, commit, committer);
    } finally {
      committer.left();
    }
  }

  private async uploadEntered(
    path: string,
    p: string,
    source: Readable,
    commit: { mode: 'overwrite' | 'add'; clientModified?: Date; autorename?: boolean },
    committer: DropboxCommitter,
  ): Promise<UploadedFile> {
    const commitInfo: files.CommitInfo = { path: p, mode: { '.tag': commit.mode }, autorename: commit.autorename ?? false, mute: true };
    if (commit.clientModified) commitInfo.client_modified = commit.clientModified.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const hasher = new DropboxContentHasher();
    let sessionId: string | undefined;
    let offset = 0;
    // Chunk N is sent while chunk N+1 is read (at most two chunks in memory): the source's reads and
    // hashing overlap the network instead of waiting for each other.
    let sending: Promise<void> = Promise.resolve();
    let failed: unknown;
    const send = async (piece: UploadChunk): Promise<void> => {
      if (sessionId === undefined) sessionId = await this.startSession(piece, path, false);
      else await this.appendChunk(sessionId, offset, piece, path, false);
      offset += piece.length;
    };
    let tail: UploadChunk | undefined;
    try {
      for await (const { chunk, last: isLast } of uploadChunks(source, this.chunkSize, hasher, () => failed)) {
        await sending;
        if (isLast) {
          tail = chunk;
          break;
        }
        sending = send(chunk);
        sending.catch((err: unknown) => {
          failed = err ?? new Error('upload failed');
        });
      }
    } catch (err) {
      await sending.catch(() => undefined);
      throw err;
    }
    if (tail === undefined) throw new FileBridgeError('CONNECTION', `The bytes for "${path}" ended unexpectedly.`, { path });
    const last = tail;
    const expected = hasher.digest();
    let meta: files.FileMetadata;
    const size = hasher.size;
    if (committer.shouldBatch(this.poolSlot?.wanted() ?? false)) {
      // Another write of this account is in progress, or callers wait for a pool slot (more writes
      // coming): close the session with the last bytes and commit in a batch.
      if (sessionId === undefined) sessionId = await this.startSession(last, path, true);
      else await this.appendChunk(sessionId, offset, last, path, true);
      const entry: files.UploadSessionFinishArg = { cursor: { session_id: sessionId, offset: offset + last.length }, commit: commitInfo };
      // While it waits for its batch, this write needs no connection: its pool slot lets the next write
      // upload meanwhile, so a batch gathers up to its limit whatever the pool's size.
      const lent = this.poolSlot?.lend();
      try {
        meta = await committer.commit({ entry, path, contentHash: expected, size, lookup: () => this.committed(path, expected, size) }, lent?.taken ?? false);
      } finally {
        lent?.reclaim();
      }
    } else {
      const id = sessionId;
      const single = (): Promise<files.FileMetadata> =>
        this.commitOnce(path, expected, size, async () => {
          if (id !== undefined) return this.finishSession(id, offset, last, commitInfo, path);
          const arg: files.UploadArg = { ...commitInfo, content_hash: last.hash };
          const res = await this.client.content({ what: 'upload', path, idempotent: false }, 'files/upload', arg, last.pieces);
          return (await res.json()) as files.FileMetadata;
        });
      // With batching on, a lone commit takes its turn with this account's batches, so the two never contend for the write lock.
      meta = this.client.options.batchCommits === 'off' ? await single() : await inTurn(this.client, single);
    }
    if (meta.content_hash && meta.content_hash !== expected) {
      throw new FileBridgeError(
        'CONNECTION',
        `Dropbox stored different bytes for "${path}" than were sent (content_hash ${meta.content_hash}, expected ${expected}); send it again.`,
        {
          path,
          contentHash: meta.content_hash,
          expected,
        },
      );
    }
    if (meta.size !== size) {
      throw new FileBridgeError('CONNECTION', `Dropbox stored ${meta.size} bytes for "${path}" but ${size} were sent; send it again.`, {
        path,
        size: meta.size,
        sent: size,
      });
    }
    return { path: meta.path_display !== undefined ? decodeDropboxPath(meta.path_display) : path, size, contentHash: expected, id: meta.id, rev: meta.rev };
  }

  /**
   * Sends a commit (files/upload or upload_session/finish) so that an answer lost on the way back
   * cannot make it fail or happen twice. A commit is not idempotent: after a failure without an answer
   * (connection dropped, timeout) or a 5xx, Dropbox may have done it. Then the target is looked up
   * (files/get_metadata): a file with the content_hash and size of the bytes we sent means the commit
   * arrived, and its metadata is the result (no second commit, so one rev). Otherwise the commit is sent
   * again, within the client's retry budget. A retried finish whose session Dropbox already consumed
   * answers `lookup_failed/not_found` (or `closed`): then the metadata alone decides.
   */
  async commitOnce(path: string, expected: string, size: number, send: () => Promise<files.FileMetadata>): Promise<files.FileMetadata> {
    let ambiguous: FileBridgeError | undefined;
    for (let n = 0; ; n++) {
      try {
        return await send();
      } catch (err) {
        const lost = isLostAnswer(err);
        const consumed = ambiguous !== undefined && isSessionGone(err);
        if (!lost && !consumed) throw err;
        const found = await this.committed(path, expected, size);
        if (found) return found;
        if (consumed) throw ambiguous!;
        ambiguous = err as FileBridgeError;
        if (n >= this.client.maxRetries) throw ambiguous;
        this.client.stats.connectionErrors++;
        await this.client.pause(this.client.backoff(n));
      }
    }
  }

  /** The file at `path` when it holds exactly the bytes we sent (content_hash and size), else undefined. */
  private async committed(path: string, expected: string, size: number): Promise<files.FileMetadata | undefined> {
    const p = dropboxApiPath(path);
    try {
      const m = await this.client.rpc({ what: 'look up', path }, (dbx) => dbx.filesGetMetadata({ path: p }));
      if (m['.tag'] === 'file' && m.content_hash === expected && m.size === size) return m;
      return undefined;
    } catch (err) {
      if (err instanceof FileBridgeError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** `upload_session/start` with the first bytes; `close` for sessions committed by a batch. */
  async startSession(bytes: UploadChunk | Uint8Array, path: string, close: boolean): Promise<string> {
    const data = UploadChunk.of(bytes);
    const arg: files.UploadSessionStartArg = { close, content_hash: data.hash };
    const res = await this.client.content({ what: 'upload', path }, 'files/upload_session/start', arg, data.pieces);
    const body = (await res.json()) as files.UploadSessionStartResult;
    return body.session_id;
  }

  /**
   * `append_v2` of `data` at `offset`. When Dropbox answers `incorrect_offset` (an earlier attempt
   * arrived after all, or part of it), it carries `correct_offset`: send only what Dropbox lacks.
   */
  async appendChunk(sessionId: string, offset: number, bytes: UploadChunk | Uint8Array, path: string, close: boolean): Promise<void> {
    let at = offset;
    let rest = UploadChunk.of(bytes);
    for (let tries = 0; ; tries++) {
      const arg: files.UploadSessionAppendArg = { cursor: { session_id: sessionId, offset: at }, close, content_hash: rest.hash };
      try {
        const res = await this.client.content({ what: 'upload', path }, 'files/upload_session/append_v2', arg, rest.pieces);
        res.discard();
        return;
      } catch (err) {
        const correct = correctOffsetOf(err);
        if (correct === undefined || tries >= 3 || correct < at || correct > at + rest.length) throw err;
        rest = rest.from(correct - at);
        at = correct;
        if (rest.length === 0 && !close) return;
      }
    }
  }

  async finishSession(sessionId: string, offset: number, bytes: UploadChunk | Uint8Array, commit: files.CommitInfo, path: string): Promise<files.FileMetadata> {
    let at = offset;
    let rest = UploadChunk.of(bytes);
    for (let tries = 0; ; tries++) {
      const arg: files.UploadSessionFinishArg = { cursor: { session_id: sessionId, offset: at }, commit, content_hash: rest.hash };
      try {
        const res = await this.client.content({ what: 'upload', path, idempotent: false }, 'files/upload_session/finish', arg, rest.pieces);
        return (await res.json()) as files.FileMetadata;
      } catch (err) {
        const correct = correctOffsetOf(err);
        if (correct === undefined || tries >= 3 || correct < at || correct > at + rest.length) throw err;
        rest = rest.from(correct - at);
        at = correct;
      }
    }
  }

  async rename(from: string, to: string, overwrite = false): Promise<void> {
    const fromPath = dropboxApiPath(from);
    const toPath = dropboxWritePath(to);
    const move = (): Promise<unknown> =>
      this.client.rpc({ what: 'move', path: from, idempotent: false }, (dbx) =>
        dbx.filesMoveV2({ from_path: fromPath, to_path: toPath, autorename: false, allow_ownership_transfer: false }),
      );
    try {
      await move();
    } catch (err) {
      if (!(err instanceof FileBridgeError) || err.code !== 'CONFLICT') throw err;
      const sameName = fromPath.toLowerCase() === toPath.toLowerCase();
      if (!overwrite || sameName) {
        throw new FileBridgeError('CONFLICT', `Cannot rename "${from}" to "${to}" on Dropbox: the target exists.`, { path: from, target: to });
      }
      const target = await this.stat(to);
      if (target?.type === 'directory') {
        throw new FileBridgeError('CONFLICT', `Cannot rename "${from}" to "${to}" on Dropbox: a folder of that name is in the way.`, {
          path: from,
          target: to,
        });
      }
      if (target) await this.deleteFile(to).catch((e: unknown) => (e instanceof FileBridgeError && e.code === 'NOT_FOUND' ? undefined : Promise.reject(e)));
      await move();
    }
  }

  /** Deletes one file, never a folder (delete_v2 would take a whole tree), and only the revision just seen. */
  async deleteFile(path: string): Promise<void> {
    const p = dropboxApiPath(path);
    const entry = await this.stat(path);
    if (!entry) throw new FileBridgeError('NOT_FOUND', `Dropbox has nothing to delete at "${path}".`, { path });
    if (entry.type === 'directory') throw new FileBridgeError('INVALID_INPUT', `"${path}" is a folder on Dropbox, not a file; it was not deleted.`, { path });
    await this.client.rpc({ what: 'delete', path, idempotent: false }, (dbx) =>
      dbx.filesDeleteV2({ path: p, ...(entry.rev ? { parent_rev: entry.rev } : {}) }),
    );
  }

  /** Removes a folder only when it is empty (delete_v2 alone would delete what is inside). */
  async removeDir(path: string): Promise<void> {
    const p = dropboxApiPath(path);
    if (p === '') throw new FileBridgeError('INVALID_INPUT', 'The Dropbox root folder cannot be removed.', { path });
    const entry = await this.stat(path);
    if (!entry) throw new FileBridgeError('NOT_FOUND', `Dropbox has no folder "${path}" to remove.`, { path });
    if (entry.type !== 'directory') throw new FileBridgeError('INVALID_INPUT', `"${path}" is a file on Dropbox, not a folder; it was not removed.`, { path });
    const inside = await this.client.rpc({ what: 'list', path }, (dbx) => dbx.filesListFolder({ path: p, limit: 1 }));
    if (inside.entries.length > 0) {
      throw new FileBridgeError('CONFLICT', `The Dropbox folder "${path}" is not empty; it was not removed.`, { path });
    }
    await this.client.rpc({ what: 'remove the folder', path, idempotent: false }, (dbx) => dbx.filesDeleteV2({ path: p }));
  }

  /** Creates a folder; Dropbox creates missing parents itself. An existing folder is fine, a file in the way is CONFLICT. */
  async mkdir(path: string, _recursive: boolean): Promise<void> {
    const p = dropboxWritePath(path);
    if (p === '') return;
    try {
      await this.client.rpc({ what: 'create the folder', path }, (dbx) => dbx.filesCreateFolderV2({ path: p, autorename: false }));
    } catch (err) {
      if (!(err instanceof FileBridgeError) || err.code !== 'CONFLICT') throw err;
      const existing = await this.stat(path);
      if (existing?.type === 'directory') return;
      throw new FileBridgeError('CONFLICT', `Cannot create the Dropbox folder "${path}": a file of that name is in the way.`, { path });
    }
  }

  /** The folder's whole state, or what changed since `cursor` (list_folder cursors; see folder-changes.ts). */
  changes(dir: string, cursor: string | undefined, options: ChangesOptions): Promise<FolderChanges> {
    return dropboxFolderChanges(this.client, dir, cursor, options);
  }

  /** Waits for a change after `cursor` (list_folder/longpoll). */
  waitForChanges(cursor: string, timeoutSeconds: number, signal?: AbortSignal): Promise<boolean> {
    return waitForDropboxChanges(this.client, cursor, timeoutSeconds, signal);
  }

  /** Dropbox keeps server_modified itself; client_modified can only be given with an upload. */
  setModifiedTime(_path: string, _mtime: Date): Promise<boolean> {
    return Promise.resolve(false);
  }

  /**
   * Dropbox holds no connection that could have gone stale while the session sat in the pool, so the
   * pool's check only makes sure a valid access token is at hand (refreshing it when due).
   */
  async ping(): Promise<void> {
    if (!this.open) throw new FileBridgeError('CONNECTION', 'The Dropbox session is closed.');
    await this.client.tokens.get();
  }

  close(): Promise<void> {
    this.open = false;
    if (this.ownsClient) this.client.close();
    return Promise.resolve();
  }
}

interface DownloadMeta {
  size?: number;
  rev?: string;
  contentHash?: string;
}

function parseApiResult(header: string | null, path: string): DownloadMeta {
  if (header === null) return {};
  if (header.length > MAX_RESULT_HEADER) {
    throw new FileBridgeError('CONNECTION', `Dropbox sent an oversized Dropbox-API-Result header for "${path}".`, { path });
  }
  try {
    const v = JSON.parse(header) as Record<string, unknown>;
    const meta: DownloadMeta = {};
    if (typeof v.size === 'number' && Number.isSafeInteger(v.size) && v.size >= 0) meta.size = v.size;
    if (typeof v.rev === 'string' && /^[0-9a-f]{9,64}$/i.test(v.rev)) meta.rev = v.rev;
    if (typeof v.content_hash === 'string') meta.contentHash = v.content_hash;
    return meta;
  } catch {
    throw new FileBridgeError('CONNECTION', `Dropbox sent an unreadable Dropbox-API-Result header for "${path}".`, { path });
  }
}

/** The bytes a download stream holds before it pauses the response (Readable's highWaterMark). */
const DOWNLOAD_BUFFER = 4 * 1024 * 1024;

/**
 * The bytes of one download, read from the response (a node:http IncomingMessage) as they come:
 * when our buffer holds `DOWNLOAD_BUFFER` bytes the response is paused until the consumer reads
 * (backpressure: a slow consumer slows the transfer instead of filling memory). A body that moves no
 * byte for `idleTimeoutMs` while we wait for it fails with TIMEOUT; a connection broken mid-way
 * resumes with `Range` on the same `rev` (up to 3 times); a body shorter than the size Dropbox
 * announced is an error, never a short file.
 */
class DropboxDownloadStream extends Readable {
  private body: IncomingMessage | undefined;
  private received = 0;
  private resumes = 0;
  private idle: NodeJS.Timeout | undefined;
  private skip: number;
  private readonly idleMs: number;

  constructor(
    private readonly session: DropboxSession,
    private readonly path: string,
    private readonly meta: DownloadMeta,
    private readonly start: number,
    res: ContentAnswer,
  ) {
    super({ highWaterMark: DOWNLOAD_BUFFER });
    this.idleMs = session.client.options.idleTimeoutMs ?? 120_000;
    // A server that ignored Range answers 200 with the whole file: drop the bytes before `start`.
    this.skip = start > 0 && res.status === 200 ? start : 0;
    this.attach(res.body);
  }

  private attach(body: IncomingMessage): void {
    this.body = body;
    body.on('data', (chunk: Buffer) => this.onData(body, chunk));
    body.on('end', () => {
      if (this.body !== body || this.destroyed) return;
      this.stopIdle();
      this.body = undefined;
      this.finishBody();
    });
    const broken = (err?: Error): void => {
      if (this.body !== body || this.destroyed) return;
      this.body = undefined;
      this.stopIdle();
      // Until the new answer is attached, `body` stays undefined: `_read` then has nothing to resume.
      this.reconnect(err).catch((e: unknown) => this.destroy(e instanceof Error ? e : new Error(String(e))));
    };
    body.on('error', broken);
    // A connection that closes before the body's end (no 'end', maybe no 'error').
    body.on('close', () => {
      if (!body.complete) broken();
    });
    this.waitIdle();
  }

  private onData(body: IncomingMessage, chunk: Buffer): void {
    if (this.body !== body || this.destroyed) return;
    this.idle?.refresh();
    let value = chunk;
    if (this.skip > 0) {
      const drop = Math.min(this.skip, value.length);
      this.skip -= drop;
      value = value.subarray(drop);
      if (value.length === 0) return;
    }
    this.received += value.length;
    if (!this.push(value)) {
      body.pause();
      this.stopIdle();
    }
  }

  override _read(): void {
    const body = this.body;
    if (!body) return;
    if (body.isPaused()) {
      this.waitIdle();
      body.resume();
    }
  }

  /** Times how long the response moves no byte while we wait for it (not while the consumer is slow). */
  private waitIdle(): void {
    if (this.idle) return void this.idle.refresh();
    this.idle = setTimeout(() => {
      this.destroy(new FileBridgeError('TIMEOUT', `The Dropbox download of "${this.path}" stalled for ${this.idleMs} ms.`, { path: this.path }));
    }, this.idleMs);
  }

  private stopIdle(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
  }

  private finishBody(): void {
    const expected = this.meta.size !== undefined ? this.meta.size - this.start : undefined;
    if (expected !== undefined && this.received !== expected) {
      this.destroy(
        new FileBridgeError('CONNECTION', `The Dropbox download of "${this.path}" ended after ${this.received} of ${expected} bytes.`, {
          path: this.path,
          received: this.received,
          expected,
        }),
      );
      return;
    }
    this.push(null);
  }

  private async reconnect(err: unknown): Promise<void> {
    if (this.resumes >= 3 || !this.meta.rev) {
      throw new FileBridgeError(
        'CONNECTION',
        `The Dropbox download of "${this.path}" broke off after ${this.received} bytes.`,
        { path: this.path, received: this.received },
        { cause: err },
      );
    }
    this.resumes++;
    const at = this.start + this.received;
    const { res, meta: now } = await this.session.download(dropboxApiPath(this.path), this.path, at);
    // Only the same revision may go on, so a file changed meanwhile cannot splice two versions together.
    if (now.rev !== this.meta.rev || this.destroyed) {
      res.discard();
      if (this.destroyed) return;
      throw new FileBridgeError('CONNECTION', `The Dropbox download of "${this.path}" broke off, and the file changed before it could go on; read it again.`, {
        path: this.path,
        received: this.received,
      });
    }
    this.skip = at > 0 && res.status === 200 ? at : 0;
    this.attach(res.body);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.stopIdle();
    const body = this.body;
    this.body = undefined;
    body?.destroy();
    callback(error);
  }
}

/** Opens a session with its own client (no pool): sign-in is checked now, so AUTHENTICATION shows at once. */
export async function openDropboxSession(options: DropboxOptions): Promise<DropboxSession> {
  const client = new DropboxClient(options);
  try {
    await client.tokens.get();
    await client.ensurePathRoot();
  } catch (err) {
    client.close();
    throw err;
  }
  return new DropboxSession(client, true);
}
