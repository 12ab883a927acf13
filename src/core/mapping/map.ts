import { FileBridgeError, errorMessage, isFileBridgeError } from '../errors';
import { COLLISIONS } from '../content-server/upload-request';
import { convertValue, isMissing } from './convert';
import { formatDate, isoText, toDateParts } from './dates';
import { deepMerge, getPath, isPlainObject, setPath } from './object-path';
import type { CompiledMapping, CompiledRule, CompiledTable } from './rules';
import { pathSegments, renderTemplate, resolveReference, type Resolved, type Scope } from './scope';
import { findRow, parseTable, TableCache, type RemoteFiles, type Table } from './tables';

/** Evaluates a JSONata expression against the message (the node passes Node-RED's own evaluator). */
export type JsonataEvaluator = (expression: string, msg: Record<string, unknown>) => Promise<unknown>;

export interface MappingDeps {
  jsonata?: JsonataEvaluator;
  /** Where remote lookup tables are read from (the node's server). */
  remote?: RemoteFiles;
  cache?: TableCache;
  now?: () => Date;
}

export interface MissingValue {
  field: string;
  reason: string;
}

export interface MappingOutcome {
  /** Only what the rules produced. */
  target: Record<string, unknown>;
  /** `msg.filebridge.fields` with the name pattern's groups added. */
  fields: Record<string, unknown>;
  /** Required values that could not be found or converted. */
  missing: MissingValue[];
}

function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}

function buildScope(msg: Record<string, unknown>, mapping: CompiledMapping, now: Date): { scope: Scope; patternProblem?: string } {
  const fb = isPlainObject(msg.filebridge) ? msg.filebridge : {};
  const source = isPlainObject(fb.source) ? fb.source : {};
  const fields: Record<string, unknown> = isPlainObject(fb.fields) ? { ...fb.fields } : {};
  const filename = typeof msg.filename === 'string' ? msg.filename : '';
  const name = typeof source.name === 'string' && source.name ? source.name : baseName(filename);
  // The folder tree below the watched folder; without a source, a relative msg.filename stands in.
  const relative = typeof source.relativePath === 'string' ? source.relativePath : filename.startsWith('/') ? name : filename;
  const folders = relative
    .split(/[\\/]/)
    .slice(0, -1)
    .filter((s) => s !== '' && s !== '.');
  const full = typeof source.path === 'string' ? source.path : filename;
  const fullFolders = full
    .split(/[\\/]/)
    .slice(0, -1)
    .filter((s) => s !== '' && s !== '.');
  let patternProblem: string | undefined;
  if (mapping.namePattern) {
    const m = mapping.namePattern.exec(name);
    if (m) Object.assign(fields, Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, v]) => v !== undefined)));
    else patternProblem = `the file name "${name}" does not match the name pattern ${String(mapping.namePattern)}`;
  }
  return { scope: { msg, fields, source, target: {}, name, folders, fullFolders, now, timeZone: mapping.timeZone }, patternProblem };
}

const SERVER_CODES = new Set<string>(['CONNECTION', 'TIMEOUT', 'AUTHENTICATION', 'HOST_KEY_MISMATCH', 'TLS', 'PERMISSION_DENIED']);

class TableLoader {
  private readonly loaded = new Map<string, Promise<Table | { missing: string }>>();

  constructor(
    private readonly mapping: CompiledMapping,
    private readonly scope: Scope,
    private readonly deps: MappingDeps,
  ) {}

  get(name: string): Promise<Table | { missing: string }> {
    let table = this.loaded.get(name);
    if (!table) {
      table = this.load(this.mapping.tables.get(name)!).catch((err: unknown) => {
        // An unreachable server is retried later under its own code; a broken manifest is bad input here.
        if (isFileBridgeError(err) && SERVER_CODES.has(err.code)) throw err;
        return { missing: errorMessage(err) };
      });
      this.loaded.set(name, table);
    }
    return table;
  }

  private async load(spec: CompiledTable): Promise<Table | { missing: string }> {
    if (spec.from === 'inline') return parseTable(spec.value, spec);
    if (spec.from === 'msg') {
      const content = getPath(
        this.scope.msg,
        spec.value
          .trim()
          .replace(/^msg\./, '')
          .split('.'),
      );
      if (content === undefined) return { missing: `the lookup table "${spec.name}" is not in msg.${spec.value.replace(/^msg\./, '')}` };
      return parseTable(content, spec);
    }
    const rendered = renderTemplate(spec.path!, this.scope);
    if ('missing' in rendered) return { missing: `the path of the lookup table "${spec.name}" cannot be built: ${rendered.missing}` };
    const path = String(rendered.value);
    if (!this.deps.remote)
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The lookup table "${spec.name}" is read from a server, but no server is selected in the node (or, in the editor's preview, the server is not deployed yet).`,
      );
    const table = await (this.deps.cache ?? new TableCache()).load(this.deps.remote, path, spec);
    return table ?? { missing: `the lookup table file ${path} does not exist` };
  }
}

