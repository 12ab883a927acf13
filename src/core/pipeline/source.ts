import type { Protocol } from '../remote/types';
import type { ClaimedFile } from './watcher';

/**
 * Facts about a watched file that travel with its message (`msg.filebridge.source`). Plain JSON so
 * they survive the Catch node's clone and a context store: ack and quarantine rely on them alone.
 */
export interface SourceFacts {
  /** Id of the `filebridge-server` config node. */
  server: string;
  /** Id of the watch node that claimed the file. */
  watch: string;
  protocol: Protocol;
  host: string;
  port: number;
  /** The watched folder. */
  folder: string;
  /** Where the file was found. */
  path: string;
  /** Path below the watched folder, `/`-separated. */
  relativePath: string;
  name: string;
  /** Where the file is while it is processed. */
  claimPath: string;
  size: number;
  /** ISO time. */
  mtime: string;
  /** When this claim was made (ISO time). */
  claimedAt: string;
  /** 1 for the first delivery, +1 for every recovery after a lost run. */
  attempt: number;
  /** Hex SHA-256 of the bytes, set when the watch computed it while streaming. */
  sha256?: string;
  /** The remote's id of the file, where it has one (Dropbox `id:...`, File 360 document id digits); kept through renames and moves. */
  id?: string;
  /** Dropbox `content_hash` of the claimed file's bytes, where the remote reports one. */
  contentHash?: string;
  /**
   * True when the watch took the file in place (*Take files: leave in place*): it was not renamed,
   * `claimPath` is `path`, and ack *leave* only records it in the ledger.
   */
  inPlace?: boolean;
}

/** Where a watch's files come from: the same for every file it claims. */
export type SourceOrigin = Pick<SourceFacts, 'server' | 'watch' | 'protocol' | 'host' | 'port' | 'folder'>;

/** The facts a claimed file's message carries. */
export function sourceFactsFor(origin: SourceOrigin, file: ClaimedFile): SourceFacts {
  return {
    server: origin.server,
    watch: origin.watch,
    protocol: origin.protocol,
    host: origin.host,
    port: origin.port,
    folder: origin.folder,
    path: file.path,
    relativePath: file.relativePath,
    name: file.name,
    claimPath: file.claimPath,
    size: file.size,
    mtime: file.mtime.toISOString(),
    claimedAt: file.claimedAt.toISOString(),
    attempt: file.attempt,
    ...(file.id !== undefined ? { id: file.id } : {}),
    ...(file.contentHash !== undefined ? { contentHash: file.contentHash } : {}),
    ...(file.inPlace ? { inPlace: true } : {}),
  };
}

const PROTOCOLS = new Set(['sftp', 'ftp', 'ftps-explicit', 'ftps-implicit', 'dropbox', 'file360']);

/** Reads `msg.filebridge.source` defensively: a message built by hand (or a bad clone) must fail clearly. */
export function sourceFactsOf(value: unknown): SourceFacts | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const s = value as Record<string, unknown>;
  const strings = ['server', 'folder', 'path', 'relativePath', 'name', 'claimPath'];
  if (!strings.every((k) => typeof s[k] === 'string' && s[k] !== '')) return undefined;
  if (typeof s.protocol !== 'string' || !PROTOCOLS.has(s.protocol)) return undefined;
  return s as unknown as SourceFacts;
}

/** The relative folder part of a relative path ('' at the top). */
export function relativeDir(relativePath: string): string {
  const i = relativePath.lastIndexOf('/');
  return i < 0 ? '' : relativePath.slice(0, i);
}

/** `INV.pdf` -> { base: 'INV', ext: 'pdf' }; a leading dot is part of the base. */
export function splitName(name: string): { base: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { base: name, ext: '' };
  return { base: name.slice(0, dot), ext: name.slice(dot + 1) };
}
