/**
 * Which Node-RED the in-process node tests run against. `npm test` runs them with Node-RED 4.1 on
 * the machine's Node 20, then again with Node-RED 5 on Node 22 (see run-on-node-red-5.ts).
 */
export const NODE_RED_PACKAGE = process.env.FILEBRIDGE_NODE_RED === '5' ? 'node-red-5' : 'node-red';

export function nodeRedPath(): string {
  return require.resolve(NODE_RED_PACKAGE);
}

/** A core node module (`common/25-catch.js`...) of the same Node-RED as the runtime under test. */
export function coreNode(relPath: string): unknown {
  const home = require.resolve(`${NODE_RED_PACKAGE}/package.json`).replace(/package\.json$/, '');
  return require(require.resolve(`@node-red/nodes/core/${relPath}`, { paths: [home] }));
}
