/**
 * The Dropbox simulator for tests: `useDropboxSim()` inside a `describe` starts one simulator before
 * its tests and stops it after; `dbx` helpers call it over real HTTP with plain fetch, exactly as a
 * client would (RPC JSON bodies, content routes with Dropbox-API-Arg, a Bearer token from the
 * refresh-token grant).
 */
import { startDropboxSim, type DropboxSim, type DropboxSimOptions } from '../../dev/sim/dropbox';

export interface DbxAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body (null when the body is JSON null), undefined when not JSON. */
  json: Record<string, unknown> | undefined;
}

async function answer(res: Response): Promise<DbxAnswer> {
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** An access token from `POST /oauth2/token` with the refresh_token grant (form-encoded body). */
export async function accessToken(sim: DropboxSim): Promise<string> {
  const res = await fetch(`${sim.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sim.refreshToken, client_id: sim.appKey }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`token refresh failed: ${res.status}`);
  return body.access_token;
}

export interface DbxCallOptions {
  token?: string;
  headers?: Record<string, string>;
  /** `Dropbox-API-Path-Root` as an object. */
  pathRoot?: Record<string, unknown>;
}

/** An RPC call: JSON body, Content-Type application/json (no body when `arg` is undefined). */
export async function rpc(sim: DropboxSim, route: string, arg: unknown, opts: DbxCallOptions = {}): Promise<DbxAnswer> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.pathRoot) headers['Dropbox-API-Path-Root'] = JSON.stringify(opts.pathRoot);
  if (arg !== undefined) headers['Content-Type'] ??= 'application/json';
  return answer(await fetch(`${sim.url}/2/${route}`, { method: 'POST', headers, body: arg === undefined ? undefined : JSON.stringify(arg) }));
}

/** Dropbox's header-safe JSON: non-ASCII as \uXXXX. */
export function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A content-upload call: argument in Dropbox-API-Arg, bytes as application/octet-stream. */
export async function upload(sim: DropboxSim, route: string, arg: unknown, body: Uint8Array | string, opts: DbxCallOptions = {}): Promise<DbxAnswer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Dropbox-API-Arg': headerJson(arg), ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.pathRoot) headers['Dropbox-API-Path-Root'] = JSON.stringify(opts.pathRoot);
  const bytes = new Uint8Array(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  return answer(await fetch(`${sim.url}/2/${route}`, { method: 'POST', headers, body: bytes }));
}

/** files/download: bytes plus the Dropbox-API-Result metadata. */
export async function download(
  sim: DropboxSim,
  path: string,
  opts: DbxCallOptions & { range?: string } = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer; result: Record<string, unknown> | undefined; text: string }> {
  const headers: Record<string, string> = { 'Dropbox-API-Arg': headerJson({ path }), ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.pathRoot) headers['Dropbox-API-Path-Root'] = JSON.stringify(opts.pathRoot);
  if (opts.range) headers.Range = opts.range;
  const res = await fetch(`${sim.url}/2/files/download`, { method: 'POST', headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  const raw = res.headers.get('dropbox-api-result');
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    result: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
    text: bytes.toString('utf8'),
  };
}

export interface UsedDropboxSim {
  sim: DropboxSim;
  token: string;
}

/**
 * Starts a simulator (and gets an access token) before the tests of the enclosing `describe`, stops
 * it after them, and turns the fault knobs off after each test. Read `.sim` and `.token` in tests.
 */
export function useDropboxSim(options?: DropboxSimOptions): UsedDropboxSim {
  const used = {} as UsedDropboxSim;
  before(async function () {
    used.sim = await startDropboxSim(options);
    used.token = await accessToken(used.sim);
  });
  afterEach(function () {
    used.sim.setFaults({
      latencyMs: 0,
      rateLimitRate: 0,
      writeLimitRate: 0,
      errorRate: 0,
      failNext: 0,
      dropUploadRate: 0,
      contendSingleCommits: false,
      longpollCapMs: 0,
      longpollBackoffSeconds: 0,
      accessTokenTtlSeconds: options?.accessTokenTtlSeconds ?? options?.faults?.accessTokenTtlSeconds ?? 14400,
    });
  });
  after(async function () {
    await used.sim?.stop();
  });
  return used;
}

let seq = 0;
/** A fresh folder name under the home root so tests in one simulator do not see each other's files. */
export async function freshFolder(used: UsedDropboxSim, root?: 'team'): Promise<string> {
  const path = `/t${++seq}-${Date.now()}`;
  const a = await rpc(
    used.sim,
    'files/create_folder_v2',
    { path },
    { token: used.token, ...(root ? { pathRoot: { '.tag': 'root', root: used.sim.rootNamespaceId } } : {}) },
  );
  if (a.status !== 200) throw new Error(`create_folder_v2 failed: ${a.status} ${a.text}`);
  return path;
}
