import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { joinRemote, lastPathPart, printableName, remoteBasename } from '../paths';
import type { FileBridgeFacts, ReceivedFileBridge } from '../message';
import {
  ListOptions,
  PutOptions,
  PutResult,
  deleteEntry,
  listEntries,
  makeFolder,
  moveEntry,
  openFile,
  putFile,
  readFileToBuffer,
  statEntry,
} from './operations';
import type { SessionPool } from './session-pool';
import type { RemoteEntry, RemoteSession } from './types';

export const REMOTE_OPERATIONS = ['list', 'stat', 'get', 'put', 'move', 'delete', 'mkdir'] as const;
export type RemoteOperation = (typeof REMOTE_OPERATIONS)[number];

export type GetOutput = 'auto' | 'buffer' | 'stream';

export interface RemoteRequest {
  operation: RemoteOperation;
  path: string;
  /** move: where to. */
  destination?: string;
  /** put: the name to use when `path` is a folder (empty or ending in `/`). */
  filename?: unknown;
  /** put: the bytes. */
  payload?: unknown;
  /** put: the source's modification time, kept on the written file when `put.keepMtime` is on. */
  mtime?: Date;
  list: ListOptions;
  get: { output: GetOutput; maxBufferBytes: number };
  put: PutOptions;
  move: { overwrite: boolean; createFolders: boolean };
  delete: { missingOk: boolean; folders: boolean };
}

/** What each operation reports in `msg.filebridge[key]` (the node adds the server's label). */
export interface RemoteFacts {
  list: { path: string; count: number };
  stat: { path: string; exists: boolean };
  file: EntryFacts;
  put: PutResult;
  move: { from: string; to: string };
  delete: { path: string; deleted: boolean };
  mkdir: { path: string };
}

/** What a message becomes: every field is set on the outgoing message when present. */
export type RemoteOutcome = {
  [K in keyof RemoteFacts]: {
    payload?: unknown;
    replacePayload: boolean;
    filename?: string;
    /** Goes to `msg.filebridge[key]`. */
    key: K;
    facts: RemoteFacts[K];
    /** Short text for the node status. */
    summary: string;
    /** What the node should warn about (names a server listed that were left out). */
    warnings?: string[];
  };
}[keyof RemoteFacts];

/** The outcome's facts as the message carries them: `msg.filebridge[key] = { server, ...facts }`. */
export function remoteFactsMessage(outcome: RemoteOutcome, server: string): FileBridgeFacts {
  return { [outcome.key]: { server, ...outcome.facts } };
}

export function isRemoteOperation(value: unknown): value is RemoteOperation {
  return typeof value === 'string' && (REMOTE_OPERATIONS as readonly string[]).includes(value);
}

/** A remote entry as messages carry it (`list` payload rows, `stat`, `get`). */
export interface EntryFacts {
  name: string;
  path: string;
  type: RemoteEntry['type'];
  size: number;
  mtime: string;
  mtimePrecision: RemoteEntry['mtimePrecision'];
}

export function entryFacts(entry: RemoteEntry): EntryFacts {
  return { name: entry.name, path: entry.path, type: entry.type, size: entry.size, mtime: entry.mtime.toISOString(), mtimePrecision: entry.mtimePrecision };
}

