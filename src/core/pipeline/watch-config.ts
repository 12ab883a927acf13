import { createHash } from 'node:crypto';
import { FileBridgeError } from '../errors';
import { checkRemotePath } from '../paths';
import type { DeliverySettings } from './source-stream';
import { DEFAULT_STABILITY, type StabilityMode } from './stability';
import { DEFAULT_WATCH_SETTINGS, WATCH_TAKES, type WatchOrder, type WatchSettings, type WatchTake } from './watcher';

/** The watch node's dialog fields, as strings or numbers the way Node-RED stores them. */
export interface WatchConfigFields {
  folder?: string;
  recursive?: boolean;
  maxDepth?: string | number;
  include?: string;
  exclude?: string;
  includeDotFiles?: boolean;
  minSize?: string | number;
  maxSize?: string | number;
  stability?: string;
  stableSeconds?: string | number;
  minAgeSeconds?: string | number;
  emptyMinAgeSeconds?: string | number;
  markerPattern?: string;
  claimFolder?: string;
  /** `move` (into the claim folder, default) or `inPlace` (leave files where they are; needs the ledger). */
  take?: string;
  leaseSeconds?: string | number;
  order?: string;
  maxPerPoll?: string | number;
  maxInFlight?: string | number;
  inFlightTimeoutSeconds?: string | number;
  maxAttempts?: string | number;
  failedFolder?: string;
  intervalSeconds?: string | number;
  output?: string;
  maxBufferMB?: string | number;
  sha256?: boolean;
  ledger?: boolean;
  ledgerStore?: string;
  ledgerDays?: string | number;
  /** Wait for changes between polls where the server can (Dropbox long-poll). */
  longpoll?: boolean;
}

/** How often the watch polls, how it hands files over, and where its ledger lives. */
export interface WatchDeliverySettings {
  intervalMs: number;
  delivery: DeliverySettings;
  /** Undefined when the ledger is off. `store` is a Node-RED context store name (undefined = default). */
  ledger?: { store?: string; expiryMs: number };
  /**
   * The context store (undefined = default) that keeps the change cursor of a remote that reports
   * changes (Dropbox): the ledger's, also when the ledger is off.
   */
  cursorStore?: string;
}

function num(value: unknown, fallback: number | undefined, min: number, max: number, what: string): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new FileBridgeError('INVALID_INPUT', `${what} must be a number from ${min} to ${max}, got "${String(value)}". Fix it in the watch node.`);
  return n;
}

const seconds = (value: unknown, fallbackMs: number, what: string, minS = 0, maxS = 365 * 86400): number =>
  Math.round(num(value, fallbackMs / 1000, minS, maxS, what)! * 1000);

/** Globs from a comma- or newline-separated field. */
export function globList(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\n,]/)
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

/**
 * Remotes that cannot rename (File 360: its API only moves documents between folders, and a claim
 * is a rename) are watched in place only; a watch set to move files is refused at deploy saying so.
 */
export function checkTakeFor(protocol: string, take: WatchTake): void {
  if (protocol === 'file360' && take !== 'inPlace') {
    throw new FileBridgeError(
      'INVALID_INPUT',
      'A watch on a File 360 server must leave files in place: the File 360 API has no rename, so a watch cannot claim a document by renaming it. Set "Take files" to "leave in place" (the ledger then remembers what was sent).',
      { take, protocol },
    );
  }
}

/**
 * Checks and converts the dialog fields; errors name the field and what to enter. With `protocol`
 * (the server's), a "Take files" the remote cannot do is refused too.
 */
