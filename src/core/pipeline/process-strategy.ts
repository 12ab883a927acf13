/**
 * What happens to a claimed file once the flow has run, in one place for every remote (Apache
 * Camel's process strategy: begin, commit, rollback). The watch begins a file by claiming it
 * (`Watcher`); `commitClaim` (ack) disposes of it after the sink succeeded; `rollbackClaim`
 * (quarantine) and `giveUpClaim` (the watch, after too many lost deliveries) move it aside with an
 * error report. Commit and rollback end the file's journey through its watch whether they succeed
 * or fail: a file whose commit failed stays claimed; its watch sends it again at the next poll when
 * the failure may pass (`CONNECTION`, `TIMEOUT`), and lease recovery brings it back otherwise.
 */
import { errorMessage, FileBridgeError, isFileBridgeError, RETRYABLE_CODES, type ErrorCode } from '../errors';
import type { ReceivedFileBridge } from '../message';
import { checkFileName, checkRemotePath, joinRemote } from '../paths';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteSession } from '../remote/types';
import { auditRecord, type AuditRecord } from './audit';
import { disposeSource, quarantineSource, writeErrorReport, type Disposal, type DisposeResult } from './dispose';
import type { LedgerFacts } from './ledger';
import { buildReport, type FailureInfo, type QuarantineReport } from './quarantine-report';
import { claimRootsFor, inClaimFolder, takesInPlace, type RunningWatch } from './running-watches';
import { sourceFactsOf, type SourceFacts } from './source';

/** What a message says about the claimed file it carries. */
export interface ClaimedMessage {
  source: SourceFacts;
  correlationId?: string;
}

/** Where a claimed file is finished: its server, and its watch while that still runs. */
export interface ClaimSite {
  pool: SessionPool<RemoteSession>;
  watch?: RunningWatch;
}

/** The claimed file a message carries; a message that lost `msg.filebridge` on the way fails with what to fix. */
export function claimedFileOf(filebridge: ReceivedFileBridge): ClaimedMessage {
  const source = sourceFactsOf(filebridge.source);
  if (!source) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'msg.filebridge.source is missing or incomplete: this node handles files that came from a filebridge-watch node. Keep msg.filebridge intact between the watch and here (a Change node that sets msg = {...} drops it).',
    );
  }
  checkClaimedSource(source);
  const id = filebridge.correlationId;
  return { source, correlationId: typeof id === 'string' ? id : undefined };
}

function notFromWatch(what: string, details: Record<string, unknown>): FileBridgeError {
  return new FileBridgeError(
    'INVALID_INPUT',
    `${what} Nothing was moved or deleted. msg.filebridge.source must stay as the watch set it: a node that changes it (or builds it from other input) could steer ack and quarantine to other files.`,
    details,
  );
}

/**
 * Checks what a message says about its claimed file before anything is moved or deleted: a
 * message is untrusted input, and ack deletes `claimPath` and puts files back at `path`. The name is
 * one name; the relative path stays below the watched folder and ends in it; `path` is that folder
 * plus the relative path (where "leave in place" puts the file back); and `claimPath` lies in the
 * claim folder of its watch (the folder that watch is configured with, see `claimRootsFor`).
 */
export function checkClaimedSource(source: SourceFacts): void {
  checkRemotePath(source.folder, 'watched folder (msg.filebridge.source.folder)');
  checkFileName(source.name, 'file name (msg.filebridge.source.name)');
  checkRemotePath(source.claimPath, 'claim path (msg.filebridge.source.claimPath)');
  const rel = source.relativePath;
  const segments = rel.split('/');
  if (rel.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || segments[segments.length - 1] !== source.name) {
    throw notFromWatch(`msg.filebridge.source.relativePath "${rel}" is not a path below the watched folder ending in the file's name "${source.name}".`, {
      relativePath: rel,
    });
  }
  if (source.path !== joinRemote(source.folder, rel)) {
    throw notFromWatch(`msg.filebridge.source.path "${source.path}" is not the watched folder "${source.folder}" plus the relative path "${rel}".`, {
      path: source.path,
    });
  }
  if (source.inPlace === true) {
    // Taken in place: the file never left its path, and only a watch that takes files in place sends such messages.
    if (source.claimPath !== source.path) {
      throw notFromWatch(`msg.filebridge.source.claimPath "${source.claimPath}" is not the file's path "${source.path}", though the file was taken in place.`, {
        claimPath: source.claimPath,
      });
    }
    if (!takesInPlace(source.watch, source.folder)) {
      throw notFromWatch(`msg.filebridge.source says the file was taken in place, but its watch does not take the files of "${source.folder}" in place.`, {
        watch: source.watch,
      });
    }
    return;
  }
  if (!inClaimFolder(source.watch, source.folder, source.claimPath)) {
    const roots = claimRootsFor(source.watch, source.folder);
    throw notFromWatch(
      `msg.filebridge.source.claimPath "${source.claimPath}" is not in the claim folder of its watch${roots.length ? ` (${roots.join(', ')})` : ` for the folder "${source.folder}"`}.`,
      { claimPath: source.claimPath },
    );
  }
}

