import { FileBridgeError } from '../errors';

interface Slot<T> {
  info: T;
  timer?: NodeJS.Timeout;
}

/**
 * At most `max` files between emission and ack/quarantine. A slot is freed by `release`, or by the
 * timeout, which reports the file to `onTimeout` (the file stays claimed; lease recovery takes over).
 */
export class InFlight<T> {
  private readonly slots = new Map<string, Slot<T>>();
  private readonly waiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly freeListeners = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly max: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: (id: string, info: T) => void = () => undefined,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  get full(): boolean {
    return this.slots.size >= this.max;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  values(): T[] {
    return [...this.slots.values()].map((s) => s.info);
  }

  /** Resolves once a slot is free (it is not taken yet: `add` takes it). */
  async waitForSlot(): Promise<void> {
    while (this.slots.size >= this.max) {
      if (this.closed) throw stopped();
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    if (this.closed) throw stopped();
  }

  /**
   * Calls `listener` after every freed slot (release or timeout) until the returned function is
   * called. Unlike `waitForSlot` it takes no turn from a waiting poll.
   */
  onFree(listener: () => void): () => void {
    this.freeListeners.add(listener);
    return () => this.freeListeners.delete(listener);
  }

  add(id: string, info: T): void {
    const slot: Slot<T> = { info };
    if (this.timeoutMs > 0) {
      slot.timer = setTimeout(() => {
        if (this.slots.get(id) !== slot) return;
        this.free(id);
        this.onTimeout(id, info);
      }, this.timeoutMs);
      slot.timer.unref();
    }
    this.slots.set(id, slot);
  }

  /** Frees the slot; false when it was not (or no longer) taken. */
  release(id: string): boolean {
    return this.free(id);
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
    for (const w of this.waiters.splice(0)) w.reject(stopped());
    this.freeListeners.clear();
  }

  private free(id: string): boolean {
    const slot = this.slots.get(id);
    if (!slot) return false;
    clearTimeout(slot.timer);
    this.slots.delete(id);
    this.waiters.shift()?.resolve();
    for (const listener of this.freeListeners) listener();
    return true;
  }
}

function stopped(): FileBridgeError {
  return new FileBridgeError('CONNECTION', 'The watch is stopping (redeploy or shutdown).');
}
