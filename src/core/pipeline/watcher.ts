import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import picomatch from 'picomatch';
import { errorMessage, FileBridgeError, isFileBridgeError } from '../errors';
import { checkBelow, isBelow, joinRemote, printableName, remoteBasename, remoteDirname } from '../paths';
import type { SessionPool } from '../remote/session-pool';
import type { KeyValueStore } from '../key-value-store';
import type { ChangesOptions, FolderChanges, RemoteEntry, RemoteSession } from '../remote/types';
import {
  claimByRename,
  claimedFacts,
  claimFileName,
  claimKey,
  leaseMarkerName,
  nameRecordPath,
  newClaimToken,
  parseClaimFileName,
  parseLeaseMarkerName,
  parseNameRecordName,
  readNameRecord,
  resolveBelow,
  writeNameRecord,
  type ClaimName,
} from './claim';
import { FolderView, inboxOf, relevantChanges, type Listed } from './folder-view';
import { InFlight } from './in-flight';
import { ListingCache, pathOfListingKey } from './listing-cache';
import { quarantinePath } from './quarantine-report';
import type { Ledger } from './ledger';
import { reportGivenUp } from './process-strategy';
import { DEFAULT_CLAIM_FOLDER, type RunningWatch } from './running-watches';
import { runtimeOwner, type ClaimOwner } from './runtime-identity';
import { sourceFactsFor, type SourceOrigin } from './source';
import { latestMtime, markerGlob, markerName, StabilityTracker, type StabilityOptions, DEFAULT_STABILITY } from './stability';
import { ClaimFailures, claimError, setAside, type SetAside } from './unclaimable';

export type WatchOrder = 'name' | 'mtime' | 'size';

/**
 * How the watch takes a file: `move` claims it by renaming it into the claim folder (one runtime
 * wins, leases, recovery); `inPlace` leaves it where it is and never renames, moves or writes
 * anything in the watched folder (copy mode, backups, read-only partner folders): the in-flight
 * set keeps a file from being sent twice while it is in flight, the ledger decides what is new.
 */
export type WatchTake = 'move' | 'inPlace';
export const WATCH_TAKES: readonly WatchTake[] = ['move', 'inPlace'];

export interface WatchSettings {
  folder: string;
  recursive: boolean;
  /** Folder levels below the watched folder to descend into; undefined = no limit. */
  maxDepth?: number;
  /** Globs on the name or the relative path; empty = every file. */
  include: string[];
  exclude: string[];
  includeDotFiles: boolean;
  minSize?: number;
  maxSize?: number;
  stability: StabilityOptions;
  /** Relative to the watched folder unless absolute. */
  claimFolder: string;
  /** Move files into the claim folder (default) or leave them in place (needs the ledger); see `WatchTake`. */
  take?: WatchTake;
  /**
   * A claim whose lease was not renewed for this long belongs to a lost run and is taken over. The
   * watch renews the lease of every file it has in flight (see RENEW_AFTER), so this only needs to
   * outlast a stopped runtime's last renewal, not the longest processing time.
   */
  leaseMs: number;
  order: WatchOrder;
  maxFilesPerPoll: number;
  maxInFlight: number;
  /** A file not acked or quarantined in this time frees its slot and is left to lease recovery; 0 = never. */
  inFlightTimeoutMs: number;
  /**
   * Deliveries before a file whose lease keeps running out is given up: it then goes to the
   * quarantine folder instead of round again (a file that crashes the runtime must not loop); 0 = no limit.
   * Also the failed claims before a file that cannot be claimed is set aside (`unclaimable.ts`).
   */
  maxAttempts: number;
  /** Where given-up files go; relative to the watched folder unless absolute. */
  failedFolder: string;
  /**
   * On a remote that can wait for changes (Dropbox long-poll): wait for one between polls and poll
   * at once when it comes, instead of only at the poll interval.
   */
  longpoll?: boolean;
}

/** How long one long-poll waits for a change (Dropbox takes 30 to 480 s and adds up to 90 s of its own). */
export const LONGPOLL_SECONDS = 30;

export const DEFAULT_WATCH_SETTINGS: Omit<WatchSettings, 'folder'> = {
  recursive: false,
  include: [],
  exclude: [],
  includeDotFiles: false,
  stability: DEFAULT_STABILITY,
  claimFolder: DEFAULT_CLAIM_FOLDER,
  take: 'move',
  // Renewed 60 to 90 s after the last renewal while a file is in flight (checked every tenth of the
  // lease): a runtime that died is taken over after at most 5 minutes (its own restart takes its
  // files back at once), while renewals may fail for 3 minutes in a row, or the clocks of runtimes
  // sharing the folder differ by 3 minutes, before a live transfer could be taken.
  leaseMs: 300_000,
  order: 'name',
  maxFilesPerPoll: 100,
  maxInFlight: 10,
  inFlightTimeoutMs: 0,
  maxAttempts: 5,
  failedFolder: '.filebridge/failed',
};

const LEDGER_RECHECK_MS = 10 * 60_000;
/**
 * How long after a coarse listing's minute (or day) was over a ledger entry of a version in it
 * must have been recorded to vouch for that version without an exact stat (`settledInLedger`):
 * two days, more than any offset between the server's clock and this one, time zones included.
 */
const SETTLED_AFTER_MS = 2 * 86_400_000;

/**
 * Files waiting for their stability window that a recheck stats one by one at most; with more the
 * next poll's listing tells more for less (a stat is a round trip each).
 */
export const RECHECK_AT_MOST = 16;

/** Ledger outcomes of files that failed where they are (see `Watcher.forgetFailures`). */
export const FAILED_OUTCOMES: readonly string[] = ['quarantined', 'given-up', 'unclaimable'];

/**
 * What a watch's `msg.reset` asks for: true to forget the failed files before polling (`"failed"`,
 * see `Watcher.resetFailures`), false for a plain poll (none given). Anything else throws
 * INVALID_INPUT: a typo ("fail") or another node's meaning (cs export's `true`) must not pass for a plain poll.
 */
export function resetFromMessage(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === 'failed') return true;
  // Names the value without echoing a long or structured one.
  const shown =
    typeof value === 'string'
      ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
      : `${typeof value} ${typeof value === 'object' ? '' : String(value)}`.trim();
  throw new FileBridgeError(
    'INVALID_INPUT',
    `msg.reset is ${shown}: the watch accepts only "failed" (forget the files that failed where they are, then poll). Nothing was forgotten and no poll was started; to only poll, send the message without msg.reset.`,
    { property: 'msg.reset', accepted: ['failed'] },
  );
}

/** A file's lease is renewed once this share of the lease has passed since its claim or last renewal. */
export const RENEW_AFTER = 1 / 5;

/** Leftover lease markers and name records removed per poll at most (each is one delete on the server). */
const LEFTOVERS_PER_POLL = 100;

/** The pipeline's own folder below a watched folder: never listed as input. */
export const WORK_FOLDER = '.filebridge';

export interface ClaimedFile {
  correlationId: string;
  /** Where the file was found. */
  path: string;
  relativePath: string;
  name: string;
  claimPath: string;
  size: number;
  mtime: Date;
  claimedAt: Date;
  attempt: number;
  /** The remote's id of the claimed file and its content hash, where the remote has them (Dropbox). */
  id?: string;
  contentHash?: string;
  /** Taken in place (`take: 'inPlace'`): not renamed, `claimPath` is `path`. */
  inPlace?: boolean;
}

export interface PollReport {
  listed: number;
  emitted: number;
  recovered: number;
  /** Files given up after too many attempts. */
  gaveUp: number;
  /** Claims another runtime won. */
  lost: number;
  /** Files whose claim failed (each reported on its own; the poll went on). */
  failed: number;
  /** Files ready to take that this poll left for the next one: "per poll" was used up (see poll-schedule.ts). */
  waiting: number;
}

