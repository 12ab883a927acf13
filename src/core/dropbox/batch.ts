import type { Readable } from 'node:stream';
import type { files } from 'dropbox';
import { FileBridgeError } from '../errors';
import type { DropboxClient } from './client';
import { uploadChunks, type UploadChunk } from './chunks';
import { DropboxContentHasher, DROPBOX_HASH_BLOCK } from './content-hash';
import { inTurn, MAX_BATCH_ENTRIES, tagSummary } from './committer';
import { mapDropboxFailure } from './http';
import { DropboxSession, type UploadedFile } from './session';
import { decodeDropboxPath, dropboxWritePath } from './api-path';

export { MAX_BATCH_ENTRIES, tagSummary };

export interface BatchItem {
  /** Dropbox path to write, e.g. /Publish/report.pdf. */
  path: string;
  /** The bytes, or a function opening them when their turn comes (so 1,000 files are not all open at once). */
  source: Readable | (() => Readable | Promise<Readable>);
  /** 'overwrite' (default) replaces what is there; 'add' fails with CONFLICT when other bytes are there. */
  mode?: 'overwrite' | 'add';
  clientModified?: Date;
}

export type BatchResult = { path: string; ok: true; file: UploadedFile } | { path: string; ok: false; error: FileBridgeError };

export interface BatchOptions {
  /** Uploads of file bytes running at once (the commit is one call per batch). Default 4. */
  concurrency?: number;
  /** Entries per finish_batch_v2 call, at most 1,000. */
  maxEntries?: number;
}

interface Staged {
  item: BatchItem;
  index: number;
  cursor?: files.UploadSessionCursor;
  hash?: string;
  size?: number;
  error?: FileBridgeError;
}

/**
 * Publishes many files into one Dropbox account without the write-lock contention that answers
 * `too_many_write_operations` when each file is committed by itself: every file's bytes go up as an
 * upload session whose last call has `close: true`, then up to 1,000 sessions are committed in ONE
 * `files/upload_session/finish_batch_v2` call, one batch at a time per account. This is how rclone's
 * Dropbox batch mode works (rclone backend/dropbox/batcher.go, "--dropbox-batch-mode").
 * Each file gets its own result: success with its metadata, or a coded failure.
 */
export class DropboxBatchPublisher {
  private readonly session: DropboxSession;
  private readonly concurrency: number;
  private readonly maxEntries: number;

  constructor(
    private readonly client: DropboxClient,
    options: BatchOptions = {},
  ) {
    this.session = new DropboxSession(client, false);
    this.concurrency = Math.max(1, Math.min(32, options.concurrency ?? 4));
    this.maxEntries = Math.max(1, Math.min(MAX_BATCH_ENTRIES, options.maxEntries ?? MAX_BATCH_ENTRIES));
  }

  async publish(items: readonly BatchItem[]): Promise<BatchResult[]> {
    await this.client.ensurePathRoot();
    const results: BatchResult[] = new Array<BatchResult>(items.length);
    for (let from = 0; from < items.length; from += this.maxEntries) {
      const group = items.slice(from, from + this.maxEntries).map((item, i): Staged => ({ item, index: from + i }));
      await this.stageAll(group);
      await this.commit(group, results);
    }
    return results;
  }

  private async stageAll(group: Staged[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < group.length) {
        const staged = group[next++];
        try {
          await this.stage(staged);
        } catch (err) {
          staged.error =
            err instanceof FileBridgeError
              ? err
              : new FileBridgeError('CONNECTION', `Could not read the bytes for "${staged.item.path}": ${String(err)}`, { path: staged.item.path });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, group.length) }, worker));
  }

  /** Sends one file's bytes into a session closed by its last call; remembers its cursor and hash. */
  private async stage(staged: Staged): Promise<void> {
    const { item } = staged;
    // Refuses a name Dropbox will not take (desktop.ini...) before any byte is sent.
    dropboxWritePath(item.path);
    const source = typeof item.source === 'function' ? await item.source() : item.source;
    const chunk = Math.max(DROPBOX_HASH_BLOCK, Math.min(37 * DROPBOX_HASH_BLOCK, this.client.options.chunkSize ?? 16 * 1024 * 1024));
    const hasher = new DropboxContentHasher();
    let sessionId: string | undefined;
    let offset = 0;
    const send = async (data: UploadChunk, close: boolean): Promise<void> => {
      if (sessionId === undefined) sessionId = await this.session.startSession(data, item.path, close);
      else await this.session.appendChunk(sessionId, offset, data, item.path, close);
      offset += data.length;
    };
    for await (const { chunk: data, last } of uploadChunks(source, chunk, hasher)) await send(data, last);
    staged.cursor = { session_id: sessionId!, offset };
    staged.hash = hasher.digest();
    staged.size = hasher.size;
  }

  private async commit(group: Staged[], results: BatchResult[]): Promise<void> {
    const ready = group.filter((s) => s.cursor !== undefined && s.error === undefined);
    for (const s of group) if (s.error) results[s.index] = { path: s.item.path, ok: false, error: s.error };
    if (ready.length === 0) return;
    const entries: files.UploadSessionFinishArg[] = ready.map((s) => {
      const commit: files.CommitInfo = { path: dropboxWritePath(s.item.path), mode: { '.tag': s.item.mode ?? 'overwrite' }, autorename: false, mute: true };
      if (s.item.clientModified) commit.client_modified = s.item.clientModified.toISOString().replace(/\.\d{3}Z$/, 'Z');
      return { cursor: s.cursor!, commit };
    });
    let answer: files.UploadSessionFinishBatchResult;
    try {
      answer = await inTurn(this.client, () =>
        this.client.rpc({ what: 'commit a batch of uploads', idempotent: false }, (dbx) => dbx.filesUploadSessionFinishBatchV2({ entries })),
      );
    } catch (err) {
      const error = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', String(err));
      for (const s of ready) results[s.index] = { path: s.item.path, ok: false, error };
      return;
    }
    ready.forEach((s, i) => {
      const entry = answer.entries[i];
      if (entry === undefined) {
        results[s.index] = {
          path: s.item.path,
          ok: false,
          error: new FileBridgeError('CONNECTION', `Dropbox did not report on "${s.item.path}" in the batch commit.`, { path: s.item.path }),
        };
      } else if (entry['.tag'] !== 'failure' && typeof (entry as { id?: unknown }).id === 'string') {
        // Success is `{".tag": "success", ...FileMetadata}` (dropbox-sdk-js types: UploadSessionFinishBatchResultEntrySuccess);
        // an entry that carries a file's metadata under another tag (".tag": "file") is read as a success too.
        if (entry.content_hash && entry.content_hash !== s.hash) {
          results[s.index] = {
            path: s.item.path,
            ok: false,
            error: new FileBridgeError('CONNECTION', `Dropbox stored different bytes for "${s.item.path}" than were sent; send it again.`, {
              path: s.item.path,
            }),
          };
        } else {
          results[s.index] = {
            path: s.item.path,
            ok: true,
            file: {
              path: entry.path_display !== undefined ? decodeDropboxPath(entry.path_display) : s.item.path,
              size: s.size ?? entry.size,
              contentHash: s.hash!,
              id: entry.id,
              rev: entry.rev,
            },
          };
        }
      } else {
        const failure = (entry as { failure?: unknown }).failure;
        const summary = tagSummary(failure);
        const error = mapDropboxFailure({ status: 409, headers: new Headers(), body: { error_summary: summary, error: failure } }, 'commit', s.item.path);
        results[s.index] = { path: s.item.path, ok: false, error };
      }
    });
  }
}
