import { join } from 'node:path';
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
 * The context store that keeps values across restarts, from Node-RED's `contextStorage` setting:
 * the default store if it persists, else the first persistent one listed; undefined when every store
 * keeps values in memory only (Node-RED's default). A store persists unless its module is the
 * built-in `memory` (`localfilesystem` writes files; a module object such as a Redis store is taken
 * as persistent). The default store is resolved as Node-RED does: `default` names another store or
 * is one, else the first store listed is the default (@node-red/runtime lib/nodes/context/index.js,
 * `load`).
 */
export function persistentContextStore(contextStorage: unknown): string | undefined {
  if (contextStorage === null || typeof contextStorage !== 'object') return undefined;
  const stores = contextStorage as Record<string, unknown>;
  const persists = (name: string): boolean => {
    const config = stores[name];
    if (config === null || typeof config !== 'object') return false;
    const module = (config as { module?: unknown }).module;
    return module !== undefined && module !== 'memory';
  };
  const names = Object.keys(stores).filter((name) => name !== '_' && typeof stores[name] === 'object' && stores[name] !== null);
  const alias = stores.default;
  const defaultName = typeof alias === 'string' ? alias : 'default' in stores ? 'default' : names[0];
  if (defaultName !== undefined && persists(defaultName)) return defaultName;
  return names.find(persists);
}

/**
 * Where the ledger journal lives: `.filebridge/` in (beside the runtime identity) Node-RED's user directory (`settings.userDir`,
 * which Node-RED's default storage always sets, to `~/.node-red` unless told otherwise). Undefined
 * when the runtime has none (embedded with a storage module that sets none): the ledger is then as
 * durable as its context store.
 */
export function journalFolder(settings: unknown): string | undefined {
  const userDir = typeof settings === 'object' && settings !== null ? (settings as { userDir?: unknown }).userDir : undefined;
  return typeof userDir === 'string' && userDir.trim() !== '' ? join(userDir, '.filebridge') : undefined;
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