export interface WatcherHooks {
  pool: SessionPool<RemoteSession>;
  /** Server and folder facts every file's `msg.filebridge.source` carries. */
  origin: SourceOrigin;
  ledger?: Ledger;
  /** Sends the file on; a rejection leaves the file claimed (lease recovery retries it). */
  emit(file: ClaimedFile): Promise<void>;
  onTimeout?(file: ClaimedFile): void;
  /** A file moved to `failedPath` with its report after `maxAttempts` deliveries, and why. */
  onGiveUp?(file: ClaimedFile, failedPath: string, reason: string): void;
  /** A file could not be claimed (the server still answers: the failure is this file's); it is tried again later. */
  onClaimFailed?(path: string, error: FileBridgeError): void;
  /**
   * The server listed a name that cannot be an entry of `folder` (`../x`, `a/b`, `..`, a NUL...): it
   * was left out, nothing is done with it. Told once per folder and name.
   */
  onUnsafeName?(folder: string, name: string, why: string): void;
  /** A file that could not be claimed `maxAttempts` times was moved to the failed folder, or left where it is, with its report. */
  onSetAside?(path: string, aside: SetAside, error: FileBridgeError): void;
  /**
   * Whose claims this watch makes: the runtime's identity (runtime-identity.ts). Default: an identity
   * for this process only, so after a restart its claims wait for their lease.
   */
  owner?: ClaimOwner;
  /** Something to tell the user that did not fail a poll (a claim's name record is damaged, another runtime uses this identity). */
  onWarning?(text: string): void;
  /** Renewing leases failed (tried again shortly); default: `onError`. */
  onRenewError?(err: FileBridgeError): void;
  /** A file's slot was freed by ack or quarantine. */
  onRelease?(): void;
  onError?(err: FileBridgeError): void;
  /** After each poll that completed. */
  onPoll?(report: PollReport): void;
  /**
   * Where the change cursor of a remote that reports changes (`RemoteSession.changes`) is kept
   * between runs (a Node-RED context store), under `key`. Without it the cursor lives in memory.
   */
  cursorStore?: { store: KeyValueStore; key: string };
  now?(): number;
}

export type { Listed };