/** The file path a put writes to: the path itself, or the path as a folder plus the message's file name. */
export function putTargetPath(path: string, filename: unknown): string {
  if (path !== '' && !path.endsWith('/')) return path;
  if (typeof filename !== 'string' || filename === '') {
    throw new FileBridgeError('INVALID_INPUT', 'No file name to write: set "Path" to a file path, or set msg.filename when "Path" is a folder ending in "/".');
  }
  // msg.filename from a file-in node is a local path: only its last part names the remote file.
  const name = lastPathPart(filename);
  return path === '' ? name : joinRemote(path, name);
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== 'string' && !(value instanceof Date)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function field(facts: unknown, key: string): unknown {
  return typeof facts === 'object' && facts !== null ? (facts as Record<string, unknown>)[key] : undefined;
}

/**
 * The modification time of the bytes a message carries, for a put to keep: a remote `get`'s file
 * (`file.mtime`), a cs-export document (`cs.modifyDate`), or a watched file (`source.mtime`), in
 * that order, since each of those nodes replaces the payload it describes. Undefined when none is
 * known or readable.
 */
export function sourceMtimeOf(facts: ReceivedFileBridge): Date | undefined {
  return dateOf(field(facts.file, 'mtime')) ?? dateOf(field(facts.cs, 'modifyDate')) ?? dateOf(field(facts.source, 'mtime'));
}

function putSource(payload: unknown): Buffer | string | Readable {
  if (Buffer.isBuffer(payload) || typeof payload === 'string' || payload instanceof Readable) return payload;
  const got = payload === null ? 'null' : payload === undefined ? 'nothing' : Array.isArray(payload) ? 'an array' : typeof payload;
  throw new FileBridgeError(
    'INVALID_INPUT',
    `put needs msg.payload as a Buffer, a string or a readable stream, but got ${got}. Convert objects first (for example with a JSON node).`,
  );
}

export async function runRemoteRequest(pool: SessionPool<RemoteSession>, request: RemoteRequest): Promise<RemoteOutcome> {
  const { path } = request;
  switch (request.operation) {
    case 'list': {
      const warnings: string[] = [];
      const entries = await listEntries(pool, path || '.', {
        ...request.list,
        onRefused: (folder, name, why) =>
          warnings.push(`The server listed "${printableName(name)}" in ${folder}: ${why}. It was left out of the list. Check the server.`),
      });
      const payload = entries.map((e) => ({ ...entryFacts(e), relativePath: e.relativePath }));
      return {
        payload,
        replacePayload: true,
        key: 'list',
        facts: { path: path || '.', count: entries.length },
        summary: `${entries.length} entries`,
        warnings,
      };
    }
    case 'stat': {
      const entry = await statEntry(pool, path);
      const facts = entry ? entryFacts(entry) : null;
      return {
        payload: facts,
        replacePayload: true,
        key: 'stat',
        facts: { path, exists: entry !== undefined },
        summary: entry ? `${entry.type}, ${entry.size} bytes` : 'not found',
      };
    }
    case 'get': {
      const { output, maxBufferBytes } = request.get;
      if (output === 'buffer') {
        const { entry, data } = await readFileToBuffer(pool, path, maxBufferBytes);
        return { payload: data, replacePayload: true, filename: entry.name, key: 'file', facts: entryFacts(entry), summary: `${entry.size} bytes` };
      }
      const opened = await openFile(pool, path);
      if (output === 'auto' && opened.entry.size <= maxBufferBytes) {
        opened.stream.destroy();
        const { entry, data } = await readFileToBuffer(pool, path, maxBufferBytes);
        return { payload: data, replacePayload: true, filename: entry.name, key: 'file', facts: entryFacts(entry), summary: `${entry.size} bytes` };
      }
      return {
        payload: opened.stream,
        replacePayload: true,
        filename: opened.entry.name,
        key: 'file',
        facts: entryFacts(opened.entry),
        summary: `streaming ${opened.entry.size} bytes`,
      };
    }
    case 'put': {
      const source = putSource(request.payload);
      const target = putTargetPath(path, request.filename);
      const result = await putFile(pool, target, source, { ...request.put, mtime: request.mtime });
      return { replacePayload: false, key: 'put', facts: result, summary: result.skipped ? 'skipped (exists)' : `wrote ${result.bytes} bytes` };
    }
    case 'move': {
      if (!request.destination) throw new FileBridgeError('INVALID_INPUT', 'move needs a destination: set "Destination" or msg.destination.');
      // "archive/" means "into archive, same name", as a shell's mv does.
      const to = request.destination.endsWith('/') ? joinRemote(request.destination, remoteBasename(path)) : request.destination;
      const result = await moveEntry(pool, path, to, request.move);
      return { replacePayload: false, key: 'move', facts: result, summary: `moved to ${remoteBasename(result.to)}` };
    }
    case 'delete': {
      const result = await deleteEntry(pool, path, { missingOk: request.delete.missingOk, folder: request.delete.folders });
      return { replacePayload: false, key: 'delete', facts: result, summary: result.deleted ? 'deleted' : 'was not there' };
    }
    case 'mkdir': {
      const result = await makeFolder(pool, path, true);
      return { replacePayload: false, key: 'mkdir', facts: result, summary: 'folder ready' };
    }
  }
}
