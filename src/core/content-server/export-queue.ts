/**
 * The runs one export node is asked for, one at a time in arrival order. A trigger identical to one
 * still waiting adds nothing (the waiting run will see everything it would), so a fast schedule
 * cannot pile up runs behind a slow one.
 */
export class ExportQueue<J> {
  private readonly waiting: { job: J; key?: string }[] = [];
  private pumping?: Promise<void>;
  private closed = false;

  /** `run` reports its own failures (to the job's message): it must not reject. */
  constructor(private readonly run: (job: J) => Promise<void>) {}

  /** Queues a run; false, and nothing queued, when an identical one (same key) is already waiting. */
  add(job: J, key?: string): boolean {
    if (this.closed) return false;
    if (key !== undefined && this.waiting.some((w) => w.key === key)) return false;
    this.waiting.push({ job, key });
    this.pumping ??= this.pump();
    return true;
  }

  private async pump(): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) await this.run(next.job);
    this.pumping = undefined;
  }

  /** Takes no more runs. Returns those that never started; `idle` resolves when the running one has ended. */
  close(): { neverRan: J[]; idle: Promise<void> } {
    this.closed = true;
    return { neverRan: this.waiting.splice(0).map((w) => w.job), idle: this.pumping ?? Promise.resolve() };
  }
}
