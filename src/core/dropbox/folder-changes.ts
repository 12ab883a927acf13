/**
 * The change-following capability of `RemoteSession` (`changes`, `waitForChanges`, see
 * src/core/remote/types.ts) for Dropbox, on the account's `DropboxClient`:
 * - `changes`: `files/list_folder` (every page) for the whole state, `files/list_folder/continue`
 *   with a cursor for what changed since; a cursor Dropbox gave up answers 409 `reset`
 *   (files.stone ListFolderContinueError.reset), and then the folder is listed in full again.
 * - `waitForChanges`: `files/list_folder/longpoll` on the notify host, sent WITHOUT an Authorization
 *   header (Dropbox answers 400 to one), `timeout` 30..480 s to which Dropbox adds up to 90 s of its
 *   own; `backoff` in the answer is waited out before the next call (files.stone ListFolderLongpollResult).
 * https://www.dropbox.com/developers/documentation/http/documentation#files-list_folder-longpoll
 */
import type { files } from 'dropbox';
import { FileBridgeError } from '../errors';
import { listedNameProblem } from '../paths';
import type { ChangesOptions, FolderChanges, RemoteEntry, RemovedEntry } from '../remote/types';
import type { DropboxClient } from './client';
import { DROPBOX_NOTIFY, failureOf, mapDropboxFailure, mapFetchError } from './http';
import { decodeDropboxName, storedDropboxNameProblem } from './dropbox-name';
import { decodeDropboxPath, dropboxApiPath } from './api-path';

const PAGE = 2000;
/** Dropbox adds up to 90 s to a long-poll's timeout; the answer may take that much longer. */
const LONGPOLL_JITTER_S = 90;

type Metadata = files.FileMetadataReference | files.FolderMetadataReference | files.DeletedMetadataReference;

function isReset(err: unknown): boolean {
  return err instanceof FileBridgeError && /^reset(\/|$)/.test(String(err.details.dropboxError ?? ''));
}

/** `dir` as given plus the part of a Dropbox path below it (matched by folder depth: path_display may spell parents in another case). */
function pathBelow(dir: string, apiDir: string, display: string): string | undefined {
  const depth = apiDir === '' ? 0 : apiDir.split('/').length - 1;
  const parts = display.split('/');
  const rest = parts.slice(depth + 1);
  if (parts.length < depth + 1) return undefined;
  const base = dir.replace(/\/+$/, '');
  // The part below `dir` is as Dropbox stores it: in the product's names (dropbox-name.ts).
  return rest.length === 0 ? dir : `${base}/${decodeDropboxPath(rest.join('/'))}`;
}

function entryOf(path: string, m: Metadata): RemoteEntry | RemovedEntry {
  const name = decodeDropboxName(m.name);
  if (m['.tag'] === 'deleted') return { type: 'deleted', name, path };
  if (m['.tag'] === 'folder') return { name, path, type: 'directory', size: 0, mtime: new Date(0), mtimePrecision: 'second', id: m.id };
  return {
    name,
    path,
    type: 'file',
    size: m.size,
    mtime: new Date(m.server_modified),
    mtimePrecision: 'second',
    id: m.id,
    rev: m.rev,
    ...(m.content_hash ? { contentHash: m.content_hash } : {}),
  };
}

/** The folder's whole state (no cursor, or a dead one), or its changes since `cursor`. */
export async function dropboxFolderChanges(client: DropboxClient, dir: string, cursor: string | undefined, options: ChangesOptions): Promise<FolderChanges> {
  const apiDir = dropboxApiPath(dir);
  const read = async (from: string | undefined): Promise<{ entries: (RemoteEntry | RemovedEntry)[]; cursor: string }> => {
    const entries: (RemoteEntry | RemovedEntry)[] = [];
    const take = (batch: Metadata[]): void => {
      for (const m of batch) {
        const problem = listedNameProblem(decodeDropboxName(m.name)) ?? storedDropboxNameProblem(m.name);
        const path = pathBelow(dir, apiDir, m.path_display ?? m.path_lower ?? '');
        if (problem !== undefined || path === undefined) {
          if (m['.tag'] !== 'deleted') options.refused?.(m.name, problem ?? `its path ${m.path_display ?? ''} is not below ${dir}`);
          continue;
        }
        // The folder itself (a recursive listing names it): only its removal matters.
        if (path === dir && m['.tag'] !== 'deleted') continue;
        entries.push(entryOf(path, m));
      }
    };
    let page =
      from === undefined
        ? await client.rpc({ what: 'list', path: dir }, (dbx) =>
            dbx.filesListFolder({ path: apiDir, recursive: options.recursive, include_deleted: false, limit: PAGE }),
          )
        : await client.rpc({ what: 'follow the changes of', path: dir }, (dbx) => dbx.filesListFolderContinue({ cursor: from }));
    take(page.entries);
    while (page.has_more) {
      const next = page.cursor;
      page = await client.rpc({ what: 'list', path: dir }, (dbx) => dbx.filesListFolderContinue({ cursor: next }));
      take(page.entries);
    }
    return { entries, cursor: page.cursor };
  };
  if (cursor !== undefined) {
    try {
      return { ...(await read(cursor)), full: false, reset: false, ignoreCase: true };
    } catch (err) {
      if (!isReset(err)) throw err;
      return { ...(await read(undefined)), full: true, reset: true, ignoreCase: true };
    }
  }
  return { ...(await read(undefined)), full: true, reset: false, ignoreCase: true };
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

/** Long-poll: true when the folder changed after `cursor` (or the cursor is dead), false when the time ran out or `signal` aborted. */
export async function waitForDropboxChanges(client: DropboxClient, cursor: string, timeoutSeconds: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  const timeout = Math.min(480, Math.max(30, Math.round(timeoutSeconds)));
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  signal?.addEventListener('abort', stop);
  const timer = setTimeout(() => controller.abort(new DOMException('long-poll answer timed out', 'TimeoutError')), (timeout + LONGPOLL_JITTER_S + 30) * 1000);
  let res: Response;
  try {
    // No Authorization header: the notify route refuses one.
    res = await client.streamFetch(`${DROPBOX_NOTIFY}/2/files/list_folder/longpoll`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cursor, timeout }),
      signal: controller.signal,
    });
    if (!res.ok) {
      const failure = await failureOf(res);
      const err = mapDropboxFailure(failure, 'wait for changes', undefined);
      if (isReset(err)) return true;
      throw err;
    }
    const body = (await res.json()) as { changes?: unknown; backoff?: unknown };
    if (typeof body.backoff === 'number' && body.backoff > 0) await wait(Math.min(body.backoff, 600) * 1000, signal);
    return body.changes === true;
  } catch (err) {
    if (signal?.aborted) return false;
    if (err instanceof FileBridgeError) throw err;
    throw mapFetchError(err, 'wait for changes');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}
