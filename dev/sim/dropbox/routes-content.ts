/**
 * Content routes (content.dropboxapi.com): files/upload, upload sessions (start, append_v2, finish,
 * finish_batch_v2, finish_batch + check) and files/download with Range. Shapes from files.stone:
 * UploadError.path is UploadWriteFailed {reason: WriteError, upload_session_id} (flattened beside the
 * tag, as stone serialises a struct member of a union); UploadSessionFinishError.lookup_failed wraps
 * UploadSessionLookupError (`{".tag":"lookup_failed","lookup_failed":{".tag":"incorrect_offset","correct_offset":n}}`,
 * seen verbatim in kunalvarma05/dropbox-php-sdk issue 2); finish_batch entries fail with
 * `{".tag":"failure","failure":{".tag":"too_many_write_operations"}}` (dropbox/dropbox-sdk-js issue 270).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import type { RouteDef, Ctx } from './context';
import type { SimCore, UploadSession } from './core';
import { appendFile, receiveContent, type Received } from './body';
import { badInput, DbxError, lookupError, rateLimited, routeError, type JsonObject } from './errors';
import { resolvePath } from './paths';
import type { Namespace, SimEntry, WriteMode } from './store';

/** Makes a JSON text header-safe: every non-ASCII character as \uXXXX (Dropbox-API-Result). */
export function headerSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const COMMIT_FIELDS = ['path', 'mode', 'autorename', 'client_modified', 'mute', 'property_groups', 'strict_conflict'];

function parseMode(route: string, value: unknown): WriteMode {
  if (value === undefined || value === 'add') return { tag: 'add' };
  if (value === 'overwrite') return { tag: 'overwrite' };
  if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    if (o['.tag'] === 'add') return { tag: 'add' };
    if (o['.tag'] === 'overwrite') return { tag: 'overwrite' };
    if (o['.tag'] === 'update' && typeof o.update === 'string' && /^[0-9a-f]{9,}$/.test(o.update)) return { tag: 'update', rev: o.update };
  }
  throw badInput(route, `request body: mode: invalid write mode ${JSON.stringify(value)}`);
}

function parseClientModified(route: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  // files.stone: client_modified is Timestamp("%Y-%m-%dT%H:%M:%SZ").
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(value))
    throw badInput(route, `request body: client_modified: time data ${JSON.stringify(value)} does not match format '%Y-%m-%dT%H:%M:%SZ'`);
  return value;
}

function parseCursor(route: string, value: unknown): { sessionId: string; offset: number } {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof o.session_id !== 'string') throw badInput(route, 'request body: cursor: session_id: expected string');
  if (typeof o.offset !== 'number' || !Number.isInteger(o.offset) || o.offset < 0)
    throw badInput(route, 'request body: cursor: offset: expected unsigned integer');
  return { sessionId: o.session_id, offset: o.offset };
}