function ledgerFacts(source: SourceFacts): LedgerFacts {
  // A message is untrusted: an id or hash that is not text keys nothing (the path, size and time do).
  const id = typeof source.id === 'string' && source.id !== '' ? source.id : undefined;
  const contentHash = typeof source.contentHash === 'string' && source.contentHash !== '' ? source.contentHash : undefined;
  return { path: source.path, size: source.size, mtime: source.mtime, ...(id && contentHash ? { id, contentHash } : {}) };
}

/**
 * Runs `work` as the end of the file's journey: what is left of its payload stream is closed first
 * (a stream left half read may hold the connection the work needs), and the watch's slot is freed
 * afterwards, also when the work failed.
 */
async function finishing<T>(site: ClaimSite, claimed: ClaimedMessage, work: () => Promise<T>): Promise<T> {
  const id = claimed.correlationId;
  if (id) site.watch?.closeStream(id);
  let givenBack = false;
  try {
    return await work();
  } catch (err) {
    // The server went away in the middle of an ack or a quarantine: the file is still claimed, and
    // its watch sends it again at its next poll (the sink recognises a re-delivery) instead of a lease later.
    givenBack = isFileBridgeError(err) && err.retryable && goesRoundAgain(site, claimed);
    throw err;
  } finally {
    if (id && !givenBack) site.watch?.release(id);
  }
}

/** Hands the file back to its running watch for another delivery, while its deliveries stay below the watch's *Max attempts*. */
function goesRoundAgain(site: ClaimSite, claimed: ClaimedMessage): boolean {
  const { watch } = site;
  const id = claimed.correlationId;
  if (!watch || !id) return false;
  if (watch.maxAttempts > 0 && claimed.source.attempt >= watch.maxAttempts) return false;
  return watch.retry(id, claimed.source.claimPath);
}

export interface CommitOptions {
  action: Disposal;
  archiveTemplate?: string;
  /** What the sink did (`msg.filebridge.cs`), for the audit record. */
  target?: unknown;
  at?: Date;
  /** Told when the ledger could not be updated after the file was disposed of. */
  warn?: (text: string) => void;
}

export interface CommitResult {
  disposal: DisposeResult;
  audit: AuditRecord;
}

/**
 * Commits a processed file: delete, archive, or put it back where it was found. The ledger entry
 * of a file left in place is written first, so no poll can see it back in the inbox unrecorded;
 * other disposals record afterwards (a failed record then only costs a warning: the file is gone).
 * Either way the entry is durable (the watch's ledger writes through its fsync'd journal) before
 * the commit resolves, so a runtime killed right after an ack does not take the file again.
 */
