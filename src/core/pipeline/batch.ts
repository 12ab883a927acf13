/**
 * Batches that survive a restart: messages collected per key (a partner's batch id) until no message
 * of that key came for a quiet time, or the batch is full, kept in a key-value store (a Node-RED
 * context store) after every message. This is Apache Camel's aggregator with a persistent
 * aggregation repository and a completion timeout: what Node-RED's join node does in memory, kept
 * where a restart finds it. Delivery is at least once: a batch is removed from the store only after
 * it was sent, so a crash in between sends it again after the restart.
 */
import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import type { KeyValueStore } from '../key-value-store';

/** The context key the open batches are kept under. */
export const BATCH_STATE_KEY = 'filebridgeBatches';

export interface BatchSettings {
  /** A batch is complete when no message of it came for this long. */
  quietMs: number;
  /** ... or when it holds this many items. */
  maxItems: number;
  /** One item, as JSON, may be at most this long (a stored batch is read whole). */
  maxItemBytes: number;
}

export const DEFAULT_BATCH_SETTINGS: BatchSettings = { quietMs: 10_000, maxItems: 1000, maxItemBytes: 1024 * 1024 };

export interface OpenBatch {
  key: string;
  items: unknown[];
  /** ISO times of the first and the last item. */
  firstAt: string;
  lastAt: string;
}

export interface CompletedBatch extends OpenBatch {
  /** `quiet`: no item for the quiet time; `size`: the batch is full. */
  reason: 'quiet' | 'size';
}

type State = Record<string, OpenBatch>;

function isOpenBatch(v: unknown): v is OpenBatch {
  if (typeof v !== 'object' || v === null) return false;
  const b = v as Record<string, unknown>;
  return typeof b.key === 'string' && Array.isArray(b.items) && typeof b.firstAt === 'string' && typeof b.lastAt === 'string';
}

/** An item as it is kept: plain JSON (what a file store writes), within the size limit. */
export function batchItem(value: unknown, what: string, maxBytes: number): unknown {
  if (value === undefined) throw new FileBridgeError('INVALID_INPUT', `${what} is missing: there is nothing to add to the batch.`);
  if (value instanceof Readable) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `${what} is a stream, which cannot be kept in a context store: collect a record about the file (e.g. msg.filebridge.audit), not its content.`,
    );
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `${what} cannot be kept as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text === undefined) throw new FileBridgeError('INVALID_INPUT', `${what} cannot be kept as JSON (a function or symbol).`);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new FileBridgeError(
      'INVALID_INPUT',
      `${what} is ${bytes} bytes as JSON, more than the ${maxBytes} a batch item may have: collect a smaller record.`,
      {
        bytes,
      },
    );
  }
  return JSON.parse(text) as unknown;
}

/** A batch key: a text or a number from the message. */
export function batchKey(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new FileBridgeError('INVALID_INPUT', `${what} must be a text or a number to name the batch, got ${value === undefined ? 'nothing' : typeof value}.`);
}

export class BatchCollector {
  private state: State = {};
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Every change of the state runs after the previous one, so none is lost between read and write. */
  private chain: Promise<unknown>;
  private closed = false;

  /**
   * Loads the open batches from the store. After a restart each waits its whole quiet time again:
   * items of it may still be on their way (a watch re-sending a claimed file, for one).
   */
  constructor(
    private readonly store: KeyValueStore,
    private readonly settings: BatchSettings,
    private readonly onComplete: (batch: CompletedBatch) => void,
  ) {
    this.chain = this.store.get(BATCH_STATE_KEY).then((saved) => {
      if (typeof saved !== 'object' || saved === null) return;
      for (const [key, batch] of Object.entries(saved as Record<string, unknown>)) {
        if (!isOpenBatch(batch)) continue;
        this.state[key] = batch;
        this.schedule(key);
      }
    });
  }

  /** Resolves once the stored batches are loaded (rejects when the store cannot be read). */
  get ready(): Promise<void> {
    return this.chain.then(() => undefined);
  }

  /** The open batches and how many items they hold. */
  get open(): { batches: number; items: number } {
    const all = Object.values(this.state);
    return { batches: all.length, items: all.reduce((n, b) => n + b.items.length, 0) };
  }

  /** Adds an item (already checked with `batchItem`); resolves once it is in the store. */
  add(key: string, item: unknown, now = new Date()): Promise<void> {
    return this.serial(async () => {
      const at = now.toISOString();
      const open = this.state[key];
      const batch: OpenBatch = open ? { ...open, items: [...open.items, item], lastAt: at } : { key, items: [item], firstAt: at, lastAt: at };
      // What is counted (and later sent) is what the store holds: the state changes once saved.
      await this.save({ ...this.state, [key]: batch });
      if (batch.items.length >= this.settings.maxItems) await this.completeNow(key, 'size');
      else this.schedule(key);
    });
  }

  /** Stops the timers; the open batches stay in the store for the next start. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(key: string): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.serial(() => this.completeNow(key, 'quiet')).catch(() => undefined);
      }, this.settings.quietMs),
    );
  }

  private async completeNow(key: string, reason: CompletedBatch['reason']): Promise<void> {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    const batch = this.state[key];
    if (!batch || this.closed) return;
    // Sent first, forgotten after: a crash in between sends it again rather than never.
    this.onComplete({ ...batch, reason });
    const rest = { ...this.state };
    delete rest[key];
    await this.save(rest);
  }

  private async save(next: State): Promise<void> {
    await this.store.set(BATCH_STATE_KEY, Object.keys(next).length === 0 ? undefined : next);
    this.state = next;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
