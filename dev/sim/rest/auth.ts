/**
 * Authentication: every resource under `/api/v1` takes ANY of
 * - `Authorization: Basic base64(user:password)` (RFC 7617),
 * - `Authorization: Bearer <static token>` or `Bearer <OAuth2 access token>` (RFC 6750 §2.1),
 * - an API key in the header `X-API-Key` or the query parameter `api_key`.
 * Anything else is a 401 problem with `WWW-Authenticate` offering Basic and Bearer (RFC 9110 §11.6.1:
 * a 401 MUST carry it); a Bearer token that was sent but is unknown or expired adds
 * `error="invalid_token"` (RFC 6750 §3, §3.1).
 *
 * The token endpoint `POST /oauth/token` is RFC 6749's client credentials grant (§4.4): a form body
 * (`application/x-www-form-urlencoded`, §4.4.2) with `grant_type=client_credentials` and optional
 * `scope`; the client authenticates by HTTP Basic (§2.3.1, which servers MUST support) or by the
 * `client_id` / `client_secret` body fields (§2.3.1, MAY). The answer is §5.1's
 * `{ access_token, token_type: "Bearer", expires_in, scope }` with `Cache-Control: no-store`;
 * errors are §5.2's `{ error, error_description }` (400; `invalid_client` is a 401, which §5.2
 * allows for any client authentication failure and requires when the Authorization header was used).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readBoundedBody } from '../shared/body';
import { AccessTokens } from '../shared/tokens';
import { Problem } from './problem';

export type AuthMode = 'basic' | 'bearer' | 'oauth' | 'apiKeyHeader' | 'apiKeyQuery';

export interface RestCredentials {
  user: string;
  password: string;
  bearerToken: string;
  apiKey: string;
  clientId: string;
  clientSecret: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class RestAuth {
  readonly tokens: AccessTokens;
  issued = 0;

  constructor(
    readonly creds: RestCredentials,
    ttlSeconds: () => number,
  ) {
    this.tokens = new AccessTokens('restsim.', ttlSeconds);
  }

  /** The mode a request authenticated with, or a 401 problem. */
  check(req: IncomingMessage, url: URL): AuthMode {
    const header = req.headers.authorization ?? '';
    let bearerProblem: string | undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0 && same(decoded.slice(0, colon), this.creds.user) && same(decoded.slice(colon + 1), this.creds.password)) return 'basic';
    }
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer) {
      if (same(bearer, this.creds.bearerToken)) return 'bearer';
      const t = this.tokens.check(bearer);
      if (t === 'ok') return 'oauth';
      bearerProblem = t === 'expired' ? 'The access token expired' : 'The access token is not valid';
    }
    const keyHeader = req.headers['x-api-key'];
    if (typeof keyHeader === 'string' && same(keyHeader, this.creds.apiKey)) return 'apiKeyHeader';
    const keyQuery = url.searchParams.get('api_key');
    if (keyQuery !== null && same(keyQuery, this.creds.apiKey)) return 'apiKeyQuery';
    const challenge = bearerProblem
      ? `Basic realm="rest-sim", Bearer realm="rest-sim", error="invalid_token", error_description="${bearerProblem}"`
      : 'Basic realm="rest-sim", Bearer realm="rest-sim"';
    const what = header || keyHeader !== undefined || keyQuery !== null ? (bearerProblem ?? 'The credentials are not valid') : 'Credentials are required';
    throw new Problem(401, 'Unauthorized', `${what}: send Basic, Bearer, X-API-Key or api_key`, 'about:blank', { 'WWW-Authenticate': challenge });
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}

const MAX_TOKEN_BODY = 16 * 1024;

/** `POST /oauth/token`. */
export async function tokenEndpoint(auth: RestAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const oauthError = (status: number, error: string, description: string): void =>
    send(res, status, { error, error_description: description }, status === 401 ? { 'WWW-Authenticate': 'Basic realm="rest-sim-token"' } : {});
  if (req.method !== 'POST') {
    req.resume();
    return oauthError(405, 'invalid_request', 'POST expected');
  }
  const body = await readBoundedBody(req, MAX_TOKEN_BODY);
  if (body === undefined) return oauthError(400, 'invalid_request', `the token request body is larger than ${MAX_TOKEN_BODY} bytes`);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded'))
    return oauthError(400, 'invalid_request', 'the token request body must be application/x-www-form-urlencoded (RFC 6749 §4.4.2)');
  const params = new URLSearchParams(body.toString('utf8'));
  let clientId = params.get('client_id');
  let clientSecret = params.get('client_secret');
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic) {
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic encoding.
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return oauthError(401, 'invalid_client', 'malformed Basic client credentials');
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      return oauthError(401, 'invalid_client', 'malformed Basic client credentials');
    }
  }
  const grant = params.get('grant_type');
  if (!grant) return oauthError(400, 'invalid_request', 'grant_type is missing');
  if (grant !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
  if (clientId === null || clientSecret === null || !same(clientId, auth.creds.clientId) || !same(clientSecret, auth.creds.clientSecret))
    return oauthError(401, 'invalid_client', 'unknown client or wrong client secret');
  const scope = params.get('scope') ?? 'api';
  auth.issued++;
  const issued = auth.tokens.issue();
  return send(res, 200, { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope });
}