export function contentRoutes(core: SimCore): Record<string, RouteDef> {
  const { store } = core;

  const dropAt = (ctx: Ctx): number | undefined => {
    const rate = core.faults().dropUploadRate;
    if (rate <= 0 || Math.random() >= rate) return undefined;
    const header = ctx.req.headers['content-length'];
    // A chunked body (no Content-Length, as streamed uploads send) is cut after its first 64 KiB.
    if (header === undefined) return 64 * 1024;
    const length = Number(header);
    if (!(length > 0)) return undefined;
    return Math.max(1, Math.floor(length / 2));
  };

  const receive = async (ctx: Ctx): Promise<{ tmp: string; got: Received }> => {
    const tmp = store.tmpFile();
    try {
      return { tmp, got: await receiveContent(ctx.req, tmp, { dropAt: dropAt(ctx), onDrop: () => core.counters.droppedUploads++ }) };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  };

  const newSession = (file: string, got: Received, closed: boolean): UploadSession => {
    const session: UploadSession = { id: randomBytes(16).toString('base64url'), file, hasher: got.hasher, closed, created: Date.now(), busy: false };
    core.sessions.set(session.id, session);
    return session;
  };

  /**
   * A single commit under the account's write lock; with contendSingleCommits a commit that finds the
   * lock taken is refused with too_many_write_operations: alternately a 429 and the 409 `inner` error.
   */
  const singleCommit = async <T>(inner: () => JsonObject, work: () => T): Promise<T> => {
    const f = core.faults();
    if (f.contendSingleCommits && core.lock.busy()) {
      core.counters.writeContention++;
      if (core.lock.turn++ % 2 === 0) throw rateLimited('too_many_write_operations', f.retryAfterSeconds);
      throw routeError(inner());
    }
    return core.lock.hold(work);
  };

  /** Session lookup checks shared by append_v2, finish and finish_batch (UploadSessionLookupError). */
  const lookupSession = (sessionId: string, offset: number, needClosed: boolean, addingBytes: boolean): JsonObject | UploadSession => {
    const s = core.sessions.get(sessionId);
    if (!s) return { '.tag': 'not_found' };
    if (s.busy || offset !== s.hasher.size) return { '.tag': 'incorrect_offset', correct_offset: s.hasher.size };
    if (s.closed && addingBytes) return { '.tag': 'closed' };
    if (needClosed && !s.closed) return { '.tag': 'not_closed' };
    return s;
  };

  const commitSession = (s: UploadSession, commit: Record<string, unknown>, route: string, ns: Namespace): SimEntry => {
    const target = resolvePath(core, ns, commit.path, route, 'commit.path', 'path', false);
    const entry = store.commitFile(
      target.ns,
      target.display,
      { file: s.file, size: s.hasher.size, contentHash: s.hasher.hex() },
      parseMode(route, commit.mode),
      commit.autorename === true,
      parseClientModified(route, commit.client_modified),
    );
    core.sessions.delete(s.id);
    rmSync(s.file, { force: true });
    return entry;
  };

  const finishEntries = async (ctx: Ctx): Promise<JsonObject[]> => {
    const list = ctx.arg.entries;
    // files.stone UploadSessionFinishBatchArg.entries: List(UploadSessionFinishArg, max_items=1000).
    if (!Array.isArray(list) || list.length > 1000) throw badInput(ctx.route, 'request body: entries: expected a list of at most 1000 items');
    const parsed = list.map((e) => {
      const o = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
      const commit = (typeof o.commit === 'object' && o.commit !== null ? o.commit : {}) as Record<string, unknown>;
      for (const k of Object.keys(commit)) if (!COMMIT_FIELDS.includes(k)) throw badInput(ctx.route, `request body: entries: commit: unknown field '${k}'`);
      return { cursor: parseCursor(ctx.route, o.cursor), commit };
    });
    core.counters.batches++;
    // One batch at a time per account: a second concurrent batch fails entry by entry.
    if (core.lock.batchRunning) return parsed.map(() => ({ '.tag': 'failure', failure: { '.tag': 'too_many_write_operations' } }));
    core.lock.batchRunning = true;
    try {
      await core.lock.waitFree();
      return await core.lock.hold(() =>
        parsed.map(({ cursor, commit }): JsonObject => {
          const found = lookupSession(cursor.sessionId, cursor.offset, true, false);
          if (!('id' in found)) return { '.tag': 'failure', failure: { '.tag': 'lookup_failed', lookup_failed: found } };
          try {
            const entry = commitSession(found as UploadSession, commit, ctx.route, ctx.ns);
            return { ...store.plainMetadata(entry), '.tag': 'success' };
          } catch (err) {
            if (err instanceof DbxError && err.status === 409 && typeof err.body === 'object') {
              const error = err.body.error as JsonObject;
              return { '.tag': 'failure', failure: error };
            }
            throw err;
          }
        }),
      );
    } finally {
      core.lock.batchRunning = false;
    }
  };

  return {
    'files/upload': {
      kind: 'upload',
      fields: [...COMMIT_FIELDS, 'content_hash'],
      required: ['path'],
      write: true,
      handler: async (ctx) => {
        const { arg, route } = ctx;
        const mode = parseMode(route, arg.mode);
        const clientModified = parseClientModified(route, arg.client_modified);
        const { tmp, got } = await receive(ctx);
        if (got.tooLarge) {
          rmSync(tmp, { force: true });
          throw routeError({ '.tag': 'payload_too_large' });
        }
        if (typeof arg.content_hash === 'string' && arg.content_hash !== got.hash) {
          rmSync(tmp, { force: true });
          throw routeError({ '.tag': 'content_hash_mismatch' });
        }
        // A failed write keeps the bytes as a closed session whose id lets the client retry the commit.
        const failed = (reason: JsonObject): JsonObject => {
          const s = newSession(tmp, got, true);
          return { '.tag': 'path', reason, upload_session_id: s.id };
        };
        try {
          const entry = await singleCommit(
            () => failed({ '.tag': 'too_many_write_operations' }),
            () => {
              const target = resolvePath(core, ctx.ns, arg.path, route, 'path', 'path', false);
              return store.commitFile(
                target.ns,
                target.display,
                { file: tmp, size: got.size, contentHash: got.hash },
                mode,
                arg.autorename === true,
                clientModified,
              );
            },
          );
          return { json: store.plainMetadata(entry) };
        } catch (err) {
          if (err instanceof DbxError && err.status === 409 && typeof err.body === 'object') {
            const error = err.body.error as JsonObject;
            if (error['.tag'] === 'path' && typeof error.path === 'object' && error.path !== null) throw routeError(failed(error.path as JsonObject));
          } else {
            rmSync(tmp, { force: true });
          }
          throw err;
        }
      },
    },
    'files/upload_session/start': {
      kind: 'upload',
      fields: ['close', 'session_type', 'content_hash'],
      handler: async (ctx) => {
        const { arg, route } = ctx;
        if (arg.session_type !== undefined && arg.session_type !== 'sequential' && (arg.session_type as JsonObject)['.tag'] !== 'sequential')
          throw badInput(route, 'request body: session_type: the simulator only has sequential upload sessions');
        const { tmp, got } = await receive(ctx);
        if (got.tooLarge || (typeof arg.content_hash === 'string' && arg.content_hash !== got.hash)) {
          rmSync(tmp, { force: true });
          throw routeError({ '.tag': got.tooLarge ? 'payload_too_large' : 'content_hash_mismatch' });
        }
        return { json: { session_id: newSession(tmp, got, arg.close === true).id } };
      },
    },
    'files/upload_session/append_v2': {
      kind: 'upload',
      fields: ['cursor', 'close', 'content_hash'],
      required: ['cursor'],
      handler: async (ctx) => {
        const { arg, route } = ctx;
        const cursor = parseCursor(route, arg.cursor);
        const found = lookupSession(cursor.sessionId, cursor.offset, false, true);
        if (!('id' in found)) {
          ctx.req.resume();
          throw routeError(found);
        }
        const s = found as UploadSession;
        s.busy = true;
        try {
          const { tmp, got } = await receive(ctx);
          try {
            if (got.tooLarge) throw routeError({ '.tag': 'payload_too_large' });
            if (typeof arg.content_hash === 'string' && arg.content_hash !== got.hash) throw routeError({ '.tag': 'content_hash_mismatch' });
            await appendFile(tmp, s.file, s.hasher);
            if (arg.close === true) s.closed = true;
          } finally {
            rmSync(tmp, { force: true });
          }
        } finally {
          s.busy = false;
        }
        return { json: null };
      },
    },
    'files/upload_session/finish': {
      kind: 'upload',
      fields: ['cursor', 'commit', 'content_hash'],
      required: ['cursor', 'commit'],
      write: true,
      handler: async (ctx) => {
        const { arg, route } = ctx;
        const cursor = parseCursor(route, arg.cursor);
        const commit = (typeof arg.commit === 'object' && arg.commit !== null ? arg.commit : {}) as Record<string, unknown>;
        for (const k of Object.keys(commit)) if (!COMMIT_FIELDS.includes(k)) throw badInput(route, `request body: commit: unknown field '${k}'`);
        const length = Number(ctx.req.headers['content-length'] ?? 0);
        const found = lookupSession(cursor.sessionId, cursor.offset, false, length > 0);
        if (!('id' in found)) {
          ctx.req.resume();
          throw routeError({ '.tag': 'lookup_failed', lookup_failed: found });
        }
        const s = found as UploadSession;
        s.busy = true;
        try {
          const { tmp, got } = await receive(ctx);
          try {
            if (got.tooLarge) throw routeError({ '.tag': 'payload_too_large' });
            if (typeof arg.content_hash === 'string' && arg.content_hash !== got.hash) throw routeError({ '.tag': 'content_hash_mismatch' });
            if (got.size > 0) await appendFile(tmp, s.file, s.hasher);
          } finally {
            rmSync(tmp, { force: true });
          }
        } finally {
          s.busy = false;
        }
        s.closed = true;
        const entry = await singleCommit(
          () => ({ '.tag': 'path', path: { '.tag': 'too_many_write_operations' } }),
          () => commitSession(s, commit, route, ctx.ns),
        );
        return { json: store.plainMetadata(entry) };
      },
    },
    'files/upload_session/finish_batch_v2': {
      kind: 'rpc',
      fields: ['entries'],
      required: ['entries'],
      write: true,
      handler: async (ctx) => ({ json: { entries: await finishEntries(ctx) } }),
    },
    'files/upload_session/finish_batch': {
      kind: 'rpc',
      fields: ['entries'],
      required: ['entries'],
      write: true,
      handler: async (ctx) => {
        // The v1 batch answers with an async job (files.stone UploadSessionFinishBatchLaunch); here it is done at once.
        const id = `dbjid:${randomBytes(24).toString('base64url')}`;
        core.jobs.set(id, { '.tag': 'complete', entries: await finishEntries(ctx) });
        return { json: { '.tag': 'async_job_id', async_job_id: id } };
      },
    },
    'files/upload_session/finish_batch/check': {
      kind: 'rpc',
      fields: ['async_job_id'],
      required: ['async_job_id'],
      handler: ({ arg }) => {
        const job = typeof arg.async_job_id === 'string' ? core.jobs.get(arg.async_job_id) : undefined;
        if (!job) throw routeError({ '.tag': 'invalid_async_job_id' });
        return { json: job };
      },
    },
    'files/download': {
      kind: 'download',
      fields: ['path', 'rev'],
      required: ['path'],
      handler: ({ arg, ns, route, req, res }) => {
        const target = resolvePath(core, ns, arg.path, route, 'path', 'path', false);
        const entry = store.get(target.ns, target.lower);
        if (!entry) throw lookupError('not_found');
        if (entry.tag === 'folder') throw lookupError('not_file');
        if (arg.rev !== undefined && arg.rev !== entry.rev) throw lookupError('not_found');
        const headers: Record<string, string> = {
          'Content-Type': 'application/octet-stream',
          'Dropbox-API-Result': headerSafeJson(store.plainMetadata(entry)),
          'Accept-Ranges': 'bytes',
          ETag: `W/"${entry.rev}"`,
        };
        let start = 0;
        let end = entry.size - 1;
        let status = 200;
        const range = req.headers.range;
        if (range !== undefined) {
          const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
          const ok = m && (m[1] !== '' || m[2] !== '');
          if (ok && m) {
            if (m[1] === '') {
              const n = Number(m[2]);
              start = Math.max(0, entry.size - n);
            } else {
              start = Number(m[1]);
              if (m[2] !== '') end = Math.min(entry.size - 1, Number(m[2]));
            }
          }
          if (!ok || start >= entry.size || start > end) {
            res.writeHead(416, { 'Content-Range': `bytes */${entry.size}`, 'Content-Type': 'text/plain; charset=utf-8' });
            res.end('Requested range not satisfiable');
            return { sent: true };
          }
          status = 206;
          headers['Content-Range'] = `bytes ${start}-${end}/${entry.size}`;
        }
        headers['Content-Length'] = String(Math.max(0, end - start + 1));
        res.writeHead(status, headers);
        if (req.method === 'HEAD' || entry.size === 0) {
          res.end();
          return { sent: true };
        }
        const stream = createReadStream(entry.blob, { start, end });
        stream.on('error', () => res.destroy());
        stream.pipe(res);
        return { sent: true };
      },
    },
  };
}
