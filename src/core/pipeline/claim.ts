import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { fitName, MAX_NAME_BYTES, utf8Bytes } from '../name-bytes';
import { joinRemote, remoteDirname } from '../paths';
import type { RemoteEntry, RemoteSession } from '../remote/types';

/*
 * A claimed file is renamed into the claim folder, below the same relative folder, to
 *
 *   <claimed-at ms>-<token>-<attempt>-<owner>~<original name>
 *
 * `token` (8 hex, random) keeps two claims of one name apart; `owner` (8 hex) is the identity of the
 * runtime that made the claim (runtime-identity.ts), so a restarted runtime knows its own orphans.
 * The claim time in the name is where the lease starts: it survives crashes and every runtime
 * watching the folder sees it in a listing. A recovery is itself a rename to a new claim name, so
 * exactly one runtime wins a recovery as exactly one wins a claim.
 *
 * A name has at most 255 bytes (name-bytes.ts), and the prefix takes 34 and more, so a long name
 * would not fit: a legal 244-byte name failed to claim at all. Such a claim is named
 * `<prefix>#<name cut to fit>` instead, and the whole name is kept in a record beside it,
 * `<claimed-at>-<token>.name` (JSON `{"name": ...}`), written BEFORE the rename: a crash between the
 * two leaves a record without a claim (removed after a lease), never a claim without its name.
 *
 * The lease is renewed without moving the claimed file (a flow may be reading it, and a retry
 * reopens it by its path): a marker beside it, `<claimed-at>-<token>.lease-<renewed-at ms>`, is
 * created at the first renewal and renamed at each further one. The lease of a claim runs from
 * the later of its claim time and its newest marker; a runtime that stops renewing lets it expire.
 *
 * Claims made before the owner existed, `<claimed-at>-<token>-<attempt>~<name>`, are still read:
 * they have no owner, so they are recovered once their lease ran out.
 */

export interface ClaimName {
  claimedAt: number;
  token: string;
  attempt: number;
  /** The identity of the runtime that made the claim; undefined for claims of older versions. */
  owner?: string;
  /** The original file name; when `cut`, its start only (the record beside the claim has all of it). */
  name: string;
  cut: boolean;
}

const CLAIM_NAME = /^(\d{10,16})-([0-9a-f]{8})-(\d{1,6})-([0-9a-f]{8})([~#])(.+)$/s;
/** Before claims named their owner. */
const OLD_CLAIM_NAME = /^(\d{10,16})-([0-9a-f]{8})-(\d{1,6})~(.+)$/s;
const LEASE_MARKER = /^(\d{10,16})-([0-9a-f]{8})\.lease-(\d{10,16})$/;
const NAME_RECORD = /^(\d{10,16})-([0-9a-f]{8})\.name$/;

/** A name record holds one name in JSON: far below this. */
const NAME_RECORD_MAX_BYTES = 4096;

export function newClaimToken(): string {
  return randomBytes(4).toString('hex');
}

/** What identifies one claim (one claim time and token) among its lease markers and name record. */
export function claimKey(claim: Pick<ClaimName, 'claimedAt' | 'token'>): string {
  return `${claim.claimedAt}-${claim.token}`;
}

function prefix(claimedAt: number, token: string, attempt: number, owner: string): string {
  return `${claimedAt}-${token}-${attempt}-${owner}`;
}

/** The name a claim gets; see above. Parse it to know whether the name was cut (then write the record first). */
export function claimFileName(name: string, claimedAt: number, attempt: number, owner: string, token = newClaimToken()): string {
  const head = prefix(claimedAt, token, attempt, owner);
  const whole = `${head}~${name}`;
  if (utf8Bytes(whole) <= MAX_NAME_BYTES) return whole;
  return `${head}#${fitName(name, MAX_NAME_BYTES - utf8Bytes(head) - 1)}`;
}

export function parseClaimFileName(fileName: string): ClaimName | undefined {
  const m = CLAIM_NAME.exec(fileName);
  if (m) return { claimedAt: Number(m[1]), token: m[2], attempt: Number(m[3]), owner: m[4], name: m[6], cut: m[5] === '#' };
  const old = OLD_CLAIM_NAME.exec(fileName);
  if (old) return { claimedAt: Number(old[1]), token: old[2], attempt: Number(old[3]), name: old[4], cut: false };
  return undefined;
}

export function leaseMarkerName(claim: Pick<ClaimName, 'claimedAt' | 'token'>, renewedAt: number): string {
  return `${claimKey(claim)}.lease-${renewedAt}`;
}

/** The claim key and renewal time of a lease marker's name. */
export function parseLeaseMarkerName(fileName: string): { key: string; renewedAt: number } | undefined {
  const m = LEASE_MARKER.exec(fileName);
  return m ? { key: `${m[1]}-${m[2]}`, renewedAt: Number(m[3]) } : undefined;
}

export function nameRecordName(claim: Pick<ClaimName, 'claimedAt' | 'token'>): string {
  return `${claimKey(claim)}.name`;
}

/** The claim key and claim time of a name record's name. */
export function parseNameRecordName(fileName: string): { key: string; claimedAt: number } | undefined {
  const m = NAME_RECORD.exec(fileName);
  return m ? { key: `${m[1]}-${m[2]}`, claimedAt: Number(m[1]) } : undefined;
}

/** Path of the name record of the claim at `claimPath`. */
export function nameRecordPath(claimPath: string, claim: Pick<ClaimName, 'claimedAt' | 'token'>): string {
  return joinRemote(remoteDirname(claimPath), nameRecordName(claim));
}

export async function writeNameRecord(session: RemoteSession, path: string, name: string): Promise<void> {
  await session.write(path, Readable.from([Buffer.from(JSON.stringify({ name }), 'utf8')]));
}

/**
 * The original name of a cut claim, from its record. The record is on a partner's server, so it is
 * believed only when it is a plain name and cutting it the way the claim did gives the claim's name;
 * otherwise (missing, damaged, edited) undefined, and the caller goes on with the cut name.
 */
export async function readNameRecord(session: RemoteSession, claimPath: string, claim: ClaimName): Promise<string | undefined> {
  const path = nameRecordPath(claimPath, claim);
  const entry = await session.stat(path);
  if (!entry || entry.type !== 'file' || entry.size > NAME_RECORD_MAX_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  const stream = await session.createReadStream(path);
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      if (bytes > NAME_RECORD_MAX_BYTES) return undefined;
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  let name: unknown;
  try {
    name = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\0]/.test(name)) return undefined;
  if (
    !claim.owner ||
    claimFileName(name, claim.claimedAt, claim.attempt, claim.owner, claim.token) !==
      `${prefix(claim.claimedAt, claim.token, claim.attempt, claim.owner)}#${claim.name}`
  )
    return undefined;
  return name;
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
