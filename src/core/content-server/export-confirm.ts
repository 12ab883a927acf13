/**
 * "Delivered" as the flow says it: with *Delivered when: the flow confirms*, a cs export sends the
 * next document (and moves its mark past this one) only once the message comes back to its input,
 * wired from the node that stored the file (its output, or a Complete node watching it), and it stops
 * the run when the message comes back from a Catch node instead. Node-RED offers a node no way to see
 * another node finish a message, except that node's own output and the Complete and Catch nodes (which
 * Node-RED triggers on the other node's `done()`), so the confirmation is a message back on the input,
 * the same way a watch's file is acked. One document is out at a time, so one confirmation is awaited.
 */
import { FileBridgeError } from '../errors';
import type { ReceivedFileBridge } from '../message';
import { FlowFailure } from './export-refusal';

/** One awaited confirmation. */
export interface PendingConfirmation {
  /**
   * Resolves when the flow confirmed the document; rejects (coded) when it was silent too long or the
   * run stopped, and with a FlowFailure (the code the flow reported) when the flow failed to store it.
   */
  promise: Promise<void>;
  /** Something moved (bytes read): the flow is busy with it, the silence clock starts again. */
  touch(): void;
  /** Stops waiting (the delivery failed on its own); a late confirmation is then ignored. */
  cancel(): void;
}

/** Which document of which run a message that came back is about, when it is one of ours. */
export function confirmationOf(facts: ReceivedFileBridge): { runId: string; index: number } | undefined {
  const e = facts.export;
  if (typeof e !== 'object' || e === null) return undefined;
  const { runId, index } = e as Record<string, unknown>;
  return typeof runId === 'string' && typeof index === 'number' ? { runId, index } : undefined;
}

interface Pending {
  runId: string;
  index: number;
  what: string;
  timeoutMs: number;
  timer?: NodeJS.Timeout;
  resolve(): void;
  reject(err: FileBridgeError): void;
}

export class DeliveryConfirmations {
  private pending: Pending | undefined;

  /** Starts waiting for document `index` of run `runId`; `timeoutMs` of silence (0 = none) fails it with TIMEOUT. */
  expect(runId: string, index: number, what: string, timeoutMs: number): PendingConfirmation {
    this.pending?.reject(new FileBridgeError('CONNECTION', `The export moved on before ${this.pending.what} was confirmed`));
    let resolve!: () => void;
    let reject!: (err: FileBridgeError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const entry: Pending = {
      runId,
      index,
      what,
      timeoutMs,
      resolve: () => this.settle(entry, () => resolve()),
      reject: (err) => this.settle(entry, () => reject(err)),
    };
    this.pending = entry;
    this.arm(entry);
    return {
      promise,
      touch: () => {
        if (this.pending === entry) this.arm(entry);
      },
      cancel: () => {
        if (this.pending === entry) this.settle(entry, () => undefined);
      },
    };
  }

  /**
   * A message came back to the node. Returns 'confirmed' or 'failed' for the awaited document,
   * 'stale' for a document no longer awaited (its run stopped or timed out), and undefined for a
   * message that is no confirmation at all (a trigger). `error` is what a Catch node put in `msg.error`.
   */
  receive(facts: ReceivedFileBridge, error: unknown): 'confirmed' | 'failed' | 'stale' | 'report' | undefined {
    const which = confirmationOf(facts);
    if (!which) return undefined;
    // The export's own report of a skipped document, come back through a Catch node wired back: no answer to anything.
    if ((facts.export as Record<string, unknown>).skipped === true) return 'report';
    const p = this.pending;
    if (!p || p.runId !== which.runId || p.index !== which.index) return 'stale';
    if (error === undefined || error === null) {
      p.resolve();
      return 'confirmed';
    }
    const e = typeof error === 'object' ? (error as Record<string, unknown>) : { message: error };
    const reported = typeof e.code === 'string' && e.code.trim() !== '' ? e.code.trim().slice(0, 64) : 'CONNECTION';
    const message = typeof e.message === 'string' ? e.message : String(e.message ?? error);
    p.reject(new FlowFailure(p.what, reported, message));
    return 'failed';
  }

  /** The node stops: whatever is awaited fails. */
  abort(err: FileBridgeError): void {
    this.pending?.reject(err);
  }

  private arm(entry: Pending): void {
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.timeoutMs <= 0) return;
    entry.timer = setTimeout(() => {
      entry.reject(
        new FileBridgeError(
          'TIMEOUT',
          `The flow did not confirm ${entry.what} within ${Math.round(entry.timeoutMs / 1000)} s: the export stopped here and sends it again next run. Wire the node that stores the file (or a Complete node watching it) back into this cs export, or set "Delivered when" to "the payload was read".`,
          { timeoutMs: entry.timeoutMs },
        ),
      );
    }, entry.timeoutMs);
  }

  private settle(entry: Pending, then: () => void): void {
    if (this.pending !== entry) return;
    this.pending = undefined;
    if (entry.timer) clearTimeout(entry.timer);
    then();
  }
}