async function resolveSource(rule: CompiledRule, scope: Scope, tables: TableLoader, deps: MappingDeps): Promise<Resolved> {
  const s = rule.source;
  switch (s.kind) {
    case 'constant':
      return { value: s.value };
    case 'field': {
      const value = getPath(scope.fields, s.path);
      return value === undefined ? { missing: `no field "${s.path.join('.')}" (fields: ${Object.keys(scope.fields).join(', ') || 'none'})` } : { value };
    }
    case 'pattern': {
      const m = s.regex.exec(scope.name);
      if (!m) return { missing: `the file name "${scope.name}" does not match ${String(s.regex)}` };
      const value = typeof s.group === 'number' ? m[s.group] : m.groups?.[s.group];
      return value === undefined ? { missing: `the group "${s.group}" of ${String(s.regex)} matched nothing in "${scope.name}"` } : { value };
    }
    case 'path':
      return pathSegments(s.full ? scope.fullFolders : scope.folders, s.spec);
    case 'msg': {
      const value = getPath(scope.msg, s.path);
      return value === undefined ? { missing: `msg.${s.path.join('.')} is not set` } : { value };
    }
    case 'jsonata': {
      if (!deps.jsonata) throw new FileBridgeError('INVALID_INPUT', 'JSONata rules need an evaluator; none was given.');
      try {
        const value = await deps.jsonata(s.expression, scope.msg);
        return value === undefined ? { missing: `the JSONata expression ${s.expression} gave no result` } : { value };
      } catch (err) {
        return { missing: `the JSONata expression ${s.expression} failed: ${errorMessage(err)}` };
      }
    }
    case 'date': {
      const r = resolveReference(s.from, scope);
      if ('missing' in r) return r;
      const parts = toDateParts(r.value, scope.timeZone);
      if (!parts) return { missing: `"${String(r.value)}" (${s.from.text}) is not a date` };
      return { value: s.format ? formatDate(parts, s.format) : isoText(parts) };
    }
    case 'template':
      return renderTemplate(s.template, scope);
    case 'lookup': {
      let key: unknown;
      if (s.key) {
        const k = renderTemplate(s.key, scope);
        if ('missing' in k) return { missing: `the lookup key cannot be built: ${k.missing}` };
        key = k.value;
      }
      const table = await tables.get(s.table);
      if ('missing' in table) return table;
      const row = findRow(table, key, s.table);
      if ('missing' in row) return row;
      const value = s.column ? getPath(row.row, s.column) : row.row;
      return value === undefined || value === ''
        ? { missing: `the lookup table "${s.table}" has no value in column "${s.column?.join('.')}" for key "${String(key)}"` }
        : { value };
    }
  }
}

/**
 * Runs the rules in order for one message. Every rule runs even after a failure, so one error
 * names all missing fields and the user fixes the file (or the rules) once.
 */
export async function mapMetadata(mapping: CompiledMapping, msg: Record<string, unknown>, deps: MappingDeps = {}): Promise<MappingOutcome> {
  const { scope, patternProblem } = buildScope(msg, mapping, (deps.now ?? (() => new Date()))());
  const missing: MissingValue[] = patternProblem ? [{ field: 'name pattern', reason: patternProblem }] : [];
  const tables = new TableLoader(mapping, scope, deps);
  for (const rule of mapping.rules) {
    let resolved: Resolved;
    try {
      resolved = await resolveSource(rule, scope, tables, deps);
    } catch (err) {
      // A broken server or configuration is not a mapping problem: let its own code through.
      if (isFileBridgeError(err)) throw err;
      resolved = { missing: errorMessage(err) };
    }
    if (('missing' in resolved || isMissing(resolved.value)) && rule.default) {
      const fallback = renderTemplate(rule.default, scope);
      if (!('missing' in fallback)) resolved = fallback;
    }
    if ('missing' in resolved || isMissing(resolved.value)) {
      if (rule.required) missing.push({ field: rule.field, reason: 'missing' in resolved ? resolved.missing : 'the value is empty' });
      continue;
    }
    const converted = convertValue(resolved.value, rule.type, rule.path, scope.timeZone);
    if (!converted.ok) {
      // A value of the wrong type is never filed silently, required or not.
      missing.push({ field: rule.field, reason: converted.reason });
      continue;
    }
    if (rule.path.length === 1 && rule.path[0] === 'collision' && !(COLLISIONS as readonly unknown[]).includes(converted.value)) {
      // Caught here, with the rule named, rather than as a puzzling upload failure later.
      missing.push({ field: rule.field, reason: `"${String(converted.value)}" is not a collision policy (${COLLISIONS.join(', ')})` });
      continue;
    }
    setPath(scope.target, rule.path, converted.value);
  }
  return { target: scope.target, fields: scope.fields, missing };
}

export function mappingError(missing: readonly MissingValue[]): FileBridgeError {
  const fields = missing.map((m) => m.field);
  const list = missing.map((m) => `${m.field} (${m.reason})`).join('; ');
  return new FileBridgeError(
    'MAPPING',
    `Missing or invalid metadata: ${list}. Fix the file name or manifest, or the node's rules (required flag, default value).`,
    { fields, missing: missing.map((m) => ({ ...m })) },
  );
}

/** Rule values win over what an earlier node put into the target; objects (categories...) merge. */
export function mergeTarget(existing: unknown, mapped: Record<string, unknown>): Record<string, unknown> {
  return deepMerge(isPlainObject(existing) ? existing : {}, mapped);
}

/** The node's whole job for one message: the merged target, or a MAPPING error naming every missing field. */
export async function buildTarget(
  mapping: CompiledMapping,
  msg: Record<string, unknown>,
  deps: MappingDeps = {},
): Promise<{ target: Record<string, unknown>; fields: Record<string, unknown> }> {
  const outcome = await mapMetadata(mapping, msg, deps);
  if (outcome.missing.length > 0) throw mappingError(outcome.missing);
  const fb = isPlainObject(msg.filebridge) ? msg.filebridge : {};
  return { target: mergeTarget(fb.target, outcome.target), fields: outcome.fields };
}
