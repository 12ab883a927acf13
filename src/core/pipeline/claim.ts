import { randomBytes } from 'node:crypto';
import { FileBridgeError } from '../errors';
import { joinRemote, remoteDirname } from '../paths';
import type { RemoteEntry, RemoteSession } from '../remote/types';

/*
 * A claimed file is renamed to `<claimed-at ms>-<token>-<attempt>~<original name>` in the claim
 * folder, below the same relative folder. The claim time in the name is the lease record: it
 * survives crashes and is visible to every runtime watching the folder, and a recovery is itself a
 * rename to a new claim name, so exactly one runtime wins a recovery as exactly one wins a claim.
 */

export interface ClaimName {
  claimedAt: number;
  token: string;
  attempt: number;
  /** The original file name. */
  name: string;
}

const CLAIM_NAME = /^(\d{10,16})-([0-9a-f]{8})-(\d{1,6})~(.+)$/;

export function claimFileName(name: string, claimedAt: number, attempt: number, token = randomBytes(4).toString('hex')): string {
  return `${claimedAt}-${token}-${attempt}~${name}`;
}

export function parseClaimFileName(fileName: string): ClaimName | undefined {
  const m = CLAIM_NAME.exec(fileName);
  if (!m) return undefined;
  return { claimedAt: Number(m[1]), token: m[2], attempt: Number(m[3]), name: m[4] };
}

/** Absolute-or-relative claim folder: a relative one lives below the watched folder. */
export function resolveBelow(folder: string, sub: string): string {
  if (sub.startsWith('/')) return sub;
  return joinRemote(folder, sub);
}

/**
 * Renames `from` to `to` as a claim. Resolves false when someone else was faster (the source is
 * gone), true when this caller now owns the file. A missing target folder is created once.
 */
export async function claimByRename(session: RemoteSession, from: string, to: string, knownFolders?: Set<string>): Promise<boolean> {
  const dir = remoteDirname(to);
  if (knownFolders && !knownFolders.has(dir)) {
    await session.mkdir(dir, true);
    knownFolders.add(dir);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      // The token makes the target unique, so no existence check is needed (and none could be atomic on FTP).
      await session.rename(from, to, true);
      return true;
    } catch (err) {
      if (!(err instanceof FileBridgeError) || (err.code !== 'NOT_FOUND' && err.code !== 'PERMISSION_DENIED')) throw err;
      // Either "another claimant won" or "the claim folder vanished" (vsftpd answers 553 for that).
      if (!(await session.stat(from))) return false;
      if (attempt > 0) throw err;
      await session.mkdir(dir, true);
      knownFolders?.add(dir);
    }
  }
}

/** Facts of a claimed file, read back after the rename (a rename keeps size and mtime). */
export async function claimedFacts(session: RemoteSession, claimPath: string): Promise<RemoteEntry> {
  const entry = await session.stat(claimPath);
  if (!entry)
    throw new FileBridgeError('NOT_FOUND', `The claimed file ${claimPath} disappeared right after it was claimed: someone else removed it.`, {
      path: claimPath,
    });
  return entry;
}
