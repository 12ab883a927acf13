import { FileBridgeError, errorMessage } from '../errors';
import type { ChecksumAlgorithm } from './checksum';
import { CSV_COLUMN_TYPES, DEFAULT_CSV_MAX_RECORD_SIZE, type CsvColumnRule, type CsvRule } from './csv';
import { compileSchema, type JsonSchemaRule } from './json-schema';
import { MANIFEST_FORMATS, MANIFEST_SOURCES, type ManifestFormat, type ManifestRule, type ManifestSource } from './manifest';
import type { NameRule, SizeRule } from './name';

export type ChecksumChoice = ChecksumAlgorithm | 'auto';
export type SidecarSource = 'remote' | 'message';

export interface ChecksumRule {
  /** `auto` looks for `<name>.sha256`, then `<name>.md5`. */
  algorithm: ChecksumChoice;
  /** remote: the side-car file next to the source file on its server; message: `msg.filebridge.sidecar` (or the node's property). */
  source: SidecarSource;
}

/** Rules after checking: regexes compiled, schema compiled, sizes in bytes. Absent = rule off. */
export interface RuleSet {
  name?: NameRule;
  extensions?: string[];
  size?: SizeRule;
  nonEmpty: boolean;
  magic: boolean;
  checksum?: ChecksumRule;
  csv?: CsvRule;
  json?: JsonSchemaRule;
  xml?: { extensions: string[] };
  manifest?: ManifestRule;
}

/** Rules as a user writes them (the node's editor, or a script): text where a text is natural. */
export interface RuleSettings {
  name?: { pattern: string; ignoreCase?: boolean };
  extensions?: { allowed: string | string[] };
  size?: { min?: string | number; max?: string | number };
  nonEmpty?: boolean;
  magic?: boolean;
  checksum?: { algorithm?: string; source?: string };
  csv?: {
    extensions?: string | string[];
    delimiter?: string;
    header?: boolean;
    requiredColumns?: string | string[];
    columnCount?: string | number;
    columns?: string | Record<string, unknown>;
    maxRows?: string | number;
    maxErrors?: string | number;
    /** The longest row read: `"1 MB"`, `"64 KB"` or a number (characters); empty = 1 MB. */
    maxRecordSize?: string | number;
  };
  json?: { extensions?: string | string[]; schema: string | object; maxSize?: string | number; maxErrors?: string | number };
  xml?: { extensions?: string | string[] };
  manifest?: { source?: string; fileName?: string; format?: string; column?: string; maxSize?: string | number };
}

const MB = 1024 * 1024;
const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: MB, m: MB, gb: 1024 * MB, g: 1024 * MB };

function bad(message: string): FileBridgeError {
  return new FileBridgeError('INVALID_INPUT', message);
}

/** `"10 MB"`, `"512kb"`, `"1.5GB"` or a number of bytes. */
export function parseSize(value: string | number | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw bad(`${what} must be a number of bytes of 0 or more, got ${value}.`);
    return Math.floor(value);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw bad(`${what} "${value}" is not a size: write bytes (2048) or a number with KB, MB or GB (10 MB).`);
  return Math.floor(Number(m[1]) * unit);
}

function parseCount(value: string | number | undefined, what: string, fallback: number | undefined, min = 0): number | undefined {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < min) throw bad(`${what} must be a whole number of ${min} or more, got "${value}".`);
  return n;
}

/** `"pdf, .XML; csv"` -> `["pdf", "xml", "csv"]`. */
export function parseExtensions(value: string | string[] | undefined, what: string, fallback?: string[]): string[] {
  const list = (Array.isArray(value) ? value : String(value ?? '').split(/[\s,;]+/))
    .map((e) =>
      e
        .trim()
        .replace(/^\*?\./, '')
        .toLowerCase(),
    )
    .filter((e) => e !== '');
  if (list.length > 0) return list;
  if (fallback) return fallback;
  throw bad(`${what}: list at least one extension, e.g. "pdf, xml".`);
}

function parseList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : String(value ?? '').split(/[,;\n]/)).map((e) => e.trim()).filter((e) => e !== '');
}

function compileRegex(source: string, flags: string, what: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch (err) {
    throw bad(`${what} is not a valid regular expression: ${errorMessage(err)}.`);
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, what: string): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw bad(`${what} "${value}" is not one of ${allowed.join(', ')}.`);
}

function parseJson(value: string | object, what: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (err) {
    throw bad(`${what} is not valid JSON: ${errorMessage(err)}.`);
  }
}

function parseColumns(value: string | Record<string, unknown> | undefined, header: boolean): Record<string, CsvColumnRule> {
  if (value === undefined || (typeof value === 'string' && value.trim() === '')) return {};
  const raw = parseJson(value, 'CSV column rules');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw bad('CSV column rules must be a JSON object by column, e.g. {"Amount": {"type": "number"}, "Date": {"type": "date", "required": true}}.');
  }
  const out: Record<string, CsvColumnRule> = {};
  for (const [column, spec] of Object.entries(raw as Record<string, unknown>)) {
    if (!header && !/^[1-9]\d*$/.test(column)) throw bad(`CSV column rule "${column}": without a header row, name columns by position (1, 2, ...).`);
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
      throw bad(`CSV column rule "${column}" must be an object such as {"type": "number"}.`);
    const s = spec as Record<string, unknown>;
    const unknown = Object.keys(s).filter((k) => !['type', 'pattern', 'required'].includes(k));
    if (unknown.length) throw bad(`CSV column rule "${column}" has unknown key(s) ${unknown.join(', ')}: use type, pattern, required.`);
    const rule: CsvColumnRule = {};
    if (s.type !== undefined) rule.type = oneOf(String(s.type), CSV_COLUMN_TYPES, 'text', `CSV column "${column}" type`);
    if (s.pattern !== undefined) {
      rule.pattern = compileRegex(String(s.pattern), '', `CSV column "${column}" pattern`);
      rule.patternText = String(s.pattern);
    }
    if (s.required !== undefined) rule.required = s.required === true;
    out[column] = rule;
  }
  return out;
}

