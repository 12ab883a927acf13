/** Stands in for @node-red/util's types where @types/node-red__editor-client imports them (see registry.d.ts). */
export interface I18nTFunction {
  (id: string, tplStrs?: Record<string, string | number>): string;
}
