import { createHash, randomBytes } from 'node:crypto';
import { Dropbox, DropboxAuth, DropboxResponseError } from 'dropbox';
import { FileBridgeError } from '../errors';
import { DROPBOX_WWW, dropboxFetch, mapDropboxFailure, mapFetchError, normaliseServiceUrl, rewriteDropboxUrl, type FetchLike } from './http';

/** Settings of one Dropbox account connection. Secrets live here only in memory (Node-RED credentials). */
export interface DropboxOptions {
  /** The Dropbox app's key (OAuth client id); PKCE apps need no secret. */
  appKey: string;
  /** Long-lived refresh token from the sign-in (token_access_type=offline). */
  refreshToken: string;
  /** '' or absent = the real Dropbox hosts; else one base URL serving them all (the simulator). */
  serviceUrl?: string;
  /** Work in the team space (root namespace) instead of the member's own folder. */
  teamRoot?: boolean;
  /** Bound on one RPC request, and on a content request until its answer starts (ms). Default 60 s. */
  connectTimeoutMs?: number;
  /** A download or upload body that moves no byte for this long fails with TIMEOUT (ms). Default 120 s. */
  idleTimeoutMs?: number;
  /** Upload session chunk size in bytes (multiple of 4 MiB, at most 148 MiB). Default 16 MiB. */
  chunkSize?: number;
  /**
   * 'auto' (default): when several writes on this account are in progress at once (sessions of one
   * pool), their commits are sent together by files/upload_session/finish_batch_v2, which avoids the
   * write-lock contention that answers too_many_write_operations; a write with no other in progress
   * commits at once by itself, so a lone write never waits. 'off': every write commits by itself.
   */
  batchCommits?: 'auto' | 'off';
  /** How long a batched commit waits for more to join (ms, after the last one joined; at most 5 x this after the first). Default 200. */
  batchIdleMs?: number;
  /** Retries of one request after 5xx/connection failures. Default 8. */
  maxRetries?: number;
  /**
   * Retries of one request Dropbox asked to slow down (429, `too_many_write_operations`). Dropbox did
   * nothing and says when to come back, so these are not failures and get their own, larger budget.
   * Default 30.
   */
  maxRateLimitedRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Injected fetch for the sign-in and RPC routes (the SDK's); defaults to the global fetch. The content
   * routes (upload, download) go through node:http(s) instead (content-request.ts), so this does not reach them.
   */
  fetch?: FetchLike;
}

export interface DropboxAccount {
  accountId: string;
  name: string;
  email: string;
  teamName?: string;
  rootNamespaceId?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;

export function checkDropboxOptions(options: DropboxOptions): void {
  if (typeof options.appKey !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(options.appKey.trim())) {
    throw new FileBridgeError('INVALID_INPUT', 'The Dropbox app key is missing or malformed: copy it from the app console (App key).');
  }
  if (typeof options.refreshToken !== 'string' || options.refreshToken.trim() === '') {
    throw new FileBridgeError('AUTHENTICATION', 'No Dropbox refresh token is stored: use "Connect to Dropbox" in the server node.');
  }
  normaliseServiceUrl(options.serviceUrl);
}

/**
 * Access tokens for one account, refreshed with the refresh token. ONE refresh at a time however
 * many calls need a token (the SDK's own checkAndRefreshAccessToken refreshes once per concurrent
 * call, dropbox-sdk-js src/auth.js). The refresh goes through the SDK's `refreshAccessToken`, which
 * puts the refresh token in the query string (src/auth.js), so URLs are never logged here and no
 * error built here carries a URL, a token or the SDK's error as its cause.
 */
export class DropboxTokens {
  private token: string | undefined;
  private refreshAt = 0;
  private inFlight: Promise<string> | undefined;
  private readonly auth: DropboxAuth;
  refreshCount = 0;

  constructor(
    private readonly appKey: string,
    private readonly refreshToken: string,
    fetch: FetchLike,
  ) {
    this.auth = new DropboxAuth({ clientId: appKey.trim(), refreshToken: refreshToken.trim(), fetch });
  }

  /** Secrets to blank out of any text shown to a user. */
  secrets(): string[] {
    return [this.refreshToken, this.refreshToken.trim(), ...(this.token ? [this.token] : [])];
  }

  /** A current access token (refreshing first when there is none or it is about to expire). */
  async get(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.refreshAt) return this.token;
    return this.refresh();
  }

  /** A token other than `stale` (which Dropbox just called expired); refreshes only if no one already has. */
  async replace(stale: string): Promise<string> {
    if (this.token !== undefined && this.token !== stale) return this.token;
    return this.refresh(true);
  }

