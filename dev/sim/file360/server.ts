/**
 * A strict File 360 simulator: the OpenText cloud file-sharing API (OpenText Core Share) that
 * shared/reference/file360-rest.md describes, every route and shape of it, on one base URL:
 * the API under `/api/` and `/search/`, the OTDS token endpoint at `/otdsws/oauth2/token` (so the
 * SSO URL is the same base URL), inspection under `/_sim/` (JSON, no auth) and a read-only web page at `/`.
 *
 * What it checks:
 * - `Authorization: Bearer <token>` on every API call: missing, unknown or expired -> 401 JSON with
 *   `WWW-Authenticate: Bearer` (RFC 6750 §3); a client must get a new token and repeat the call.
 * - JSON bodies: Content-Type application/json, an object, at most 64 KiB, no unknown fields.
 *   GET and DELETE may come with `Content-Type: application/json` and no body, as OpenText's own client
 *   sends them (opentext/pyxecm, pyxecm/coreshare.py `request_header_user`).
 * - Ids are numeric strings above 2^53 (store.ts); `parentId` given as a JSON number is a 400.
 * - Unknown routes 404, known paths with another method 405, both as JSON errors.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileRoute, createSimServer, isPageRequest, listenSim, runApiCall, sendPage } from '../shared/server';
import { Auth, tokenEndpoint } from './auth';
import { readSmallBody, receivePlain } from './body';
import type { Ctx, RouteDef, SimCore, SimCounters } from './context';
import { F360Error, badRequest, sendError, sendJson, tooManyRequests, unauthorized, type Json, type JsonObject } from './errors';
import { DEFAULT_FAULTS, mergeFaults, type File360Faults } from './faults';
import { peopleRoutes } from './routes-people';
import { resourceRoutes } from './routes-resources';
import { sharingRoutes } from './routes-sharing';
import { seed, type Seeded } from './seed';
import { File360Store, type Resource } from './store';
import { renderPage } from './ui';
import { collaboratorJson, displayName } from './views';

export interface File360SimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where content lives; default: a fresh temporary directory removed on stop. */
  dataDir?: string;
  clientId?: string;
  clientSecret?: string;
  /** The account's email (the password grant's `username`). */
  user?: string;
  password?: string;
  /** Lifetime of access tokens; same as faults.tokenTtlSeconds. */
  tokenTtlSeconds?: number;
  faults?: Partial<File360Faults>;
}

export interface File360SimStats extends SimCounters {
  activeTokens: number;
  rss: number;
  heapUsed: number;
}

export interface File360SimCollaborator {
  id: string;
  type: 'user' | 'group';
  role: string;
  name: string;
}

export interface File360SimFolder {
  id: string;
  name: string;
  /** `/Suppliers/ACME` below the account's root ('/' is the root). */
  path: string;
  parentId: string | null;
  collaborators: File360SimCollaborator[];
}

export interface File360SimDocument {
  id: string;
  name: string;
  path: string;
  parentId: string;
  size: number;
  sha256: string;
  lastModified: string;
}

export interface File360SimState {
  account: { id: string; email: string; displayName: string; rootId: string };
  folders: File360SimFolder[];
  documents: File360SimDocument[];
  groups: { id: string; name: string; members: string[] }[];
  users: { id: string; email: string; displayName: string }[];
  /** Deleted items (in the trash), by their last path. */
  trash: { id: string; name: string; resourceType: 'folder' | 'document'; path: string }[];
}

export interface File360Sim {
  /** API base, e.g. http://127.0.0.1:8383, no trailing slash. */
  url: string;
  /** The SSO base: the same server, serving /otdsws/oauth2/token. */
  ssoUrl: string;
  port: number;
  clientId: string;
  clientSecret: string;
  user: string;
  password: string;
  /** The account's user id and root folder id. */
  userId: string;
  rootId: string;
  /** Seeded folder ids by name (Marketing, Suppliers, ACME, Audit, Exceptions). */
  seeded: Seeded['folders'];
  store: File360Store;
  faults(): File360Faults;
  setFaults(update: Partial<File360Faults>): File360Faults;
  /** Every token issued so far answers 401 from now on. */
  expireTokens(): void;
  /** A token as the token endpoint would issue it (for tests that skip the grant). */
  issueToken(): string;
  stats(): File360SimStats;
  state(): File360SimState;
  /** The live folder at a path below the root (`/Suppliers/ACME`, '/' = root), or undefined. */
  folderAt(path: string): File360SimFolder | undefined;
  /** The live document at a path below the root, or undefined. */
  documentAt(path: string): File360SimDocument | undefined;
  /** The file on disk holding a document's bytes (read it as a stream). */
  contentFile(documentId: string): string | undefined;
  /** Drops a document in a folder (path or id) as a person would; a taken name is overwritten unless `collision` says otherwise. */
  putFile(folder: string, name: string, content: string | Uint8Array, collision?: 'overwrite' | 'rename' | 'fail'): Promise<File360SimDocument>;
  stop(): Promise<void>;
}

