import helper from 'node-red-node-test-helper';
import { NODE_RED_PACKAGE } from './node-red-under-test';

/**
 * Node-RED's own localfilesystem store, writing each change at once (`cache: false`). The test
 * helper's unload "cleans" every node context (no node is left in its empty flow), which a real
 * restart never does, so only that is switched off.
 */
function fileStore(config: Record<string, unknown>): unknown {
  const home = require.resolve(`${NODE_RED_PACKAGE}/package.json`).replace(/package\.json$/, '');
  const create = require(require.resolve('@node-red/runtime/lib/nodes/context/localfilesystem', { paths: [home] })) as (c: Record<string, unknown>) => {
    clean: () => Promise<void>;
  };
  const store = create(config);
  store.clean = () => Promise.resolve();
  return store;
}

/** `contextStorage` with the default memory store and a `file` store in `dir`, as the sandbox defines them. */
export function fileContextStorage(dir: string): Record<string, unknown> {
  return { default: { module: 'memory' }, file: { module: fileStore, config: { dir, cache: false } } };
}

/**
 * For `helper.load`'s node list: loads the context stores of `helper.settings` after the runtime is
 * initialised and before the flows start, as Node-RED's start does (the test helper itself never
 * loads them), so nodes that read their context when created find what a previous run left.
 */
export function contextStoresLoader(): (red: unknown) => Promise<void> {
  return () => (helper as unknown as { _context: { load(): Promise<void> } })._context.load();
}
