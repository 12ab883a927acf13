import type { Node, NodeMessageInFlow } from 'node-red';
import { Readable } from 'node:stream';
import { FileBridgeError, errorMessage } from '../../core/errors';
import { readerFailed } from '../../core/reader-failure';

/**
 * Ends a message that failed: red status with the code, and `done(err)` with a coded error for the
 * Catch nodes. Anything not already coded is a bug or bad input we did not foresee: INVALID_INPUT.
 */
export function failMessage(node: Node, msg: NodeMessageInFlow, err: unknown, done: (err?: Error) => void): void {
  const error = err instanceof FileBridgeError ? err : new FileBridgeError('INVALID_INPUT', errorMessage(err), {}, { cause: err });
  // A stream left in the message would be deep-cloned for the Catch node; it is of no use there.
  if (msg.payload instanceof Readable) {
    // Its producer (a cs export) learns why, instead of only seeing the stream closed early. Only a
    // coded error says what was wrong; one we did not foresee is no proof the document is at fault.
    if (err instanceof FileBridgeError) readerFailed(msg.payload, err);
    msg.payload.destroy();
    delete msg.payload;
  }
  node.status({ fill: 'red', shape: 'ring', text: error.code });
  done(error);
}
