/**
 * OAuth 2 of the simulated Dropbox: `POST /oauth2/token` (grants `refresh_token` and
 * `authorization_code` with PKCE) and the `/oauth2/authorize` page of www.dropbox.com (an "Allow"
 * button that shows the code to paste, or redirects when a redirect_uri was given).
 *
 * Token errors are HTTP 400 JSON `{"error": ..., "error_description": ...}`: `invalid_grant` /
 * "refresh token is invalid or revoked" (seen verbatim in nextcloud/integration_dropbox issue 34),
 * `invalid_grant` / "code doesn't exist or has expired", `invalid_client` (dropbox/dropbox-sdk-python
 * PR 544 surfaces it from a refresh with a wrong app). The official JS SDK refreshes with every
 * parameter in the query string, `Content-Type: application/json` and an empty body
 * (shared/reference/node-red-and-dropbox.md), so parameters are read from the query and from a
 * form-encoded body alike.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { escapeHtml as esc } from '../shared/html';
import { AccessTokens, type TokenCheck } from '../shared/tokens';
import { readSmallBody } from './body';
import type { SimCore } from './core';

interface PendingCode {
  challenge?: string;
  method?: string;
  redirectUri?: string;
  offline: boolean;
  expires: number;
}

export type { TokenCheck };

export class Auth {
  private readonly access: AccessTokens;
  readonly refreshTokens = new Set<string>();
  private readonly codes = new Map<string, PendingCode>();

  constructor(
    readonly appKey: string,
    refreshToken: string,
    ttlSeconds: () => number,
  ) {
    // Real short-lived tokens start with `sl.`; the rest is opaque.
    this.access = new AccessTokens('sl.sim-', ttlSeconds);
    this.refreshTokens.add(refreshToken);
  }

  issueAccessToken(): { token: string; expiresIn: number } {
    return this.access.issue();
  }

  check(token: string): TokenCheck {
    return this.access.check(token);
  }

  /** Every access token issued so far answers `expired_access_token` from now on. */
  expireAll(): void {
    this.access.expireAll();
  }

  activeTokens(): number {
    return this.access.active();
  }

  newCode(pending: PendingCode): string {
    const code = randomBytes(24).toString('base64url');
    this.codes.set(code, pending);
    return code;
  }

  takeCode(code: string): PendingCode | undefined {
    const p = this.codes.get(code);
    this.codes.delete(code);
    if (!p || p.expires < Date.now()) return undefined;
    return p;
  }
}

function sendOauthJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-store' });
  res.end(text);
}

const oauthError = (res: ServerResponse, error: string, description: string): void => sendOauthJson(res, 400, { error, error_description: description });

export async function tokenEndpoint(core: SimCore, auth: Auth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    return oauthError(res, 'invalid_request', 'POST expected');
  }
  const body = await readSmallBody(req, 64 * 1024);
  if (body === undefined) return oauthError(res, 'invalid_request', 'request body too large');
  const params = new URLSearchParams(url.searchParams);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    params.set('client_id', colon < 0 ? decoded : decoded.slice(0, colon));
  }
  const clientId = params.get('client_id');
  // Dropbox's answer when neither a client_id nor Basic credentials came with the request.
  if (!clientId) return oauthError(res, 'invalid_request', 'No auth function available for given request');
  if (clientId !== auth.appKey) return oauthError(res, 'invalid_client', 'Invalid client_id or client_secret');
  const grant = params.get('grant_type');
  if (grant === 'refresh_token') {
    const token = params.get('refresh_token') ?? '';
    if (!auth.refreshTokens.has(token)) return oauthError(res, 'invalid_grant', 'refresh token is invalid or revoked');
    core.counters.tokenRefreshes++;
    const issued = auth.issueAccessToken();
    return sendOauthJson(res, 200, { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn });
  }
  if (grant === 'authorization_code') {
    const pending = auth.takeCode(params.get('code') ?? '');
    if (!pending) return oauthError(res, 'invalid_grant', "code doesn't exist or has expired");
    if (pending.redirectUri !== undefined && params.get('redirect_uri') !== pending.redirectUri)
      return oauthError(res, 'invalid_grant', 'redirect_uri mismatch');
    if (pending.challenge !== undefined) {
      const verifier = params.get('code_verifier') ?? '';
      const computed = pending.method === 'plain' ? verifier : createHash('sha256').update(verifier).digest('base64url');
      if (verifier === '' || computed !== pending.challenge) return oauthError(res, 'invalid_grant', 'invalid code verifier');
    }
    core.counters.codeExchanges++;
    const issued = auth.issueAccessToken();
    const answer: Record<string, unknown> = {
      access_token: issued.token,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      scope: 'account_info.read files.content.read files.content.write files.metadata.read files.metadata.write sharing.read sharing.write',
      uid: core.account.uid,
      account_id: core.account.accountId,
    };
    if (pending.offline) {
      const refresh = `sim-rt-${randomBytes(24).toString('base64url')}`;
      auth.refreshTokens.add(refresh);
      answer.refresh_token = refresh;
    }
    return sendOauthJson(res, 200, answer);
  }
  return oauthError(res, 'unsupported_grant_type', `grant_type must be refresh_token or authorization_code`);
}

