/**
 * A request rate limit shared by every user of one REST client: a token bucket one token deep, so
 * requests start at least 1/rate seconds apart, in the order they asked (retries and pages included).
 */
import type { WakeableSleeps } from '../backoff';

export class RateLimiter {
  private next = 0;

  constructor(
    /** Requests per second; 0 or less = no limit. */
    private readonly rate: number,
    private readonly sleeps: WakeableSleeps,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when this request may start. */
  async take(): Promise<void> {
    if (!(this.rate > 0)) return;
    const interval = 1000 / this.rate;
    const t = this.now();
    const slot = Math.max(t, this.next);
    this.next = slot + interval;
    await this.sleeps.sleep(slot - t);
  }
}
