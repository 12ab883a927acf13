import { join } from 'node:path';
import type { KeyValueStore } from '../../core/key-value-store';

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
 * Where the ledger journal lives: `filebridge/` in Node-RED's user directory (`settings.userDir`,
 * which Node-RED's default storage always sets, to `~/.node-red` unless told otherwise). Undefined
 * when the runtime has none (embedded with a storage module that sets none): the ledger is then as
 * durable as its context store.
 */
export function journalFolder(settings: unknown): string | undefined {
  const userDir = typeof settings === 'object' && settings !== null ? (settings as { userDir?: unknown }).userDir : undefined;
  return typeof userDir === 'string' && userDir.trim() !== '' ? join(userDir, 'filebridge') : undefined;
}
