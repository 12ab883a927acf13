/**
 * Which context store names a Node-RED runtime knows, read from its `contextStorage` setting the
 * way Node-RED's context module reads it (@node-red/runtime lib/nodes/context/index.js `load`): each
 * key with a store module is a store, `default` may instead name (alias) one of them, and without
 * any configured store there is only the memory store `memory`. A name it does not know makes
 * Node-RED log "Unknown context store ... Using default store." once and use the default store.
 */
export function knownContextStores(contextStorage: unknown): string[] {
  if (typeof contextStorage !== 'object' || contextStorage === null) return ['memory'];
  const entries = Object.entries(contextStorage as Record<string, unknown>).filter(([name]) => name !== '_');
  const stores = entries.filter(([, value]) => typeof value === 'object' && value !== null).map(([name]) => name);
  if (stores.length === 0) return ['memory'];
  return stores;
}

/** The store a node asks for when Node-RED has none of that name (undefined when it has, or when the node asks for the default). */
export function missingContextStore(contextStorage: unknown, store: string | undefined): string | undefined {
  const name = (store ?? '').trim();
  if (name === '') return undefined;
  return knownContextStores(contextStorage).includes(name) ? undefined : name;
}
