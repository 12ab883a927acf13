/**
 * The REST simulator for tests: `useRestSim()` inside a `describe` starts one simulator before its
 * tests and stops it after them, turning the fault knobs off after each test. The helpers call it over
 * real HTTP with plain fetch, as a client would, with any of its auth modes.
 */
import { QUIET_FAULTS, startRestSim, type RestSim, type RestSimOptions } from '../../dev/sim/rest';
import { answerOf, type HttpAnswer as RestAnswer } from './http-answer';

export { answerOf, type HttpAnswer as RestAnswer } from './http-answer';

/** How a helper call authenticates: one of the simulator's modes, an OAuth token, or none. */
export type RestAuthChoice = 'basic' | 'bearer' | 'apiKeyHeader' | 'apiKeyQuery' | 'none' | { oauth: string } | { header: string };

export function basicHeader(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface RestCallOptions {
  auth?: RestAuthChoice;
  /** A JSON body (Content-Type application/json). */
  json?: unknown;
  /** A raw body (string, Blob, FormData...). */
  body?: BodyInit;
  headers?: Record<string, string>;
}

/** One API call; `path` below the simulator's URL (`/api/v1/products`) or absolute. Default auth: basic. */
export async function restCall(sim: RestSim, method: string, path: string, opts: RestCallOptions = {}): Promise<RestAnswer> {
  const url = new URL(path.startsWith('http') ? path : `${sim.url}${path}`);
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  const auth = opts.auth ?? 'basic';
  if (auth === 'basic') headers.Authorization = basicHeader(sim.user, sim.password);
  else if (auth === 'bearer') headers.Authorization = `Bearer ${sim.bearerToken}`;
  else if (auth === 'apiKeyHeader') headers['X-API-Key'] = sim.apiKey;
  else if (auth === 'apiKeyQuery') url.searchParams.set('api_key', sim.apiKey);
  else if (typeof auth === 'object' && 'oauth' in auth) headers.Authorization = `Bearer ${auth.oauth}`;
  else if (typeof auth === 'object') headers.Authorization = auth.header;
  let body: BodyInit | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  return answerOf(await fetch(url, { method, headers, body }));
}

/** `POST /oauth/token` (client credentials) with `fields` as the form body and optional Basic client auth. */
export async function tokenRequest(sim: RestSim, fields: Record<string, string>, basic?: { id: string; secret: string }): Promise<RestAnswer> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (basic) headers.Authorization = basicHeader(encodeURIComponent(basic.id), encodeURIComponent(basic.secret));
  return answerOf(await fetch(sim.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(fields).toString() }));
}

/** An OAuth2 access token by client credentials (form-body client auth). */
export async function oauthToken(sim: RestSim): Promise<string> {
  const a = await tokenRequest(sim, { grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret });
  const token = (a.json as { access_token?: string } | undefined)?.access_token;
  if (a.status !== 200 || !token) throw new Error(`token request failed: ${a.status}`);
  return token;
}

/** `n` valid products `{ sku: <prefix>-<i>, name, price }` starting at `from`. */
export function products(n: number, prefix = 'T', from = 0): { sku: string; name: string; price: number }[] {
  return Array.from({ length: n }, (_, k) => ({ sku: `${prefix}-${from + k}`, name: `Test product ${from + k}`, price: (from + k) % 1000 }));
}

export interface UsedRestSim {
  sim: RestSim;
}

/**
 * Starts a simulator before the tests of the enclosing `describe`, stops it after them, and turns the
 * fault knobs off after each test. Read `.sim` in tests.
 */
export function useRestSim(options?: RestSimOptions): UsedRestSim {
  const used = {} as UsedRestSim;
  before(async function () {
    used.sim = await startRestSim(options);
  });
  afterEach(function () {
    used.sim.setFaults(QUIET_FAULTS);
  });
  after(async function () {
    await used.sim?.stop();
  });
  return used;
}

/** Client-side settings pointing at the simulator, for tests of src/core/rest (fields a REST connection dialog would hold). */
export function restSimCredentials(sim: RestSim): { password: string; token: string; apiKey: string; clientSecret: string } {
  return { password: sim.password, token: sim.bearerToken, apiKey: sim.apiKey, clientSecret: sim.clientSecret };
}
