/**
 * The REST connection's authentication: Basic (RFC 7617), a bearer token (RFC 6750), an API key in a
 * header or the query, or OAuth2 client credentials (RFC 6749 4.4): ONE token per client, ONE token
 * request at a time however many calls need one (a shared refresh), renewed when 90 % of its lifetime
 * has passed, and replaced once after a 401 (shared by every call refused with the same token).
 */
import { FileBridgeError } from '../errors';
import { errorTextOf, safeText, transportError, type RestMethod } from './errors';
import { secretQueryParams, type RestAuth } from './rest-config';
import { readAll, type Transport } from './transport';

const TOKEN_ANSWER_LIMIT = 256 * 1024;

/** RFC 6749 2.3.1: client id and secret are form-urlencoded before they are joined for HTTP Basic. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

export class RestAuthorizer {
  private token: string | undefined;
  private renewAt = 0;
  private inFlight: Promise<string> | undefined;
  /** Token requests made (tests, status). */
  tokenRequests = 0;

  constructor(
    private readonly auth: RestAuth,
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  /** Every secret this connection knows, to blank out of any text shown. */
  secrets(): string[] {
    const a = this.auth;
    const out: string[] = [];
    if (a.type === 'basic') out.push(a.password, Buffer.from(`${a.username}:${a.password}`).toString('base64'));
    if (a.type === 'bearer') out.push(a.token);
    if (a.type === 'apiKey') out.push(a.value, encodeURIComponent(a.value));
    if (a.type === 'oauth2') out.push(a.clientSecret, formEncode(a.clientSecret));
    if (this.token) out.push(this.token);
    return out.filter((s) => s !== '');
  }

  /** Names of query parameters holding a secret (the API key's). */
  secretParams(): string[] {
    return secretQueryParams(this.auth);
  }

  /** Adds the credentials to a request; resolves with the OAuth2 token used (for `replace`), if any. */
  async apply(headers: Record<string, string>, url: URL): Promise<string | undefined> {
    const a = this.auth;
    switch (a.type) {
      case 'none':
        return undefined;
      case 'basic':
        headers.Authorization = `Basic ${Buffer.from(`${a.username}:${a.password}`).toString('base64')}`;
        return undefined;
      case 'bearer':
        headers.Authorization = `Bearer ${a.token}`;
        return undefined;
      case 'apiKey':
        if (a.in === 'header') headers[a.name] = a.value;
        else url.searchParams.set(a.name, a.value);
        return undefined;
      case 'oauth2': {
        const token = await this.current();
        headers.Authorization = `Bearer ${token}`;
        return token;
      }
    }
  }

  /** Whether a 401 may pass with a new token. */
  get renewable(): boolean {
    return this.auth.type === 'oauth2';
  }

  /** Drops `stale` (refused with a 401) and gets another, unless another call already did. */
  async replace(stale: string | undefined): Promise<void> {
    if (this.token !== undefined && this.token !== stale) return;
    this.token = undefined;
    await this.renew();
  }

  /** Drops the token now (tests, and a client that wants a fresh sign-in). */
  forget(): void {
    this.token = undefined;
  }

  private async current(): Promise<string> {
    if (this.token !== undefined && Date.now() < this.renewAt) return this.token;
    return this.renew();
  }

  private renew(): Promise<string> {
    this.inFlight ??= this.request().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async request(): Promise<string> {
    const a = this.auth;
    if (a.type !== 'oauth2') throw new Error('not OAuth2');
    this.tokenRequests++;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (a.scope) form.set('scope', a.scope);
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    if (a.clientAuth === 'basic') headers.Authorization = `Basic ${Buffer.from(`${formEncode(a.clientId)}:${formEncode(a.clientSecret)}`).toString('base64')}`;
    else {
      form.set('client_id', a.clientId);
      form.set('client_secret', a.clientSecret);
    }
    const method: RestMethod = 'POST';
    const shownUrl = a.tokenUrl;
    let status: number;
    let text: string;
    try {
      const answer = await this.transport.exchange({ method, url: a.tokenUrl, headers, body: form.toString(), timeoutMs: this.timeoutMs, shownUrl });
      status = answer.status;
      text = (
        await readAll(
          answer.body,
          TOKEN_ANSWER_LIMIT,
          () => new FileBridgeError('AUTHENTICATION', 'The OAuth2 token URL answered with more than 256 KiB; no token was read.'),
        )
      ).toString('utf8');
    } catch (err) {
      const mapped = transportError(err, method, shownUrl, this.secrets());
      throw new FileBridgeError(mapped.code, `The OAuth2 token request failed: ${mapped.message}`, mapped.details);
    }
    if (status >= 200 && status < 300) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const r = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const token = r.access_token;
      // A token goes into a header: printable ASCII without spaces only (RFC 6750 2.1 b64token).
      if (typeof token !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(token)) {
        throw new FileBridgeError('AUTHENTICATION', `The OAuth2 token URL ${shownUrl} answered without a usable access_token.`, { status, url: shownUrl });
      }
      const raw = r.expires_in;
      const expires = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : 3600;
      this.token = token;
      this.renewAt = Date.now() + Math.max(1, expires) * 1000 * 0.9;
      return token;
    }
    const said = safeText(errorTextOf(text).text ?? '', this.secrets());
    const details = { status, method, url: shownUrl };
    if (status === 429 || status === 408 || status >= 500) {
      throw new FileBridgeError('CONNECTION', `The OAuth2 token request failed (HTTP ${status})${said ? `: ${said}` : ''}; try again later.`, details);
    }
    throw new FileBridgeError(
      'AUTHENTICATION',
      `The OAuth2 token URL refused the client (HTTP ${status})${said ? `: ${said}` : ''}. Check the token URL, client id, client secret, scope and client authentication of the REST connection.`,
      details,
    );
  }
}
