import { isBelow, joinRemote } from '../paths';
import type { Ledger } from './ledger';

/** The claim folder a watch uses unless configured otherwise (relative to the watched folder). */
export const DEFAULT_CLAIM_FOLDER = '.filebridge/processing';

/**
 * What a running watch offers the steps that finish its files (commit and rollback): its ledger,
 * and the end of a file's journey through it. A message names its watch by id
 * (`msg.filebridge.source.watch`); the watch may have been redeployed or removed meanwhile, and the
 * file must still be disposable then, so every use copes with "not running".
 */
export interface RunningWatch {
  readonly ledger?: Ledger;
  /** Closes what is left of the file's payload stream (it may hold the server's last free connection). */
  closeStream(correlationId: string): void;
  /** Closes the stream and frees the file's in-flight slot; false when it held none (timed out, or another deploy). */
  release(correlationId: string): boolean;
  /** Deliveries of one file before it is given up (0 = no limit): the watch's *Max attempts*. */
  readonly maxAttempts: number;
  /**
   * Frees the file's slot and has the watch deliver it again at its next poll (attempt + 1), without
   * waiting for the lease. True also when the file at `claimPath` was given back already (an ack
   * failed, then its Catch node's quarantine asks again); false when the watch does not hold it.
   */
  retry(correlationId: string, claimPath?: string): boolean;
}

const running = new Map<string, RunningWatch>();

/** Where a watch claims its files: its watched folder and its claim folder as configured. */
export interface ClaimSiteOf {
  folder: string;
  claimRoot: string;
  /** The watch takes files in place (no claim folder is used). */
  inPlace?: boolean;
}

/**
 * Every watched folder and claim folder each watch id had in this runtime, kept after the watch
 * stops: a message still in flight when its watch was redeployed with another claim folder, or
 * removed, is checked against the folders its watch really used. One small entry per watch node
 * and configuration.
 */
const sites = new Map<string, ClaimSiteOf[]>();

const same = (a: string, b: string): boolean => joinRemote(a) === joinRemote(b);

/**
 * The claim folders a claimed file of watch `watchId` in `folder` may be in: those the watch had
 * with that folder in this runtime; for a watch this runtime never ran (a message from another
 * runtime, or built by hand), the default claim folder below the message's folder.
 */
export function claimRootsFor(watchId: string, folder: string): string[] {
  const known = sites.get(watchId);
  if (!known) return [joinRemote(folder, DEFAULT_CLAIM_FOLDER)];
  return known.filter((site) => !site.inPlace && same(site.folder, folder)).map((site) => site.claimRoot);
}

/** True when `claimPath` lies in one of the claim folders of its watch and folder (see `claimRootsFor`). */
export function inClaimFolder(watchId: string, folder: string, claimPath: string): boolean {
  return claimRootsFor(watchId, folder).some((root) => isBelow(root, claimPath));
}

/**
 * True when watch `watchId` took files of `folder` in place in this runtime: only then may a
 * message's `claimPath` be the file's own path (a message is untrusted; see `checkClaimedSource`).
 */
export function takesInPlace(watchId: string, folder: string): boolean {
  return (sites.get(watchId) ?? []).some((site) => site.inPlace === true && same(site.folder, folder));
}

/** Makes a watch findable by its id until the returned function is called (on close). */
export function registerWatch(id: string, watch: RunningWatch, site?: ClaimSiteOf): () => void {
  running.set(id, watch);
  if (site) {
    const known = sites.get(id) ?? [];
    if (!known.some((k) => same(k.folder, site.folder) && same(k.claimRoot, site.claimRoot) && Boolean(k.inPlace) === Boolean(site.inPlace))) known.push(site);
    sites.set(id, known);
  }
  return () => {
    // A redeploy may have registered the new watch of the same id already.
    if (running.get(id) === watch) running.delete(id);
  };
}

export function runningWatch(id: string | undefined): RunningWatch | undefined {
  return id === undefined ? undefined : running.get(id);
}
