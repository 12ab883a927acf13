/** The access tokens a simulator issued and when each expires (the Dropbox and File 360 simulators). */
import { randomBytes } from 'node:crypto';

export type TokenCheck = 'ok' | 'invalid' | 'expired';

export class AccessTokens {
  private readonly expiry = new Map<string, number>();

  /** `prefix` starts every token (opaque after it); `ttlSeconds` is asked at each issue. */
  constructor(
    private readonly prefix: string,
    private readonly ttlSeconds: () => number,
  ) {}

  issue(): { token: string; expiresIn: number } {
    const ttl = this.ttlSeconds();
    const token = `${this.prefix}${randomBytes(30).toString('base64url')}`;
    this.expiry.set(token, Date.now() + ttl * 1000);
    // Tokens expired over an hour ago are forgotten once there are many (a long soak run).
    if (this.expiry.size > 50000) for (const [k, v] of this.expiry) if (v < Date.now() - 3600_000) this.expiry.delete(k);
    return { token, expiresIn: ttl };
  }

  check(token: string): TokenCheck {
    const expires = this.expiry.get(token);
    if (expires === undefined) return 'invalid';
    return expires <= Date.now() ? 'expired' : 'ok';
  }

  /** Every token issued so far is expired from now on. */
  expireAll(): void {
    for (const k of this.expiry.keys()) this.expiry.set(k, 0);
  }

  /** Tokens not expired yet. */
  active(): number {
    const now = Date.now();
    return [...this.expiry.values()].filter((v) => v > now).length;
  }
}
