import type { Ledger } from './ledger';

/**
 * What a running watch offers the steps that finish its files (commit and rollback): its ledger,
 * and the end of a file's journey through it. A message names its watch by id
 * (`msg.filebridge.source.watch`); the watch may have been redeployed or removed meanwhile, and the
 * file must still be disposable then, so every use copes with "not running".
 */
export interface RunningWatch {
  readonly ledger?: Ledger;
  /** Closes what is left of the file's payload stream (it may hold the server's last free connection). */
  closeStream(correlationId: string): void;
  /** Closes the stream and frees the file's in-flight slot; false when it held none (timed out, or another deploy). */
  release(correlationId: string): boolean;
}

const running = new Map<string, RunningWatch>();

/** Makes a watch findable by its id until the returned function is called (on close). */
export function registerWatch(id: string, watch: RunningWatch): () => void {
  running.set(id, watch);
  return () => {
    // A redeploy may have registered the new watch of the same id already.
    if (running.get(id) === watch) running.delete(id);
  };
}

export function runningWatch(id: string | undefined): RunningWatch | undefined {
  return id === undefined ? undefined : running.get(id);
}
