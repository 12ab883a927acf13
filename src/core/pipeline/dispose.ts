import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { joinRemote, remoteBasename, remoteDirname } from '../paths';
import { numberedName, putFile } from '../remote/operations';
import type { SessionPool } from '../remote/session-pool';
import type { RemoteEntry, RemoteSession } from '../remote/types';
import { archivePath } from './archive-path';
import { buildReport, quarantinePath, type FailureInfo, type QuarantineReport } from './quarantine-report';
import type { SourceFacts } from './source';

export type Disposal = 'delete' | 'archive' | 'leave';
export const DISPOSALS: readonly Disposal[] = ['delete', 'archive', 'leave'];

export interface DisposeResult {
  action: 'deleted' | 'archived' | 'left';
  /** Where the file is now (archive, or back at its original path). */
  path?: string;
}

/**
 * Moves `from` to `to`, taking `name_1.ext`, `name_2.ext`... when `to` is taken: an archive or
 * inbox never loses an earlier file of the same name.
 */
export async function moveAside(session: RemoteSession, from: string, to: string): Promise<string> {
  const dir = remoteDirname(to);
  const name = remoteBasename(to);
  let madeFolder = false;
  for (let n = 0; n < 10_000;) {
    const target = n === 0 ? to : joinRemote(dir, numberedName(name, n));
    try {
      await session.rename(from, target, false);
      return target;
    } catch (err) {
      if (!(err instanceof FileBridgeError)) throw err;
      if (err.code === 'CONFLICT') {
        n++;
        continue;
      }
      // Folders are created only when missing: checking them first costs FTP a listing per level per
      // file. A missing target folder is NOT_FOUND on SFTP, a 553 (PERMISSION_DENIED) on vsftpd.
      if ((err.code !== 'NOT_FOUND' && err.code !== 'PERMISSION_DENIED') || madeFolder || !(await session.stat(from))) throw err;
      await session.mkdir(dir, true);
      madeFolder = true;
    }
  }
  throw new FileBridgeError('CONFLICT', `No free name for ${name} in ${dir} after 9,999 tries.`, { path: to });
}

function missing(source: SourceFacts): FileBridgeError {
  return new FileBridgeError(
    'NOT_FOUND',
    `The claimed file ${source.claimPath} is gone: it was already acked or quarantined, or it was taken over by lease recovery after the in-flight timeout. Nothing was done.`,
    { path: source.claimPath },
  );
}

/**
 * A file taken in place may have been changed by its owner since it was sent: deleting or archiving
 * it then would lose a version nobody read. Its size, time and (Dropbox) content hash must still be
 * those the message carries.
 */
function changedSince(source: SourceFacts, entry: RemoteEntry): boolean {
  if (entry.size !== source.size) return true;
  if (entry.contentHash && typeof source.contentHash === 'string') return entry.contentHash !== source.contentHash;
  return entry.mtime.getTime() !== new Date(source.mtime).getTime();
}

/**
 * Commits a processed file: delete it, archive it, or put it back where it was found. A file taken
 * in place (`source.inPlace`) is deleted or archived at its own path (after checking it is still
 * the version that was sent), and *leave* does nothing on the server at all.
 */
export async function disposeSource(
  pool: SessionPool<RemoteSession>,
  source: SourceFacts,
  how: { action: Disposal; archiveTemplate?: string; at?: Date; correlationId?: string },
): Promise<DisposeResult> {
  const at = how.at ?? new Date();
  if (source.inPlace === true && how.action === 'leave') return { action: 'left', path: source.path };
  return pool.use(async (session) => {
    const entry = await session.stat(source.claimPath);
    if (!entry) throw missing(source);
    if (source.inPlace === true && changedSince(source, entry)) {
      throw new FileBridgeError(
        'CONFLICT',
        `${source.path} changed after it was sent (taken in place): it was not ${how.action === 'delete' ? 'deleted' : 'archived'}, so the new version is not lost. The watch sends the new version as a new file.`,
        { path: source.path },
      );
    }
    switch (how.action) {
      case 'delete':
        await session.deleteFile(source.claimPath);
        return { action: 'deleted' };
      case 'archive': {
        const target = archivePath(how.archiveTemplate ?? '', source, at, how.correlationId);
        return { action: 'archived', path: await moveAside(session, source.claimPath, target) };
      }
      case 'leave':
        return { action: 'left', path: await moveAside(session, source.claimPath, source.path) };
      default:
        throw new FileBridgeError('INVALID_INPUT', `Unknown disposal "${String(how.action)}": use ${DISPOSALS.join(', ')}.`);
    }
  }, false);
}

export interface QuarantineResult {
  path: string;
  reportPath: string;
  report: QuarantineReport;
}

/**
 * Moves the claimed file to the exception folder and writes `<name>.error.json` beside it. A file
 * that is no longer claimed still gets its report, marked `fileMoved: false`: the failure is worth
 * knowing about even when someone else disposed the file. A file taken in place stays where it is:
 * only its report goes to the exception folder (`<time>_<name>.error.json`, `leftInPlace: true`),
 * never beside the file, where the watch would list it as a new file.
 */
export async function quarantineSource(
  pool: SessionPool<RemoteSession>,
  source: SourceFacts,
  failure: FailureInfo,
  how: { folder?: string; at?: Date; correlationId?: string },
): Promise<QuarantineResult> {
  const at = how.at ?? new Date();
  const wanted = quarantinePath(how.folder ?? '', source, at);
  if (source.inPlace === true) {
    const report = buildReport(source, failure, source.path, at, false, how.correlationId);
    return { path: source.path, reportPath: await writeErrorReport(pool, wanted, report), report };
  }
  const moved = await pool.use(async (session) => {
    if (!(await session.stat(source.claimPath))) return undefined;
    return moveAside(session, source.claimPath, wanted);
  }, false);
  const path = moved ?? wanted;
  const report = buildReport(source, failure, path, at, moved !== undefined, how.correlationId);
  const reportPath = await writeErrorReport(pool, path, report);
  return { path, reportPath, report };
}

/** Writes `<path>.error.json` beside a quarantined or given-up file; resolves the report's path. */
export async function writeErrorReport(pool: SessionPool<RemoteSession>, path: string, report: QuarantineReport): Promise<string> {
  const reportPath = `${path}.error.json`;
  await putFile(pool, reportPath, Readable.from([Buffer.from(JSON.stringify(report, null, 2))]), {
    conflict: 'overwrite',
    createFolders: true,
    atomic: true,
    verifySize: true,
  });
  return reportPath;
}