/** A claim rename that failed, with the claim path it tried (the error message names it). */
class ClaimAttempt extends Error {
  constructor(
    readonly claimPath: string,
    readonly failure: unknown,
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

/** A claim found in the claim folder that is due to be recovered (or given up). */
interface DueClaim {
  claimPath: string;
  /** Its relative folder below the claim folder ('' at the top). */
  relDir: string;
  claim: ClaimName;
  /** When its lease last began: the claim time or its newest lease marker. */
  leaseAt: number;
  markers: string[];
  /** An orphan of an earlier run of this runtime: taken back without waiting for the lease. */
  orphan: boolean;
}

/** The lease of a file in flight, renewed while it holds its slot. */
interface HeldLease {
  claimPath: string;
  claim: ClaimName;
  /** When the lease last began. */
  at: number;
  /** Its lease marker, once renewed. */
  marker?: string;
}

/**
 * The poll loop of one watch: list, decide what is complete, claim by rename, emit, within the
 * per-poll and in-flight limits. Polls never overlap: a trigger during a poll runs one more after it.
 * It is also the running watch that ack and quarantine finish files through (`RunningWatch`).
 */
export class Watcher implements RunningWatch {
  readonly slots: InFlight<ClaimedFile>;
  /**
   * Payload streams of files in flight. A Catch node gets a clone, so a stream a failing node left
   * half read would keep its pooled connection forever; when the file is finished it is closed here.
   */
  private readonly streams = new Map<string, Readable>();
  private readonly tracker: StabilityTracker;
  /** Where this watch's claims live (the claim folder resolved against the watched folder). */
  readonly claimRoot: string;
  private readonly skip: Set<string>;
  private readonly include?: (s: string) => boolean;
  private readonly exclude?: (s: string) => boolean;
  private readonly isMarker?: (s: string) => boolean;
  private readonly knownFolders = new Set<string>();
  private readonly failures = new ClaimFailures();
  /** Folder + name of refused listing entries already reported (bounded: cleared when large). */
  private readonly refusedNames = new Set<string>();
  private readonly owner: ClaimOwner;
  /** Leases of the files in flight, by correlation id. */
  private readonly leases = new Map<string, HeldLease>();
  private readonly renewTimer: NodeJS.Timeout;
  private renewing = false;
  private warnedShared = false;
  /** Claims given back by `retry`: due at the next poll, whatever their lease says. */
  private readonly retryNow = new Set<string>();
  /**
   * In place: files given back by `retry` (due at once) or freed by the in-flight timeout (due after
   * a lease), by path, with the delivery that failed and the version it was: sent again with
   * `attempt` + 1 while unchanged (a changed file is a new version and starts at 1).
   */
  private readonly retryInPlace = new Map<string, { attempt: number; key: string; dueAt: number }>();
  /**
   * Listing keys known to be in the ledger (with when that was checked), so left-in-place files
   * cost no lookup per poll; rechecked now and then, since ledger entries expire.
   */
  private ledgerHits = new Map<string, number>();
  /**
   * Coarse listings: the exact mtime an exact stat found for a listing key `SETTLED_AFTER_MS` or
   * more after its listed minute (or day) was over, while the ledger held that version. A recheck
   * of its ledger hit asks the ledger for that version again, not the server (see `settledInLedger`).
   */
  private settledExact = new Map<string, number>();
  /** Folders listed before and what they held (busy folders are not listed again while unchanged: listing-cache.ts). */
  private readonly listings: ListingCache;
  /** On a remote that reports changes: the folder as the last changes left it, and where they go on from. */
  private view?: FolderView;
  private cursor?: string;
  private savedCursor?: string;
  private canWait = false;
  private longpolling = false;
  private readonly stopWaiting = new AbortController();
  private running?: Promise<void>;
  /**
   * Files whose verdict was 'no' only because their stability window was still open, with when it
   * ends: looked at again at that moment by `recheck`, instead of at the first poll after it.
   */
  private windows = new Map<string, { entry: Listed; end: number }>();
  private again = false;
  private closed = false;
  lastReport?: PollReport;

  constructor(
    readonly settings: WatchSettings,
    private readonly hooks: WatcherHooks,
  ) {
    this.tracker = new StabilityTracker(settings.stability);
    this.claimRoot = resolveBelow(settings.folder, settings.claimFolder);
    this.skip = new Set([WORK_FOLDER]);
    if (!settings.claimFolder.startsWith('/')) this.skip.add(settings.claimFolder.replace(/^\.\/|\/+$/g, ''));
    const opts = { dot: true };
    if (settings.include.length) this.include = picomatch(settings.include, opts);
    if (settings.exclude.length) this.exclude = picomatch(settings.exclude, opts);
    if (settings.stability.mode === 'marker') this.isMarker = picomatch(markerGlob(settings.stability.markerPattern), opts);
    this.owner = hooks.owner ?? runtimeOwner(undefined);
    this.listings = new ListingCache((folder) =>
      hooks.onWarning?.(
        `The folder times of ${folder} on this server do not follow its files (a listing found other names under the same folder time): this watch lists every folder at every poll from now on.`,
      ),
    );
    this.slots = new InFlight<ClaimedFile>(settings.maxInFlight, settings.inFlightTimeoutMs, (id, file) => {
      // Its lease is no longer renewed: it runs out and lease recovery sends the file again.
      this.leases.delete(id);
      // In place there is no lease on the server: the watch sends it again itself, after a lease's time.
      if (file.inPlace) this.giveBackInPlace(file, this.now() + settings.leaseMs);
      hooks.onTimeout?.(file);
    });
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(50, (settings.leaseMs * RENEW_AFTER) / 2));
    this.renewTimer.unref();
  }

  private now(): number {
    return this.hooks.now ? this.hooks.now() : Date.now();
  }

  /** Asks for a poll now; during a poll, one more follows it. Resolves when polling went idle. */
  trigger(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    return this.run();
  }

  /**
   * In how many ms (0: now) the stability window of a file the last poll saw ends, when `recheck`
   * should look at it again; undefined when none waits for that, while a poll runs (it decides them;
   * ask again after it), or when more than `RECHECK_AT_MOST` wait (the next poll takes them).
   */
  recheckAfter(): number | undefined {
    if (this.closed || this.running) return undefined;
    const end = this.earliestWindowEnd();
    return end === undefined ? undefined : Math.max(0, end - this.now());
  }

  /**
   * Looks again at the files whose stability window has ended (`recheckAfter`): a stat of each
   * instead of a listing of their folder, then the same decision and claim as a poll. A file that
   * changed starts its window over; nothing else of the watch's memory changes (the next poll lists
   * as it would have). Does nothing while a poll runs. Resolves when polling went idle.
   */
  recheck(): Promise<void> {
    if (this.closed || this.running) return Promise.resolve();
    const due = this.dueFiles(this.now());
    if (due.length === 0) return Promise.resolve();
    return this.run(due);
  }

  /** Polls (the first time only `focus`, see `recheck`), and again while `trigger` asked for more. */
  private run(focus?: readonly Listed[]): Promise<void> {
    this.running = (async () => {
      try {
        let only = focus;
        for (;;) {
          this.again = false;
          const began = this.now();
          const listed = (await this.pollGuarded(only)) && !only;
          only = undefined;
          if (this.closed || !this.again) break;
          // Another poll was asked for while this one ran (an interval tick while a busy folder was
          // listed): polls follow each other with no gap for `recheck`. A window that ends before
          // such a listing could is looked at first, at its end, then the poll asked for runs.
          const due = listed ? await this.dueWithin(this.now() - began) : undefined;
          if (due && !this.closed) await this.pollGuarded(due);
          if (this.closed) break;
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** One poll (`pollOnce`), its report kept and told; false when it failed (told to `onError`). */
  private async pollGuarded(focus?: readonly Listed[]): Promise<boolean> {
    try {
      this.lastReport = await this.pollOnce(focus);
      this.hooks.onPoll?.(this.lastReport);
      return true;
    } catch (err) {
      // A failed poll took nothing: a schedule must not poll again at once on an older report,
      // nor recheck at once the files it could not look at.
      this.lastReport = undefined;
      this.windows.clear();
      if (!this.closed) this.hooks.onError?.(isFileBridgeError(err) ? err : new FileBridgeError('CONNECTION', String(err), {}, { cause: err }));
      return false;
    }
  }

  /**
   * The files whose window ends within `ms` from now (a poll's duration), once it has ended (this
   * waits for it); undefined when none does, or more than `RECHECK_AT_MOST` wait.
   */
  private async dueWithin(ms: number): Promise<Listed[] | undefined> {
    const end = this.earliestWindowEnd();
    if (end === undefined) return undefined;
    const wait = end - this.now();
    if (wait > ms) return undefined;
    if (wait > 0) await sleep(wait, this.stopWaiting.signal);
    const due = this.dueFiles(this.now());
    return due.length > 0 ? due : undefined;
  }

  /** When the first stability window a recheck would look at ends; undefined when none waits, or more than `RECHECK_AT_MOST` do. */
  private earliestWindowEnd(): number | undefined {
    if (this.windows.size === 0 || this.windows.size > RECHECK_AT_MOST) return undefined;
    let end = Infinity;
    for (const w of this.windows.values()) end = Math.min(end, w.end);
    return end;
  }

  /** The files whose stability window has ended by `now`; none when more than `RECHECK_AT_MOST` wait (the next poll takes them). */
  private dueFiles(now: number): Listed[] {
    if (this.windows.size > RECHECK_AT_MOST) return [];
    return [...this.windows.values()].filter((w) => w.end <= now).map((w) => w.entry);
  }

  get polling(): boolean {
    return this.running !== undefined;
  }

  /** Files whose last claim failed, waiting for another try. */
  get failingClaims(): number {
    return this.failures.failing;
  }

  get ledger(): Ledger | undefined {
    return this.hooks.ledger;
  }

  /** The payload stream sent for a file in flight, closed when the file is finished or the watch stops. */
  track(correlationId: string, stream: Readable): void {
    this.streams.set(correlationId, stream);
    stream.once('close', () => {
      if (this.streams.get(correlationId) === stream) this.streams.delete(correlationId);
    });
  }

  closeStream(correlationId: string): void {
    this.streams.get(correlationId)?.destroy();
  }

  get maxAttempts(): number {
    return this.settings.maxAttempts;
  }

  /**
   * Gives a file in flight back for another delivery (its flow failed in a way that may pass): its
   * slot is freed and its lease no longer renewed, and the next poll takes it over again with
   * `attempt` + 1 without waiting for the lease, like an orphan after a restart. False when this
   * watch does not hold the file (true when it gave back the file at `claimPath` already).
   */
  retry(correlationId: string, claimPath?: string): boolean {
    const file = this.slots.values().find((f) => f.correlationId === correlationId);
    if (!file) return claimPath !== undefined && (this.retryNow.has(claimPath) || this.retryInPlace.get(claimPath)?.dueAt === 0);
    if (file.inPlace) {
      this.giveBackInPlace(file, 0);
      return this.release(correlationId);
    }
    if (this.retryNow.size >= 10_000) this.retryNow.clear();
    this.retryNow.add(file.claimPath);
    return this.release(correlationId);
  }

  /**
   * Forgets the files that failed and were left where they are, so that they are taken again
   * unchanged: quarantined or given up in place, or set aside because they could not be claimed
   * (their ledger entries and this watch's memory of them). The watch's `msg.reset = "failed"`.
   * Resolves how many ledger entries went.
   */
  async forgetFailures(): Promise<number> {
    const removed = (await this.hooks.ledger?.forgetOutcomes(FAILED_OUTCOMES)) ?? 0;
    this.ledgerHits.clear();
    this.settledExact.clear();
    // Folders kept as they were hold files that are new again: every folder is listed at the next poll.
    this.listings.clear();
    this.failures.forgetLeftInPlace();
    this.retryInPlace.clear();
    return removed;
  }

  /**
   * `forgetFailures` for `msg.reset = "failed"`: a failure is coded and says that nothing was
   * polled. The ledger's store codes its own failures (naming the store); anything else is taken for
   * a failure of the store named `store` too.
   */
  async resetFailures(store: string): Promise<number> {
    try {
      return await this.forgetFailures();
    } catch (err) {
      const code = isFileBridgeError(err) ? err.code : 'CONNECTION';
      const cause = isFileBridgeError(err) ? err.message : `the ledger store "${store}" failed: ${errorMessage(err)}`;
      throw new FileBridgeError(
        code,
        `The failed files of ${this.settings.folder} could not be forgotten: ${cause}. Nothing was polled; send msg.reset = "failed" again once the store works.`,
        isFileBridgeError(err) ? err.details : { store },
        { cause: err },
      );
    }
  }

  /** True when this watch leaves files where they are (`take: 'inPlace'`). */
  get inPlace(): boolean {
    return this.settings.take === 'inPlace';
  }

  private giveBackInPlace(file: ClaimedFile, dueAt: number): void {
    if (this.retryInPlace.size >= 10_000) this.retryInPlace.clear();
    this.retryInPlace.set(file.path, { attempt: file.attempt, key: listingKey(file), dueAt });
  }

  /** Frees the slot of an acked or quarantined file (and closes what is left of its stream). */
  release(correlationId: string): boolean {
    this.closeStream(correlationId);
    const lease = this.leases.get(correlationId);
    this.leases.delete(correlationId);
    const released = this.slots.release(correlationId);
    if (lease) void this.removeLeaseFiles(lease);
    this.hooks.onRelease?.();
    return released;
  }

  close(): void {
    this.closed = true;
    this.stopWaiting.abort();
    clearInterval(this.renewTimer);
    // Nothing renews these leases any more: they run out, and the files come back by lease recovery.
    this.leases.clear();
    this.slots.close();
    for (const stream of this.streams.values()) stream.destroy();
    this.streams.clear();
  }

  /**
   * One poll: list, decide, claim. With `focus` (a recheck) only those files, each stat'ed: no claim
   * folder scan, no listing, and what the watch knows of the other files stays as it is.
   */
  private async pollOnce(focus?: readonly Listed[]): Promise<PollReport> {
    const report: PollReport = { listed: 0, emitted: 0, recovered: 0, gaveUp: 0, lost: 0, failed: 0, waiting: 0 };
    const s = this.settings;
    const { pool } = this.hooks;
    // Exact facts of files with coarse listing times, by path (see `toConfirm` below).
    const exact = new Map<string, RemoteEntry>();

    // In place nothing is ever in a claim folder: no scan, no lease recovery, no leftovers to remove.
    const expired = this.inPlace || focus ? [] : await this.dueClaims(this.now());
    let listing: Listed[];
    if (focus) {
      listing = await this.restat(focus, exact);
    } else {
      listing = await pool.use((session) => (session.changes ? this.followChanges(session) : this.listInbox(session)), true);
      await this.keepCursor();
    }
    report.listed = listing.length;
    const now = this.now();
    const byPath = new Set(listing.map((e) => e.relativePath));
    const files = this.isMarker ? listing.filter((e) => !this.isMarker!(e.name)) : listing;
    if (focus) {
      this.tracker.observeSome(files, now);
      for (const e of focus) this.windows.delete(e.path);
    } else {
      this.tracker.observe(files, now);
      this.windows = new Map();
      const listedKeys = new Set(files.map(listingKey));
      // Files of folders not listed again (unchanged, nothing pending) are as they were: what is known of them stays.
      const stillListed = (key: string): boolean => listedKeys.has(key) || this.listings.keeps(pathOfListingKey(key) ?? '');
      for (const [key, checked] of this.ledgerHits) {
        if (!stillListed(key) || now - checked > LEDGER_RECHECK_MS) this.ledgerHits.delete(key);
      }
      for (const key of this.settledExact.keys()) if (!stillListed(key)) this.settledExact.delete(key);
      this.failures.prune(new Set(files.map((e) => e.path)), stillListed);
      const listedPaths = new Set(files.map((e) => e.path));
      for (const path of this.retryInPlace.keys()) if (!listedPaths.has(path)) this.retryInPlace.delete(path);
    }
    // In place the file stays listed while it is in flight: memory keeps it from being sent twice.
    const busy = new Set(this.inPlace ? this.slots.values().map((f) => f.path) : []);

    const wanted = files.filter((e) => this.wanted(e));
    const ready: { entry: Listed; marker?: string }[] = [];
    const toConfirm: Listed[] = [];
    // Files already processed (or set aside) are skipped below anyway; they must not use up this
    // poll's share of exact checks either, or a folder with more known files of the current minute
    // than "per poll" would keep a new file waiting until that minute is over.
    const known = (e: Listed): boolean => this.doneWith(listingKey(e));
    for (const entry of wanted) {
      const marker = this.isMarker ? joinRel(entry.relativePath, markerName(s.stability.markerPattern, entry.name)) : undefined;
      const verdict = this.tracker.verdict(entry, now, marker !== undefined && byPath.has(marker));
      if (verdict === 'yes') ready.push({ entry, marker });
      else if (verdict === 'confirm' && !known(entry)) toConfirm.push(entry);
      else if (verdict === 'no' && !this.view && !busy.has(entry.path) && !known(entry)) {
        const end = this.tracker.windowEnd(entry, now);
        if (end !== undefined) this.windows.set(entry.path, { entry, end });
      }
    }
    // Coarse listings: a version the ledger recorded, or an exact stat found, long after its listed
    // minute (or day) was over needs no exact stat to be known done (see `settledInLedger`).
    if (this.hooks.ledger) {
      for (const { entry } of ready) {
        if (entry.mtimePrecision === 'second' || busy.has(entry.path)) continue;
        const key = listingKey(entry);
        if (!this.ledgerHits.has(key) && (await this.settledInLedger(this.hooks.ledger, entry, this.settledExact.get(key)))) this.ledgerHits.set(key, now);
      }
    }
    const needExact = (e: Listed): boolean => e.mtimePrecision !== 'second' && this.hooks.ledger !== undefined && !this.ledgerHits.has(listingKey(e));
    // Coarse listings: one exact stat per candidate, on one session, and only for as many as this
    // poll may send (10,000 new files on FTP must not cost 20,000 round trips before the first claim).
    const byOrder = (a: Listed, b: Listed): number => compare(a, b, s.order);
    const confirmable = toConfirm.filter((e) => !busy.has(e.path)).sort(byOrder);
    const exactReady = ready
      .map((r) => r.entry)
      .filter((e) => needExact(e) && !busy.has(e.path))
      .sort(byOrder);
    const statList = [...confirmable.slice(0, s.maxFilesPerPoll), ...exactReady.slice(0, s.maxFilesPerPoll)].filter((e) => !exact.has(e.path));
    // Beyond this poll's share of exact checks: they wait for the next poll.
    report.waiting += Math.max(0, confirmable.length - s.maxFilesPerPoll) + Math.max(0, exactReady.length - s.maxFilesPerPoll);
    if (statList.length) {
      await pool.use(async (session) => {
        for (const e of statList) {
          const st = await session.stat(e.path);
          if (st) exact.set(e.path, st);
        }
      }, true);
    }
    for (const entry of toConfirm) {
      const st = exact.get(entry.path);
      if (st && this.tracker.isStableExact(entry, st, this.now())) ready.push({ entry });
    }

    const fresh: { entry: Listed; marker?: string; mtime: Date; attempt: number }[] = [];
    for (const r of ready) {
      const key = listingKey(r.entry);
      if (busy.has(r.entry.path)) continue;
      if (this.doneWith(key)) continue;
      if (needExact(r.entry) && !exact.has(r.entry.path)) continue; // beyond this poll's share of stats
      const mtime = exact.get(r.entry.path)?.mtime ?? r.entry.mtime;
      let attempt = 1;
      const back = this.retryInPlace.get(r.entry.path);
      if (back) {
        if (back.dueAt > now) continue;
        if (back.key === listingKey({ ...r.entry, mtime })) attempt = back.attempt + 1;
        else this.retryInPlace.delete(r.entry.path); // changed meanwhile: a new version, a first delivery
      }
      if (
        this.hooks.ledger &&
        (await this.hooks.ledger.has({ path: r.entry.path, size: r.entry.size, mtime, id: r.entry.id, contentHash: r.entry.contentHash }))
      ) {
        this.ledgerHits.set(key, now);
        const st = exact.get(r.entry.path);
        // Stat'ed after the stat: `now` was taken before it.
        if (st && st.size === r.entry.size && now > latestMtime(r.entry) + SETTLED_AFTER_MS) this.settledExact.set(key, st.mtime.getTime());
        continue;
      }
      fresh.push({ ...r, mtime, attempt });
    }
    fresh.sort((a, b) => compare(a.entry, b.entry, s.order));
    // The files this poll found in the ledger are done with: their folders need no listing for them.
    if (!focus) this.listings.recheckPending(listing, (f) => this.pendingFile(f));

    let budget = s.maxFilesPerPoll;
    for (const [i, claim] of expired.entries()) {
      if (this.closed) break;
      if (budget <= 0) {
        report.waiting += expired.length - i;
        break;
      }
      if (s.maxAttempts > 0 && claim.claim.attempt >= s.maxAttempts) {
        try {
          if (await this.giveUp(claim)) report.gaveUp++;
          else report.lost++;
        } catch (err) {
          await this.recoveryFailed(claim.claimPath, err, report);
        }
        continue;
      }
      await this.slots.waitForSlot();
      let file: ClaimedFile | undefined;
      try {
        file = await this.recover(claim);
      } catch (err) {
        await this.recoveryFailed(claim.claimPath, err, report);
        continue;
      }
      if (!file) {
        report.lost++;
        continue;
      }
      budget--;
      report.recovered++;
      await this.send(file);
    }
    for (const [i, { entry, marker, mtime, attempt }] of fresh.entries()) {
      if (this.closed) break;
      if (budget <= 0) {
        report.waiting += fresh.length - i;
        break;
      }
      if (attempt > 1 && s.maxAttempts > 0 && attempt > s.maxAttempts) {
        // In place, a file whose deliveries kept timing out: given up where it is (its report and a ledger entry).
        this.retryInPlace.delete(entry.path);
        try {
          await this.giveUpInPlace(entry, mtime, attempt - 1);
          report.gaveUp++;
        } catch (err) {
          await this.recoveryFailed(entry.path, err, report);
        }
        continue;
      }
      await this.slots.waitForSlot();
      let file: ClaimedFile | undefined;
      try {
        file = this.inPlace ? await this.takeInPlace(entry, attempt) : await this.claimNew(entry, marker);
      } catch (err) {
        await this.claimFailed(entry, err, report, mtime);
        continue;
      }
      this.retryInPlace.delete(entry.path);
      // Claimed (moved away) or taken by someone else: gone from the folder either way (in place it stays).
      if (!this.inPlace) this.view?.remove(entry.path);
      this.failures.succeeded(entry.path);
      if (!file) {
        report.lost++;
        continue;
      }
      budget--;
      report.emitted++;
      await this.send(file);
    }
    return report;
  }

  /**
   * Whether the ledger holds the version of a file a coarse listing (time to the minute or day)
   * shows, without asking the server for its exact time. True when the ledger has an entry of its
   * path and size with an mtime in the listed minute (or day), recorded `SETTLED_AFTER_MS` or more
   * after that minute was over: by then the file the entry was made from had its last mtime of that
   * minute (the server sets a written file's mtime to its own time, which was past the minute,
   * within any clock offset up to `SETTLED_AFTER_MS`), so a file listed with that minute and size is
   * that version. A file rewritten with its mtime set back into the same minute and the same size
   * is not told apart; nor would it be on SFTP, set back to the same second.
   *
   * Also true when an exact stat made `SETTLED_AFTER_MS` after the minute found the version
   * `settled` (`settledExact`), for the same reason, and the ledger still holds it.
   */
  private async settledInLedger(ledger: Ledger, entry: Listed, settled: number | undefined): Promise<boolean> {
    if (settled !== undefined && (await ledger.has({ path: entry.path, size: entry.size, mtime: new Date(settled) }))) return true;
    const latest = latestMtime(entry);
    for (const version of await ledger.versionsIn(entry.path, entry.size, entry.mtime.getTime(), latest)) {
      if (Date.parse(version.at) >= latest + SETTLED_AFTER_MS && (await ledger.has(version))) return true;
    }
    return false;
  }

  /**
   * Fresh facts of the files a recheck looks at, as a listing would give them: a stat each. Where the
   * listing's times are coarse (FTP LIST: minutes, maybe in another time zone) a stat's exact time
   * cannot be compared with them: the listed entry stands with the size the stat shows (a new size
   * starts its window over), and the stat is its exact check (`isStableExact`), as in a poll. A
   * file gone is forgotten.
   */
  private async restat(focus: readonly Listed[], exact: Map<string, RemoteEntry>): Promise<Listed[]> {
    const out: Listed[] = [];
    await this.hooks.pool.use(async (session) => {
      // A stale session makes the pool run this again from the start.
      out.length = 0;
      exact.clear();
      for (const e of focus) {
        const st = await session.stat(e.path);
        if (!st || st.type !== 'file') {
          this.tracker.forget(e.path);
          continue;
        }
        if (e.mtimePrecision === 'second') {
          out.push({ ...st, path: e.path, name: e.name, relativePath: e.relativePath });
        } else if (st.size !== e.size) {
          out.push({ ...e, size: st.size });
        } else {
          out.push(e);
          exact.set(e.path, st);
        }
      }
    }, true);
    return out;
  }

  /**
   * Whether the server still answers about `path` after an operation on it failed: true when the file
   * is there (the failure is this file's alone), false when it is gone (someone else took it). When
   * the server does not answer, the operation's own failure is thrown: the server is down, every
   * file would fail alike, and the poll fails as a whole.
   */
  private async stillThere(path: string, failure: unknown): Promise<boolean> {
    let entry: RemoteEntry | undefined;
    try {
      entry = await this.hooks.pool.use((session) => session.stat(path), true);
    } catch {
      throw failure;
    }
    return entry !== undefined;
  }

  /**
   * One file's claim failed while the server is fine: it is reported with what happened, tried again
   * on later polls, and set aside after `maxAttempts` failed tries; the poll goes on with the next file.
   */
  private async claimFailed(entry: Listed, err: unknown, report: PollReport, mtime: Date): Promise<void> {
    const failure = err instanceof ClaimAttempt ? err.failure : err;
    if (this.closed) return;
    if (!(await this.stillThere(entry.path, failure))) {
      this.view?.remove(entry.path);
      this.failures.succeeded(entry.path);
      report.lost++;
      return;
    }
    const s = this.settings;
    report.failed++;
    const attempt = this.failures.fail(entry.path, listingKey(entry));
    const error = claimError(entry.path, err instanceof ClaimAttempt ? err.claimPath : entry.path, failure, attempt, s.maxAttempts);
    this.hooks.onClaimFailed?.(entry.path, error);
    if (s.maxAttempts <= 0 || attempt < s.maxAttempts) return;
    let aside: SetAside | undefined;
    try {
      aside = await setAside(this.hooks.pool, this.hooks.origin, s.failedFolder, entry, error, attempt, new Date(this.now()), randomUUID(), this.inPlace);
    } catch (err) {
      // Not even that worked: the file stays where it is and its tries start again; the poll goes on.
      this.failures.succeeded(entry.path);
      const why = err instanceof Error ? err.message : String(err);
      this.hooks.onClaimFailed?.(
        entry.path,
        new FileBridgeError(error.code, `${error.message} Setting it aside failed as well: ${why}`, error.details, { cause: err }),
      );
      return;
    }
    if (!aside) {
      this.failures.succeeded(entry.path);
      report.lost++;
      return;
    }
    report.gaveUp++;
    if (aside.moved) {
      this.failures.succeeded(entry.path);
    } else {
      // Left where it is: not tried again while unchanged, in this run (memory) and the next ones (ledger).
      this.failures.leftInPlace(entry.path, listingKey(entry));
      await this.hooks.ledger
        ?.record({ path: entry.path, size: entry.size, mtime, id: entry.id, contentHash: entry.contentHash }, 'unclaimable')
        .catch(() => undefined);
    }
    this.hooks.onSetAside?.(entry.path, aside, error);
  }

  /** An expired claim could not be taken over (or given up): reported; it stays claimed and the next poll tries again. */
  private async recoveryFailed(claimPath: string, err: unknown, report: PollReport): Promise<void> {
    const failure = err instanceof ClaimAttempt ? err.failure : err;
    if (this.closed) return;
    if (!(await this.stillThere(claimPath, failure))) {
      report.lost++;
      return;
    }
    report.failed++;
    this.hooks.onClaimFailed?.(claimPath, claimError(claimPath, err instanceof ClaimAttempt ? err.claimPath : claimPath, failure, 0, 0));
  }

  private async send(file: ClaimedFile): Promise<void> {
    this.slots.add(file.correlationId, file);
    const claim = file.inPlace ? undefined : parseClaimFileName(remoteBasename(file.claimPath));
    if (claim) this.leases.set(file.correlationId, { claimPath: file.claimPath, claim, at: file.claimedAt.getTime() });
    try {
      await this.hooks.emit(file);
    } catch (err) {
      this.leases.delete(file.correlationId);
      this.slots.release(file.correlationId);
      if (this.closed) return;
      this.hooks.onError?.(isFileBridgeError(err) ? err : new FileBridgeError('CONNECTION', String(err), {}, { cause: err }));
    }
  }

  private wanted(e: Listed): boolean {
    const s = this.settings;
    if (this.include && !this.include(e.relativePath) && !this.include(e.name)) return false;
    if (this.exclude && (this.exclude(e.relativePath) || this.exclude(e.name))) return false;
    if (s.minSize !== undefined && e.size < s.minSize) return false;
    if (s.maxSize !== undefined && e.size > s.maxSize) return false;
    return true;
  }

  /** A listed name that would lead out of its folder was left out of the listing: said once. */
  private refused(dir: string, name: string, why: string): void {
    const key = `${dir}\n${name}`;
    if (this.refusedNames.has(key)) return;
    if (this.refusedNames.size >= 1000) this.refusedNames.clear();
    this.refusedNames.add(key);
    this.hooks.onUnsafeName?.(dir, printableName(name), why);
  }

  /**
   * The inbox of a remote that reports changes (see folder-view.ts for why): the first poll takes the
   * folder's whole state, later polls only what changed since the cursor; a dead cursor (`reset`)
   * gives the whole state again, which is safe to take: files done already are gone from the folder
   * (claimed, moved) or in the ledger (left in place). A cursor kept by an earlier run is only asked
   * whether it still works, so that its reset can be told.
   */
  private async followChanges(session: RemoteSession): Promise<Listed[]> {
    const s = this.settings;
    const changesOf = session.changes!.bind(session);
    const options: ChangesOptions = { recursive: s.recursive && s.maxDepth !== 0, refused: (name, why) => this.refused(s.folder, name, why) };
    let changes: FolderChanges;
    if (!this.view) {
      const saved = await this.loadCursor();
      let since: FolderChanges | undefined;
      if (saved !== undefined) {
        try {
          since = await changesOf(s.folder, saved, options);
        } catch (err) {
          // A cursor the remote does not take at all is as good as none; a remote that does not answer fails the poll.
          if (!isFileBridgeError(err) || err.retryable) throw err;
        }
      }
      if (since?.reset) this.cursorWasReset('since the last run');
      changes = since?.full ? since : await changesOf(s.folder, undefined, options);
    } else {
      changes = await changesOf(s.folder, this.cursor, options);
      if (changes.reset) this.cursorWasReset('');
    }
    const rules = {
      folder: s.folder,
      recursive: s.recursive,
      maxDepth: s.maxDepth,
      includeDotFiles: s.includeDotFiles,
      skip: this.skip,
      ignoreCase: changes.ignoreCase,
    };
    const view = this.view ?? new FolderView();
    // Only what the watch can take is kept: not its own claim folder or an archive below the folder.
    view.apply(relevantChanges(changes, rules));
    this.view = view;
    this.cursor = changes.cursor;
    this.canWait = typeof session.waitForChanges === 'function';
    return inboxOf(view.entries(), rules, (path, why) => this.refused(remoteDirname(path), remoteBasename(path), why));
  }

  private cursorWasReset(when: string): void {
    this.hooks.onWarning?.(
      `The server gave up the change cursor of ${this.settings.folder}${when ? ` ${when}` : ''} (a reset: the folder was restored, moved or shared anew): it is listed in full again. Files done already are not sent again (they left the folder, or the ledger has them).`,
    );
  }

  private async loadCursor(): Promise<string | undefined> {
    const kept = this.hooks.cursorStore;
    if (!kept) return undefined;
    try {
      const value = await kept.store.get(kept.key);
      this.savedCursor = typeof value === 'string' && value !== '' ? value : undefined;
    } catch (err) {
      this.hooks.onWarning?.(`The change cursor of ${this.settings.folder} could not be read from its context store: ${String(err)}`);
    }
    return this.savedCursor;
  }

  /** Keeps the cursor in its store when it moved (a failure costs a warning: the next start lists in full anyway). */
  private async keepCursor(): Promise<void> {
    const kept = this.hooks.cursorStore;
    if (kept && this.cursor !== undefined && this.cursor !== this.savedCursor) {
      try {
        await kept.store.set(kept.key, this.cursor);
        this.savedCursor = this.cursor;
      } catch (err) {
        this.hooks.onWarning?.(`The change cursor of ${this.settings.folder} could not be kept in its context store: ${String(err)}`);
      }
    }
    if (this.settings.longpoll && this.canWait && !this.longpolling && !this.closed) void this.waitForChanges();
  }

  /**
   * Long-poll: waits on a pooled session for a change after the cursor, and polls at once when one
   * comes; the interval polls go on beside it. A failed wait is tried again after a pause.
   */
  private async waitForChanges(): Promise<void> {
    this.longpolling = true;
    const signal = this.stopWaiting.signal;
    try {
      while (!this.closed) {
        const cursor = this.cursor;
        if (cursor === undefined) break;
        let changed: boolean | undefined;
        const began = Date.now();
        try {
          changed = await this.hooks.pool.use(
            (session) => (session.waitForChanges ? session.waitForChanges(cursor, LONGPOLL_SECONDS, signal) : Promise.resolve(undefined)),
            true,
          );
        } catch {
          await sleep(5000, signal);
          continue;
        }
        if (this.closed || changed === undefined) break;
        if (!changed) {
          // A wait that came back at once without a change (a remote that does not really wait) must not spin.
          if (Date.now() - began < 1000) await sleep(1000, signal);
          continue;
        }
        await this.trigger();
        // The poll failed (the server is away): do not spin on the same cursor.
        if (this.cursor === cursor) await sleep(5000, signal);
      }
    } finally {
      this.longpolling = false;
    }
  }

  /** The version with this listing key is done with: found in the ledger, or set aside where it is. */
  private doneWith(key: string): boolean {
    return this.ledgerHits.has(key) || this.failures.isLeftInPlace(key);
  }

  /** A listed file the watch takes and is not done with (waiting to be stable, in flight...). */
  private pendingFile(file: Listed): boolean {
    if ((this.isMarker && this.isMarker(file.name)) || !this.wanted(file)) return false;
    return !this.doneWith(listingKey(file));
  }

  private async listInbox(session: RemoteSession): Promise<Listed[]> {
    const s = this.settings;
    return this.listings.walk(session, s.folder, {
      descend: (depth) => s.recursive && (s.maxDepth === undefined || depth < s.maxDepth),
      place: (dir, entry, rel) => {
        if (entry.name === '.' || entry.name === '..') return undefined;
        // The session already left out names with a "/", "..", or a NUL; this holds whatever a session does.
        if (!isBelow(s.folder, entry.path)) {
          this.refused(dir, entry.name, `its path ${entry.path} is outside the watched folder`);
          return undefined;
        }
        const relativePath = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.name.startsWith('.') && !s.includeDotFiles) return undefined;
        if (entry.type === 'directory') return this.skip.has(relativePath) ? undefined : { kind: 'folder', relativePath };
        return entry.type === 'file' ? { kind: 'file', relativePath } : undefined;
      },
      pending: (file) => this.pendingFile(file),
      refused: (dir) => (name, why) => this.refused(dir, name, why),
    });
  }

  /**
   * Claims to recover now, oldest lease first: those whose lease ran out, and at once those this
   * runtime made in an earlier run (a restart after a crash: nothing in this process holds them).
   * Never a file this watch has in flight. Lease markers and name records left without their claim
   * are removed once a lease has passed.
   */
  private async dueClaims(now: number): Promise<DueClaim[]> {
    const leaseMs = this.settings.leaseMs;
    const mine = new Set(this.slots.values().map((f) => f.claimPath));
    const found: DueClaim[] = [];
    const leftovers: string[] = [];
    const listed = new Set<string>();
    await this.hooks.pool.use(async (session) => {
      // A stale session makes the pool run this again from the start.
      found.length = 0;
      leftovers.length = 0;
      listed.clear();
      const root = await session.stat(this.claimRoot);
      if (!root || root.type !== 'directory') return;
      const walk = async (dir: string, rel: string): Promise<void> => {
        const claims: { path: string; claim: ClaimName }[] = [];
        const markers = new Map<string, { path: string; renewedAt: number }[]>();
        const records: { path: string; key: string; claimedAt: number }[] = [];
        for (const entry of await session.list(dir, (name, why) => this.refused(dir, name, why))) {
          if (entry.name === '.' || entry.name === '..' || !isBelow(this.claimRoot, entry.path)) continue;
          if (entry.type === 'directory') {
            await walk(entry.path, rel ? `${rel}/${entry.name}` : entry.name);
            continue;
          }
          const claim = parseClaimFileName(entry.name);
          if (claim) {
            claims.push({ path: entry.path, claim });
            continue;
          }
          const marker = parseLeaseMarkerName(entry.name);
          if (marker) markers.set(marker.key, [...(markers.get(marker.key) ?? []), { path: entry.path, renewedAt: marker.renewedAt }]);
          const record = parseNameRecordName(entry.name);
          if (record) records.push({ path: entry.path, ...record });
        }
        const keys = new Set(claims.map((c) => claimKey(c.claim)));
        for (const [key, list] of markers) {
          if (!keys.has(key)) leftovers.push(...list.filter((m) => m.renewedAt + leaseMs <= now).map((m) => m.path));
        }
        // A record is written before its claim's rename: one without a claim is left over only once a lease has passed.
        leftovers.push(...records.filter((r) => !keys.has(r.key) && r.claimedAt + leaseMs <= now).map((r) => r.path));
        for (const { path, claim } of claims) {
          listed.add(path);
          if (mine.has(path)) continue;
          const own = markers.get(claimKey(claim)) ?? [];
          const leaseAt = Math.max(claim.claimedAt, ...own.map((m) => m.renewedAt));
          const ours = claim.owner === this.owner.id;
          const orphan = ours && leaseAt < this.owner.since;
          if (ours && !orphan && !this.owner.madeHere(claimKey(claim))) this.sharedIdentity(path);
          if (orphan || leaseAt + leaseMs <= now || this.retryNow.has(path)) {
            found.push({ claimPath: path, relDir: rel, claim, leaseAt, markers: own.map((m) => m.path), orphan });
          }
        }
      };
      await walk(this.claimRoot, '');
    }, true);
    if (leftovers.length) await this.removeQuietly(leftovers.slice(0, LEFTOVERS_PER_POLL));
    // A claim given back and since taken over (or acked) is no longer there.
    for (const path of this.retryNow) if (!listed.has(path)) this.retryNow.delete(path);
    return found.sort((a, b) => a.leaseAt - b.leaseAt);
  }

  /** A claim under this runtime's identity that this process did not make, made while it runs. */
  private sharedIdentity(path: string): void {
    if (this.warnedShared) return;
    this.warnedShared = true;
    this.hooks.onWarning?.(
      `${path} was claimed under this runtime's identity ${this.owner.id}, but not by this runtime: another Node-RED uses the same identity, most likely because its user directory was copied from this one. Delete .filebridge/runtime-id in the user directory of one of them and restart it; until then a restart of either may take back files the other is still processing.`,
    );
  }

  private async removeQuietly(paths: string[]): Promise<void> {
    await this.hooks.pool
      .use(async (session) => {
        for (const path of paths) await session.deleteFile(path).catch(() => undefined);
      }, false)
      .catch(() => undefined);
  }

  /**
   * The original name of a due claim: a cut name's record, or the cut name itself (with a warning)
   * when the record is missing or damaged, so the file is still delivered.
   */
  private async originalName(session: RemoteSession, due: DueClaim): Promise<string> {
    if (!due.claim.cut) return due.claim.name;
    const name = await readNameRecord(session, due.claimPath, due.claim);
    if (name !== undefined) return name;
    this.hooks.onWarning?.(
      `The name record of ${due.claimPath} (${nameRecordPath(due.claimPath, due.claim)}) is missing or damaged: the file goes on under its shortened name ${due.claim.name}.`,
    );
    return due.claim.name;
  }

  /** After a claim was renamed away: its lease markers and name record (best effort; leftovers are removed later anyway). */
  private async removeClaimFiles(session: RemoteSession, due: DueClaim): Promise<void> {
    const paths = [...due.markers, ...(due.claim.cut ? [nameRecordPath(due.claimPath, due.claim)] : [])];
    for (const path of paths) await session.deleteFile(path).catch(() => undefined);
  }

  /**
   * Renames `from` to a new claim of `name` in `dir`; a name too long for a claim name gets its
   * record first. Resolves the claim path, or undefined when another claimant won.
   */
  private async claimAs(session: RemoteSession, from: string, dir: string, name: string, claimedAt: number, attempt: number): Promise<string | undefined> {
    const fileName = claimFileName(name, claimedAt, attempt, this.owner.id, newClaimToken());
    const claim = parseClaimFileName(fileName)!;
    const claimPath = joinRemote(dir, fileName);
    try {
      checkBelow(this.claimRoot, claimPath, 'claim path');
    } catch (err) {
      throw new ClaimAttempt(claimPath, err);
    }
    let record: string | undefined;
    if (claim.cut) {
      if (!this.knownFolders.has(dir)) {
        await session.mkdir(dir, true);
        this.knownFolders.add(dir);
      }
      record = nameRecordPath(claimPath, claim);
      try {
        await writeNameRecord(session, record, name);
      } catch (err) {
        // The claim folder was removed since this watch made it (a missing folder is a 553 on vsftpd).
        if (!isFileBridgeError(err) || (err.code !== 'NOT_FOUND' && err.code !== 'PERMISSION_DENIED')) throw err;
        await session.mkdir(dir, true);
        await writeNameRecord(session, record, name);
      }
    }
    const claimed = await claimByRename(session, from, claimPath, this.knownFolders).catch((err: unknown) => {
      throw new ClaimAttempt(claimPath, err);
    });
    if (!claimed) {
      if (record) await session.deleteFile(record).catch(() => undefined);
      return undefined;
    }
    this.owner.made(claimKey(claim));
    return claimPath;
  }

  private async recover(due: DueClaim): Promise<ClaimedFile | undefined> {
    const claimedAt = this.now();
    const attempt = due.claim.attempt + 1;
    return this.hooks.pool.use(async (session) => {
      const name = await this.originalName(session, due);
      const claimPath = await this.claimAs(session, due.claimPath, remoteDirname(due.claimPath), name, claimedAt, attempt);
      if (!claimPath) return undefined;
      await this.removeClaimFiles(session, due);
      const facts = await claimedFacts(session, claimPath);
      const relativePath = due.relDir ? `${due.relDir}/${name}` : name;
      return {
        correlationId: randomUUID(),
        path: joinRemote(this.settings.folder, relativePath),
        relativePath,
        name,
        claimPath,
        size: facts.size,
        mtime: facts.mtime,
        claimedAt: new Date(claimedAt),
        attempt,
        ...remoteIdentity(facts),
      };
    }, false);
  }

  /** Moves a claim that used up its attempts to the failed folder (one rename: one winner). */
  private async giveUp(due: DueClaim): Promise<boolean> {
    const now = this.now();
    const file = await this.hooks.pool.use(async (session) => {
      const facts = await session.stat(due.claimPath);
      if (!facts) return undefined;
      const name = await this.originalName(session, due);
      const relativePath = due.relDir ? `${due.relDir}/${name}` : name;
      const failedPath = quarantinePath(this.settings.failedFolder, { folder: this.settings.folder, relativePath, name }, new Date(now));
      const moved = await claimByRename(session, due.claimPath, failedPath).catch((err: unknown) => {
        throw new ClaimAttempt(failedPath, err);
      });
      if (!moved) return undefined;
      await this.removeClaimFiles(session, due);
      const given: ClaimedFile = {
        correlationId: randomUUID(),
        path: joinRemote(this.settings.folder, relativePath),
        relativePath,
        name,
        claimPath: failedPath,
        size: facts.size,
        mtime: facts.mtime,
        claimedAt: new Date(now),
        attempt: due.claim.attempt,
      };
      return given;
    }, false);
    if (!file) return false;
    const reason = await reportGivenUp(this.hooks.pool, sourceFactsFor(this.hooks.origin, file), file.claimPath, new Date(now), file.correlationId);
    this.hooks.onGiveUp?.(file, file.claimPath, reason);
    return true;
  }

  private async claimNew(entry: Listed, marker?: string): Promise<ClaimedFile | undefined> {
    const claimedAt = this.now();
    const relDir = entry.relativePath.includes('/') ? entry.relativePath.slice(0, entry.relativePath.lastIndexOf('/')) : '';
    this.tracker.forget(entry.path);
    return this.hooks.pool.use(async (session) => {
      const claimPath = await this.claimAs(session, entry.path, joinRemote(this.claimRoot, relDir), entry.name, claimedAt, 1);
      if (!claimPath) return undefined;
      // The marker has done its job; left behind it would release the next file of that name too early.
      if (marker) await session.deleteFile(joinRemote(this.settings.folder, marker)).catch(() => undefined);
      const facts = await claimedFacts(session, claimPath);
      return {
        correlationId: randomUUID(),
        path: entry.path,
        relativePath: entry.relativePath,
        name: entry.name,
        claimPath,
        size: facts.size,
        mtime: facts.mtime,
        claimedAt: new Date(claimedAt),
        attempt: 1,
        ...remoteIdentity(facts),
      };
    }, false);
  }

  /**
   * Takes a file in place: nothing on the server changes (no rename, no marker removed, no lease).
   * Its facts come from a stat of the file itself, so the ledger entry its ack writes names exactly
   * the version that was sent.
   */
  private async takeInPlace(entry: Listed, attempt: number): Promise<ClaimedFile> {
    this.tracker.forget(entry.path);
    const facts = await this.hooks.pool.use((session) => claimedFacts(session, entry.path), false);
    return {
      correlationId: randomUUID(),
      path: entry.path,
      relativePath: entry.relativePath,
      name: entry.name,
      claimPath: entry.path,
      size: facts.size,
      mtime: facts.mtime,
      claimedAt: new Date(this.now()),
      attempt,
      ...remoteIdentity(facts),
      inPlace: true,
    };
  }

  /**
   * In place, a file whose `attempts` deliveries were neither acked nor quarantined (in-flight
   * timeout): it stays where it is, its report goes to the failed folder (`fileMoved: false`,
   * `leftInPlace: true`) and the ledger records this version, so it is not sent again while unchanged.
   */
  private async giveUpInPlace(entry: Listed, mtime: Date, attempts: number): Promise<void> {
    const now = new Date(this.now());
    const file: ClaimedFile = {
      correlationId: randomUUID(),
      path: entry.path,
      relativePath: entry.relativePath,
      name: entry.name,
      claimPath: entry.path,
      size: entry.size,
      mtime,
      claimedAt: now,
      attempt: attempts,
      ...remoteIdentity(entry),
      inPlace: true,
    };
    const failedPath = quarantinePath(this.settings.failedFolder, { folder: this.settings.folder, relativePath: entry.relativePath, name: entry.name }, now);
    const reason = await reportGivenUp(this.hooks.pool, sourceFactsFor(this.hooks.origin, file), failedPath, now, file.correlationId, false);
    await this.hooks.ledger?.record({ path: entry.path, size: entry.size, mtime, id: entry.id, contentHash: entry.contentHash }, 'given-up');
    this.hooks.onGiveUp?.(file, `${failedPath}.error.json`, reason);
  }

  /**
   * Renews the lease of every file in flight whose lease is a fifth old, without moving the file (a
   * flow may be reading it): its lease marker is created, or renamed to the new time. Runs on the
   * pool's reserve connection when long transfers hold every pooled session.
   */
  private async renewLeases(): Promise<void> {
    if (this.renewing || this.closed) return;
    const every = this.settings.leaseMs * RENEW_AFTER;
    const due = [...this.leases].filter(([id, lease]) => this.slots.has(id) && this.now() - lease.at >= every);
    if (due.length === 0) return;
    this.renewing = true;
    try {
      await this.hooks.pool.useReserve(async (session) => {
        for (const [id, lease] of due) {
          if (this.closed || this.leases.get(id) !== lease) continue;
          const at = this.now();
          const marker = joinRemote(remoteDirname(lease.claimPath), leaseMarkerName(lease.claim, at));
          let renamed = false;
          if (lease.marker) {
            try {
              await session.rename(lease.marker, marker, true);
              renamed = true;
            } catch (err) {
              // Removed meanwhile (a leftover sweep after clocks disagreed): made anew below.
              if (!isFileBridgeError(err) || (err.code !== 'NOT_FOUND' && err.code !== 'PERMISSION_DENIED')) throw err;
            }
          }
          if (!renamed) await session.write(marker, Readable.from([]));
          lease.marker = marker;
          lease.at = at;
          // Acked or quarantined while this ran: the marker is not needed any more.
          if (this.leases.get(id) !== lease) await session.deleteFile(marker).catch(() => undefined);
        }
      });
    } catch (err) {
      if (this.closed) return;
      const text = `Renewing the lease of ${due.length} file(s) in flight failed (${err instanceof Error ? err.message : String(err)}); it is tried again shortly. A lease not renewed for ${Math.round(this.settings.leaseMs / 1000)} s lets another runtime take the file.`;
      const coded = new FileBridgeError(isFileBridgeError(err) ? err.code : 'CONNECTION', text, {}, { cause: err });
      if (this.hooks.onRenewError) this.hooks.onRenewError(coded);
      else this.hooks.onError?.(coded);
    } finally {
      this.renewing = false;
    }
  }

  /** After ack or quarantine: the file's lease marker, and its name record once the claim is gone. */
  private async removeLeaseFiles(lease: HeldLease): Promise<void> {
    if (!lease.marker && !lease.claim.cut) return;
    await this.hooks.pool
      .use(async (session) => {
        if (lease.marker) await session.deleteFile(lease.marker).catch(() => undefined);
        // A failed ack leaves the file claimed: its record must stay for the recovery.
        if (lease.claim.cut && !(await session.stat(lease.claimPath))) {
          await session.deleteFile(nameRecordPath(lease.claimPath, lease.claim)).catch(() => undefined);
        }
      }, false)
      .catch(() => undefined);
  }
}

/** What tells one version of a listed file from another: its id and content hash where the remote has them (see `Ledger`). */
function listingKey(e: Pick<RemoteEntry, 'path' | 'size' | 'mtime' | 'id' | 'contentHash'>): string {
  if (e.id && e.contentHash) return `id\n${e.id}\n${e.contentHash}`;
  return `${e.path}\n${e.size}\n${e.mtime.getTime()}`;
}

function remoteIdentity(facts: RemoteEntry): Pick<ClaimedFile, 'id' | 'contentHash'> {
  return { ...(facts.id ? { id: facts.id } : {}), ...(facts.contentHash ? { contentHash: facts.contentHash } : {}) };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });

/** The sibling `name` of a relative path: `a/b.pdf` + `b.pdf.done` -> `a/b.pdf.done`. */
function joinRel(relativePath: string, name: string): string {
  const i = relativePath.lastIndexOf('/');
  return i < 0 ? name : `${relativePath.slice(0, i)}/${name}`;
}

function compare(a: RemoteEntry & { relativePath: string }, b: RemoteEntry & { relativePath: string }, order: WatchOrder): number {
  const byName = a.relativePath < b.relativePath ? -1 : a.relativePath > b.relativePath ? 1 : 0;
  if (order === 'mtime') return a.mtime.getTime() - b.mtime.getTime() || byName;
  if (order === 'size') return a.size - b.size || byName;
  return byName;
}
