/**
 * Fault knobs: what a busy API, a flaky network and a picky back end do to a client. Settable at
 * start (`faults` option, CLI flags) and at runtime (`POST /_sim/faults`, `sim.setFaults`). They
 * apply to the API (`/api/v1/...`); `latencyMs` also to the token endpoint.
 */
import { mergeKnobs, type KnobKind } from '../shared/faults';

export interface RestFaults {
  /** Processing time added to every routed, authenticated API request (after the idempotency check) and to token answers. */
  latencyMs: number;
  /** The next N API requests are answered 429 with `Retry-After: <retryAfterSeconds>` (a storm). */
  status429: number;
  /** Seconds in the `Retry-After` of the 429s and 503s. */
  retryAfterSeconds: number;
  /** Share (0..1) of API requests answered 503 (with Retry-After), before any effect. */
  errorRate: number;
  /**
   * Share (0..1) of API requests whose connection is destroyed once the request was read AND
   * processed: the effect happened, the answer is lost (the case idempotency keys exist for).
   */
  dropRate: number;
  /** Downloads (backup content) are cut after this many body bytes (0 = off). */
  dropAfterBytes: number;
  /** A sku that always makes its record invalid (422); `*` matches any characters. '' = off. */
  failRecordsMatching: string;
}

export const DEFAULT_FAULTS: RestFaults = {
  latencyMs: 0,
  status429: 0,
  retryAfterSeconds: 1,
  errorRate: 0,
  dropRate: 0,
  dropAfterBytes: 0,
  failRecordsMatching: '',
};

/** The knobs turned off (tests reset to this after each test). */
export const QUIET_FAULTS: RestFaults = { ...DEFAULT_FAULTS };

const KNOBS: Readonly<Record<keyof RestFaults, KnobKind>> = {
  latencyMs: 'finite',
  status429: 'finite',
  retryAfterSeconds: 'finite',
  errorRate: 'share',
  dropRate: 'share',
  dropAfterBytes: 'finite',
  failRecordsMatching: 'text',
};

/** Validates a partial update; unknown keys are an error so typos show. */
export function mergeFaults(current: RestFaults, update: Record<string, unknown>): RestFaults {
  return mergeKnobs(current, update, KNOBS);
}

/** Whether `sku` matches the `failRecordsMatching` knob. */
export function skuFails(pattern: string, sku: unknown): boolean {
  if (pattern === '' || typeof sku !== 'string') return false;
  if (!pattern.includes('*')) return sku === pattern;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(sku);
}
