/**
 * A strict Dropbox API v2 simulator: one HTTP base URL serving the RPC (api.dropboxapi.com), content
 * (content.dropboxapi.com) and notify (notify.dropboxapi.com) routes under `/2/`, OAuth under
 * `/oauth2/`, inspection under `/_sim/` and a read-only web page at `/`.
 * What it checks, as Dropbox does (shared/reference/node-red-and-dropbox.md):
 * - Authorization: missing -> 400 text; not `Bearer <token>` -> 400 text; unknown / expired -> 401 JSON;
 *   on longpoll an Authorization header is a 400 (dropbox/dropbox-sdk-java issue 35 has the text).
 * - RPC routes take a JSON body with Content-Type application/json (or the CORS hack type); a route
 *   without arguments also takes a bodyless POST, as the SDK sends it.
 * - Content routes take their argument only from the `Dropbox-API-Arg` header or the `arg` URL
 *   parameter (Dropbox's HTTP docs, "Formats": "arguments are passed in the Dropbox-API-Arg request
 *   header or arg URL parameter", quoted in apache/incubator-opendal issue 2810); the header must be
 *   ASCII (non-ASCII arrives \uXXXX-escaped).
 * - Unknown argument fields are refused (400), paths and ids are checked, route errors are 409 JSON.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimServer, isPageRequest, listenSim, runApiCall, sendPage } from '../shared/server';
import { readSmallBody, receiveContent } from './body';
import { ContentHasher } from './content-hash';
import type { Ctx, RouteDef } from './context';
import { WriteLock, type SimAccount, type SimCore, type SimCounters } from './core';
import { DbxError, authError, badInput, rateLimited, type Json, type JsonObject } from './errors';
import { DEFAULT_FAULTS, mergeFaults, type DropboxFaults } from './faults';
import { Auth, authorizePage, tokenEndpoint } from './oauth';
import { accountRoutes, rootInfo } from './routes-account';
import { contentRoutes } from './routes-content';
import { filesRoutes } from './routes-files';
import { DEFAULT_ACCOUNT, HOME_NAMESPACE_ID, TEAM_ROOT_NAMESPACE_ID, seed } from './seed';
import { DropboxStore, type Namespace, type SimEntry } from './store';
import { renderPage } from './ui';

export interface DropboxSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where content lives; default: a fresh temporary directory removed on stop. */
  dataDir?: string;
  /** The app key (client_id) the simulator knows; default 'filebridge-sim-app'. */
  appKey?: string;
  /** A refresh token that is always valid; default 'sim-refresh-token'. */
  refreshToken?: string;
  /** Lifetime of access tokens; default 14400 (4 hours, as Dropbox). Same as faults.accessTokenTtlSeconds. */
  accessTokenTtlSeconds?: number;
  /** The account is a team member with a team space (root namespace with team folders); default true. */
  teamSpace?: boolean;
  faults?: Partial<DropboxFaults>;
}

export interface DropboxSimStats extends SimCounters {
  activeAccessTokens: number;
  uploadSessions: number;
  rss: number;
  heapUsed: number;
}

export interface DropboxSimFile {
  '.tag': 'file' | 'folder';
  path_display: string;
  path_lower: string;
  id: string;
  rev?: string;
  size?: number;
  content_hash?: string;
}

export interface DropboxSimState {
  account: { account_id: string; name: string; email: string; root_info: JsonObject };
  namespaces: { namespace_id: string; name: string; kind: 'home' | 'team_root'; entries: DropboxSimFile[] }[];
}

export interface DropboxSim {
  /** e.g. http://127.0.0.1:8282, no trailing slash. */
  url: string;
  port: number;
  appKey: string;
  refreshToken: string;
  homeNamespaceId: string;
  /** The team root namespace id ('' without a team space). */
  rootNamespaceId: string;
  store: DropboxStore;
  faults(): DropboxFaults;
  setFaults(update: Partial<DropboxFaults>): DropboxFaults;
  /** Every access token issued so far answers 401 expired_access_token from now on. */
  expireAccessTokens(): void;
  /** An access token as /oauth2/token would issue it (for tests that skip the refresh). */
  issueAccessToken(): string;
  /** Every cursor issued so far answers `reset` from now on (list_folder/continue, longpoll). */
  resetCursors(): void;
  stats(): DropboxSimStats;
  state(): DropboxSimState;
  /** Drops a file in as a partner would (a new rev, seen by cursors); `root: 'team'` for the team space. */
  putFile(path: string, content: string | Uint8Array, options?: { root?: 'home' | 'team'; mode?: 'add' | 'overwrite' }): Promise<DropboxSimFile>;
  /** The entry at a path (case-insensitive), or undefined. */
  entry(path: string, root?: 'home' | 'team'): DropboxSimFile | undefined;
  /** The file on disk holding an entry's bytes (read it as a stream). */
  contentFile(path: string, root?: 'home' | 'team'): string | undefined;
  stop(): Promise<void>;
}

