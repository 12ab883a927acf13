/**
 * How a node's editor reaches Node-RED. Each `nodes/<type>.html` first loads its bundle
 * (`resources/node-red-contrib-ecm-filebridge/<type>.js`, built from `src/editor/<type>.ts`), which
 * hands its definition to `defineEditor`; then the HTML's inline script calls
 *
 *     FileBridgeEditor.registerType('<type>', { category: ..., color: ..., icon: ..., inputs: ..., outputs: ... })
 *
 * with the palette facts as literals, where the Flow Library's scorecard reads them. That call
 * registers the type once, with the facts and the definition together.
 *
 * Node-RED loads a module's `<script src>` files before it adds the module's inline scripts, each
 * bundle brings everything it uses, and each HTML loads its own: no node's dialog depends on
 * another node's HTML.
 */
import type { EditorDefinition, NodeProperties, PaletteFacts } from '../types/node-red-editor';

export interface FileBridgeEditorApi {
  /** Registers `type` with the palette facts its HTML states and the definition its bundle gave. */
  registerType(type: string, facts: PaletteFacts): void;
  /** The registrations waiting for their HTML, by type. */
  readonly editors: Record<string, (facts: PaletteFacts) => void>;
}

declare global {
  interface Window {
    FileBridgeEditor?: FileBridgeEditorApi;
  }
}

function createApi(): FileBridgeEditorApi {
  const editors: Record<string, (facts: PaletteFacts) => void> = {};
  return {
    editors,
    registerType(type, facts) {
      const register = editors[type];
      if (!register) throw new Error(`${type}: no editor definition; resources/node-red-contrib-ecm-filebridge/${type}.js did not run`);
      register(facts);
    },
  };
}

/** Called once by each node's bundle: the definition waits for the facts of the node's HTML. */
export function defineEditor<T extends NodeProperties, TCreds = undefined, TInst extends T = T>(
  type: string,
  definition: EditorDefinition<T, TCreds, TInst>,
): void {
  const api = window.FileBridgeEditor ?? (window.FileBridgeEditor = createApi());
  api.editors[type] = (facts) => RED.nodes.registerType<T, TCreds, TInst>(type, { ...definition, ...facts });
}
