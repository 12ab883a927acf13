import { FileBridgeError, errorMessage } from '../errors';
import { checkTimeZone } from './dates';
import { VALUE_TYPES, type ValueType } from './convert';
import { parsePath } from './object-path';
import { parseReference, parseSegmentSpec, parseTemplate, type Reference, type Template } from './scope';
import type { TableSpec } from './tables';
import { TARGET_FIELDS } from './target-fields';

export type SourceKind = 'constant' | 'field' | 'pattern' | 'path' | 'msg' | 'jsonata' | 'date' | 'template' | 'lookup';
export const SOURCE_KINDS: readonly SourceKind[] = ['constant', 'field', 'pattern', 'path', 'msg', 'jsonata', 'date', 'template', 'lookup'];

/** One "target field <- source" row of the editor. */
export interface MappingRule {
  /** Where the value goes in `msg.filebridge.target`: `folder`, `categories.Invoice.Vendor`, `permissions.Partners`... */
  field: string;
  kind: SourceKind;
  /**
   * constant: the text; field: a field name; pattern: a regex with named groups on the file name;
   * path: a folder segment (0, -1, *, 1:) of the relative path, or of the full path with option `full`; msg: a message property; jsonata: an expression;
   * date: what date (now, mtime, fields.date...); template: `Partners/{fields.partner}/{now:yyyy}`;
   * lookup: the key (`fields.partner` or a template), empty for a side-car record.
   */
  value: string;
  /** pattern: the group; date: the format (yyyy-MM-dd); lookup: the column, or `table.column`. */
  option?: string;
  type?: ValueType;
  required?: boolean;
  /** Used when the source has no value; may be a template. */
  default?: string;
}

export interface MappingSettings {
  rules: MappingRule[];
  /** A regex with named groups applied to the file name; its groups join `msg.filebridge.fields`. */
  namePattern?: string;
  /** Time zone for now/mtime dates (IANA name); default UTC. */
  timeZone?: string;
  tables?: TableSpec[];
}

export { TARGET_FIELDS };

export type CompiledSource =
  | { kind: 'constant'; value: string }
  | { kind: 'field'; path: string[] }
  | { kind: 'pattern'; regex: RegExp; group: string | number }
  | { kind: 'path'; spec: string; full: boolean }
  | { kind: 'msg'; path: string[] }
  | { kind: 'jsonata'; expression: string }
  | { kind: 'date'; from: Reference; format?: string }
  | { kind: 'template'; template: Template }
  | { kind: 'lookup'; key?: Template; table: string; column?: string[] };

export interface CompiledRule {
  field: string;
  path: string[];
  source: CompiledSource;
  type: ValueType;
  required: boolean;
  default?: Template;
}

export interface CompiledTable extends TableSpec {
  path?: Template;
}

export interface CompiledMapping {
  rules: CompiledRule[];
  namePattern?: RegExp;
  timeZone: string;
  tables: Map<string, CompiledTable>;
}

/** `/INV_(?<vendor>\w+)/i` or a bare regex source. */
export function compileRegex(text: string, what: string): RegExp {
  const m = /^\/(.*)\/([dgimsuy]*)$/s.exec(text.trim());
  try {
    return m ? new RegExp(m[1], m[2].replace(/[gy]/g, '')) : new RegExp(text);
  } catch (err) {
    throw new FileBridgeError('INVALID_INPUT', `The ${what} is not a valid regular expression: ${errorMessage(err)}`, { pattern: text });
  }
}

function namedGroups(regex: RegExp): string[] {
  return [...regex.source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]);
}

