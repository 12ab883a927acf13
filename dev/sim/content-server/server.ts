/**
 * A strict OpenText Content Server REST simulator: HTTP server, routing, tickets, fault injection and
 * the inspection endpoints tests use (`/__sim/...`, outside the API base).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refreshSeconds } from '../shared/html';
import { createSimServer, listenSim } from '../shared/server';
import type { Ctx, Reply, Route } from './context';
import type { Json, JsonObject } from './envelopes';
import { CsError, argumentRequired, authRequired, badCredentials, routeNotFound } from './errors';
import { DEFAULT_FAULTS, mergeFaults, parseScript, sendInjectedError, sendScripted, type Faults, type ScriptedAnswer } from './faults';
import { DroppedUpload, discardFiles, emptyForm, formParams, optString, readForm, type ParsedForm } from './forms';
import { Extras, type LargeFileSettings } from './extras';
import { nodeRoutes } from './routes-nodes';
import { recordRoutes } from './routes-records';
import { searchRoutes } from './routes-search';
import { uploadRoutes } from './routes-upload';
import { workspaceRoutes } from './routes-workspaces';
import { DEFAULT_SEED, loadSeed, type Seed, type SeedUser } from './seed';
import { ContentStore } from './store';
import { UI_BASE, renderIndex, renderMissing, renderNode, type UiContext } from './ui';

export interface ContentServerSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Default `/otcs/cs.exe/api`; `/cs/cs/api` is the Linux flavour. */
  apiBase?: string;
  /** Where content and state live; default: a fresh temporary directory removed on stop. */
  dataDir?: string;
  /** A seed object or a path to a seed JSON file; default: the built-in seed. */
  seed?: Seed | string;
  faults?: Partial<Faults>;
  /** Version string reported by /v1/ping. */
  version?: string;
  /** `legacy` answers dates without a zone, as older servers do. Also settable later on `store.dateStyle`. */
  dateStyle?: 'zulu' | 'legacy';
  /** The large-file multipart API; `enabled: false` simulates an older server without it. */
  largeFile?: Partial<LargeFileSettings>;
}

export interface ContentServerSim {
  url: string;
  apiBase: string;
  port: number;
  store: ContentStore;
  /** Records management, holds, permissions, workflows, uploads, OTDS tokens. */
  extras: Extras;
  faults(): Faults;
  setFaults(update: Partial<Faults>): Faults;
  /** Answers for the next API requests, in order, before anything else (429, 504, 403, empty bodies, drops, hangs). */
  script(answers: ScriptedAnswer[]): void;
  /** Makes every issued ticket unknown, as a server restart or an expiry would. */
  expireTickets(): void;
  stats(): SimStats;
  stop(): Promise<void>;
}

export interface SimStats {
  requests: number;
  logins: number;
  injectedErrors: number;
  droppedUploads: number;
  otdsTokens: number;
  activeTickets: number;
  rss: number;
  heapUsed: number;
}

interface Ticket {
  userId: number;
  expires: number;
}

function sendJson(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('a JSON object is expected');
  return parsed as Record<string, unknown>;
}

