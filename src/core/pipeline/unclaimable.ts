/**
 * Files the watch cannot claim. A claim is a rename, and one file's rename can fail while the server
 * is fine: its claim name is too long for the server's file system, the watch may not rename in its
 * folder, a claim sub-folder cannot be created. Such a file must not stop the inbox: its failure is
 * its own (reported with a code that says what happened), it is tried again on later polls, and
 * after `maxAttempts` failed tries it is set aside (see `setAside`), while the files after it are
 * claimed in the same poll.
 */
import { createHash } from 'node:crypto';
import { FileBridgeError, isFileBridgeError } from '../errors';
import { joinRemote, remoteBasename } from '../paths';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteEntry, RemoteSession } from '../remote/types';
import { resolveBelow } from './claim';
import { moveAside, writeErrorReport } from './dispose';
import { buildReport, quarantinePath, reportStamp, type QuarantineReport } from './quarantine-report';
import { relativeDir, sourceFactsFor, type SourceOrigin } from './source';
import { SFTP_STATUS } from '../remote/sftp-errors';

/** The longest name (in bytes) that ext4, xfs, btrfs and NTFS-backed shares accept. */
export const COMMON_NAME_LIMIT = 255;

/** A listed file the watch tried to claim. */
export interface ClaimCandidate extends RemoteEntry {
  relativePath: string;
}

/** Failed tries per file path, forgotten when the file leaves the listing or changes. */
export class ClaimFailures {
  private readonly tries = new Map<string, { key: string; count: number }>();
  /** Listing keys (path, size, mtime) of files set aside where they are: not tried again while unchanged. */
  private readonly left = new Set<string>();

  /** One more failed try of the file; its count (a changed file starts again at 1). */
  fail(path: string, key: string): number {
    const known = this.tries.get(path);
    const count = known && known.key === key ? known.count + 1 : 1;
    this.tries.set(path, { key, count });
    return count;
  }

  succeeded(path: string): void {
    this.tries.delete(path);
  }

  leftInPlace(path: string, key: string): void {
    this.tries.delete(path);
    this.left.add(key);
  }

  forgetLeftInPlace(): void {
    this.left.clear();
  }

  isLeftInPlace(key: string): boolean {
    return this.left.has(key);
  }

  /** Keeps only what the latest listing still shows (memory stays bounded by the inbox); `listed` tells listing keys still there. */
  prune(listedPaths: Set<string>, listed: (key: string) => boolean): void {
    for (const path of this.tries.keys()) if (!listedPaths.has(path)) this.tries.delete(path);
    for (const key of this.left) if (!listed(key)) this.left.delete(key);
  }

  /** Files whose last claim failed and that are still waiting for another try. */
  get failing(): number {
    return this.tries.size;
  }
}

/**
 * The error a failed claim is reported with. The server answered after it (the watch checked), so a
 * CONNECTION or TIMEOUT code from the rename is this request's refusal, not a lost connection: OpenSSH's
 * sftp-server answers SSH_FX_BAD_MESSAGE for ENAMETOOLONG and EINVAL (its errno_to_portable), which
 * reads as a protocol failure.
 */
/**
 * A rename the server answered with a refusal that names no clearer cause (an FTP 5xx reply other
 * than the not-found and permission ones, an SFTP "bad message"): the server does not take that
 * name. A connection that broke (no reply, or FTP 421/425/426, SFTP no connection/connection lost)
 * stays CONNECTION: the server went away, and the file is simply tried again.
 */
function refusedByServer(err: FileBridgeError | undefined): boolean {
  if (!err) return false;
  const reply = err.details.ftpReply;
  if (typeof reply === 'number') return err.code === 'CONNECTION' && reply !== 421 && reply !== 425 && reply !== 426;
  const status = err.details.sftpStatus;
  return err.code === 'CONNECTION' && typeof status === 'number' && status !== SFTP_STATUS.NO_CONNECTION && status !== SFTP_STATUS.CONNECTION_LOST;
}

