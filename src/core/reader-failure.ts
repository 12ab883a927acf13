/**
 * Why the reader of a stream gave up. A node that fails a message whose payload is a stream destroys
 * that stream (kit/failure.ts); the stream's producer then only sees it closed early, and the reason
 * (the node's coded error) is lost. A producer that wants the reason (cs-export, to tell a document
 * the flow refuses for good from a broken connection) asks for it here; the failing node tells it
 * before destroying the stream. Producers and readers are both of this package: no stream class of
 * Node.js carries such a reason (`destroy(err)` would raise an 'error' on streams nobody listens to).
 */
import type { Readable } from 'node:stream';
import type { FileBridgeError } from './errors';

const listeners = new WeakMap<Readable, (err: FileBridgeError) => void>();

/** `listener` hears the error of the node that gave up reading `stream` (at most once). */
export function onReaderFailure(stream: Readable, listener: (err: FileBridgeError) => void): void {
  listeners.set(stream, listener);
}

/** The node reading `stream` failed with `err`: tells the stream's producer, if it asked. Call before destroying the stream. */
export function readerFailed(stream: Readable, err: FileBridgeError): void {
  const listener = listeners.get(stream);
  if (!listener) return;
  listeners.delete(stream);
  listener(err);
}
