/**
 * `Idempotency-Key` on POST / PUT / PATCH, as the IETF httpapi draft "The Idempotency-Key HTTP
 * Header Field" (draft-ietf-httpapi-idempotency-key-header) and Stripe's API ("Idempotent requests",
 * docs.stripe.com/api/idempotent_requests) describe it:
 * - the first request with a key is processed and its answer (status, body) kept; a request with the
 *   same key and the same fingerprint (method, path and query, body) gets that first answer again,
 *   with `Idempotent-Replayed: true` (Stripe's header name), and no second effect;
 * - the same key with a different request: 422 (draft §2.7 "Error Scenarios": "If there is an
 *   attempt to reuse an idempotency key with a different request payload, the resource server
 *   MUST reply with ... 422 Unprocessable Content"; Stripe: "compares incoming parameters to those
 *   of the original request and errors if they're not the same");
 * - the same key while its first request is still being processed: 409 (draft §2.7: "If the request
 *   is retried, while the original request is still being processed, the resource server MUST reply
 *   with ... 409 Conflict");
 * - only successful (2xx) answers are kept: Stripe saves no result when "incoming parameters fail
 *   validation" or the request was refused before the endpoint ran (a 422 of bad records, a 429, a
 *   503), so a retry of those is processed again;
 * - keys expire after 24 hours (Stripe: "keys are eligible to be removed from the system
 *   automatically after they're at least 24 hours old"; the draft leaves the expiry to the server).
 * The draft's key is a Structured Header sf-string (quoted); a plain token is accepted too, as
 * Stripe and most clients send it unquoted.
 */
import { Problem } from './problem';

export interface KeptAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Entry {
  fingerprint: string;
  at: number;
  answer?: KeptAnswer;
}

const TTL_MS = 24 * 3600 * 1000;
const MAX_KEYS = 200_000;

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();
  replays = 0;

  /** The key of a request (quotes of the sf-string form removed), or undefined when none came; a malformed one is a 400. */
  static keyOf(header: string | string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    const raw = (Array.isArray(header) ? header.join(',') : header).trim();
    const key = /^"(.*)"$/.exec(raw)?.[1] ?? raw;
    if (key === '' || key.length > 255 || !/^[\x20-\x7e]+$/.test(key))
      throw new Problem(400, 'Bad Request', 'Idempotency-Key must be 1-255 printable ASCII characters', '/problems/idempotency-key');
    return key;
  }

  /**
   * Before processing: the kept answer to replay, or undefined (then the key is held until `settle`).
   * Throws 422 (reused with a different request) or 409 (first request still running).
   */
  begin(key: string, fingerprint: string): KeptAnswer | undefined {
    const now = Date.now();
    const e = this.entries.get(key);
    if (e && now - e.at > TTL_MS) this.entries.delete(key);
    else if (e) {
      if (e.fingerprint !== fingerprint)
        throw new Problem(
          422,
          'Unprocessable Content',
          'Idempotency-Key reused with a different request (method, path or body)',
          '/problems/idempotency-key-reused',
        );
      if (!e.answer) throw new Problem(409, 'Conflict', 'a request with this Idempotency-Key is still being processed', '/problems/idempotency-key-in-use');
      this.replays++;
      return e.answer;
    }
    this.entries.set(key, { fingerprint, at: now });
    if (this.entries.size > MAX_KEYS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return undefined;
  }

  /** After processing: keeps a 2xx answer, forgets the key otherwise. */
  settle(key: string, answer: KeptAnswer | undefined): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (answer && answer.status >= 200 && answer.status < 300) e.answer = answer;
    else this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