const RPC_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain; charset=dropbox-cors-hack'];
const UPLOAD_TYPES = ['application/octet-stream', 'text/plain; charset=dropbox-cors-hack'];

function sendJson(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, err: DbxError): void {
  if (typeof err.body === 'string') sendText(res, err.status, err.body, err.headers);
  else sendJson(res, err.status, err.body, err.headers);
}

function fileOf(store: DropboxStore, e: SimEntry): DropboxSimFile {
  const m = store.metadata(e);
  return {
    '.tag': e.tag,
    path_display: e.display,
    path_lower: e.lower,
    id: e.id,
    ...(e.tag === 'file' ? { rev: e.rev, size: e.size, content_hash: m.content_hash as string } : {}),
  };
}

export async function startDropboxSim(options: DropboxSimOptions = {}): Promise<DropboxSim> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'dbx-sim-'));
  const store = new DropboxStore(dataDir);
  let faults = mergeFaults(DEFAULT_FAULTS, {
    ...(options.accessTokenTtlSeconds !== undefined ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
    ...(options.faults ?? {}),
  });
  const appKey = options.appKey ?? 'filebridge-sim-app';
  const refreshToken = options.refreshToken ?? 'sim-refresh-token';
  const home = store.addNamespace(HOME_NAMESPACE_ID, 'Sim User (home)');
  const teamRoot = options.teamSpace === false ? undefined : store.addNamespace(TEAM_ROOT_NAMESPACE_ID, 'Sim Team (team space)');
  const account: SimAccount = { ...DEFAULT_ACCOUNT };
  let epoch = randomBytes(6).toString('base64url');
  let baseUrl = '';
  const counters: SimCounters = {
    requests: 0,
    byRoute: {},
    tokenRefreshes: 0,
    codeExchanges: 0,
    injectedErrors: 0,
    rateLimited: 0,
    writeContention: 0,
    droppedUploads: 0,
    batches: 0,
    longpolls: 0,
  };
  const core: SimCore = {
    store,
    account,
    home,
    teamRoot,
    faults: () => faults,
    epoch: () => epoch,
    snapshots: new Map(),
    sessions: new Map(),
    links: new Map(),
    counters,
    url: () => baseUrl,
    lock: new WriteLock(() => (faults.contendSingleCommits ? faults.writeLockMs : 0)),
    jobs: new Map(),
  };
  seed(store, home, teamRoot);
  const auth = new Auth(appKey, refreshToken, () => faults.accessTokenTtlSeconds);
  const routes: Record<string, RouteDef> = { ...filesRoutes(core), ...contentRoutes(core), ...accountRoutes(core) };

  const stats = (): DropboxSimStats => {
    const mem = process.memoryUsage();
    return {
      ...counters,
      byRoute: { ...counters.byRoute },
      activeAccessTokens: auth.activeTokens(),
      uploadSessions: core.sessions.size,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
    };
  };

  const nsOf = (root?: string): Namespace => {
    if (root === 'team' || root === 'root' || (teamRoot && root === teamRoot.id)) {
      if (!teamRoot) throw new Error('this simulator has no team space');
      return teamRoot;
    }
    return home;
  };

  const state = (): DropboxSimState => ({
    account: { account_id: account.accountId, name: account.displayName, email: account.email, root_info: rootInfo(core) },
    namespaces: [home, teamRoot]
      .filter((n): n is Namespace => n !== undefined)
      .map((n) => ({
        namespace_id: n.id,
        name: n.name,
        kind: n === home ? ('home' as const) : ('team_root' as const),
        entries: store.descendants(n, '').map((e) => fileOf(store, e)),
      })),
  });

  const putFile = async (path: string, body: IncomingMessage | Buffer, root: string | undefined, mode: string | undefined): Promise<DropboxSimFile> => {
    const ns = nsOf(root);
    const tmp = store.tmpFile();
    let size: number;
    let hash: string;
    if (Buffer.isBuffer(body)) {
      writeFileSync(tmp, body);
      const h = new ContentHasher();
      h.update(body);
      size = body.length;
      hash = h.hex();
    } else {
      const got = await receiveContent(body, tmp, { limit: Number.MAX_SAFE_INTEGER });
      size = got.size;
      hash = got.hash;
    }
    try {
      const e = store.commitFile(ns, path, { file: tmp, size, contentHash: hash }, mode === 'add' ? { tag: 'add' } : { tag: 'overwrite' }, false);
      return fileOf(store, e);
    } finally {
      rmSync(tmp, { force: true });
    }
  };

  const findEntry = (path: string, root?: string): SimEntry | undefined => store.get(nsOf(root), path.toLowerCase());

  /** `/_sim/...`: JSON, no auth. */
  const simAdmin = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && path === '/_sim/state') return sendJson(res, 200, state() as unknown as Json);
      if (method === 'GET' && path === '/_sim/stats') return sendJson(res, 200, stats() as unknown as Json);
      if (method === 'GET' && path === '/_sim/faults') return sendJson(res, 200, { ...faults });
      if (method === 'POST' && path === '/_sim/faults') {
        const body = await readSmallBody(req);
        const text = body?.toString('utf8').trim() ?? '';
        faults = mergeFaults(faults, text === '' ? {} : (JSON.parse(text) as Record<string, unknown>));
        return sendJson(res, 200, { ...faults });
      }
      if (method === 'POST' && path === '/_sim/files') {
        const target = url.searchParams.get('path');
        if (!target || !target.startsWith('/')) {
          req.resume();
          return sendJson(res, 400, { error: 'path=/folder/name query parameter expected' });
        }
        return sendJson(
          res,
          200,
          (await putFile(target, req, url.searchParams.get('root') ?? undefined, url.searchParams.get('mode') ?? undefined)) as unknown as Json,
        );
      }
      if (method === 'POST' && path === '/_sim/tokens/expire') {
        req.resume();
        auth.expireAll();
        return sendJson(res, 200, {});
      }
      if (method === 'POST' && path === '/_sim/cursors/reset') {
        req.resume();
        epoch = randomBytes(6).toString('base64url');
        core.snapshots.clear();
        return sendJson(res, 200, {});
      }
    } catch (err) {
      req.resume();
      const e = err as Error & { body?: unknown };
      return sendJson(res, 400, { error: e instanceof DbxError ? JSON.stringify(e.body) : e.message });
    }
    req.resume();
    sendJson(res, 404, { error: `unknown simulator endpoint ${method} ${path}` });
  };

  /** Shared links point here: `GET /s/<id>/<name>` downloads the file. */
  const sharedLink = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    req.resume();
    const link = [...core.links.values()].find((l) => new URL(l.url).pathname === path);
    const at = link ? store.ids.get(link.entryId) : undefined;
    const entry = at ? at.ns.entries.get(at.lower) : undefined;
    if (!entry || entry.tag !== 'file') return sendText(res, 404, 'Not found');
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(entry.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(entry.name)}`,
    });
    createReadStream(entry.blob)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const bearer = (req: IncomingMessage, url: URL, route: string): string => {
    const header = req.headers.authorization ?? url.searchParams.get('authorization') ?? undefined;
    if (header === undefined) throw badInput(route, 'Must provide HTTP header "Authorization" or URL parameter "authorization".');
    const m = /^Bearer ([^\s]+)$/.exec(header);
    // Dropbox quotes the value it got; the simulator does not, so no token ends up in a test log.
    if (!m?.[1]) throw badInput(route, 'Invalid authorization value in HTTP header "Authorization".  Expecting "Bearer <oauth2-access-token>".');
    return m[1];
  };

  /** Dropbox-API-Path-Root (auth.stone PathRoot / PathRootError, HTTP 422 for a bad one). */
  const pathRoot = (req: IncomingMessage, route: string): Namespace => {
    const header = req.headers['dropbox-api-path-root'];
    if (header === undefined) return home;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(String(header)) as Record<string, unknown>;
    } catch {
      throw badInput(route, 'HTTP header "Dropbox-API-Path-Root": could not decode input as JSON');
    }
    const tag = v['.tag'];
    if (tag === 'home') return home;
    const ours = teamRoot ?? home;
    if (tag === 'root') {
      if (v.root !== ours.id) throw new DbxError(422, { error_summary: 'invalid_root/..', error: { '.tag': 'invalid_root', invalid_root: rootInfo(core) } });
      return ours;
    }
    if (tag === 'namespace_id') {
      const ns = [home, teamRoot].find((n) => n?.id === v.namespace_id);
      if (!ns) throw new DbxError(422, { error_summary: 'no_permission/..', error: { '.tag': 'no_permission' } });
      return ns;
    }
    throw badInput(route, 'HTTP header "Dropbox-API-Path-Root": unknown tag');
  };

  const parseArg = async (req: IncomingMessage, url: URL, route: string, def: RouteDef): Promise<JsonObject> => {
    let text: string | undefined;
    const type = (req.headers['content-type'] ?? '').toLowerCase().trim();
    if (def.kind === 'rpc' || def.kind === 'notify') {
      const body = await readSmallBody(req);
      if (body === undefined) throw badInput(route, 'request body: too large');
      if (body.length === 0 && (type === '' || RPC_TYPES.includes(type))) text = '';
      else if (!RPC_TYPES.includes(type))
        throw badInput(
          route,
          `Bad HTTP "Content-Type" header: "${type}".  Expecting one of "application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack".`,
        );
      else text = body.toString('utf8');
    } else {
      if (def.kind === 'upload' && !UPLOAD_TYPES.includes(type))
        throw badInput(
          route,
          `Bad HTTP "Content-Type" header: "${type}".  Expecting one of "application/octet-stream", "text/plain; charset=dropbox-cors-hack".`,
        );
      const header = req.headers['dropbox-api-arg'];
      const value = Array.isArray(header) ? header[0] : (header ?? url.searchParams.get('arg') ?? undefined);
      // Node hands header bytes over as latin1: anything outside printable ASCII was not escaped.
      if (value !== undefined && /[^\x20-\x7e\t]/.test(value)) throw badInput(route, 'HTTP header "Dropbox-API-Arg": could not decode input as JSON');
      text = value ?? '';
    }
    if (text.trim() === '' || text.trim() === 'null') {
      if (def.required?.length) throw badInput(route, `request body: missing required field '${def.required[0] ?? ''}'`);
      return {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw badInput(
        route,
        def.kind === 'rpc' || def.kind === 'notify'
          ? 'request body: could not decode input as JSON'
          : 'HTTP header "Dropbox-API-Arg": could not decode input as JSON',
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badInput(route, 'request body: expected an object');
    const arg = parsed as JsonObject;
    if (!def.fields) {
      if (Object.keys(arg).length > 0) throw badInput(route, `request body: unknown field '${Object.keys(arg)[0] ?? ''}'`);
      return {};
    }
    for (const k of Object.keys(arg)) if (!def.fields.includes(k)) throw badInput(route, `request body: unknown field '${k}'`);
    for (const k of def.required ?? []) if (arg[k] === undefined) throw badInput(route, `request body: missing required field '${k}'`);
    return arg;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, route: string, url: URL): Promise<void> => {
    counters.requests++;
    counters.byRoute[route] = (counters.byRoute[route] ?? 0) + 1;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const def = routes[route];
    if (!def) throw new DbxError(404, `Unknown API function: "${route}".`);
    const method = req.method ?? 'GET';
    if (method !== 'POST' && !(def.kind === 'download' && (method === 'GET' || method === 'HEAD')))
      throw new DbxError(405, `Error in call to API function "${route}": Method not allowed.`);
    if (def.kind === 'notify') {
      if (req.headers.authorization !== undefined) throw badInput(route, 'Your request includes an Authorization header, but this function does not use it.');
    } else {
      const check = auth.check(bearer(req, url, route));
      if (check !== 'ok') throw authError(check === 'expired' ? 'expired_access_token' : 'invalid_access_token');
    }
    if (faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      if (faults.failNext > 0) faults = { ...faults, failNext: faults.failNext - 1 };
      counters.injectedErrors++;
      // Dropbox answers 500 with an empty body and 503 with a Retry-After (dropbox/dropbox-sdk-python issue 100 shows the empty 500).
      if (counters.injectedErrors % 2 === 0) throw new DbxError(503, '', { 'Retry-After': String(faults.retryAfterSeconds) });
      throw new DbxError(500, '');
    }
    if (faults.rateLimitRate > 0 && Math.random() < faults.rateLimitRate) {
      counters.rateLimited++;
      throw rateLimited('too_many_requests', faults.retryAfterSeconds);
    }
    if (def.write && faults.writeLimitRate > 0 && Math.random() < faults.writeLimitRate) {
      counters.rateLimited++;
      throw rateLimited('too_many_write_operations', faults.retryAfterSeconds);
    }
    const ns = pathRoot(req, route);
    const arg = await parseArg(req, url, route, def);
    const ctx: Ctx = { req, res, route, arg, store, ns };
    const single = def.kind === 'rpc' && def.write && !route.startsWith('files/upload_session/');
    const run = async (): Promise<Awaited<ReturnType<RouteDef['handler']>>> => def.handler(ctx);
    let reply: Awaited<ReturnType<RouteDef['handler']>>;
    if (single && faults.contendSingleCommits && core.lock.busy()) {
      counters.writeContention++;
      if (core.lock.turn++ % 2 === 0) throw rateLimited('too_many_write_operations', faults.retryAfterSeconds);
      // create_folder_v2 reports it inside its WriteError; move/copy/delete as their own tag.
      throw new DbxError(
        409,
        route === 'files/create_folder_v2'
          ? { error_summary: 'path/too_many_write_operations/..', error: { '.tag': 'path', path: { '.tag': 'too_many_write_operations' } } }
          : { error_summary: 'too_many_write_operations/..', error: { '.tag': 'too_many_write_operations' } },
      );
    }
    if (single) reply = await core.lock.hold(run);
    else reply = await run();
    if ('sent' in reply) return;
    if (reply.json === null) return sendJson(res, 200, null);
    sendJson(res, 200, reply.json);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) return simAdmin(req, res, path, url);
    if (path === '/oauth2/token') {
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      counters.requests++;
      counters.byRoute['oauth2/token'] = (counters.byRoute['oauth2/token'] ?? 0) + 1;
      return tokenEndpoint(core, auth, req, res, url);
    }
    if (path === '/oauth2/authorize') return authorizePage(core, auth, req, res, url);
    if (path.startsWith('/s/')) return sharedLink(req, res, path);
    if (path.startsWith('/2/')) {
      return runApiCall(
        req,
        res,
        () => api(req, res, path.slice(3), url),
        (err): err is DbxError => err instanceof DbxError,
        sendError,
      );
    }
    req.resume();
    if (isPageRequest(req, path)) return sendPage(req, res, renderPage(core, state(), stats(), url));
    sendText(res, 404, 'Not found');
  };

  const server: Server = createSimServer(handle, (res, err) =>
    sendText(res, 500, `Internal simulator error: ${err instanceof Error ? err.message : String(err)}`),
  );
  const host = options.host ?? '127.0.0.1';
  const port = await listenSim(server, host, options.port ?? 0);
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    port,
    appKey,
    refreshToken,
    homeNamespaceId: home.id,
    rootNamespaceId: teamRoot?.id ?? '',
    store,
    faults: () => ({ ...faults }),
    setFaults: (update) => (faults = mergeFaults(faults, update)),
    expireAccessTokens: () => auth.expireAll(),
    issueAccessToken: () => auth.issueAccessToken().token,
    resetCursors: () => {
      epoch = randomBytes(6).toString('base64url');
      core.snapshots.clear();
    },
    stats,
    state,
    putFile: (path, content, opts) => putFile(path, Buffer.from(content), opts?.root, opts?.mode),
    entry: (path, root) => {
      const e = findEntry(path, root);
      return e ? fileOf(store, e) : undefined;
    },
    contentFile: (path, root) => {
      const e = findEntry(path, root);
      return e?.tag === 'file' ? e.blob : undefined;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.removeAllListeners();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