export async function startFile360Sim(options: File360SimOptions = {}): Promise<File360Sim> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'f360-sim-'));
  const store = new File360Store(dataDir);
  let faults = mergeFaults(DEFAULT_FAULTS, {
    ...(options.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    ...(options.faults ?? {}),
  });
  const creds = {
    clientId: options.clientId ?? 'filebridge-sim',
    clientSecret: options.clientSecret ?? 'sim-secret',
    user: options.user ?? 'sim.user@example.com',
    password: options.password ?? 'sim-password',
  };
  const seeded = seed(store, creds.user);
  const auth = new Auth(creds, () => faults.tokenTtlSeconds);
  const counters: SimCounters = {
    requests: 0,
    byRoute: {},
    tokensIssued: 0,
    unauthorized: 0,
    injectedErrors: 0,
    rateLimited: 0,
    droppedUploads: 0,
    uploads: 0,
    downloads: 0,
  };
  const core: SimCore = {
    store,
    auth,
    user: seeded.user,
    faults: () => faults,
    dropThisUpload: () => {
      if (faults.dropUploadNext > 0) {
        faults = { ...faults, dropUploadNext: faults.dropUploadNext - 1 };
        return true;
      }
      return faults.dropUploadRate > 0 && Math.random() < faults.dropUploadRate;
    },
    counters,
  };
  const routes = [...resourceRoutes(), ...sharingRoutes(), ...peopleRoutes()].map((def) => ({ def, ...compileRoute(def.pattern) }));
  let baseUrl = '';

  const stats = (): File360SimStats => {
    const mem = process.memoryUsage();
    return { ...counters, byRoute: { ...counters.byRoute }, tokensIssued: auth.issued, activeTokens: auth.active(), rss: mem.rss, heapUsed: mem.heapUsed };
  };

  const folderView = (r: Resource): File360SimFolder => ({
    id: r.id,
    name: r.name,
    path: store.path(r),
    parentId: r.parentId,
    collaborators: [...r.collaborators.values()].map((c) => collaboratorJson(store, c) as unknown as File360SimCollaborator),
  });
  const documentView = (r: Resource): File360SimDocument => ({
    id: r.id,
    name: r.name,
    path: store.path(r),
    parentId: r.parentId ?? '',
    size: r.size,
    sha256: r.sha256,
    lastModified: r.lastModified,
  });

  const state = (): File360SimState => {
    const rootId = seeded.user.rootId;
    const root = store.resources.get(rootId);
    const live = store.descendants(rootId);
    const trash: File360SimState['trash'] = [];
    for (const r of store.resources.values())
      if (r.parentId !== null && !store.live(r.id) && r.deleted) trash.push({ id: r.id, name: r.name, resourceType: r.kind, path: store.path(r) });
    return {
      account: { id: seeded.user.id, email: seeded.user.email, displayName: displayName(seeded.user), rootId },
      folders: [...(root ? [folderView(root)] : []), ...live.filter((r) => r.kind === 'folder').map(folderView)],
      documents: live.filter((r) => r.kind === 'document').map(documentView),
      groups: [...store.groups.values()].map((g) => ({
        id: g.id,
        name: g.name,
        members: [...g.members].map((id) => store.users.get(id)?.email ?? id),
      })),
      users: [...store.users.values()].map((u) => ({ id: u.id, email: u.email, displayName: displayName(u) })),
      trash,
    };
  };

  const folderByRef = (ref: string): Resource | undefined => {
    const r = /^[0-9]+$/.test(ref) ? store.live(ref) : store.byPath(seeded.user.rootId, ref);
    return r?.kind === 'folder' ? r : undefined;
  };

  const dropIn = (folderRef: string, name: string, tmp: string, size: number, sha256: string, collision: string): File360SimDocument => {
    const folder = folderByRef(folderRef);
    if (!folder) throw badRequest(`no folder '${folderRef}'`);
    let finalName = name;
    const existing = store.child(folder.id, name);
    if (existing && collision === 'fail') throw new F360Error(409, 'conflict', `'${name}' exists`);
    if (existing && (collision === 'rename' || existing.kind === 'folder')) {
      for (let i = 1; store.child(folder.id, finalName); i++) finalName = `${name} (${i})`;
    }
    const replace = existing && finalName === name && existing.kind === 'document' ? existing : undefined;
    return documentView(store.commitDocument(folder.id, finalName, seeded.user.id, tmp, size, sha256, replace));
  };

  /** `/_sim/...`: JSON, no auth. */
  const simAdmin = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && path === '/_sim/state') return sendJson(res, 200, state() as unknown as Json);
      if (method === 'GET' && path === '/_sim/stats') return sendJson(res, 200, stats() as unknown as Json);
      if (method === 'GET' && path === '/_sim/faults') return sendJson(res, 200, { ...faults });
      if (method === 'POST' && path === '/_sim/faults') {
        const text = (await readSmallBody(req)).toString('utf8').trim();
        faults = mergeFaults(faults, text === '' ? {} : (JSON.parse(text) as Record<string, unknown>));
        return sendJson(res, 200, { ...faults });
      }
      if (method === 'POST' && path === '/_sim/files') {
        // ?folder=/Suppliers/ACME (or a folder id)&name=x.csv[&collision=overwrite|rename|fail]; the body is the content.
        const folder = url.searchParams.get('folder') ?? '';
        const name = url.searchParams.get('name') ?? '';
        const collision = url.searchParams.get('collision') ?? 'overwrite';
        if (!folder || !name || !['overwrite', 'rename', 'fail'].includes(collision)) {
          req.resume();
          return sendJson(res, 400, { error: 'badRequest', message: 'folder=<path or id>&name=<name>[&collision=overwrite|rename|fail] expected' });
        }
        const tmp = store.tmpFile();
        try {
          const got = await receivePlain(req, tmp);
          return sendJson(res, 200, dropIn(folder, name, tmp, got.size, got.sha256, collision) as unknown as Json);
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      if (method === 'POST' && path === '/_sim/tokens/expire') {
        req.resume();
        auth.expireAll();
        return sendJson(res, 200, { expired: true });
      }
    } catch (err) {
      req.resume();
      if (err instanceof F360Error) return sendError(res, err);
      return sendJson(res, 400, { error: 'badRequest', message: (err as Error).message });
    }
    req.resume();
    sendJson(res, 404, { error: 'notFound', message: `unknown simulator endpoint ${method} ${path}` });
  };

  const parseBody = async (req: IncomingMessage, def: RouteDef): Promise<JsonObject> => {
    if (def.body === 'none') return {};
    const raw = await readSmallBody(req);
    const type = (req.headers['content-type'] ?? '').toLowerCase().trim();
    if (raw.length === 0) {
      if (def.body === 'required') throw badRequest('a JSON body is required (Content-Type: application/json)');
      return {};
    }
    if (!/^application\/json\s*(;|$)/.test(type)) throw badRequest(`Content-Type must be application/json, got '${type.slice(0, 60)}'`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('the body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('the body must be a JSON object');
    const body = parsed as JsonObject;
    for (const k of Object.keys(body)) if (!(def.fields ?? []).includes(k)) throw badRequest(`unknown field '${k.slice(0, 60)}'`);
    return body;
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let found: { def: RouteDef; params: Record<string, string> } | undefined;
    let pathKnown = false;
    for (const r of routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathKnown = true;
      if (r.def.method !== method) continue;
      const params: Record<string, string> = {};
      r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
      found = { def: r.def, params };
      break;
    }
    counters.requests++;
    const key = found ? `${method} ${found.def.pattern}` : `${method} (unknown)`;
    counters.byRoute[key] = (counters.byRoute[key] ?? 0) + 1;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (!found) {
      if (pathKnown) throw new F360Error(405, 'methodNotAllowed', `${method} is not allowed on ${path}`);
      throw new F360Error(404, 'notFound', `No API route ${method} ${path}`);
    }
    const { def, params } = found;
    if (!def.public) {
      const header = req.headers.authorization;
      const m = header === undefined ? undefined : /^Bearer ([^\s]+)$/.exec(header);
      const check = m?.[1] ? auth.check(m[1]) : 'missing';
      if (check !== 'ok') {
        counters.unauthorized++;
        const err = unauthorized(
          check === 'missing'
            ? 'An Authorization: Bearer <access token> header is required'
            : check === 'expired'
              ? 'The access token has expired'
              : 'The access token is not valid',
        );
        throw new F360Error(401, err.error, err.message, {
          'WWW-Authenticate': check === 'missing' ? 'Bearer' : `Bearer error="invalid_token", error_description="${err.message}"`,
        });
      }
    }
    if (faults.rateLimitNext > 0 || (faults.rateLimitRate > 0 && Math.random() < faults.rateLimitRate)) {
      if (faults.rateLimitNext > 0) faults = { ...faults, rateLimitNext: faults.rateLimitNext - 1 };
      counters.rateLimited++;
      throw tooManyRequests(faults.retryAfterSeconds);
    }
    if (faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      if (faults.failNext > 0) faults = { ...faults, failNext: faults.failNext - 1 };
      counters.injectedErrors++;
      if (counters.injectedErrors % 2 === 0)
        throw new F360Error(503, 'serviceUnavailable', 'The service is busy; try again later', { 'Retry-After': String(faults.retryAfterSeconds) });
      throw new F360Error(500, 'internalError', 'Internal error');
    }
    const body = await parseBody(req, def);
    const ctx: Ctx = { req, res, url, params, body, core };
    const reply = await def.handler(ctx);
    if ('sent' in reply) return;
    if (reply.status === 204) {
      res.writeHead(204);
      return void res.end();
    }
    if (!('json' in reply)) return;
    sendJson(res, reply.status ?? 200, reply.json, reply.headers);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) return simAdmin(req, res, path, url);
    if (path === '/otdsws/oauth2/token') {
      counters.requests++;
      counters.byRoute['POST /otdsws/oauth2/token'] = (counters.byRoute['POST /otdsws/oauth2/token'] ?? 0) + 1;
      if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
      return tokenEndpoint(auth, req, res, url);
    }
    if (path.startsWith('/api/') || path.startsWith('/search/')) {
      return runApiCall(
        req,
        res,
        () => api(req, res, url),
        (err): err is F360Error => err instanceof F360Error,
        sendError,
      );
    }
    req.resume();
    if (isPageRequest(req, path)) return sendPage(req, res, renderPage(baseUrl, state(), stats(), faults, url));
    sendJson(res, 404, { error: 'notFound', message: 'Not found' });
  };

  const server: Server = createSimServer(handle, (res, err) =>
    sendJson(res, 500, { error: 'internalError', message: `Internal simulator error: ${err instanceof Error ? err.message : String(err)}` }),
  );
  const host = options.host ?? '127.0.0.1';
  const port = await listenSim(server, host, options.port ?? 0);
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    ssoUrl: baseUrl,
    port,
    ...creds,
    userId: seeded.user.id,
    rootId: seeded.user.rootId,
    seeded: seeded.folders,
    store,
    faults: () => ({ ...faults }),
    setFaults: (update) => (faults = mergeFaults(faults, update)),
    expireTokens: () => auth.expireAll(),
    issueToken: () => auth.issue().token,
    stats,
    state,
    folderAt: (path) => {
      const r = store.byPath(seeded.user.rootId, path);
      return r?.kind === 'folder' ? folderView(r) : undefined;
    },
    documentAt: (path) => {
      const r = store.byPath(seeded.user.rootId, path);
      return r?.kind === 'document' ? documentView(r) : undefined;
    },
    contentFile: (id) => {
      const r = store.live(id);
      return r?.kind === 'document' ? r.blob : undefined;
    },
    putFile: (folder, name, content, collision = 'overwrite') => {
      const bytes = Buffer.from(content);
      const tmp = store.tmpFile();
      writeFileSync(tmp, bytes);
      try {
        return Promise.resolve(dropIn(folder, name, tmp, bytes.length, createHash('sha256').update(bytes).digest('hex'), collision));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        rmSync(tmp, { force: true });
      }
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      else store.removeAll();
    },
  };
}