export function watchSettingsFromConfig(f: WatchConfigFields, protocol?: string): WatchSettings {
  const folder = (f.folder ?? '').trim();
  checkRemotePath(folder, 'watched folder');
  const d = DEFAULT_WATCH_SETTINGS;
  const mode = (f.stability || 'stable') as StabilityMode;
  if (!['stable', 'age', 'marker'].includes(mode))
    throw new FileBridgeError('INVALID_INPUT', `Unknown completeness rule "${mode}": use stable, age or marker.`);
  const markerPattern = (f.markerPattern || DEFAULT_STABILITY.markerPattern).trim();
  if (mode === 'marker' && !/\{(name|base)\}/.test(markerPattern)) {
    throw new FileBridgeError('INVALID_INPUT', `The marker pattern "${markerPattern}" must contain {name} or {base}, e.g. {name}.done.`);
  }
  const order = (f.order || 'name') as WatchOrder;
  if (!['name', 'mtime', 'size'].includes(order)) throw new FileBridgeError('INVALID_INPUT', `Unknown order "${order}": use name, mtime or size.`);
  const take = (f.take || 'move') as WatchTake;
  if (!WATCH_TAKES.includes(take)) throw new FileBridgeError('INVALID_INPUT', `Unknown "Take files" setting "${take}": use move or inPlace.`);
  if (take === 'inPlace' && f.ledger === false) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      '"Take files: leave in place" needs "remember processed files (ledger)": in place, the ledger is what tells a file already sent from a new one. Tick the ledger, or take files by moving them into the claim folder.',
      { take, ledger: false },
    );
  }
  if (protocol !== undefined) checkTakeFor(protocol, take);
  const claimFolder = (f.claimFolder || d.claimFolder).trim();
  checkRemotePath(claimFolder, 'claim folder');
  const minSize = num(f.minSize, undefined, 0, Number.MAX_SAFE_INTEGER, 'Minimum size');
  const maxSize = num(f.maxSize, undefined, 0, Number.MAX_SAFE_INTEGER, 'Maximum size');
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize)
    throw new FileBridgeError('INVALID_INPUT', `Minimum size ${minSize} is above maximum size ${maxSize}.`);
  return {
    folder,
    recursive: Boolean(f.recursive),
    maxDepth: num(f.maxDepth, undefined, 0, 1000, 'Max depth'),
    include: globList(f.include),
    exclude: globList(f.exclude),
    includeDotFiles: Boolean(f.includeDotFiles),
    minSize,
    maxSize,
    stability: {
      mode,
      stableMs: seconds(f.stableSeconds, DEFAULT_STABILITY.stableMs, 'Stable for (seconds)'),
      minAgeMs: seconds(f.minAgeSeconds, DEFAULT_STABILITY.minAgeMs, 'Minimum age (seconds)'),
      emptyMinAgeMs: seconds(f.emptyMinAgeSeconds, DEFAULT_STABILITY.emptyMinAgeMs, 'Empty files after (seconds)'),
      markerPattern,
    },
    claimFolder,
    take,
    // A lease of 0 would hand every file in flight to the next poll of any other runtime.
    leaseMs: seconds(f.leaseSeconds, d.leaseMs, 'Lease (seconds)', 0.5),
    order,
    maxFilesPerPoll: num(f.maxPerPoll, d.maxFilesPerPoll, 1, 1_000_000, 'Max files per poll')!,
    maxInFlight: num(f.maxInFlight, d.maxInFlight, 1, 100_000, 'Max in flight')!,
    inFlightTimeoutMs: seconds(f.inFlightTimeoutSeconds, d.inFlightTimeoutMs, 'In-flight timeout (seconds)'),
    maxAttempts: Math.round(num(f.maxAttempts, d.maxAttempts, 0, 1000, 'Max attempts')!),
    failedFolder: checkRemotePath((f.failedFolder || d.failedFolder).trim(), 'failed folder'),
    ...(f.longpoll === true ? { longpoll: true } : {}),
  };
}

/** The poll interval, output and ledger fields (lenient: a blank or odd value means the default). */
export function watchDeliveryFromConfig(f: WatchConfigFields): WatchDeliverySettings {
  const output = f.output === 'buffer' || f.output === 'auto' ? f.output : 'stream';
  // 0 is a real setting (never a Buffer); only an empty field means the default of 1 MB.
  const bufferMb = f.maxBufferMB === '' || f.maxBufferMB === undefined || !Number.isFinite(Number(f.maxBufferMB)) ? 1 : Math.max(0, Number(f.maxBufferMB));
  return {
    intervalMs: Math.max(100, Math.round((Number(f.intervalSeconds) || 10) * 1000)),
    delivery: { output, maxBufferBytes: Math.round(bufferMb * 1024 * 1024), sha256: f.sha256 !== false },
    ledger:
      f.ledger === false ? undefined : { store: f.ledgerStore ? f.ledgerStore : undefined, expiryMs: Math.round((Number(f.ledgerDays) || 30) * 86_400_000) },
    cursorStore: f.ledgerStore ? f.ledgerStore : undefined,
  };
}

/**
 * Where a watch keeps its change cursor (only remotes that report changes, Dropbox, have one): one
 * per watch node, server, folder and depth, so a changed folder or depth starts from a fresh listing.
 */
export function watchCursorKey(watchId: string, endpoint: { host: string; port: number }, settings: { folder: string; recursive: boolean }): string {
  const identity = `${watchId}\n${endpoint.host}:${endpoint.port}\n${settings.folder}\n${settings.recursive}`;
  return `filebridge_cursor_${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}
