import type { files } from 'dropbox';
import { FileBridgeError } from '../errors';
import type { DropboxClient } from './client';
import { mapDropboxFailure } from './http';

/** finish_batch_v2 takes at most 1,000 entries (https://www.dropbox.com/developers/documentation/http/documentation#files-upload_session-finish_batch_v2). */
export const MAX_BATCH_ENTRIES = 1000;
/** How long a waiting commit waits for more to join its batch (rclone's sync batch mode waits 500 ms). */
export const DEFAULT_BATCH_IDLE_MS = 200;

/** `path/conflict/file` from a nested `{'.tag': 'path', path: {'.tag': 'conflict', conflict: {'.tag': 'file'}}}`. */
export function tagSummary(value: unknown, depth = 0): string {
  if (typeof value !== 'object' || value === null || depth > 6) return '';
  const rec = value as Record<string, unknown>;
  const tag = rec['.tag'];
  if (typeof tag !== 'string') return '';
  const inner = tagSummary(rec[tag], depth + 1);
  return inner ? `${tag}/${inner}` : tag;
}

/** Batch commits of one account run one at a time (Dropbox takes one batch per namespace at a time). */
const batchTurns = new WeakMap<DropboxClient, Promise<void>>();

export async function inTurn<T>(client: DropboxClient, fn: () => Promise<T>): Promise<T> {
  const before = batchTurns.get(client) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => {
    done = resolve;
  });
  batchTurns.set(
    client,
    before.then(() => mine),
  );
  await before;
  try {
    return await fn();
  } finally {
    done();
  }
}

/** A failure after which Dropbox may have done the request: no answer at all (connection, timeout), or a 5xx. */
export function isLostAnswer(err: unknown): boolean {
  if (!(err instanceof FileBridgeError)) return false;
  const status = err.details.status;
  if (typeof status === 'number') return status >= 500;
  return err.code === 'CONNECTION' || err.code === 'TIMEOUT';
}

/** One commit waiting for its batch: a closed upload session and where it goes. */
export interface CommitRequest {
  entry: files.UploadSessionFinishArg;
  /** The path as the flow gave it (for messages). */
  path: string;
  /** content_hash and size of the bytes sent, to check the entry's result (and to look it up after a lost answer). */
  contentHash: string;
  size: number;
  /** Looks the target up after a lost batch answer: its metadata when it holds exactly these bytes. */
  lookup: () => Promise<files.FileMetadata | undefined>;
}

interface Waiting {
  req: CommitRequest;
  tries: number;
  /** Batches that refused this entry because the account was busy (their own budget, see `maxRateLimitedRetries`). */
  busyTries: number;
  resolve: (m: files.FileMetadata) => void;
  reject: (e: FileBridgeError) => void;
}

/**
 * Commits the writes of one account together (the "batch mode" of rclone's Dropbox backend,
 * backend/dropbox/batcher.go: each upload session is closed with `close: true` and its commit waits in
 * a batch that is sent by `files/upload_session/finish_batch_v2` when it is full or after an idle time,
 * one batch at a time per account; rclone's `sync` mode, where each upload waits for its own entry's
 * result, since a write must not report success before Dropbox has the file).
 *
 * A batch is sent when it holds `MAX_BATCH_ENTRIES`, when every write in progress on the account is
 * waiting in it (nothing more can join soon), or `idleMs` after the last commit joined (at most
 * 5 x idleMs after the first). Each write gets its own entry's result: the file's metadata, or a coded
 * error for that file only; entries refused with `too_many_write_operations` go into the next batch.
 * A batch whose answer was lost is decided entry by entry by looking each file up (content_hash).
 */
export class DropboxCommitter {
  /** Writes in progress on this account (uploading their bytes or waiting here). */
  active = 0;
  /** Batches sent (finish_batch_v2 calls), for tests and status. */
  batches = 0;
  private queue: Waiting[] = [];
  private timer: NodeJS.Timeout | undefined;
  private firstQueuedAt = 0;
  private sending = false;
  /** Writes about to start: a waiting write lent its pool slot to one (they will join the batch soon). */
  private coming = 0;

  constructor(
    private readonly client: DropboxClient,
    private readonly idleMs = DEFAULT_BATCH_IDLE_MS,
  ) {}

  /**
   * True when this write should go into a batch: batching is on, and another write of the account is
   * in progress or (`slotWanted`) callers wait for a slot of the session's pool, more writes likely.
   */
  shouldBatch(slotWanted = false): boolean {
    return this.client.options.batchCommits !== 'off' && (this.active > 1 || slotWanted);
  }

  /** A write starts; call `left()` when it ends (success or failure). */
  entered(): void {
    this.active++;
    if (this.coming > 0) this.coming--;
  }

  left(): void {
    this.active--;
    this.consider();
  }

  /** Queues a closed session for the next batch; `another` = its pool slot went to a write that will start soon. */
  commit(req: CommitRequest, another = false): Promise<files.FileMetadata> {
    return new Promise<files.FileMetadata>((resolve, reject) => {
      if (another) this.coming++;
      if (this.queue.length === 0) this.firstQueuedAt = Date.now();
      this.queue.push({ req, tries: 0, busyTries: 0, resolve, reject });
      this.consider(true);
    });
  }