export function claimError(path: string, claimPath: string, err: unknown, attempt: number, maxAttempts: number): FileBridgeError {
  const cause = isFileBridgeError(err) ? err : undefined;
  const bytes = Buffer.byteLength(remoteBasename(claimPath));
  const tooLong = bytes > COMMON_NAME_LIMIT;
  const code = tooLong || refusedByServer(cause) ? 'INVALID_INPUT' : (cause?.code ?? 'CONNECTION');
  const why = err instanceof Error ? err.message : String(err);
  const hint = tooLong ? ` Its claim name would be ${bytes} bytes long, more than the ${COMMON_NAME_LIMIT} bytes most file systems allow in a name.` : '';
  const next =
    maxAttempts > 0 && attempt >= maxAttempts
      ? ` That was try ${attempt} of ${maxAttempts}: it is set aside.`
      : ` It is tried again on the next polls${maxAttempts > 0 ? ` (try ${attempt} of ${maxAttempts}, then it is set aside)` : ''}; the other files go on.`;
  return new FileBridgeError(
    code,
    `Could not claim ${path}: ${why}${hint}${next}`,
    { path, claimPath, attempt, maxAttempts, ...(cause && cause.code !== code ? { causeCode: cause.code } : {}) },
    { cause: err },
  );
}

export interface SetAside {
  /** Where the file is now: in the failed folder, or still where it was found. */
  path: string;
  moved: boolean;
  /** Undefined when not even the report could be written (the reason is in `reportError`). */
  reportPath?: string;
  report: QuarantineReport;
  reportError?: string;
}

/**
 * Sets aside a file that could not be claimed `maxAttempts` times. It is moved to the failed
 * folder like any given-up file (`<failed>/<relative dir>/<time>_<name>`); when that rename fails
 * too (the same long name, made longer), under its own name there (which fit where it was); and when
 * even that fails (no permission to rename it at all) it stays where it is and is no longer tried
 * while unchanged: "quarantined in place". Its report goes to the failed folder, beside the moved
 * file or as `<time>_<name>.error.json` for one left in place (never into the inbox, where it would
 * be listed as a new file), and when that name cannot be made, as `<time>_<sha-256 of the path, 16
 * hex>.error.json`: a short name that always fits. The report says where the file is
 * (`quarantinedPath`, `fileMoved`).
 */
export async function setAside(
  pool: SessionPool<RemoteSession>,
  origin: SourceOrigin,
  failedFolder: string,
  entry: ClaimCandidate,
  error: FileBridgeError,
  attempt: number,
  at: Date,
  correlationId: string,
  /** A watch that takes files in place never moves one: it is left where it is at once. */
  leave = false,
): Promise<SetAside | undefined> {
  const where = { folder: origin.folder, relativePath: entry.relativePath, name: entry.name };
  const failedDir = joinRemote(resolveBelow(origin.folder, failedFolder.trim() || '.filebridge/failed'), relativeDir(entry.relativePath));
  let path: string | undefined;
  for (const target of leave ? [] : [quarantinePath(failedFolder, where, at), joinRemote(failedDir, entry.name)]) {
    try {
      path = await pool.use((session) => moveAside(session, entry.path, target), false);
      break;
    } catch (err) {
      // Gone meanwhile: another runtime set it aside or claimed it; nothing to report here.
      if (isFileBridgeError(err) && err.code === 'NOT_FOUND' && !(await pool.use((s) => s.stat(entry.path), true))) return undefined;
    }
  }
  const moved = path !== undefined;
  const now = path ?? entry.path;
  const file = {
    correlationId,
    path: entry.path,
    relativePath: entry.relativePath,
    name: entry.name,
    claimPath: now,
    size: entry.size,
    mtime: entry.mtime,
    claimedAt: at,
    attempt,
  };
  const report = buildReport(sourceFactsFor(origin, file), { message: error.message, code: error.code }, now, at, moved, correlationId);
  // Never beside a file left in the inbox: the report would be listed as a new file there.
  const short = joinRemote(failedDir, `${reportStamp(at)}_${createHash('sha256').update(entry.path).digest('hex').slice(0, 16)}`);
  let firstError: unknown;
  for (const base of [moved ? now : quarantinePath(failedFolder, where, at), short]) {
    try {
      return { path: now, moved, reportPath: await writeErrorReport(pool, base, report), report };
    } catch (err) {
      firstError ??= err;
    }
  }
  return { path: now, moved, report, reportError: firstError instanceof Error ? firstError.message : String(firstError) };
}