function csvRecordLimit(value: string | number | undefined): number {
  const size = parseSize(value, 'CSV max row size') ?? DEFAULT_CSV_MAX_RECORD_SIZE;
  // 0 would mean "no limit" to csv-parse: the very thing the limit is there to prevent.
  if (size < 1) throw bad('CSV max row size must be at least 1 character, e.g. 1 MB.');
  return size;
}

/** Checks and compiles rule settings; a broken setting throws INVALID_INPUT naming it. */
export function parseRules(settings: RuleSettings): RuleSet {
  const rules: RuleSet = { nonEmpty: settings.nonEmpty === true, magic: settings.magic === true };
  if (settings.name) {
    const source = String(settings.name.pattern ?? '').trim();
    if (!source) throw bad('Name pattern: enter a regular expression, e.g. INV_(?<vendor>[A-Z]+)_(?<date>\\d{4}-\\d{2}-\\d{2})\\.pdf');
    rules.name = { regex: compileRegex(source, settings.name.ignoreCase ? 'i' : '', 'Name pattern'), source };
  }
  if (settings.extensions) rules.extensions = parseExtensions(settings.extensions.allowed, 'Allowed extensions');
  if (settings.size) {
    const min = parseSize(settings.size.min, 'Minimum size');
    const max = parseSize(settings.size.max, 'Maximum size');
    if (min === undefined && max === undefined) throw bad('Size rule: give a minimum, a maximum or both.');
    if (min !== undefined && max !== undefined && min > max) throw bad(`Size rule: the minimum (${min} bytes) is above the maximum (${max} bytes).`);
    rules.size = { min, max };
  }
  if (settings.checksum) {
    rules.checksum = {
      algorithm: oneOf(settings.checksum.algorithm, ['auto', 'sha256', 'md5'] as const, 'auto', 'Checksum algorithm'),
      source: oneOf(settings.checksum.source, ['remote', 'message'] as const, 'remote', 'Checksum side-car source'),
    };
  }
  if (settings.csv) {
    const c = settings.csv;
    const header = c.header !== false;
    const requiredColumns = parseList(c.requiredColumns);
    if (!header && requiredColumns.length) throw bad('CSV required columns need a header row: tick "first row is a header" or use a column count.');
    const delimiter = c.delimiter === undefined || c.delimiter === '' ? ',' : c.delimiter === '\\t' ? '\t' : c.delimiter;
    if (delimiter.length !== 1) throw bad(`CSV delimiter "${delimiter}" must be one character (use \\t for tab).`);
    rules.csv = {
      extensions: parseExtensions(c.extensions, 'CSV extensions', ['csv']),
      delimiter,
      header,
      requiredColumns,
      columnCount: parseCount(c.columnCount, 'CSV column count', undefined, 1),
      columns: parseColumns(c.columns, header),
      maxRows: parseCount(c.maxRows, 'CSV rows to check', 10_000)!,
      maxErrors: parseCount(c.maxErrors, 'CSV errors listed', 20, 1)!,
      maxRecordSize: csvRecordLimit(c.maxRecordSize),
    };
  }
  if (settings.json) {
    const j = settings.json;
    if (j.schema === undefined || (typeof j.schema === 'string' && j.schema.trim() === ''))
      throw bad('JSON Schema: paste a schema, e.g. {"type": "object", "required": ["id"]}.');
    rules.json = {
      extensions: parseExtensions(j.extensions, 'JSON extensions', ['json']),
      validate: compileSchema(parseJson(j.schema, 'JSON Schema')),
      maxBytes: parseSize(j.maxSize, 'JSON max size') ?? 10 * MB,
      maxErrors: parseCount(j.maxErrors, 'JSON errors listed', 20, 1)!,
    };
  }
  if (settings.xml) rules.xml = { extensions: parseExtensions(settings.xml.extensions, 'XML extensions', ['xml']) };
  if (settings.manifest) {
    const m = settings.manifest;
    const source: ManifestSource = oneOf(m.source, MANIFEST_SOURCES, 'self', 'Manifest source');
    const fileName = String(m.fileName ?? '').trim();
    if (source === 'remote' && !fileName) throw bad("Manifest: give the manifest file name in the file's folder, e.g. manifest.csv or {stem}.manifest.json.");
    if (fileName.includes('/') || fileName.split(/[\\/]/).includes('..'))
      throw bad(`Manifest file name "${fileName}" must be a name in the file's folder, without folders.`);
    rules.manifest = {
      source,
      fileName,
      format: oneOf<ManifestFormat>(m.format, MANIFEST_FORMATS, 'auto', 'Manifest format'),
      column: String(m.column ?? '').trim(),
      maxBytes: parseSize(m.maxSize, 'Manifest max size') ?? 10 * MB,
      maxErrors: 50,
    };
  }
  return rules;
}
