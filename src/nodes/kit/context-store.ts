import type { NodeAPI, NodeStatus } from 'node-red';
import { missingContextStore } from '../../core/context-stores';
import type { KeyValueStore } from '../../core/key-value-store';
import { shortStatus } from './status';

/** The callback forms of the context API, which every context store (memory, file, Redis...) supports. */
export interface CallbackContext {
  get(key: string, store: string | undefined, cb: (err: Error | null, value: unknown) => void): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err: Error | null) => void): void;
  keys(store: string | undefined, cb: (err: Error | null, keys: string[]) => void): void;
}

/** A Node-RED context (node, flow or global) and store name as the key-value store core works with. */
export function contextStore(context: CallbackContext, store: string | undefined): KeyValueStore {
  return {
    get: (key) => new Promise((resolve, reject) => context.get(key, store, (err, value) => (err ? reject(err) : resolve(value)))),
    set: (key, value) => new Promise((resolve, reject) => context.set(key, value, store, (err) => (err ? reject(err) : resolve()))),
    keys: () => new Promise((resolve, reject) => context.keys(store, (err, keys) => (err ? reject(err) : resolve(keys ?? [])))),
  };
}

/**
 * At deploy: the context store a node asks for, when the runtime has no store of that name. Node-RED
 * then only logs a warning and quietly uses its default store (memory, by default: gone after a
 * restart), so the node says it in its status instead (see `missingStoreStatus`).
 */
export function missingStoreOf(RED: NodeAPI, store: string | undefined): string | undefined {
  const settings = RED.settings as unknown as { contextStorage?: unknown };
  return missingContextStore(settings.contextStorage, store);
}

/** The yellow status of a node whose context store is missing; `text` is what it would show otherwise. */
export function missingStoreStatus(store: string, text?: string): NodeStatus {
  // The warning first: a long status is cut at its end.
  return { fill: 'yellow', shape: 'ring', text: shortStatus(text ? `no store "${store}": ${text}` : `no context store "${store}"`) };
}