export function commitClaim(site: ClaimSite, claimed: ClaimedMessage, how: CommitOptions): Promise<CommitResult> {
  const { source, correlationId } = claimed;
  try {
    checkClaimedSource(source);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return finishing(site, claimed, async () => {
    const ledger = site.watch?.ledger;
    if (how.action === 'leave') await ledger?.record(ledgerFacts(source), 'left');
    const disposal = await disposeSource(site.pool, source, {
      action: how.action,
      archiveTemplate: how.archiveTemplate,
      at: how.at ?? new Date(),
      correlationId,
    });
    if (how.action !== 'leave') {
      await ledger
        ?.record(ledgerFacts(source), disposal.action)
        .catch((err: unknown) => how.warn?.(`Ledger not updated for ${source.path}: ${errorMessage(err)}`));
    }
    const audit = auditRecord(source, 'acked', disposal.action, new Date(), { correlationId, target: how.target, sourceNowAt: disposal.path });
    return { disposal, audit };
  });
}

export interface RollbackOptions {
  /** The exception folder (relative to the watched folder unless absolute); empty = `.filebridge/failed`. */
  folder?: string;
  target?: unknown;
  at?: Date;
  /** Told when the ledger could not forget the file (a corrected copy put back would then be passed over). */
  warn?: (text: string) => void;
}

export interface RollbackResult {
  path: string;
  reportPath: string;
  report: QuarantineReport;
  audit: AuditRecord;
  /** One line for a person: what was quarantined where, and why. */
  text: string;
}

/**
 * Rolls a failed file back out of the pipeline: moves it to the exception folder with
 * `<name>.error.json` beside it, and forgets it in the ledger, so a corrected file put back into
 * the inbox is taken again. The forgetting is durable before the rollback resolves (and the
 * notification tells someone to put the file back).
 *
 * A file taken in place stays where it is (its report goes to the exception folder) and the ledger
 * records this version as `quarantined` instead: the unchanged file is not sent again at every
 * poll, a changed one (new size and time, or new content hash) is. To try an unchanged one again,
 * send the watch `msg.reset = "failed"` (see `Watcher.forgetFailures`).
 */
export function rollbackClaim(site: ClaimSite, claimed: ClaimedMessage, failure: FailureInfo, how: RollbackOptions = {}): Promise<RollbackResult> {
  const { source, correlationId } = claimed;
  try {
    checkClaimedSource(source);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  return finishing(site, claimed, async () => {
    const result = await quarantineSource(site.pool, source, failure, { folder: how.folder, at: how.at, correlationId });
    const ledger = site.watch?.ledger;
    if (source.inPlace === true) {
      await ledger
        ?.record(ledgerFacts(source), 'quarantined')
        .catch((err: unknown) =>
          how.warn?.(`Ledger could not record ${source.path} as quarantined, so the unchanged file may be sent again: ${errorMessage(err)}`),
        );
    } else {
      await ledger
        ?.forget(ledgerFacts(source))
        .catch((err: unknown) => how.warn?.(`Ledger could not forget ${source.path}, so the file put back unchanged may be passed over: ${errorMessage(err)}`));
    }
    const audit = auditRecord(source, 'quarantined', 'quarantined', new Date(), {
      correlationId,
      target: how.target,
      sourceNowAt: result.report.fileMoved || source.inPlace === true ? result.path : undefined,
      error: result.report.error,
    });
    const text =
      source.inPlace === true
        ? `${source.name} was quarantined in place (it stays at ${source.path}; report ${result.reportPath}): ${failure.code ? `${failure.code} ` : ''}${failure.message}`
        : `${source.name} was quarantined as ${result.path}: ${failure.code ? `${failure.code} ` : ''}${failure.message}`;
    return { ...result, audit, text };
  });
}

export interface RetryResult {
  /** The delivery that failed, and the watch's limit (0 = none). */
  attempt: number;
  maxAttempts: number;
  /** One line for a person: which file goes round again, and why. */
  text: string;
}

/**
 * A failure that may pass (a connection that broke, a server that did not answer in time: the
 * codes `FileBridgeError.retryable` names) hands the file back to its running watch for another
 * delivery instead of quarantining it, while its deliveries stay below the watch's *Max attempts*:
 * the file stays in the claim folder, and the watch's next poll sends it again with `attempt` + 1.
 * A Content Server answering 503 for a minute, or a server restarted in the middle of a transfer,
 * then costs a delay, not a file in the exception folder. Undefined when the file cannot go round
 * again (another code, the last attempt, its watch no longer running it): quarantine it then.
 */
export function retryClaim(site: ClaimSite, claimed: ClaimedMessage, failure: FailureInfo): RetryResult | undefined {
  const { source, correlationId } = claimed;
  const watch = site.watch;
  if (!watch || !correlationId || !failure.code || !RETRYABLE_CODES.has(failure.code as ErrorCode)) return undefined;
  const maxAttempts = watch.maxAttempts;
  checkClaimedSource(source);
  // An ack that failed the same way has given the file back already: then it is not quarantined either.
  if (!goesRoundAgain(site, claimed)) return undefined;
  const of = maxAttempts > 0 ? ` of ${maxAttempts}` : '';
  return {
    attempt: source.attempt,
    maxAttempts,
    text: `${source.name} is sent again at the watch's next poll (delivery ${source.attempt + 1}${of}) after ${failure.code}: ${failure.message}`,
  };
}

/** Why a file is given up; the report and the watch's warning say the same. */
export const GIVE_UP_REASON =
  'Given up after {attempt} deliveries that were neither acked nor quarantined within the lease (a stopped runtime, or a flow that loses the message). Check the flow, then put the file back to re-submit it.';

/**
 * The report of a file the watch gave up (its lease ran out too often): the watch moved it from its
 * expired claim to `failedPath` with one rename (of several runtimes exactly one wins), and it gets
 * the same report quarantine writes. Resolves the reason given.
 */
export async function reportGivenUp(
  pool: SessionPool<RemoteSession>,
  source: SourceFacts,
  failedPath: string,
  at: Date,
  correlationId: string,
  /** False for a file taken in place: it stays at its path and only the report is written (as `<failedPath>.error.json`). */
  moved = true,
): Promise<string> {
  const message = GIVE_UP_REASON.replace('{attempt}', String(source.attempt));
  const report = buildReport(source, { message, code: 'TIMEOUT' }, moved ? failedPath : source.path, at, moved, correlationId);
  await writeErrorReport(pool, failedPath, report);
  return message;
}
