import type { Node } from 'node-red';
import type { Ledger } from '../core/pipeline/ledger';

/** A deployed `filebridge-watch` node as ack and quarantine see it. */
export type WatchNode = Node & {
  /** Frees the in-flight slot of a file; false when it was not held (timed out, or another deploy). */
  releaseFile?(correlationId: string): boolean;
  ledger?: Ledger;
};
