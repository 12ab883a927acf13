/**
 * OAuth2 access tokens from OTDS for one File 360 connection: the client-credentials grant, or the
 * password grant when a user name is given (both with the client id and secret in the form body, as
 * pyxecm `authenticate_user` posts them). ONE request at a time however many calls need a token;
 * a token is renewed when 90 % of its lifetime has passed, and on a 401 (once per call, shared by all
 * calls that were refused with the same token).
 */
import { FileBridgeError } from '../errors';
import { F360_TOKEN } from './contract';
import { parseF360Json, readBodyText, readErrorText } from './json';
import { record, type File360Token } from './resources';
import { safeF360Text, transportError } from './errors';

export interface TokenCredentials {
  ssoUrl: string;
  clientId: string;
  clientSecret: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

/** Reads the token answer (`{access_token, token_type, expires_in}`); expires_in may come as digits. */
export function parseToken(body: unknown): File360Token {
  const a = F360_TOKEN.answer;
  const r = record(body);
  const token = r?.[a.accessToken];
  // A token goes into a header: only printable ASCII without spaces.
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) {
    throw new FileBridgeError('AUTHENTICATION', 'The File 360 sign-in answered without an access token.');
  }
  const out: File360Token = { accessToken: token };
  const raw = r?.[a.expiresIn];
  const expires = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
  if (expires !== undefined && Number.isFinite(expires) && expires > 0) out.expiresInSeconds = expires;
  return out;
}

export class File360Tokens {
  private token: string | undefined;
  private renewAt = 0;
  private inFlight: Promise<string> | undefined;
  /** Tokens requested so far (tests and status). */
  requests = 0;

  constructor(private readonly creds: TokenCredentials) {}

  /** Secrets to blank out of any text shown to a user. */
  secrets(): string[] {
    const out = [this.creds.clientSecret];
    if (this.creds.password) out.push(this.creds.password);
    if (this.token) out.push(this.token);
    return out.filter((s) => s !== '');
  }

  /** A current token (requesting one first when there is none or it is near its end). */
  async get(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.renewAt) return this.token;
    return this.renew();
  }

  /** A token other than `stale` (refused with a 401); requests one only if no other call already did. */
  async replace(stale: string): Promise<string> {
    if (this.token !== undefined && this.token !== stale) return this.token;
    this.token = undefined;
    return this.renew();
  }

  private renew(): Promise<string> {
    this.inFlight ??= this.request().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async request(): Promise<string> {
    this.requests++;
    const f = F360_TOKEN.form;
    const form = new URLSearchParams();
    const password = this.creds.username !== undefined && this.creds.username !== '';
    form.set(f.grantType, password ? F360_TOKEN.grantPassword : F360_TOKEN.grantClientCredentials);
    form.set(f.clientId, this.creds.clientId);
    form.set(f.clientSecret, this.creds.clientSecret);
    if (password) {
      form.set(f.username, this.creds.username as string);
      form.set(f.password, this.creds.password ?? '');
    }
    const where = 'the sign-in (token request)';
    let res: Response;
    try {
      res = await fetch(`${this.creds.ssoUrl}${F360_TOKEN.path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.creds.timeoutMs),
      });
    } catch (err) {
      throw transportError(err, where);
    }
    if (res.status >= 200 && res.status < 300) {
      const token = parseToken(parseF360Json(await readBodyText(res, where, 256 * 1024), where));
      const lifetimeMs = (token.expiresInSeconds ?? 3600) * 1000;
      this.renewAt = Date.now() + lifetimeMs * 0.9;
      this.token = token.accessToken;
      return token.accessToken;
    }
    const status = res.status;
    const body = await readErrorText(res);
    let said = '';
    try {
      const r = record(parseF360Json(body, where));
      const a = F360_TOKEN.answer;
      said = [r?.[a.error], r?.[a.errorDescription]].filter((v) => typeof v === 'string').join(': ');
    } catch {
      // not JSON: no reason to show
    }
    said = safeF360Text(said, this.secrets());
    const details = { status, request: where };
    if (status === 429 || status >= 500) {
      throw new FileBridgeError('CONNECTION', `The File 360 sign-in failed (HTTP ${status})${said ? `: ${said}` : ''}; try again later.`, details);
    }
    throw new FileBridgeError(
      'AUTHENTICATION',
      `The File 360 sign-in was refused (HTTP ${status})${said ? `: ${said}` : ''}. Check the client id and secret${this.creds.username ? ', the user name and password' : ''} in the File 360 connection.`,
      details,
    );
  }
}
