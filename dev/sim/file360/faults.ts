/**
 * Fault knobs: what a busy File 360, a flaky network and short-lived tokens do to a client.
 * Settable at start (`faults` option, CLI flags) and at runtime (`POST /_sim/faults`, `sim.setFaults`).
 * They apply to the API routes (`/api/...`, `/search/...`); `latencyMs` also to the token endpoint.
 */
import { mergeKnobs, type KnobKind } from '../shared/faults';

export interface File360Faults {
  /** Delay before every API answer and token answer. */
  latencyMs: number;
  /** Share (0..1) of API requests answered 429 with `Retry-After`. */
  rateLimitRate: number;
  /** The next N API requests are answered 429 with `Retry-After` (a storm, deterministic). */
  rateLimitNext: number;
  /** Seconds in the `Retry-After` of the 429s (and the 503s). */
  retryAfterSeconds: number;
  /** Share (0..1) of API requests answered 500 / 503. */
  errorRate: number;
  /** The next N API requests fail that way (deterministic variant of errorRate). */
  failNext: number;
  /** Share (0..1) of uploads whose connection is dropped halfway through the body (nothing stored). */
  dropUploadRate: number;
  /** The next N uploads are dropped that way (deterministic variant of dropUploadRate). */
  dropUploadNext: number;
  /** Lifetime of newly issued access tokens, in seconds. */
  tokenTtlSeconds: number;
  /**
   * Not a fault but a tenant variant: folder children answered as a bare JSON array instead of
   * `{"results":[...]}` (shared/reference/file360-rest.md: "as a JSON array or wrapped as
   * {"results":[...]} ... accept both").
   */
  childrenAsArray: boolean;
}

export const DEFAULT_FAULTS: File360Faults = {
  latencyMs: 0,
  rateLimitRate: 0,
  rateLimitNext: 0,
  retryAfterSeconds: 1,
  errorRate: 0,
  failNext: 0,
  dropUploadRate: 0,
  dropUploadNext: 0,
  tokenTtlSeconds: 3600,
  childrenAsArray: false,
};

/** The knobs turned off (tests reset to this after each test); the token lifetime is left alone. */
export const QUIET_FAULTS: Partial<File360Faults> = {
  latencyMs: 0,
  rateLimitRate: 0,
  rateLimitNext: 0,
  errorRate: 0,
  failNext: 0,
  dropUploadRate: 0,
  dropUploadNext: 0,
  childrenAsArray: false,
};

const KNOBS: Readonly<Record<keyof File360Faults, KnobKind>> = {
  latencyMs: 'finite',
  rateLimitRate: 'share',
  rateLimitNext: 'finite',
  retryAfterSeconds: 'finite',
  errorRate: 'share',
  failNext: 'finite',
  dropUploadRate: 'share',
  dropUploadNext: 'finite',
  tokenTtlSeconds: 'finite',
  childrenAsArray: 'boolean',
};

/** Validates a partial update; unknown keys are an error so typos show. */
export function mergeFaults(current: File360Faults, update: Record<string, unknown>): File360Faults {
  return mergeKnobs(current, update, KNOBS);
}