  /** Sends a batch now when it is full or nobody else can join; else (re)arms the idle timer. */
  private consider(joined = false): void {
    if (this.sending || this.queue.length === 0) return;
    if (this.queue.length >= MAX_BATCH_ENTRIES || this.queue.length >= this.active + this.coming) {
      this.flush();
      return;
    }
    if (this.timer && !joined) return;
    clearTimeout(this.timer);
    const latest = this.firstQueuedAt + 5 * this.idleMs;
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.idleMs, latest - Date.now())));
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sending || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH_ENTRIES);
    this.firstQueuedAt = Date.now();
    // A write announced but not started (its caller did something else with the slot) must not hold later batches.
    this.coming = 0;
    this.sending = true;
    void this.send(batch).finally(() => {
      this.sending = false;
      this.consider();
    });
  }

  private async send(batch: Waiting[]): Promise<void> {
    let answer: files.UploadSessionFinishBatchResult;
    try {
      this.batches++;
      answer = await inTurn(this.client, () =>
        this.client.rpc({ what: 'commit a batch of uploads', idempotent: false }, (dbx) =>
          dbx.filesUploadSessionFinishBatchV2({ entries: batch.map((w) => w.req.entry) }),
        ),
      );
    } catch (err) {
      const error = err instanceof FileBridgeError ? err : new FileBridgeError('CONNECTION', `The batch commit failed: ${String(err)}`);
      if (isLostAnswer(error)) await Promise.all(batch.map((w) => this.afterLostAnswer(w, error)));
      else for (const w of batch) w.reject(error);
      return;
    }
    const busy = batch.filter((w, i) => this.settle(w, answer.entries[i])).map((w) => Math.min(w.busyTries, 8));
    // Entries refused because the account was busy wait a backoff before the next batch (which this one's `sending` holds back).
    if (busy.length > 0) await this.client.pause(this.client.backoff(Math.max(...busy) - 1));
  }

  /** The batch's answer was lost: a file that is there with our bytes is done; else its commit waits for the next batch. */
  private async afterLostAnswer(w: Waiting, error: FileBridgeError): Promise<void> {
    try {
      const found = await w.req.lookup();
      if (found) return w.resolve(found);
    } catch (err) {
      return w.reject(err instanceof FileBridgeError ? err : error);
    }
    if (this.again(w, error)) await this.client.pause(this.client.backoff(w.tries - 1));
  }

  /** Puts a write back for the next batch (false when its retries are used up: then it fails with `error`). */
  private again(w: Waiting, error: FileBridgeError, busy = false): boolean {
    if (busy ? ++w.busyTries > this.client.maxRateLimitedRetries : ++w.tries > this.client.maxRetries) {
      w.reject(error);
      return false;
    }
    if (this.queue.length === 0) this.firstQueuedAt = Date.now();
    this.queue.push(w);
    return true;
  }

  /** Resolves or rejects one write from its entry; true when the entry was put back for the next batch (account busy). */
  private settle(w: Waiting, entry: files.UploadSessionFinishBatchResultEntry | undefined): boolean {
    const { path, contentHash, size } = w.req;
    if (entry === undefined) {
      w.reject(new FileBridgeError('CONNECTION', `Dropbox did not report on "${path}" in the batch commit.`, { path }));
      return false;
    }
    // Success is `{".tag": "success", ...FileMetadata}` (dropbox-sdk-js types: UploadSessionFinishBatchResultEntrySuccess);
    // an entry that carries a file's metadata under another tag (".tag": "file") is read as a success too.
    if (entry['.tag'] !== 'failure' && typeof (entry as { id?: unknown }).id === 'string') {
      const meta = entry as unknown as files.FileMetadata;
      if ((meta.content_hash && meta.content_hash !== contentHash) || meta.size !== size) {
        w.reject(
          new FileBridgeError('CONNECTION', `Dropbox stored different bytes for "${path}" than were sent; send it again.`, {
            path,
            contentHash: meta.content_hash,
            expected: contentHash,
          }),
        );
      } else w.resolve(meta);
      return false;
    }
    const failure = (entry as { failure?: unknown }).failure;
    const summary = tagSummary(failure);
    const error = mapDropboxFailure({ status: 409, headers: new Headers(), body: { error_summary: summary, error: failure } }, 'commit', path);
    // Busy account: this entry goes into the next batch (rclone retries the whole batch; Dropbox did nothing for this entry).
    if (/too_many_write_operations/.test(summary)) {
      this.client.stats.rateLimited++;
      return this.again(w, error, true);
    }
    w.reject(error);
    return false;
  }
}

const committers = new WeakMap<DropboxClient, DropboxCommitter>();

/** The committer of an account (one per client, so the sessions of a pool share it). */
export function committerOf(client: DropboxClient): DropboxCommitter {
  let c = committers.get(client);
  if (!c) {
    c = new DropboxCommitter(client, client.options.batchIdleMs ?? DEFAULT_BATCH_IDLE_MS);
    committers.set(client, c);
  }
  return c;
}
