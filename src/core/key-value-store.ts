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
