/**
 * Tickets: obtaining one (password, OTDS client credentials, or a ticket someone else issued),
 * adopting the fresher ones the server hands out, and renewing after a 401 exactly once for all
 * requests that saw the same stale ticket.
 */
import { FileBridgeError } from '../errors';
import { isObject } from './envelopes';

export type CsAuth =
  | { kind: 'password'; username: string; password: string; domain?: string }
  | { kind: 'ticket'; ticket: string }
  /** `otdsUrl` is the OTDS base (`https://otds.example.com`); the token comes from `/otdsws/oauth2/token`. */
  | { kind: 'otds'; otdsUrl: string; clientId: string; clientSecret: string; scope?: string };

/** What the auth layer needs from HTTP: unauthenticated calls that return the JSON and response headers. */
export interface LoginTransport {
  postForm(path: string, form: Record<string, string>): Promise<{ body: unknown; headers: Headers }>;
  getWithHeaders(path: string, headers: Record<string, string>): Promise<{ body: unknown; headers: Headers }>;
  fetchOtdsToken(url: string, form: Record<string, string>, basic: string): Promise<unknown>;
}

export class TicketKeeper {
  private current: string | undefined;
  private pending: Promise<string> | undefined;
  /** How many tickets were obtained by logging in (not adopted): tests and status displays read it. */
  logins = 0;
  /** The ticket the latest login produced; refused right after a login means the login is useless. */
  lastLoginTicket: string | undefined;

  constructor(
    private readonly auth: CsAuth,
    private readonly transport: LoginTransport,
  ) {
    if (auth.kind === 'ticket') this.current = auth.ticket;
  }

  async ticket(): Promise<string> {
    if (this.current !== undefined) return this.current;
    return this.login();
  }

  /** A response carried a newer ticket; later requests use it. */
  adopt(ticket: string | null): void {
    if (ticket && ticket.trim() !== '') this.current = ticket.trim();
  }

  /**
   * `stale` was refused with 401. If another request already replaced it, that ticket is the answer;
   * otherwise one login runs and every request that saw the same stale ticket waits for it.
   */
  async renew(stale: string): Promise<string> {
    if (this.current !== undefined && this.current !== stale) return this.current;
    if (this.auth.kind === 'ticket') {
      throw new FileBridgeError('AUTHENTICATION', 'The pre-issued Content Server ticket was refused (expired or unknown); issue a new one');
    }
    this.current = undefined;
    return this.login();
  }

  forget(): void {
    this.current = undefined;
  }

  /** True when there is a session to end: a ticket, or a login on its way. */
  holdsTicket(): boolean {
    return this.current !== undefined || this.pending !== undefined;
  }

  private login(): Promise<string> {
    if (!this.pending) {
      this.pending = this.obtain()
        .then((t) => {
          this.current = t;
          this.lastLoginTicket = t;
          this.logins += 1;
          return t;
        })
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  private async obtain(): Promise<string> {
    const auth = this.auth;
    switch (auth.kind) {
      case 'ticket':
        throw new FileBridgeError('AUTHENTICATION', 'No Content Server ticket configured');
      case 'password': {
        const form: Record<string, string> = { username: auth.username, password: auth.password };
        if (auth.domain) form.domain = auth.domain;
        const { body } = await this.transport.postForm('/v1/auth', form);
        if (isObject(body) && typeof body.ticket === 'string') return body.ticket;
        throw new FileBridgeError('AUTHENTICATION', 'Content Server login answered without a ticket');
      }
      case 'otds': {
        const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
        const form: Record<string, string> = { grant_type: 'client_credentials' };
        if (auth.scope) form.scope = auth.scope;
        const tokenUrl = `${auth.otdsUrl.replace(/\/+$/, '')}/otdsws/oauth2/token`;
        const token = await this.transport.fetchOtdsToken(tokenUrl, form, basic);
        if (!isObject(token) || typeof token.access_token !== 'string') {
          throw new FileBridgeError('AUTHENTICATION', 'OTDS answered without an access_token', { url: tokenUrl });
        }
        const { headers } = await this.transport.getWithHeaders('/v1/auth', { Authorization: `Bearer ${token.access_token}` });
        const ticket = headers.get('otcsticket');
        if (!ticket) throw new FileBridgeError('AUTHENTICATION', 'Content Server accepted the OTDS token but sent no OTCSTicket header');
        return ticket;
      }
    }
  }
}
