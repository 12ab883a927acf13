/**
 * RPC routes on files and folders: list_folder (+continue, get_latest_cursor, longpoll), get_metadata,
 * create_folder_v2, delete_v2, move_v2, copy_v2. Shapes from files.stone (dropbox/dropbox-api-spec)
 * and shared/reference/node-red-and-dropbox.md.
 */
import { randomBytes } from 'node:crypto';
import type { RouteDef } from './context';
import type { SimCore } from './core';
import { badInput, lookupError, routeError, type JsonObject } from './errors';
import { resolvePath } from './paths';
import { parentOf, type Namespace, type SimEntry } from './store';

/** What a cursor carries (opaque to clients: base64url JSON). `snap`/`o`: paging through the first listing. */
interface Cursor {
  e: string;
  n: string;
  p: string;
  r: boolean;
  d: boolean;
  s: number;
  l: number;
  snap?: string;
  o?: number;
}

/** Entries per page when the client sets no `limit` (Dropbox's own page size is unspecified). */
const DEFAULT_PAGE = 500;
const SNAPSHOT_TTL_MS = 3600_000;

const LIST_FIELDS = [
  'path',
  'recursive',
  'include_media_info',
  'include_deleted',
  'include_has_explicit_shared_members',
  'include_mounted_folders',
  'limit',
  'shared_link',
  'include_property_groups',
  'include_non_downloadable_files',
];

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(core: SimCore, route: string, value: unknown): Cursor {
  if (typeof value !== 'string' || value === '') throw badInput(route, 'request body: cursor: expected string');
  let c: Cursor;
  try {
    c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Cursor;
  } catch {
    throw badInput(route, 'request body: cursor: invalid cursor');
  }
  if (typeof c !== 'object' || c === null || typeof c.e !== 'string' || typeof c.s !== 'number') throw badInput(route, 'request body: cursor: invalid cursor');
  // A cursor from before a reset (or from another simulator run): files.stone ListFolderContinueError.reset.
  if (c.e !== core.epoch()) throw routeError({ '.tag': 'reset' });
  return c;
}

function namespaceOf(core: SimCore, id: string): Namespace {
  const ns = [core.home, core.teamRoot].find((n) => n?.id === id);
  if (!ns) throw routeError({ '.tag': 'reset' });
  return ns;
}

const under = (c: Cursor, lower: string): boolean => (c.r ? lower === c.p || lower.startsWith(`${c.p}/`) : parentOf(lower) === c.p && lower !== c.p);

function firstIndexAfter(ns: Namespace, seq: number): number {
  let lo = 0;
  let hi = ns.log.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ns.log[mid]?.seq ?? 0) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether anything under the cursor's folder changed after it. */
function pending(core: SimCore, c: Cursor): boolean {
  if (c.snap) return true;
  const ns = namespaceOf(core, c.n);
  for (let i = firstIndexAfter(ns, c.s); i < ns.log.length; i++) if (under(c, ns.log[i]?.lower ?? '')) return true;
  return false;
}

function listing(core: SimCore, c: Cursor): { entries: JsonObject[]; cursor: string; has_more: boolean } {
  const { store } = core;
  if (c.snap) {
    const snap = core.snapshots.get(c.snap);
    if (!snap) throw routeError({ '.tag': 'reset' });
    const from = c.o ?? 0;
    const page = snap.entries.slice(from, from + c.l);
    const more = from + c.l < snap.entries.length;
    if (!more) core.snapshots.delete(c.snap);
    const next: Cursor = more ? { ...c, o: from + c.l } : { e: c.e, n: c.n, p: c.p, r: c.r, d: c.d, s: c.s, l: c.l };
    return { entries: page, cursor: encodeCursor(next), has_more: more };
  }
  const ns = namespaceOf(core, c.n);
  const seen = new Map<string, JsonObject>();
  let last = c.s;
  let i = firstIndexAfter(ns, c.s);
  for (; i < ns.log.length; i++) {
    const change = ns.log[i];
    if (!change) break;
    if (!under(c, change.lower)) {
      last = change.seq;
      continue;
    }
    if (seen.size >= c.l && !seen.has(change.lower)) break;
    const entry = store.get(ns, change.lower);
    seen.delete(change.lower);
    seen.set(change.lower, entry ? store.metadata(entry) : store.deletedMetadata(change.lower, change.display));
    last = change.seq;
  }
  const more = i < ns.log.length;
  if (!more) last = ns.seq;
  return { entries: [...seen.values()], cursor: encodeCursor({ ...c, s: last }), has_more: more };
}