function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;color:#1e1919}
h1{font-size:1.4rem}.code{font-family:monospace;font-size:1.2rem;padding:.6rem;background:#f7f5f2;border:1px solid #ccc;user-select:all;word-break:break-all}
button{font-size:1rem;padding:.5rem 1.4rem;margin-right:.6rem}.allow{background:#0061fe;color:#fff;border:0}</style></head>
<body><p><b>Dropbox simulator</b></p>${body}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(html)),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(html);
}

/**
 * `GET /oauth2/authorize?client_id&response_type=code[&code_challenge&code_challenge_method=S256]
 * [&token_access_type=offline][&redirect_uri&state]` shows the app and an Allow button;
 * `POST /oauth2/authorize` (the button) shows the code, or redirects to redirect_uri with code and state.
 */
export async function authorizePage(core: SimCore, auth: Auth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  let params = url.searchParams;
  if (req.method === 'POST') {
    const body = await readSmallBody(req, 64 * 1024);
    params = new URLSearchParams(body?.toString('utf8') ?? '');
  } else {
    req.resume();
  }
  const clientId = params.get('client_id') ?? '';
  // www.dropbox.com answers a bad request with an error page naming the problem (dropbox/dbxcli issue 62: `Invalid client_id: "..."`).
  if (clientId !== auth.appKey) return sendPage(res, 400, 'Error (400)', `<h1>Error (400)</h1><p>Invalid client_id: "${esc(clientId)}".</p>`);
  if (params.get('response_type') !== 'code')
    return sendPage(res, 400, 'Error (400)', '<h1>Error (400)</h1><p>Invalid response_type: only "code" is supported.</p>');
  const challenge = params.get('code_challenge') ?? undefined;
  const method = params.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
  if (challenge !== undefined && method !== 'S256' && method !== 'plain')
    return sendPage(res, 400, 'Error (400)', '<h1>Error (400)</h1><p>Invalid code_challenge_method: use S256 or plain.</p>');
  if (challenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(challenge))
    return sendPage(res, 400, 'Error (400)', '<h1>Error (400)</h1><p>Invalid code_challenge: 43 to 128 characters expected.</p>');
  const redirectUri = params.get('redirect_uri') ?? undefined;
  const state = params.get('state') ?? undefined;
  if (req.method !== 'POST') {
    const hidden = [...params.entries()].map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    return sendPage(
      res,
      200,
      'API Request Authorization - Dropbox',
      `<h1>Allow the app "${esc(auth.appKey)}" to access your Dropbox?</h1>
<p>Signed in as <b>${esc(core.account.displayName)}</b> (${esc(core.account.email)})${core.teamRoot ? `, member of ${esc(core.account.teamName)}` : ''}.</p>
<form method="post" action="/oauth2/authorize">${hidden}<button type="submit" name="decision" value="allow" class="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button></form>`,
    );
  }
  if (params.get('decision') !== 'allow') {
    if (redirectUri) {
      const target = new URL(redirectUri);
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user chose not to give your app access to their Dropbox account.');
      if (state) target.searchParams.set('state', state);
      res.writeHead(302, { Location: target.toString() });
      return void res.end();
    }
    return sendPage(res, 200, 'Access denied', '<h1>Access denied</h1><p>The app was not given access.</p>');
  }
  const code = auth.newCode({ challenge, method, redirectUri, offline: params.get('token_access_type') === 'offline', expires: Date.now() + 10 * 60_000 });
  if (redirectUri) {
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (state) target.searchParams.set('state', state);
    res.writeHead(302, { Location: target.toString() });
    return void res.end();
  }
  sendPage(
    res,
    200,
    'Access code - Dropbox',
    `<h1>Enter this code into ${esc(auth.appKey)} to finish the process.</h1><p class="code" id="code">${esc(code)}</p>`,
  );
}