function compileSource(rule: MappingRule, tables: Map<string, CompiledTable>, where: string): CompiledSource {
  const value = rule.value ?? '';
  const option = rule.option?.trim() ?? '';
  switch (rule.kind) {
    case 'constant':
      return { kind: 'constant', value };
    case 'field':
      return { kind: 'field', path: parsePath(value, `${where}: field name`) };
    case 'pattern': {
      if (!value.trim())
        throw new FileBridgeError('INVALID_INPUT', `${where}: the pattern is empty. Give a regex with named groups, e.g. ^INV_(?<vendor>[A-Z]+)_`);
      const regex = compileRegex(value, `${where}: pattern`);
      const groups = namedGroups(regex);
      let group: string | number = option;
      if (!option) group = groups.length === 1 ? groups[0] : groups.length === 0 ? 0 : '';
      if (group === '')
        throw new FileBridgeError(
          'INVALID_INPUT',
          `${where}: the pattern has several groups (${groups.join(', ')}); name the one to use in the option column.`,
        );
      if (typeof group === 'string' && !groups.includes(group) && !/^\d+$/.test(group)) {
        throw new FileBridgeError('INVALID_INPUT', `${where}: the pattern has no group "${group}" (it has ${groups.join(', ') || 'no named groups'}).`);
      }
      return { kind: 'pattern', regex, group: typeof group === 'string' && /^\d+$/.test(group) ? Number(group) : group };
    }
    case 'path': {
      parseSegmentSpec(value);
      if (option && option !== 'full' && option !== 'relative')
        throw new FileBridgeError(
          'INVALID_INPUT',
          `${where}: the option of a path segment is "relative" (below the watched folder, the default) or "full" (the whole original path).`,
        );
      return { kind: 'path', spec: value.trim() || '*', full: option === 'full' };
    }
    case 'msg':
      return { kind: 'msg', path: parsePath(value.replace(/^msg\./, ''), `${where}: message property`) };
    case 'jsonata':
      if (!value.trim()) throw new FileBridgeError('INVALID_INPUT', `${where}: the JSONata expression is empty.`);
      return { kind: 'jsonata', expression: value };
    case 'date': {
      const from = parseReference(value.trim() || 'now');
      if (from.arg !== undefined)
        throw new FileBridgeError('INVALID_INPUT', `${where}: put the date format "${from.arg}" into the option column, not after the date.`);
      return { kind: 'date', from, format: option || undefined };
    }
    case 'template':
      return { kind: 'template', template: parseTemplate(value) };
    case 'lookup': {
      if (tables.size === 0) throw new FileBridgeError('INVALID_INPUT', `${where}: a lookup needs a lookup table; configure one in the node.`);
      let table = tables.keys().next().value as string;
      let column = option;
      const dot = option.indexOf('.');
      if (dot > 0 && tables.has(option.slice(0, dot))) {
        table = option.slice(0, dot);
        column = option.slice(dot + 1);
      }
      const keyText = value.trim();
      const key = keyText === '' ? undefined : keyText.includes('{') ? parseTemplate(keyText) : [parseReference(keyText)];
      return { kind: 'lookup', key, table, column: column ? parsePath(column, `${where}: column`) : undefined };
    }
    default:
      throw new FileBridgeError('INVALID_INPUT', `${where}: unknown source kind "${String(rule.kind)}": use ${SOURCE_KINDS.join(', ')}.`);
  }
}

/** Checks the whole configuration once (at deploy and for the editor's preview); INVALID_INPUT names the row. */
export function compileMapping(config: MappingSettings): CompiledMapping {
  const timeZone = checkTimeZone(config.timeZone?.trim() || 'UTC');
  const tables = new Map<string, CompiledTable>();
  for (const spec of config.tables ?? []) {
    const name = spec.name?.trim() || 'table';
    if (tables.has(name)) throw new FileBridgeError('INVALID_INPUT', `Two lookup tables are named "${name}".`);
    if (!['remote', 'msg', 'inline'].includes(spec.from))
      throw new FileBridgeError('INVALID_INPUT', `The lookup table "${name}" must come from remote, msg or inline, not "${String(spec.from)}".`);
    if (!spec.value?.trim())
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The lookup table "${name}" has no ${spec.from === 'remote' ? 'file path' : spec.from === 'msg' ? 'message property' : 'content'}.`,
      );
    tables.set(name, { ...spec, name, path: spec.from === 'remote' ? parseTemplate(spec.value.trim()) : undefined });
  }
  const namePattern = config.namePattern?.trim() ? compileRegex(config.namePattern, 'name pattern') : undefined;
  const rules = (config.rules ?? []).map((rule, index): CompiledRule => {
    const where = `Rule ${index + 1} (${rule.field || 'no field'})`;
    if (!rule.field?.trim())
      throw new FileBridgeError('INVALID_INPUT', `Rule ${index + 1} has no target field: enter one such as folder, name or categories.Invoice.Vendor.`);
    const path = parsePath(rule.field.trim(), `${where}: target field`);
    if (!(TARGET_FIELDS as readonly string[]).includes(path[0])) {
      throw new FileBridgeError('INVALID_INPUT', `${where}: "${path[0]}" is not a target field; use ${TARGET_FIELDS.join(', ')}.`);
    }
    const type = rule.type || 'auto';
    if (!VALUE_TYPES.includes(type)) throw new FileBridgeError('INVALID_INPUT', `${where}: unknown type "${type}": use ${VALUE_TYPES.join(', ')}.`);
    let source: CompiledSource;
    try {
      source = compileSource(rule, tables, where);
    } catch (err) {
      if (err instanceof FileBridgeError && !err.message.startsWith(where)) throw new FileBridgeError(err.code, `${where}: ${err.message}`, err.details);
      throw err;
    }
    return {
      field: rule.field.trim(),
      path,
      source,
      type,
      required: Boolean(rule.required),
      default: rule.default !== undefined && rule.default !== '' ? parseTemplate(rule.default) : undefined,
    };
  });
  return { rules, namePattern, timeZone, tables };
}