export function filesRoutes(core: SimCore): Record<string, RouteDef> {
  const { store } = core;

  const startCursor = (route: string, arg: JsonObject, ns: Namespace): { c: Cursor; folder: SimEntry | undefined } => {
    if (arg.path === '/') throw badInput(route, 'request body: path: Specify the root folder as an empty string rather than as "/".');
    const target = resolvePath(core, ns, arg.path, route, 'path', 'path', true);
    const folder = target.lower === '' ? undefined : store.get(target.ns, target.lower);
    if (target.lower !== '' && !folder) throw lookupError('not_found');
    if (folder?.tag === 'file') throw lookupError('not_folder');
    const limit = arg.limit ?? DEFAULT_PAGE;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 2000)
      throw badInput(route, `request body: limit: ${String(limit)} is not within range [1, 2000]`);
    const c: Cursor = {
      e: core.epoch(),
      n: target.ns.id,
      p: target.lower,
      r: arg.recursive === true,
      d: arg.include_deleted === true,
      s: target.ns.seq,
      l: limit,
    };
    return { c, folder };
  };

  return {
    'files/list_folder': {
      kind: 'rpc',
      fields: LIST_FIELDS,
      required: ['path'],
      handler: ({ arg, ns, route }) => {
        const { c, folder } = startCursor(route, arg, ns);
        const target = namespaceOf(core, c.n);
        const entries: JsonObject[] = [];
        // A recursive listing of a folder includes the folder itself (the root has no metadata): Dropbox's own
        // SDK test expects it (dropbox/dropbox-sdk-rust tests/list_folder_recursive.rs accepts FOLDER among the folders).
        if (c.r && folder) entries.push(store.metadata(folder));
        const found = c.r ? store.descendants(target, c.p) : store.childrenOf(target, c.p).sort((a, b) => (a.lower < b.lower ? -1 : 1));
        for (const e of found) entries.push(store.metadata(e));
        if (c.d) for (const [lower, t] of target.tombstones) if (under(c, lower) && lower !== c.p) entries.push(store.deletedMetadata(lower, t.display));
        if (entries.length <= c.l) return { json: { entries, cursor: encodeCursor(c), has_more: false } };
        // Listings nobody pages to the end are forgotten after an hour (their cursors then answer `reset`).
        for (const [id, old] of core.snapshots) if (old.created < Date.now() - SNAPSHOT_TTL_MS) core.snapshots.delete(id);
        const snap = randomBytes(9).toString('base64url');
        core.snapshots.set(snap, { entries: entries.slice(c.l), created: Date.now() });
        return { json: { entries: entries.slice(0, c.l), cursor: encodeCursor({ ...c, snap, o: 0 }), has_more: true } };
      },
    },
    'files/list_folder/continue': {
      kind: 'rpc',
      fields: ['cursor'],
      required: ['cursor'],
      handler: ({ arg, route }) => ({ json: listing(core, decodeCursor(core, route, arg.cursor)) }),
    },
    'files/list_folder/get_latest_cursor': {
      kind: 'rpc',
      fields: LIST_FIELDS,
      required: ['path'],
      handler: ({ arg, ns, route }) => ({ json: { cursor: encodeCursor(startCursor(route, arg, ns).c) } }),
    },
    'files/list_folder/longpoll': {
      kind: 'notify',
      fields: ['cursor', 'timeout'],
      required: ['cursor'],
      handler: async ({ arg, route, req }) => {
        const c = decodeCursor(core, route, arg.cursor);
        const timeout = arg.timeout ?? 30;
        // files.stone ListFolderLongpollArg.timeout: UInt64(min_value=30, max_value=480), default 30.
        if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 30 || timeout > 480)
          throw badInput(route, `request body: timeout: ${String(timeout)} is not within range [30, 480]`);
        core.counters.longpolls++;
        // files.stone ListFolderLongpollResult: {changes, backoff?} (seconds to wait before the next longpoll).
        const backoff = core.faults().longpollBackoffSeconds;
        const result = (changes: boolean): { json: JsonObject } => ({ json: backoff > 0 ? { changes, backoff } : { changes } });
        if (pending(core, c)) return result(true);
        const cap = core.faults().longpollCapMs;
        const waitMs = cap > 0 ? Math.min(cap, timeout * 1000) : timeout * 1000;
        const changed = await new Promise<boolean>((resolve) => {
          const done = (value: boolean): void => {
            clearTimeout(timer);
            store.off('change', onChange);
            req.off('close', onClose);
            resolve(value);
          };
          const onChange = (nsId: string): void => {
            if (nsId === c.n && pending(core, c)) done(true);
          };
          const onClose = (): void => done(false);
          const timer = setTimeout(() => done(false), waitMs);
          store.on('change', onChange);
          req.on('close', onClose);
        });
        return result(changed);
      },
    },
    'files/get_metadata': {
      kind: 'rpc',
      fields: ['path', 'include_media_info', 'include_deleted', 'include_has_explicit_shared_members', 'include_property_groups'],
      required: ['path'],
      handler: ({ arg, ns, route }) => {
        const target = resolvePath(core, ns, arg.path, route, 'path', 'path', false);
        const entry = store.get(target.ns, target.lower);
        if (entry) return { json: store.metadata(entry) };
        const t = target.ns.tombstones.get(target.lower);
        if (t && arg.include_deleted === true) return { json: store.deletedMetadata(target.lower, t.display) };
        throw lookupError('not_found');
      },
    },
    'files/create_folder_v2': {
      kind: 'rpc',
      fields: ['path', 'autorename'],
      required: ['path'],
      write: true,
      handler: ({ arg, ns, route }) => {
        const target = resolvePath(core, ns, arg.path, route, 'path', 'path', false);
        return { json: { metadata: store.plainMetadata(store.createFolder(target.ns, target.display, arg.autorename === true)) } };
      },
    },
    'files/delete_v2': {
      kind: 'rpc',
      fields: ['path', 'parent_rev'],
      required: ['path'],
      write: true,
      handler: ({ arg, ns, route }) => {
        const target = resolvePath(core, ns, arg.path, route, 'path', 'path_lookup', false);
        const entry = store.get(target.ns, target.lower);
        const meta = entry ? store.metadata(entry) : undefined;
        store.delete(target.ns, target.lower);
        return { json: { metadata: meta ?? {} } };
      },
    },
    'files/move_v2': relocation(core, 'move'),
    'files/copy_v2': relocation(core, 'copy'),
  };
}

function relocation(core: SimCore, kind: 'move' | 'copy'): RouteDef {
  return {
    kind: 'rpc',
    fields: ['from_path', 'to_path', 'allow_shared_folder', 'autorename', 'allow_ownership_transfer'],
    required: ['from_path', 'to_path'],
    write: true,
    handler: ({ arg, ns, route }) => {
      const from = resolvePath(core, ns, arg.from_path, route, 'from_path', 'from_lookup', false);
      const to = resolvePath(core, ns, arg.to_path, route, 'to_path', 'to', false);
      // files.stone RelocationResult: the new metadata wrapped in `metadata`.
      return { json: { metadata: core.store.metadata(core.store.relocate(kind, from, to, arg.autorename === true)) } };
    },
  };
}
