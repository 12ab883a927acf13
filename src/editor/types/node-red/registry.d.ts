/**
 * Stands in for @node-red/registry's types where @types/node-red__editor-client imports them: the
 * real ones pull in Express and Node's globals, which editor code (it runs in the browser) must not see.
 */
export interface NodeMessage {
  [property: string]: unknown;
}
