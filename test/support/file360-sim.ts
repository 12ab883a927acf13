/**
 * The File 360 simulator for tests: `useFile360Sim()` inside a `describe` starts one simulator before
 * its tests (and gets a token with the password grant) and stops it after; the helpers call it over
 * real HTTP with plain fetch, as a client would (form-encoded token request, Bearer token, JSON
 * bodies, multipart uploads). Ids stay strings: the answers' text is kept for tests that look at it.
 */
import { QUIET_FAULTS, startFile360Sim, type File360Sim, type File360SimOptions } from '../../dev/sim/file360';
import type { File360Options } from '../../src/core/file360';
import { answerOf, type HttpAnswer as F360Answer } from './http-answer';

export { answerOf, type HttpAnswer as F360Answer } from './http-answer';

/** `POST <ssoUrl>/otdsws/oauth2/token` with a form body. */
export async function tokenRequest(sim: File360Sim, fields: Record<string, string>): Promise<F360Answer> {
  return answerOf(
    await fetch(`${sim.ssoUrl}/otdsws/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** An access token by the password grant (or client credentials with `grant: 'client_credentials'`). */
export async function accessToken(sim: File360Sim, grant: 'password' | 'client_credentials' = 'password'): Promise<string> {
  const a = await tokenRequest(sim, {
    grant_type: grant,
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    ...(grant === 'password' ? { username: sim.user, password: sim.password } : {}),
  });
  const token = (a.json as { access_token?: string } | undefined)?.access_token;
  if (a.status !== 200 || !token) throw new Error(`token request failed: ${a.status}`);
  return token;
}

export interface F360CallOptions {
  token?: string;
  /** A JSON body (sent with Content-Type application/json). */
  json?: unknown;
  headers?: Record<string, string>;
}

/** One API call; `Content-Type: application/json` and `Accept: *\/*` on every call, as OpenText's own client sends them. */
export async function call(sim: File360Sim, method: string, path: string, opts: F360CallOptions = {}): Promise<F360Answer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: '*/*', ...(opts.headers ?? {}) };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  return answerOf(await fetch(`${sim.url}${path}`, { method, headers, body: opts.json === undefined ? undefined : JSON.stringify(opts.json) }));
}

/** `POST /api/v3/documents?collisionStrategy=..` with the multipart fields `parentId` and `file` (fetch's own FormData encoding). */
export async function uploadDocument(
  sim: File360Sim,
  token: string,
  parentId: string,
  name: string,
  content: string | Uint8Array,
  collisionStrategy: string = 'fail',
): Promise<F360Answer> {
  const form = new FormData();
  form.append('parentId', parentId);
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), name);
  return answerOf(
    await fetch(`${sim.url}/api/v3/documents?collisionStrategy=${encodeURIComponent(collisionStrategy)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      body: form,
    }),
  );
}

/** The `results` of a list answer (or the bare array). */
export function resultsOf(a: F360Answer): Record<string, unknown>[] {
  const j = a.json as { results?: unknown } | unknown[] | undefined;
  if (Array.isArray(j)) return j as Record<string, unknown>[];
  return ((j as { results?: unknown[] } | undefined)?.results ?? []) as Record<string, unknown>[];
}

export interface UsedFile360Sim {
  sim: File360Sim;
  token: string;
}

/**
 * Starts a simulator (and gets a token) before the tests of the enclosing `describe`, stops it after
 * them, and turns the fault knobs off after each test. Read `.sim` and `.token` in tests.
 */
export function useFile360Sim(options?: File360SimOptions): UsedFile360Sim {
  const used = {} as UsedFile360Sim;
  before(async function () {
    used.sim = await startFile360Sim(options);
    used.token = await accessToken(used.sim);
  });
  afterEach(function () {
    used.sim.setFaults({
      ...QUIET_FAULTS,
      childrenAsArray: options?.faults?.childrenAsArray ?? false,
      tokenTtlSeconds: options?.tokenTtlSeconds ?? options?.faults?.tokenTtlSeconds ?? 3600,
    });
  });
  after(async function () {
    await used.sim?.stop();
  });
  return used;
}

let seq = 0;
/** A fresh folder under the root so tests in one simulator do not see each other's documents; its id. */
export async function freshFolder(used: UsedFile360Sim, parentId?: string): Promise<string> {
  const a = await call(used.sim, 'POST', '/api/v1/folders', {
    token: used.token,
    json: { name: `t${++seq}-${Date.now()}`, parentId: parentId ?? used.sim.rootId },
  });
  if (a.status !== 201) throw new Error(`folder create failed: ${a.status} ${a.text}`);
  return (a.json as { id: string }).id;
}

/** Retries fast enough for tests that provoke 429s, 5xx and dropped connections. */
export const QUICK_RETRIES = { retryBaseMs: 5, retryMaxMs: 50 } as const;

/** Client options for the simulator's user (password grant); `extra` adds or replaces settings (retries, timeouts...). */
export function f360ClientOptions(sim: File360Sim, extra: Partial<File360Options> = {}): File360Options {
  return {
    apiUrl: sim.url,
    ssoUrl: sim.ssoUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    username: sim.user,
    password: sim.password,
    ...extra,
  };
}

/**
 * A flow's `filebridge-server` configuration node (protocol file360, id `srv`) pointed at the
 * simulator; `fields` add or replace settings (id, poolSize...). Its secrets are f360ServerCredentials.
 */
export function f360ServerNode(sim: File360Sim, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'srv',
    type: 'filebridge-server',
    protocol: 'file360',
    apiUrl: sim.url,
    ssoUrl: sim.ssoUrl,
    clientId: sim.clientId,
    username: sim.user,
    poolSize: 2,
    connectRetries: 1,
    ...fields,
  };
}

/** The flow credentials of f360ServerNode: the client secret and the user's password. */
export function f360ServerCredentials(sim: File360Sim): Record<string, string> {
  return { clientSecret: sim.clientSecret, password: sim.password };
}
