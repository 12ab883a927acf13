import type { PollReport } from './watcher';

/** What the schedule needs of a watch (a `Watcher`). */
export interface Pollable {
  /** Polls now; during a poll one more follows it. Resolves when polling went idle. */
  trigger(): Promise<void>;
  /** The report of the last poll, undefined when it failed. */
  readonly lastReport?: PollReport;
  readonly slots: { readonly full: boolean; onFree(listener: () => void): () => void };
  /**
   * In how many ms a file the last poll saw ends its stability window (undefined: none, or ask
   * again after the next poll), and the look at such files then (`Watcher.recheck`).
   */
  recheckAfter?(): number | undefined;
  recheck?(): Promise<void>;
}

/**
 * Whether a poll left a backlog that the next poll can take at once: files it had to leave because
 * "per poll" was used up, while it did take some. A poll that took nothing (every claim failed) is
 * not repeated at once, so a file that keeps failing cannot make the watch spin.
 */
export function pollAgainAtOnce(report: PollReport | undefined): boolean {
  if (!report || report.waiting <= 0) return false;
  return report.emitted + report.recovered + report.gaveUp + report.lost > 0;
}

export interface PollScheduleOptions {
  intervalMs: number;
  /** Delay of the first poll after `start` (default 50 ms). */
  firstAfterMs?: number;
  /** Each time a poll starts (from any cause). */
  onStart?(): void;
  /** Each time polling went idle. */
  onIdle?(): void;
}

/**
 * When a watch polls: at its interval, and again at once while a backlog waits, so that a folder
 * of thousands of files drains at the speed of the flow, not at "per poll" files per interval. With
 * every in-flight slot taken, the next poll waits for a slot to free instead of listing a folder it
 * could take nothing from. Nothing waiting: only the interval polls.
 */
export class PollSchedule {
  private interval?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private soon?: NodeJS.Immediate;
  private recheckTimer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private waitForSlot = false;
  private stopped = false;
  private readonly unsubscribe: () => void;
  /** Polls started because a backlog waited (not by the interval or `poll`). */
  backlogPolls = 0;
  /** Rechecks of files whose stability window ended between two interval polls. */
  rechecks = 0;

  constructor(
    private readonly watch: Pollable,
    private readonly options: PollScheduleOptions,
  ) {
    this.unsubscribe = watch.slots.onFree(() => {
      if (!this.waitForSlot || this.stopped) return;
      this.waitForSlot = false;
      this.pollSoon();
    });
  }

  start(): void {
    if (this.stopped || this.interval) return;
    this.interval = setInterval(() => void this.poll(), this.options.intervalMs);
    this.first = setTimeout(() => void this.poll(), this.options.firstAfterMs ?? 50);
  }

  /** Polls now (an input message, the interval). Resolves when polling went idle. */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = this.watch.trigger();
    this.options.onStart?.();
    // One follow-up per run of polls: a trigger during a poll joins the run that is going on.
    this.follow(running);
    return running;
  }

  private follow(running: Promise<void>): void {
    if (running !== this.current) {
      this.current = running;
      void running.then(() => this.afterRun(running));
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.interval);
    clearTimeout(this.first);
    if (this.soon) clearImmediate(this.soon);
    clearTimeout(this.recheckTimer);
    this.unsubscribe();
  }

  private afterRun(run: Promise<void>): void {
    if (this.current === run) this.current = undefined;
    this.options.onIdle?.();
    if (this.stopped) return;
    this.planRecheck();
    if (!pollAgainAtOnce(this.watch.lastReport)) return;
    if (this.watch.slots.full) {
      this.waitForSlot = true;
      return;
    }
    this.pollSoon();
  }

  /**
   * A file seen by the last poll becomes stable (its window ends) before the next interval poll, or
   * only just after it while that poll is still listing: it is looked at again when its window ends,
   * so it is claimed then instead of up to an interval later. Planned after each run of polls only,
   * and a recheck decides every file it looks at (claimed, or a new window later than now): it never
   * repeats at once. A recheck while a poll runs does nothing; that poll's end plans anew.
   */
  private planRecheck(): void {
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    const after = this.watch.recheckAfter?.();
    if (after === undefined || !this.watch.recheck) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      if (this.stopped || this.current) return;
      this.rechecks++;
      this.options.onStart?.();
      this.follow(this.watch.recheck!());
    }, after);
  }

  /** On the next turn of the event loop: never from inside a release (an ack's own call). */
  private pollSoon(): void {
    if (this.soon || this.stopped) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      this.backlogPolls++;
      void this.poll();
    });
  }
}
