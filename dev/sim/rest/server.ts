/**
 * A REST simulator: a small ERP / PIM-like API (products, prices, inventory, shipments, partners,
 * backup packages, media) for the xConnector (`filebridge-rest-*` nodes), on one base URL: the API
 * under `/api/v1`, the OAuth2 token endpoint at `/oauth/token`, inspection under `/_sim/` (JSON, no
 * auth) and a read-only web page at `/`.
 *
 * Order of work for an API request: authentication (401 problem); the 429 storm and the 503 rate;
 * the route (404 / 405 problems); the body (JSON bounded to 16 MiB, or streamed to a temporary
 * file); the idempotency key (replay, 422 on reuse, 409 while in flight); the latency (processing
 * time); the handler; then the drop fault (answer lost after the effect) or the answer.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readBoundedBody, receivePlain } from '../shared/body';
import { receiveMultipart } from '../shared/multipart';
import { compileRoute, createSimServer, isPageRequest, listenSim, runApiCall, sendPage } from '../shared/server';
import { RestAuth, tokenEndpoint, type AuthMode, type RestCredentials } from './auth';
import { backupSha256, MAX_BACKUP_BYTES, type Backup } from './backups';
import { DEFAULT_FAULTS, mergeFaults, type RestFaults } from './faults';
import { IdempotencyKeys, type KeptAnswer } from './idempotency';
import { badRequest, Problem, sendJson, sendProblem, tooLarge, unsupportedType } from './problem';
import { availabilityKey, productKey, RecordTable, type SimRecord } from './records';
import { checkName, routes, type Body, type MediaItem, type Reply, type RouteCore, type RouteDef } from './routes';
import { seedCounts, seedProduct, type RestSeed } from './seed';
import { renderPage } from './ui';

/** Largest JSON request body (the batch limit of the contract). */
export const MAX_JSON_BODY = 16 * 1024 * 1024;
/** Largest inspection-endpoint body. */
const MAX_ADMIN_BODY = 64 * 1024;

export interface RestSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Where records (JSONL) and media live; default: a fresh temporary directory removed on stop. */
  dataDir?: string;
  user?: string;
  password?: string;
  bearerToken?: string;
  apiKey?: string;
  clientId?: string;
  clientSecret?: string;
  /** Lifetime of OAuth2 access tokens (default 3600). */
  tokenTtlSeconds?: number;
  seed?: RestSeed;
  /** Backup packages created at start (default: two small ones). */
  backups?: { name: string; size: number }[];
  faults?: Partial<RestFaults>;
}

export type AuthModeCounts = Record<AuthMode, number>;

export interface RestSimStats {
  requests: number;
  /** `POST /api/v1/products/batch` -> count (unknown routes as `GET (unknown)`). */
  byRoute: Record<string, number>;
  authModes: AuthModeCounts;
  unauthorized: number;
  tokensIssued: number;
  activeTokens: number;
  /** Answers replayed for an idempotency key. */
  replays: number;
  rateLimited: number;
  injectedErrors: number;
  /** Connections destroyed by dropRate (after the effect). */
  dropped: number;
  /** Downloads cut by dropAfterBytes. */
  cutDownloads: number;
  /** Records stored by non-replayed requests, per resource (a record posted twice counts twice). */
  recordsPosted: { products: number; availability: number };
  /** Stored batches per resource; batches refused with 422. */
  batches: Record<string, number>;
  rejectedBatches: number;
  /** Keys (sku, sku@warehouse) stored by two or more different non-replayed requests. */
  duplicatePosts: number;
  uploads: number;
  downloads: number;
  rss: number;
  heapUsed: number;
}

export interface RecordListing {
  total: number;
  offset: number;
  limit: number;
  items: SimRecord[];
}

export interface RestSimState {
  counts: {
    products: number;
    availability: number;
    prices: number;
    inventoryChanges: number;
    shipments: number;
    partners: number;
    media: number;
    backups: number;
  };
  products: RecordListing;
  availability: RecordListing;
  /** The latest 1000 media items. */
  media: MediaItem[];
  backups: { id: string; name: string; size: number; sha256: string; createdAt: string }[];
}

export interface StateQuery {
  resource?: 'products' | 'availability';
  offset?: number;
  limit?: number;
}

/** What a user types into a REST connection for this simulator: its API and token URLs and every credential it knows. */
export interface RestTarget extends RestCredentials {
  /** url + '/api/v1'. */
  apiUrl: string;
  /** url + '/oauth/token'. */
  tokenUrl: string;
}

