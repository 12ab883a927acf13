/**
 * The editor's `RED` global as the dialogs use it: the types of @types/node-red__editor-client 1.3,
 * corrected where they disagree with what Node-RED 4.1 and 5 do (validators that return a reason,
 * tabs created on an element id, the `type` option of a TypedInput, the context stores in the
 * settings), plus jQuery UI's spinner, which the editor bundles.
 */
import type * as Client from '@node-red/editor-client';

export type NodeProperties = Client.NodeProperties;
export type NodeInstance<T extends NodeProperties> = Client.NodeInstance<T>;

/**
 * What Node-RED (3.0 and later) passes a validator as its second argument. A validator that declares
 * two parameters may then return the reason a value is invalid instead of `false`.
 */
export interface ValidatorOptions {
  label?: string;
}

/** A property validator: `this` is the node; the value is the dialog's text or what the flow holds. */
export type Validator<T extends NodeProperties> = (this: NodeInstance<T>, value: unknown, opt?: ValidatorOptions) => boolean | string;

export interface PropertyDef<T extends NodeProperties, V> {
  value: V;
  required?: boolean;
  /** A config node type: the property holds the id of such a node. */
  type?: string;
  validate?: Validator<T>;
}

/** `defaults`: one entry for each property of the node. */
export type Defaults<T extends NodeProperties> = { [K in keyof T]-?: PropertyDef<T, T[K]> };

/**
 * The palette facts each `nodes/<type>.html` states literally in its registration, where the Flow
 * Library reads them.
 */
export interface PaletteFacts {
  category: string;
  color: string;
  icon: string;
  inputs: 0 | 1;
  outputs: number;
}

/** A node's editor definition without its palette facts. */
export type EditorDefinition<T extends NodeProperties, TCreds = undefined, TInst extends T = T> = Omit<
  Client.NodeDef<T, TCreds, TInst>,
  keyof PaletteFacts | 'defaults'
> & { defaults: Defaults<T> };

export interface Tab {
  id: string;
  label: string;
}

export interface TabSet {
  addTab(tab: Tab): void;
  resize(): void;
}

/** A TypedInput type Node-RED provides. */
export type TypedInputType = Client.WidgetTypedInputType;

/** TypedInput options, with the initial `type` that the 1.3 types leave out. */
export type TypedInputOptions = Client.WidgetTypedInputOptions & { type?: string };

export interface EditorRED extends Omit<Client.RED, 'nodes' | 'validators' | 'tabs' | 'settings'> {
  nodes: Omit<Client.Nodes, 'registerType'> & {
    registerType<T extends NodeProperties, TCreds, TInst extends T>(type: string, definition: EditorDefinition<T, TCreds, TInst> & PaletteFacts): void;
  };
  validators: {
    number(): (value: unknown) => boolean;
    /** Checks a TypedInput's value against the type held in the property `typeField`. */
    typedInput<T extends NodeProperties>(typeField: string): Validator<T>;
  };
  tabs: {
    /** Tabs on the `<ul>` with this id; `onchange` gets the tab made active. */
    create(options: { id: string; onchange?: (tab: Tab) => void }): TabSet;
  };
  settings: Client.SettingsWithData & {
    /** The context stores of the runtime's `contextStorage` setting. */
    context?: { default?: string; stores?: string[] };
  };
}

declare global {
  const RED: EditorRED;

  interface JQuery {
    spinner(options: { min?: number; max?: number }): this;
  }
}
