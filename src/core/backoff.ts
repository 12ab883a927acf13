/**
 * Exponential backoff with "full jitter" (a random delay between half and all of the exponential
 * step), so that many flows retrying one server do not all knock at the same instant.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sleeps that can all be ended at once: a client's retry and backoff waits end when the client is
 * closed (the caller then sees it is closed and fails), instead of holding a deploy or a stop.
 */
export class WakeableSleeps {
  private readonly sleeping = new Set<() => void>();

  /** Sleeps `ms` (nothing for 0 or less), or until wakeAll. */
  async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeping.add(wake);
    });
  }

  /** Ends every sleep now running; later sleeps sleep as usual. */
  wakeAll(): void {
    for (const wake of [...this.sleeping]) wake();
  }
}