  private refresh(force = false): Promise<string> {
    if (this.inFlight) return this.inFlight;
    if (force) this.token = undefined;
    const run = this.doRefresh().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async doRefresh(): Promise<string> {
    this.refreshCount++;
    try {
      // Typed as void in the SDK, but it returns the promise of the token request (src/auth.js).
      await (this.auth.refreshAccessToken() as unknown as Promise<void>);
    } catch (err) {
      throw tokenError(err, 'refresh the access token', this.secrets());
    }
    const token = this.auth.getAccessToken();
    const expires = this.auth.getAccessTokenExpiresAt();
    if (!token) throw new FileBridgeError('AUTHENTICATION', 'Dropbox answered the token refresh without an access token.');
    const now = Date.now();
    const lifetime = expires instanceof Date ? expires.getTime() - now : 4 * 3600_000;
    // Refresh when 90 % of the lifetime has passed, so a call never starts with a token about to die.
    this.refreshAt = now + Math.max(0, lifetime * 0.9);
    this.token = token;
    return token;
  }
}

/** A coded error for a failed OAuth call, without the SDK error (whose request URL held secrets) as cause. */
function tokenError(err: unknown, what: string, secrets: string[]): FileBridgeError {
  if (err instanceof DropboxResponseError) {
    const e = err as DropboxResponseError<unknown>;
    const headers = e.headers instanceof Headers ? e.headers : new Headers();
    return mapDropboxFailure({ status: e.status, headers, body: e.error }, what, undefined, secrets);
  }
  if (err instanceof FileBridgeError) return err;
  if (err instanceof TypeError && /fetch/.test(err.message)) return mapFetchError(err, what);
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return mapFetchError(err, what);
  return new FileBridgeError('AUTHENTICATION', `Could not ${what} with Dropbox.`);
}

function base64url(data: Buffer): string {
  return data.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A PKCE verifier and its S256 challenge (RFC 7636 4.1-4.2: 43-128 characters of [A-Za-z0-9-._~];
 * challenge = BASE64URL(SHA256(verifier))). The verifier stays on the server side until the exchange.
 */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(64)); // 86 characters
  const challenge = base64url(createHash('sha256').update(verifier, 'ascii').digest());
  return { verifier, challenge };
}

/**
 * The page where the user allows the app and gets a code to paste (no redirect URL: Dropbox shows
 * the code), asking for a refresh token (`token_access_type=offline`), PKCE S256.
 * https://www.dropbox.com/developers/documentation/http/documentation#oauth2-authorize
 */
export function dropboxAuthorizeUrl(args: { appKey: string; serviceUrl?: string; codeChallenge: string; state?: string }): string {
  const base = rewriteDropboxUrl(`${DROPBOX_WWW}/oauth2/authorize`, normaliseServiceUrl(args.serviceUrl));
  const query = new URLSearchParams({
    client_id: args.appKey.trim(),
    response_type: 'code',
    token_access_type: 'offline',
    code_challenge: args.codeChallenge,
    code_challenge_method: 'S256',
  });
  if (args.state) query.set('state', args.state);
  return `${base}?${query.toString()}`;
}

export function accountOf(result: {
  account_id: string;
  name: { display_name: string };
  email: string;
  team?: { name: string } | null;
  root_info?: { root_namespace_id?: string };
}): DropboxAccount {
  const account: DropboxAccount = { accountId: result.account_id, name: result.name.display_name, email: result.email };
  if (result.team?.name) account.teamName = result.team.name;
  if (result.root_info?.root_namespace_id) account.rootNamespaceId = result.root_info.root_namespace_id;
  return account;
}

async function currentAccount(accessToken: string, fetch: FetchLike, secrets: string[]): Promise<DropboxAccount> {
  try {
    const res = await new Dropbox({ accessToken, fetch }).usersGetCurrentAccount();
    return accountOf(res.result as unknown as Parameters<typeof accountOf>[0]);
  } catch (err) {
    throw tokenError(err, 'read the account', [...secrets, accessToken]);
  }
}

/**
 * Exchanges the code the user pasted (with the PKCE verifier of the same sign-in) for a refresh
 * token, through the SDK's getAccessTokenFromCode, and reads the account it belongs to.
 */
export async function exchangeDropboxCode(args: {
  appKey: string;
  serviceUrl?: string;
  code: string;
  codeVerifier: string;
  timeoutMs?: number;
  fetch?: FetchLike;
}): Promise<{ refreshToken: string; account: DropboxAccount }> {
  const code = typeof args.code === 'string' ? args.code.trim() : '';
  if (!/^[A-Za-z0-9._~-]{8,512}$/.test(code)) {
    throw new FileBridgeError('INVALID_INPUT', 'The Dropbox code is empty or malformed: paste the whole code the Dropbox page showed.');
  }
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(args.codeVerifier)) {
    throw new FileBridgeError('INVALID_INPUT', 'The sign-in was not started here (no PKCE verifier): press "Connect to Dropbox" again.');
  }
  const fetch = dropboxFetch(normaliseServiceUrl(args.serviceUrl), args.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, args.fetch);
  const auth = new DropboxAuth({ clientId: args.appKey.trim(), fetch });
  auth.setCodeVerifier(args.codeVerifier);
  let result: { access_token?: string; refresh_token?: string };
  try {
    // getAccessTokenFromCode puts code and verifier in the query string (dropbox-sdk-js src/auth.js).
    const res = await auth.getAccessTokenFromCode('', code);
    result = res.result as { access_token?: string; refresh_token?: string };
  } catch (err) {
    throw tokenError(err, 'exchange the sign-in code', [code, args.codeVerifier]);
  }
  if (!result.refresh_token || !result.access_token) {
    throw new FileBridgeError('AUTHENTICATION', 'Dropbox gave no refresh token; the sign-in must ask for offline access. Press "Connect to Dropbox" again.');
  }
  const account = await currentAccount(result.access_token, fetch, [code, args.codeVerifier, result.refresh_token]);
  return { refreshToken: result.refresh_token, account };
}

/** The account the stored refresh token belongs to (Test connection shows its name). */
export async function describeDropboxAccount(options: DropboxOptions): Promise<DropboxAccount> {
  checkDropboxOptions(options);
  const fetch = dropboxFetch(normaliseServiceUrl(options.serviceUrl), options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, options.fetch);
  const tokens = new DropboxTokens(options.appKey, options.refreshToken, fetch);
  return currentAccount(await tokens.get(), fetch, tokens.secrets());
}