export async function startContentServerSim(options: ContentServerSimOptions = {}): Promise<ContentServerSim> {
  const apiBase = (options.apiBase ?? '/otcs/cs.exe/api').replace(/\/+$/, '');
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cs-sim-'));
  const seed = typeof options.seed === 'string' ? loadSeed(options.seed) : (options.seed ?? DEFAULT_SEED);
  const store = new ContentStore(dataDir, seed);
  store.dateStyle = options.dateStyle ?? 'zulu';
  const extras = new Extras(seed, { enabled: true, minSize: 0, maxSize: 50 * 1024 ** 3, partSize: 8 * 1024 * 1024, ...(options.largeFile ?? {}) });
  let faults = mergeFaults(DEFAULT_FAULTS, options.faults ?? {});
  const tickets = new Map<string, Ticket>();
  const scripted: ScriptedAnswer[] = [];
  const counters = { requests: 0, logins: 0, injectedErrors: 0, droppedUploads: 0, otdsTokens: 0 };

  const issueTicket = (userId: number): string => {
    const t = randomBytes(24).toString('base64url');
    const ttl = faults.ticketTtlSeconds;
    tickets.set(t, { userId, expires: ttl > 0 ? Date.now() + ttl * 1000 : Number.POSITIVE_INFINITY });
    if (tickets.size > 10000) {
      const nowMs = Date.now();
      for (const [k, v] of tickets) if (v.expires < nowMs) tickets.delete(k);
    }
    return t;
  };

  const userOfTicket = (req: IncomingMessage): SeedUser | undefined => {
    const header = req.headers.otcsticket;
    const value = Array.isArray(header) ? header[0] : header;
    if (!value) return undefined;
    const t = tickets.get(value);
    if (!t) return undefined;
    if (t.expires < Date.now()) {
      tickets.delete(value);
      return undefined;
    }
    return store.users.find((u) => u.id === t.userId);
  };

  /** OTDS alternatives accepted by GET /v1/auth: a bearer token or an OTDSTicket header. */
  const userOfOtds = (req: IncomingMessage): SeedUser | undefined => {
    const auth = req.headers.authorization ?? '';
    const otds = req.headers.otdsticket;
    const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1] ?? (Array.isArray(otds) ? otds[0] : otds);
    if (!token) return undefined;
    const t = extras.otdsTokens.get(token);
    if (!t || t.expires < Date.now()) return undefined;
    return store.users.find((u) => u.id === t.userId);
  };

  /** OTDS `POST /otdsws/oauth2/token`, client credentials only. */
  const otdsToken = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let form: ParsedForm;
    try {
      form = await readForm(req, { tmpDir: store.tmpDir });
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'form-encoded body expected' });
    }
    await discardFiles(form);
    const field = (k: string): string | undefined => form.fields.get(k)?.[0];
    if (field('grant_type') !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    let id = field('client_id');
    let secret = field('client_secret');
    const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      id = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    }
    const client = extras.otdsClients.find((c) => c.client_id === id && c.client_secret === secret);
    if (!client) return sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    const token = randomBytes(32).toString('base64url');
    const ttl = faults.ticketTtlSeconds > 0 ? faults.ticketTtlSeconds : 3600;
    extras.otdsTokens.set(token, { userId: client.user_id, expires: Date.now() + ttl * 1000 });
    counters.otdsTokens++;
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: '' });
  };

  const userData = (u: SeedUser): JsonObject => ({
    id: u.id,
    name: u.name,
    type: 0,
    first_name: u.first_name ?? '',
    last_name: u.last_name ?? '',
    group_id: 1001,
    deleted: false,
  });

  const authRoutes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/v1\/ping$/,
      versioned: false,
      auth: false,
      handler: () => ({
        json: {
          build: 2,
          href: 'api/v1',
          version: options.version ?? '24.4',
          service_name: 'ContentServer',
          rest_api: [
            { build: 2, href: 'api/v1', version: 1 },
            { build: 2, href: 'api/v2', version: 2 },
          ],
        },
      }),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/auth$/,
      versioned: false,
      auth: false,
      handler: (ctx) => {
        // The server checks presence before credentials, and answers a missing one with a 500.
        const username = optString(ctx.params, 'username');
        if (!username) throw argumentRequired('username');
        const password = optString(ctx.params, 'password');
        if (password === undefined || password === '') throw argumentRequired('password');
        const user = store.users.find((u) => u.name.toLowerCase() === username.toLowerCase() && u.password === password);
        if (!user) throw badCredentials();
        counters.logins++;
        return { json: { ticket: issueTicket(user.id) } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/v1\/auth$/,
      versioned: false,
      auth: true,
      handler: (ctx) => ({ json: { data: ctx.user ? userData(ctx.user) : null } }),
    },
    {
      method: 'DELETE',
      pattern: /^\/v1\/auth$/,
      versioned: false,
      auth: true,
      handler: (ctx) => {
        const header = ctx.req.headers.otcsticket;
        const value = Array.isArray(header) ? header[0] : header;
        if (value) tickets.delete(value);
        return { json: {} };
      },
    },
  ];
  const routes = [...authRoutes, ...nodeRoutes, ...recordRoutes, ...workspaceRoutes, ...uploadRoutes, ...searchRoutes];

  const sendHtml = (res: ServerResponse, status: number, html: string): void => {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(html)),
      'Cache-Control': 'no-store',
      // Names come from flows: even if escaping missed one, no script and nothing from elsewhere runs.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(html);
  };

  /** The read-only web page (ui.ts): overview, node pages, version downloads. No ticket, like the other `/__sim` endpoints. */
  const webPage = (req: IncomingMessage, res: ServerResponse, path: string, url: URL): void => {
    req.resume();
    const ui: UiContext = { store, extras, apiBase: `http://${req.headers.host ?? 'localhost'}${apiBase}`, refreshSeconds: refreshSeconds(url) };
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendHtml(res, 405, renderMissing(ui, 'This page is read only.'));
    if (path === '/' || path === UI_BASE || path === `${UI_BASE}/`) return sendHtml(res, 200, renderIndex(ui));
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${UI_BASE}/nodes/(\\d+)$`).exec(path))) {
      const html = renderNode(ui, Number(m[1]));
      return html === undefined ? sendHtml(res, 404, renderMissing(ui, `There is no node ${m[1]} (or it was deleted).`)) : sendHtml(res, 200, html);
    }
    if ((m = new RegExp(`^${UI_BASE}/nodes/(\\d+)/versions/(\\d+)/content$`).exec(path))) {
      const node = store.get(Number(m[1]));
      const version = node?.versions.find((v) => v.version_number === Number(m?.[2]));
      if (!node || !version) return sendHtml(res, 404, renderMissing(ui, `There is no version ${m[2]} of node ${m[1]}.`));
      // An attachment, never rendered here: the content came from a flow and may be anything.
      res.writeHead(200, {
        'Content-Type': version.mime_type || 'application/octet-stream',
        'Content-Length': String(version.file_size),
        'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(version.file_name || node.name)}`,
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') return void res.end();
      const stream = createReadStream(store.contentPath(version));
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return;
    }
    sendHtml(res, 404, renderMissing(ui, `Nothing at ${path}.`));
  };

  const simAdmin = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    if (path === UI_BASE || path.startsWith(`${UI_BASE}/`)) return webPage(req, res, path, url);
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/__sim\/nodes\/(\d+)$/.exec(path))) {
      const n = store.all().find((x) => x.id === Number(m?.[1]));
      if (!n) return sendJson(res, 404, { error: 'no such node' });
      return sendJson(res, 200, JSON.parse(JSON.stringify(n)) as Json);
    }
    if (method === 'GET' && (m = /^\/__sim\/versions\/(\d+)$/.exec(path))) {
      const n = store.all().find((x) => x.id === Number(m?.[1]));
      if (!n) return sendJson(res, 404, { error: 'no such node' });
      return sendJson(
        res,
        200,
        n.versions.map((v) => ({ ...v, path: store.contentPath(v) })),
      );
    }
    if (method === 'GET' && path === '/__sim/tree') {
      const rootId = Number(url.searchParams.get('root') ?? 2000);
      const walk = (id: number): JsonObject => {
        const n = store.get(id);
        if (!n) return {};
        const kids = store.children(id).sort((a, b) => a.name.localeCompare(b.name));
        return {
          id: n.id,
          name: n.name,
          type: n.type,
          ...(n.versions.length ? { versions: n.versions.length, sha256: n.versions[n.versions.length - 1]?.sha256 ?? '' } : {}),
          ...(kids.length ? { children: kids.map((k) => walk(k.id)) } : {}),
        };
      };
      return sendJson(res, 200, walk(rootId));
    }
    if (method === 'GET' && path === '/__sim/records') return sendJson(res, 200, JSON.parse(JSON.stringify(extras.snapshot())) as Json);
    if (method === 'GET' && path === '/__sim/faults') return sendJson(res, 200, { ...faults });
    if (method === 'POST' && path === '/__sim/faults') {
      try {
        faults = mergeFaults(faults, await readJson(req));
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
      return sendJson(res, 200, { ...faults });
    }
    if (method === 'POST' && path === '/__sim/script') {
      try {
        scripted.push(...parseScript(await readJson(req).then((o) => o.answers)));
      } catch (err) {
        return sendJson(res, 400, { error: (err as Error).message });
      }
      return sendJson(res, 200, { queued: scripted.length });
    }
    if (method === 'POST' && path === '/__sim/tickets/expire') {
      tickets.clear();
      return sendJson(res, 200, {});
    }
    if (method === 'GET' && path === '/__sim/stats') return sendJson(res, 200, { ...stats() });
    sendJson(res, 404, { error: `unknown simulator endpoint ${method} ${path}` });
  };

  const stats = (): SimStats => {
    const mem = process.memoryUsage();
    return { ...counters, activeTickets: tickets.size, rss: mem.rss, heapUsed: mem.heapUsed };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = decodeURIComponent(url.pathname);
    if (path.startsWith('/__sim/') || path === UI_BASE) return simAdmin(req, res, path, url);
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) return webPage(req, res, path, url);
    if (path === '/otdsws/oauth2/token' && req.method === 'POST') return otdsToken(req, res);
    const suppress = url.searchParams.has('suppress_response_codes');
    const answer = (status: number, body: JsonObject, headers: Record<string, string> = {}): void => {
      if (suppress) sendJson(res, 200, { ...body, statusCode: status }, headers);
      else sendJson(res, status, body, headers);
    };
    const fail = (err: CsError): void => {
      req.resume();
      answer(err.status, { error: err.message });
    };
    if (!path.startsWith(`${apiBase}/`)) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>404 Not Found</h1></body></html>');
      return;
    }
    counters.requests++;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const next = scripted.shift();
    if (next) {
      counters.injectedErrors++;
      return sendScripted(req, res, next);
    }
    if (faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      if (faults.failNext > 0) faults = { ...faults, failNext: faults.failNext - 1 };
      counters.injectedErrors++;
      req.resume();
      return sendInjectedError(res);
    }
    const sub = path.slice(apiBase.length);
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of routes) {
      if (r.method !== method) continue;
      match = r.pattern.exec(sub);
      if (match) {
        route = r;
        break;
      }
    }
    if (!route || !match) return fail(routeNotFound());
    let user = route.auth ? userOfTicket(req) : undefined;
    let viaOtds = false;
    if (route.auth && !user && method === 'GET' && sub === '/v1/auth') {
      user = userOfOtds(req);
      viaOtds = user !== undefined;
    }
    if (route.auth && !user) return fail(authRequired());

    let form: ParsedForm = emptyForm();
    try {
      if (method !== 'GET' && method !== 'HEAD') {
        const multipart = (req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
        const drop = multipart && faults.dropUploadRate > 0 && Math.random() < faults.dropUploadRate;
        const length = Number(req.headers['content-length'] ?? 0);
        form = await readForm(req, {
          tmpDir: store.tmpDir,
          dropAfterBytes: drop ? Math.max(1, Math.floor((length > 0 ? length : 256 * 1024) / 2)) : undefined,
        });
      } else {
        req.resume();
      }
      const groups = match.slice(1);
      const ctx: Ctx = {
        req,
        res,
        store,
        extras,
        query: url.searchParams,
        args: route.versioned ? groups.slice(1) : groups,
        apiVersion: sub.startsWith('/v1/') ? 1 : 2,
        href: `/api${sub}${url.search}`,
        user,
        searchLagMs: faults.searchLagMs,
        form,
        params: formParams(form),
      };
      const reply: Reply = await route.handler(ctx);
      if ('sent' in reply) return;
      // Clean up before answering, so a client that looks right after the answer finds no leftovers.
      await discardFiles(form);
      const headers: Record<string, string> = {};
      if (route.auth && user && (faults.renewTickets || viaOtds) && !(method === 'DELETE' && sub === '/v1/auth')) {
        const ticket = issueTicket(user.id);
        headers.OTCSTicket = ticket;
        const t = tickets.get(ticket);
        if (t && Number.isFinite(t.expires)) headers.OTCSTicketExpires = String(t.expires);
      }
      answer(reply.status ?? 200, reply.json, headers);
    } catch (err) {
      if (err instanceof DroppedUpload) {
        counters.droppedUploads++;
        return;
      }
      await discardFiles(form);
      if (err instanceof CsError) return fail(err);
      if (!res.headersSent) {
        req.resume();
        answer(500, { error: `Internal simulator error: ${(err as Error).message}` });
      } else {
        res.destroy();
      }
    } finally {
      await discardFiles(form);
    }
  };

  const server: Server = createSimServer(handle, (res, err) => sendJson(res, 500, { error: `Internal simulator error: ${String(err)}` }));
  const host = options.host ?? '127.0.0.1';
  const port = await listenSim(server, host, options.port ?? 0);
  const url = `http://${host}:${port}`;
  return {
    url,
    apiBase: `${url}${apiBase}`,
    port,
    store,
    extras,
    faults: () => ({ ...faults }),
    setFaults: (update) => (faults = mergeFaults(faults, update)),
    expireTickets: () => tickets.clear(),
    script: (answers) => {
      scripted.push(...parseScript(answers));
    },
    stats,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
