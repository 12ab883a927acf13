/**
 * Stands in for @node-red/runtime's types where @types/node-red__editor-client imports them (see
 * registry.d.ts). The settings the editor receives are declared where the dialogs read them
 * (`context` in ../node-red-editor.d.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging where the dialogs read settings
export interface LocalSettings {}
