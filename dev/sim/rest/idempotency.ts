/**
 * `Idempotency-Key` on POST / PUT / PATCH, as the IETF httpapi draft "The Idempotency-Key HTTP
 * Header Field" (draft-ietf-httpapi-idempotency-key-header-07, github.com/ietf-wg-httpapi/idempotency)
 * and Stripe's API (docs.stripe.com/idempotency) describe it:
 * - the first request with a key is processed and its answer (status, body) kept; a request with the
 *   same key and the same fingerprint (method, path and query without api_key, body checksum: the
 *   draft's "Idempotency Fingerprint", "Checksum of the entire request payload") gets that first
 *   answer again, marked `Idempotent-Replayed: true` (the header Stripe answers replays with), and
 *   has no second effect;
 * - the same key with a different request: 422 (draft, "Error Scenarios": "If there is an attempt to
 *   reuse an idempotency key with a different request payload, the resource server SHOULD reply with
 *   a HTTP 422 status code"; Stripe "compares incoming parameters to those of the original request and
 *   errors if they're not the same");
 * - the same key while its first request is still being processed: 409 (draft: "If the request is
 *   retried, while the original request is still being processed, the resource server SHOULD reply
 *   with an HTTP 409 status code");
 * - only successful (2xx) answers are kept. The draft lets a server replay errors too; Stripe saves a
 *   result "only after the execution of an endpoint begins. If incoming parameters fail validation, or
 *   the request conflicts with another ..." nothing is saved. Here a 422 of bad records, a 429 and a
 *   503 all come before anything is stored, so a retry of them is processed again;
 * - keys expire after 24 hours (Stripe: keys may be removed "after they're at least 24 hours old";
 *   the draft: "The resource MAY enforce time based idempotency keys").
 * The draft's key is a Structured Field string (its examples are quoted: `Idempotency-Key: "8e03..."`);
 * an unquoted key is taken too, as Stripe's clients send it. Stripe allows keys "up to 255 characters".
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
