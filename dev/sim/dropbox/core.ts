/** The simulator's shared state that routes work on (besides the file store). */
import type { DropboxFaults } from './faults';
import type { JsonObject } from './errors';
import type { ContentHasher } from './content-hash';
import type { DropboxStore, Namespace } from './store';

export interface SimAccount {
  accountId: string;
  uid: string;
  displayName: string;
  givenName: string;
  surname: string;
  email: string;
  teamName: string;
  teamId: string;
  teamMemberId: string;
}

export interface UploadSession {
  id: string;
  file: string;
  hasher: ContentHasher;
  closed: boolean;
  created: number;
  /** A request is appending right now (Dropbox serialises appends of one session). */
  busy: boolean;
}

export interface Snapshot {
  entries: JsonObject[];
  created: number;
}

export interface SharedLink {
  url: string;
  entryId: string;
}

export interface SimCounters {
  requests: number;
  byRoute: Record<string, number>;
  tokenRefreshes: number;
  codeExchanges: number;
  injectedErrors: number;
  rateLimited: number;
  writeContention: number;
  droppedUploads: number;
  batches: number;
  longpolls: number;
}

export interface SimCore {
  store: DropboxStore;
  account: SimAccount;
  home: Namespace;
  /** The team root namespace (team space); undefined when the account has no team space. */
  teamRoot: Namespace | undefined;
  faults(): DropboxFaults;
  /** Changes when cursors are reset; a cursor of another epoch gets `reset`. */
  epoch(): string;
  snapshots: Map<string, Snapshot>;
  sessions: Map<string, UploadSession>;
  links: Map<string, SharedLink>;
  counters: SimCounters;
  /** Base URL the simulator is reached at (shared links point here). */
  url(): string;
  lock: WriteLock;
  /** Asynchronous finish_batch jobs (v1) and their results. */
  jobs: Map<string, JsonObject>;
}

/**
 * Dropbox serialises the writes of one account (namespace lock). With contendSingleCommits a commit
 * holds the lock for writeLockMs (it "takes" that long); `busy()` says whether a commit arriving now
 * would contend with one in progress (or with a running batch). Sequential commits never contend.
 */
export class WriteLock {
  private inflight = 0;
  batchRunning = false;
  /** Alternates the two answers Dropbox gives a contended single commit (429, then 409 inside the write error). */
  turn = 0;

  /** `holdMs()`: how long one commit keeps the lock (0 when contention is off). */
  constructor(private readonly holdMs: () => number) {}

  busy(): boolean {
    return this.inflight > 0 || this.batchRunning;
  }

  async hold<T>(work: () => Promise<T> | T): Promise<T> {
    this.inflight++;
    try {
      const ms = this.holdMs();
      if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      return await work();
    } finally {
      this.inflight--;
    }
  }

  /** Waits until no single commit holds the lock (a batch queues instead of failing). */
  async waitFree(): Promise<void> {
    while (this.inflight > 0) await new Promise((r) => setTimeout(r, 5));
  }
}
