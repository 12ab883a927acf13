/**
 * Fault knobs: what a busy Dropbox, a flaky network and short-lived tokens do to a client.
 * Settable at start (`faults` option, CLI flags) and at runtime (`POST /_sim/faults`, `sim.setFaults`).
 */
import { mergeKnobs, type KnobKind } from '../shared/faults';

export interface DropboxFaults {
  /** Delay before every API answer (RPC, content, notify, oauth2/token). */
  latencyMs: number;
  /** Share (0..1) of API requests answered 429 `too_many_requests` with `Retry-After`. */
  rateLimitRate: number;
  /** Share (0..1) of write requests answered 429 `too_many_write_operations` with `Retry-After`. */
  writeLimitRate: number;
  /** Seconds in `Retry-After` (and `retry_after`) of the 429s above. */
  retryAfterSeconds: number;
  /** Share (0..1) of API requests answered with a 500 / 503. */
  errorRate: number;
  /** The next N API requests fail that way (deterministic variant of errorRate). */
  failNext: number;
  /** Share (0..1) of uploads (upload, append_v2, start with bytes) whose connection drops halfway through the body. */
  dropUploadRate: number;
  /** Lifetime of newly issued access tokens, in seconds. */
  accessTokenTtlSeconds: number;
  /**
   * Dropbox serialises writes per namespace: with this on, each commit holds the account's write lock
   * for writeLockMs, and a single commit (upload, upload_session/finish, create_folder, move, copy,
   * delete) that arrives while another holds it is refused with `too_many_write_operations`
   * (alternately a 429 and a 409 write error, as Dropbox answers both). finish_batch_v2 waits for the
   * lock instead and holds it once for all its entries; a second batch meanwhile fails entry by entry.
   */
  contendSingleCommits: boolean;
  /** How long one commit (or one whole batch) holds the account's write lock; only with contendSingleCommits. */
  writeLockMs: number;
  /** Seconds a longpoll answer asks the client to wait before the next longpoll (`backoff`); 0 = none. */
  longpollBackoffSeconds: number;
  /** Caps how long a longpoll waits (ms; 0 = the requested timeout), so tests need not wait 30 s. */
  longpollCapMs: number;
}

export const DEFAULT_FAULTS: DropboxFaults = {
  latencyMs: 0,
  rateLimitRate: 0,
  writeLimitRate: 0,
  retryAfterSeconds: 1,
  errorRate: 0,
  failNext: 0,
  dropUploadRate: 0,
  accessTokenTtlSeconds: 14400,
  contendSingleCommits: false,
  writeLockMs: 50,
  longpollCapMs: 0,
  longpollBackoffSeconds: 0,
};

const KNOBS: Readonly<Record<keyof DropboxFaults, KnobKind>> = {
  latencyMs: 'count',
  rateLimitRate: 'share',
  writeLimitRate: 'share',
  retryAfterSeconds: 'count',
  errorRate: 'share',
  failNext: 'count',
  dropUploadRate: 'share',
  accessTokenTtlSeconds: 'count',
  contendSingleCommits: 'boolean',
  writeLockMs: 'count',
  longpollBackoffSeconds: 'count',
  longpollCapMs: 'count',
};

/** Validates a partial update; unknown keys are an error so typos show. */
export function mergeFaults(current: DropboxFaults, update: Record<string, unknown>): DropboxFaults {
  return mergeKnobs(current, update, KNOBS);
}