export interface RestSim extends RestTarget {
  /** http://127.0.0.1:port, no trailing slash. */
  url: string;
  port: number;
  dataDir: string;
  faults(): RestFaults;
  setFaults(update: Partial<RestFaults>): RestFaults;
  /** Every OAuth2 token issued so far answers 401 from now on. */
  expireTokens(): void;
  stats(): RestSimStats;
  state(query?: StateQuery): RestSimState;
  /** Per key how often it was posted (`min` 2: the duplicates). */
  posts(resource: 'products' | 'availability', query?: { offset?: number; limit?: number; min?: number }): { key: string; posts: number }[];
  /** Creates a backup package of `size` generated bytes. */
  addBackup(name: string, size: number): Promise<Backup>;
  /** The file holding a media item's bytes. */
  mediaPath(id: string): string;
  stop(): Promise<void>;
}

const DEFAULT_BACKUPS = [
  { name: 'erp-backup-2026-12-01.tar.gz', size: 1024 * 1024 + 17 },
  { name: 'pim-export-2026-12-06.zip', size: 256 * 1024 },
];

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

export async function startRestSim(options: RestSimOptions = {}): Promise<RestSim> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rest-sim-'));
  mkdirSync(dataDir, { recursive: true });
  const mediaDir = join(dataDir, 'media');
  const tmpDir = join(dataDir, 'tmp');
  mkdirSync(mediaDir, { recursive: true });
  mkdirSync(tmpDir, { recursive: true });
  const seed = seedCounts(options.seed);
  let faults = mergeFaults(DEFAULT_FAULTS, options.faults ?? {});
  const tokenTtl = options.tokenTtlSeconds ?? 3600;
  if (!(tokenTtl > 0)) throw new Error('tokenTtlSeconds must be > 0');
  const creds = {
    user: options.user ?? 'sim-user',
    password: options.password ?? 'sim-password',
    bearerToken: options.bearerToken ?? 'sim-static-token',
    apiKey: options.apiKey ?? 'sim-api-key',
    clientId: options.clientId ?? 'filebridge-rest',
    clientSecret: options.clientSecret ?? 'sim-client-secret',
  };
  const auth = new RestAuth(creds, () => tokenTtl);
  const products = new RecordTable(join(dataDir, 'products.jsonl'), productKey);
  const availability = new RecordTable(join(dataDir, 'availability.jsonl'), availabilityKey);
  for (let i = 0; i < seed.products; i += 5000) {
    const batch: SimRecord[] = [];
    for (let k = i; k < Math.min(seed.products, i + 5000); k++) batch.push(seedProduct(k));
    products.upsert(batch, 0);
  }
  const backups = new Map<string, Backup>();
  const addBackup = async (name: string, size: number): Promise<Backup> => {
    checkName(name, 'name');
    if (!Number.isInteger(size) || size < 0 || size > MAX_BACKUP_BYTES) throw badRequest(`size: an integer from 0 to ${MAX_BACKUP_BYTES}`);
    const id = `b${String(backups.size + 1).padStart(4, '0')}`;
    const seedText = `${id}:${name}:${size}`;
    const b: Backup = { id, name, size, sha256: await backupSha256(seedText, size), createdAt: new Date().toISOString(), seed: seedText };
    backups.set(id, b);
    return b;
  };
  for (const b of options.backups ?? DEFAULT_BACKUPS) await addBackup(b.name, b.size);

  const idem = new IdempotencyKeys();
  const media: MediaItem[] = [];
  const authModes: AuthModeCounts = { basic: 0, bearer: 0, oauth: 0, apiKeyHeader: 0, apiKeyQuery: 0 };
  const counters = {
    requests: 0,
    byRoute: {} as Record<string, number>,
    unauthorized: 0,
    rateLimited: 0,
    injectedErrors: 0,
    dropped: 0,
    cutDownloads: 0,
    batches: {} as Record<string, number>,
    rejectedBatches: 0,
    uploads: 0,
    downloads: 0,
  };
  let requestSeq = 0;
  const table = routes().map((def) => ({ def, ...compileRoute(def.pattern) }));
  let baseUrl = '';
  let tmpSeq = 0;

  const stats = (): RestSimStats => {
    const mem = process.memoryUsage();
    return {
      requests: counters.requests,
      byRoute: { ...counters.byRoute },
      authModes: { ...authModes },
      unauthorized: counters.unauthorized,
      tokensIssued: auth.issued,
      activeTokens: auth.tokens.active(),
      replays: idem.replays,
      rateLimited: counters.rateLimited,
      injectedErrors: counters.injectedErrors,
      dropped: counters.dropped,
      cutDownloads: counters.cutDownloads,
      recordsPosted: { products: products.posted, availability: availability.posted },
      batches: { ...counters.batches },
      rejectedBatches: counters.rejectedBatches,
      duplicatePosts: products.duplicateKeys + availability.duplicateKeys,
      uploads: counters.uploads,
      downloads: counters.downloads,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
    };
  };

  const listing = (t: RecordTable, offset = 0, limit = 100): RecordListing => {
    const lim = Math.min(Math.max(1, limit), 1000);
    return { total: t.count, offset, limit: lim, items: t.list(offset, lim) };
  };
  const state = (q: StateQuery = {}): RestSimState => ({
    counts: {
      products: products.count,
      availability: availability.count,
      prices: seed.prices,
      inventoryChanges: seed.inventoryChanges,
      shipments: seed.shipments,
      partners: seed.partners,
      media: media.length,
      backups: backups.size,
    },
    products: q.resource === 'products' ? listing(products, q.offset, q.limit) : listing(products),
    availability: q.resource === 'availability' ? listing(availability, q.offset, q.limit) : listing(availability),
    media: media.slice(-1000),
    backups: [...backups.values()].map((b) => ({ id: b.id, name: b.name, size: b.size, sha256: b.sha256, createdAt: b.createdAt })),
  });
  const posts = (resource: 'products' | 'availability', q: { offset?: number; limit?: number; min?: number } = {}): { key: string; posts: number }[] =>
    (resource === 'products' ? products : availability).postCounts(q.offset ?? 0, Math.min(Math.max(1, q.limit ?? 1000), 10000), q.min ?? 0);

  const count = (key: string): void => {
    counters.byRoute[key] = (counters.byRoute[key] ?? 0) + 1;
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const queryInt = (url: URL, name: string): number | undefined => {
    const v = url.searchParams.get(name);
    if (v === null || v === '') return undefined;
    if (!/^\d{1,9}$/.test(v)) throw badRequest(`${name} must be an integer >= 0`);
    return Number(v);
  };

  /** `/_sim/...`: JSON, no auth. */
  const simAdmin = async (req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const readJson = async (): Promise<Record<string, unknown>> => {
      const body = await readBoundedBody(req, MAX_ADMIN_BODY);
      if (body === undefined) throw tooLarge(`inspection bodies are at most ${MAX_ADMIN_BODY} bytes`);
      const text = body.toString('utf8').trim();
      const v: unknown = text === '' ? {} : JSON.parse(text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest('a JSON object expected');
      return v as Record<string, unknown>;
    };
    const resource = (): 'products' | 'availability' => {
      const r = url.searchParams.get('resource') ?? 'products';
      if (r !== 'products' && r !== 'availability') throw badRequest('resource must be products or availability');
      return r;
    };
    try {
      if (method === 'GET' && path === '/_sim/state') {
        const r = url.searchParams.has('resource') ? resource() : undefined;
        return sendJson(res, 200, state({ resource: r, offset: queryInt(url, 'offset'), limit: queryInt(url, 'limit') }));
      }
      if (method === 'GET' && path === '/_sim/stats') return sendJson(res, 200, stats());
      if (method === 'GET' && path === '/_sim/posts') {
        const r = resource();
        const t = r === 'products' ? products : availability;
        const items = posts(r, { offset: queryInt(url, 'offset'), limit: queryInt(url, 'limit'), min: queryInt(url, 'min') });
        return sendJson(res, 200, { resource: r, keys: t.count, posted: t.posted, duplicates: t.duplicateKeys, items });
      }
      if (method === 'GET' && path === '/_sim/faults') return sendJson(res, 200, { ...faults });
      if (method === 'POST' && path === '/_sim/faults') {
        faults = mergeFaults(faults, await readJson());
        return sendJson(res, 200, { ...faults });
      }
      if (method === 'POST' && path === '/_sim/backups') {
        const b = await readJson();
        const created = await addBackup(b.name as string, b.size as number);
        return sendJson(res, 201, { id: created.id, name: created.name, size: created.size, sha256: created.sha256, createdAt: created.createdAt });
      }
      if (method === 'POST' && path === '/_sim/tokens/expire') {
        req.resume();
        auth.tokens.expireAll();
        return sendJson(res, 200, { expired: true });
      }
    } catch (err) {
      if (!req.complete) req.resume();
      if (err instanceof Problem) return sendProblem(res, err);
      return sendProblem(res, badRequest((err as Error).message));
    }
    req.resume();
    sendProblem(res, new Problem(404, 'Not Found', `unknown simulator endpoint ${method} ${path}`));
  };

  /** Reads the route's body; `fingerprint` for idempotency. */
  const readBody = async (req: IncomingMessage, def: RouteDef): Promise<{ body: Body; fingerprint: string }> => {
    if (def.body === 'none') {
      req.resume();
      return { body: { kind: 'none' }, fingerprint: '' };
    }
    if (def.body === 'json') {
      const type = (req.headers['content-type'] ?? '').toLowerCase();
      if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/.test(type)) {
        req.resume();
        throw unsupportedType('Content-Type must be application/json');
      }
      const raw = await readBoundedBody(req, MAX_JSON_BODY);
      if (raw === undefined) throw tooLarge(`a JSON body is at most ${MAX_JSON_BODY} bytes (16 MiB)`);
      let value: unknown;
      try {
        value = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw badRequest(`the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
      }
      return { body: { kind: 'json', value }, fingerprint: sha256(raw) };
    }
    const path = join(tmpDir, `up-${process.pid}-${++tmpSeq}`);
    if (def.body === 'raw') {
      const contentType = req.headers['content-type'] ?? 'application/octet-stream';
      try {
        const got = await receivePlain(req, path);
        return {
          body: { kind: 'file', path, size: got.size, sha256: got.sha256, contentType, fields: {} },
          fingerprint: sha256(`${contentType}\n${got.sha256}`),
        };
      } catch (err) {
        rmSync(path, { force: true });
        throw err;
      }
    }
    const got = await receiveMultipart(req, { filePath: path, fileField: 'file', fields: 'any', fail: badRequest });
    if (!got.file) throw badRequest("a multipart part named 'file' with a filename is required");
    const fields = Object.fromEntries([...got.fields.entries()].sort());
    return {
      body: { kind: 'file', path, size: got.file.size, sha256: got.file.sha256, contentType: got.file.contentType, filename: got.file.name, fields },
      fingerprint: sha256(JSON.stringify([got.file.name, got.file.contentType, got.file.sha256, fields])),
    };
  };

  const sendReply = async (res: ServerResponse, reply: Reply, replayed: boolean): Promise<void> => {
    const headers = { ...(reply.headers ?? {}), ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) };
    if (!reply.stream) return sendJson(res, reply.status, reply.json, headers);
    res.writeHead(reply.status, { ...headers, 'Content-Length': String(reply.length ?? 0) });
    const cut = faults.dropAfterBytes;
    if (cut <= 0) return pipeline(reply.stream(), res);
    // Cut after `cut` bytes: write up to there, wait until they left, then destroy the connection.
    const source = reply.stream();
    let sent = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (res.destroyed) return;
        const part = sent + chunk.length >= cut ? chunk.subarray(0, cut - sent) : chunk;
        sent += part.length;
        const flushed = new Promise<void>((resolve) => res.write(part, () => resolve()));
        if (sent >= cut) {
          await flushed;
          counters.cutDownloads++;
          res.socket?.destroy();
          return;
        }
        if (res.writableNeedDrain)
          await new Promise<void>((resolve) => {
            const done = (): void => {
              res.off('drain', done);
              res.off('close', done);
              resolve();
            };
            res.on('drain', done);
            res.on('close', done);
          });
      }
      res.end();
    } finally {
      source.destroy();
    }
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    counters.requests++;
    const method = req.method ?? 'GET';
    const path = url.pathname;
    let params: Record<string, string> = {};
    let found: RouteDef | undefined;
    const allowed: string[] = [];
    for (const r of table) {
      const m = r.re.exec(path);
      if (!m) continue;
      if (r.def.method !== method && !(method === 'HEAD' && r.def.method === 'GET')) {
        allowed.push(r.def.method);
        continue;
      }
      found = r.def;
      try {
        params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
      } catch {
        throw badRequest('malformed percent-encoding in the path');
      }
      break;
    }
    count(found ? `${found.method} ${found.pattern}` : `${method} (unknown)`);
    let mode: AuthMode;
    try {
      mode = auth.check(req, url);
    } catch (err) {
      counters.unauthorized++;
      throw err;
    }
    authModes[mode]++;
    if (faults.status429 > 0) {
      faults = { ...faults, status429: faults.status429 - 1 };
      counters.rateLimited++;
      throw new Problem(429, 'Too Many Requests', `rate limit exceeded; retry after ${faults.retryAfterSeconds} s`, 'about:blank', {
        'Retry-After': String(faults.retryAfterSeconds),
      });
    }
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
      counters.injectedErrors++;
      throw new Problem(503, 'Service Unavailable', 'the service is busy; try again later', 'about:blank', { 'Retry-After': String(faults.retryAfterSeconds) });
    }
    if (!found) {
      if (allowed.length > 0)
        throw new Problem(405, 'Method Not Allowed', `${method} is not allowed on ${path}`, 'about:blank', { Allow: [...new Set(allowed)].join(', ') });
      throw new Problem(404, 'Not Found', `no resource ${path}`);
    }
    const drop = faults.dropRate > 0 && Math.random() < faults.dropRate;
    const { body, fingerprint } = await readBody(req, found);
    try {
      const key = method === 'GET' || method === 'HEAD' ? undefined : IdempotencyKeys.keyOf(req.headers['idempotency-key']);
      let reply: Reply | undefined;
      let replayed = false;
      if (key !== undefined) {
        const kept = idem.begin(key, `${method} ${path}${url.search.replace(/([?&])api_key=[^&]*&?/, '$1')} ${fingerprint}`);
        if (kept) {
          if (faults.latencyMs > 0) await sleep(faults.latencyMs);
          reply = { status: kept.status, json: kept.body, headers: kept.headers };
          replayed = true;
        }
      }
      if (!reply) {
        // The latency is the processing time: a request with the same key meanwhile gets a 409.
        if (faults.latencyMs > 0) await sleep(faults.latencyMs);
        const core: RouteCore = {
          products,
          availability,
          seed,
          backups,
          media,
          mediaDir,
          failPattern: () => faults.failRecordsMatching,
          request: ++requestSeq,
          counters,
        };
        try {
          reply = await found.handler({ req, url, params, body, core, origin: originOf(req) });
        } catch (err) {
          if (key !== undefined) idem.settle(key, undefined);
          throw err;
        }
        if (key !== undefined)
          idem.settle(key, reply.stream ? undefined : ({ status: reply.status, body: reply.json, headers: reply.headers ?? {} } satisfies KeptAnswer));
      }
      if (drop) {
        counters.dropped++;
        req.socket.destroy();
        return;
      }
      if (method === 'HEAD') {
        res.writeHead(reply.status, reply.headers ?? {});
        return void res.end();
      }
      await sendReply(res, reply, replayed);
    } finally {
      if (body.kind === 'file') rmSync(body.path, { force: true });
    }
  };

  const originOf = (req: IncomingMessage): string => {
    const host = req.headers.host;
    return host && /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? `http://${host}` : baseUrl;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (path.startsWith('/_sim/')) return simAdmin(req, res, path, url);
    if (path === '/oauth/token') {
      counters.requests++;
      count('POST /oauth/token');
      if (faults.latencyMs > 0) await sleep(faults.latencyMs);
      return tokenEndpoint(auth, req, res);
    }
    if (path === '/api/v1' || path.startsWith('/api/v1/')) {
      return runApiCall(
        req,
        res,
        () => api(req, res, url),
        (err): err is Problem => err instanceof Problem,
        sendProblem,
      );
    }
    req.resume();
    if (isPageRequest(req, path)) return sendPage(req, res, renderPage(baseUrl, state(), stats(), faults, url));
    sendProblem(res, new Problem(404, 'Not Found', `no resource ${path}`));
  };

  const server: Server = createSimServer(handle, (res, err) =>
    sendProblem(res, new Problem(500, 'Internal Server Error', `Internal simulator error: ${err instanceof Error ? err.message : String(err)}`)),
  );
  // Uploads of GiBs must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  const release = (): void => {
    products.close();
    availability.close();
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  let port: number;
  try {
    port = await listenSim(server, host, options.port ?? 0);
  } catch (err) {
    // A taken port: nothing of this start stays behind.
    release();
    throw err;
  }
  baseUrl = `http://${host}:${port}`;
  let stopped: Promise<void> | undefined;

  return {
    url: baseUrl,
    apiUrl: `${baseUrl}/api/v1`,
    tokenUrl: `${baseUrl}/oauth/token`,
    port,
    ...creds,
    dataDir,
    faults: () => ({ ...faults }),
    setFaults: (update) => (faults = mergeFaults(faults, update)),
    expireTokens: () => auth.tokens.expireAll(),
    stats,
    state,
    posts,
    addBackup,
    mediaPath: (id) => join(mediaDir, id.replace(/[^A-Za-z0-9]/g, '')),
    stop: () =>
      (stopped ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        release();
      })()),
  };
}
