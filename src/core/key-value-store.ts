import { errorMessage, FileBridgeError, isFileBridgeError } from './errors';

/** Where the ledger and export marks are kept: the nodes give a Node-RED context store, tests a Map. */
export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  /** `undefined` deletes. */
  set(key: string, value: unknown): Promise<void>;
  keys(): Promise<string[]>;
}

/** A KeyValueStore in memory, for tests and for scripts without Node-RED. */
export class MemoryStore implements KeyValueStore {
  readonly map = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.map.get(key);
  }
  async set(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, value);
  }
  async keys(): Promise<string[]> {
    return [...this.map.keys()];
  }
}

/**
 * `store` with every failure coded for the Catch nodes: a rejection that is not a FileBridgeError
 * becomes `CONNECTION` (a store such as Redis that went away, a journal on a full disk: the work may
 * be tried again once the store answers, as a retry of the file does), naming `what` and the
 * operation and keeping the original as `cause`. Neither the key nor the value goes into the text:
 * a value may be a whole ledger entry or export mark. `details` (the store's name, say) go with it.
 */
export function codedStore(store: KeyValueStore, what: string, details: Record<string, unknown> = {}): KeyValueStore {
  const guarded = async <T>(operation: 'read' | 'write' | 'list', work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (isFileBridgeError(err)) throw err;
      const doing = operation === 'read' ? 'read from' : operation === 'write' ? 'written to' : 'listed in';
      throw new FileBridgeError('CONNECTION', `Values could not be ${doing} ${what}: ${errorMessage(err)}`, { ...details, operation }, { cause: err });
    }
  };
  return {
    get: (key) => guarded('read', () => store.get(key)),
    set: (key, value) => guarded('write', () => store.set(key, value)),
    keys: () => guarded('list', () => store.keys()),
  };
}
