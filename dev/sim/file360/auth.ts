/**
 * OAuth2 through OTDS: `POST <sso>/otdsws/oauth2/token` (shared/reference/file360-rest.md,
 * "Authentication"): `grant_type=client_credentials` with `client_id` and `client_secret`, or
 * `grant_type=password` with `username` and `password` as well, answered
 * `{"access_token":"..","token_type":"Bearer","expires_in":3600}`.
 *
 * Where the parameters come from: OpenText's own client (opentext/pyxecm, pyxecm/coreshare.py,
 * `authenticate_user`) posts them as a form body (`Content-Type: application/x-www-form-urlencoded`,
 * `Accept: application/json`); the same module also builds token URLs with every parameter in the
 * query string (`authorizationUrlCredentials`, `authorizationUrlPassword`), so both are read. Client
 * credentials in an HTTP Basic header are read too (RFC 6749 §2.3.1: servers MUST support it).
 * Error answers follow RFC 6749 §5.2 (`{"error":"invalid_client"|"invalid_grant"|..., "error_description"}`,
 * 400, or 401 for invalid_client); OTDS's exact texts are not public (unverified).
 *
 * Both grants act as the one simulated account (the `user` option): the simulator has one file owner.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AccessTokens, type TokenCheck } from '../shared/tokens';
import { readSmallBody } from './body';
import { F360Error } from './errors';

export type { TokenCheck };

export interface Credentials {
  clientId: string;
  clientSecret: string;
  user: string;
  password: string;
}

export class Auth {
  private readonly tokens: AccessTokens;
  issued = 0;

  constructor(
    readonly creds: Credentials,
    ttlSeconds: () => number,
  ) {
    this.tokens = new AccessTokens('f360sim.', ttlSeconds);
  }

  issue(): { token: string; expiresIn: number } {
    this.issued++;
    return this.tokens.issue();
  }

  check(token: string): TokenCheck {
    return this.tokens.check(token);
  }

  /** Every token issued so far is expired from now on. */
  expireAll(): void {
    this.tokens.expireAll();
  }

  active(): number {
    return this.tokens.active();
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  });
  res.end(text);
}

const oauthError = (res: ServerResponse, status: number, error: string, description: string): void =>
  send(res, status, { error, error_description: description });

export async function tokenEndpoint(auth: Auth, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'POST') {
    req.resume();
    return oauthError(res, 405, 'invalid_request', 'POST expected');
  }
  let body: Buffer;
  try {
    body = await readSmallBody(req, 16 * 1024);
  } catch (err) {
    if (err instanceof F360Error) return oauthError(res, 400, 'invalid_request', 'request body too large');
    throw err;
  }
  const params = new URLSearchParams(url.searchParams);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (body.length > 0) {
    // RFC 6749 §4.4.2 / §4.3.2: the parameters come form-encoded in the body.
    if (!type.startsWith('application/x-www-form-urlencoded'))
      return oauthError(res, 400, 'invalid_request', 'the token request body must be application/x-www-form-urlencoded');
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  }
  let basicUsed = false;
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return oauthError(res, 401, 'invalid_client', 'malformed Basic client credentials');
    params.set('client_id', decodeURIComponent(decoded.slice(0, colon)));
    params.set('client_secret', decodeURIComponent(decoded.slice(colon + 1)));
    basicUsed = true;
  }
  const grant = params.get('grant_type');
  if (!grant) return oauthError(res, 400, 'invalid_request', 'grant_type is missing');
  if (grant !== 'client_credentials' && grant !== 'password')
    return oauthError(res, 400, 'unsupported_grant_type', 'grant_type must be client_credentials or password');
  const { creds } = auth;
  if (params.get('client_id') !== creds.clientId || params.get('client_secret') !== creds.clientSecret)
    return oauthError(res, basicUsed ? 401 : 400, 'invalid_client', 'unknown client or wrong client secret');
  if (grant === 'password') {
    const username = params.get('username');
    const password = params.get('password');
    if (!username || password === null) return oauthError(res, 400, 'invalid_request', 'username and password are required for grant_type=password');
    if (username.toLowerCase() !== creds.user.toLowerCase() || password !== creds.password)
      return oauthError(res, 400, 'invalid_grant', 'wrong user name or password');
  }
  const issued = auth.issue();
  return send(res, 200, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn });
}
