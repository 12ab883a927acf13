import { FileBridgeError } from '../errors';
import { parsePath } from '../mapping/object-path';
import { booleanWords, dateFormatProblem, numberDecimals } from './values';

/*
 * A partner format: how one partner writes (and wants to receive) records. The config node of the
 * same name holds these fields, so each partner of a flow gets its own format without code.
 */

export type RecordKind = 'csv' | 'json' | 'jsonl';
export const RECORD_KINDS: readonly RecordKind[] = ['csv', 'json', 'jsonl'];
export type RecordEncoding = 'utf8' | 'utf16le' | 'latin1' | 'windows-1252';
export const RECORD_ENCODINGS: readonly RecordEncoding[] = ['utf8', 'utf16le', 'latin1', 'windows-1252'];
export type ColumnType = 'string' | 'number' | 'integer' | 'date' | 'boolean';
export const COLUMN_TYPES: readonly ColumnType[] = ['string', 'number', 'integer', 'date', 'boolean'];
export type UnknownColumns = 'keep' | 'drop' | 'fail';
export const UNKNOWN_COLUMNS: readonly UnknownColumns[] = ['keep', 'drop', 'fail'];

export interface PartnerColumnFields {
  /** The internal record field; a dotted path (`price.amount`) nests. */
  field: string;
  /** The partner's column name (CSV header, JSON key). */
  header: string;
  type: ColumnType;
  /** date: a pattern such as dd.MM.yyyy, or 'iso'; number: decimals ('2'); boolean: the partner's words 'J/N'. */
  format: string;
  /** The column must be present and every record must have a value in it. */
  required: boolean;
}

/** What the dialog's fields and the format compiled from them share, with the same meaning. */
interface RecordFormatBase {
  name: string;
  kind: RecordKind;
  delimiter: string;
  /** The quote character; '' = no quoting (a value holding the delimiter or a line break is then refused). */
  quote: string;
  /** 'needed' quotes a value only when it holds the delimiter, the quote or a line break; 'always' quotes every value (written files only). */
  quoting: 'needed' | 'always';
  header: boolean;
  encoding: RecordEncoding;
  /** Write a byte order mark (utf8, utf16le). A BOM is always stripped on read. */
  bom: boolean;
  decimalSeparator: '.' | ',';
  unknownColumns: UnknownColumns;
  maxRecordBytes: number;
}

/** The dialog fields of a filebridge-partner-format config node. */
export interface PartnerFormatFields extends RecordFormatBase {
  lineEnding: 'lf' | 'crlf';
  columns: PartnerColumnFields[];
}

export interface RecordColumn {
  field: string;
  path: string[];
  header: string;
  type: ColumnType;
  format: string;
  required: boolean;
  /** number: fixed decimals when written. */
  decimals?: number;
  /** boolean: the partner's words for true and false. */
  words?: [string, string];
}

/** A partner format ready to read and write with: line ending as characters, columns compiled. */
export interface RecordFormat extends RecordFormatBase {
  lineEnding: '\n' | '\r\n';
  /** Empty: every column is read by its header name as text, and a record's own keys are written. */
  columns: RecordColumn[];
}

export const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
/** Far above any real record; a larger limit would let one record take a large share of memory. */
export const MAX_MAX_RECORD_BYTES = 64 * 1024 * 1024;

function fail(field: string, message: string, details: Record<string, unknown> = {}): never {
  throw new FileBridgeError('INVALID_INPUT', `${field}: ${message}`, { field, ...details });
}

const blank = (v: unknown): boolean => v === undefined || v === null || v === '';

function oneOf<T extends string>(value: unknown, allowed: readonly T[], fallback: T, field: string): T {
  if (blank(value)) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    fail(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}.`);
  return value as T;
}

function bool(value: unknown, fallback: boolean, field: string): boolean {
  if (blank(value)) return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fail(field, `expected true or false, not ${JSON.stringify(value)}.`);
}

/** The dialog's text for a delimiter: `\t` or `tab` is a tab. */
function delimiterOf(value: unknown): string {
  if (blank(value)) return ',';
  if (typeof value !== 'string') return fail('delimiter', 'expected a character such as , or ; or \\t.');
  const text = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if (text.length !== 1 || /[\r\n"]/.test(text))
    fail('delimiter', `${JSON.stringify(value)} cannot separate columns: use one character such as , or ; or \\t (tab).`);
  return text;
}

function quoteOf(value: unknown, delimiter: string): string {
  if (value === undefined || value === null) return '"';
  if (typeof value !== 'string' || value.length > 1 || /[\r\n]/.test(value) || (value !== '' && value === delimiter))
    fail('quote', `${JSON.stringify(value)} cannot be the quote character: use one character such as " or ', or leave it empty for no quoting.`);
  return value;
}

function maxRecordBytesOf(value: unknown): number {
  if (blank(value)) return DEFAULT_MAX_RECORD_BYTES;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < 16 || n > MAX_MAX_RECORD_BYTES)
    fail('maxRecordBytes', `${JSON.stringify(value)} is not a size between 16 and ${MAX_MAX_RECORD_BYTES} bytes (default ${DEFAULT_MAX_RECORD_BYTES}, 1 MiB).`);
  return n;
}

function columnsOf(value: unknown): RecordColumn[] {
  if (blank(value)) return [];
  if (!Array.isArray(value)) fail('columns', 'expected a list of { field, header, type, format, required } rows.');
  const rows: unknown[] = value;
  const out: RecordColumn[] = [];
  rows.forEach((raw, i) => {
    const row = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const at = `columns row ${i + 1}`;
    const field = typeof row.field === 'string' ? row.field.trim() : '';
    const header = typeof row.header === 'string' ? row.header.trim() : '';
    if (field === '' && header === '') fail(at, "name the internal field and the partner's column (header).", { row: i + 1 });
    const fieldName = field === '' ? header : field;
    const headerName = header === '' ? fieldName : header;
    let path: string[];
    try {
      path = parsePath(fieldName, 'field');
    } catch (err) {
      return fail(at, (err as Error).message, { row: i + 1 });
    }
    const type = oneOf(row.type, COLUMN_TYPES, 'string', `${at} type`);
    const format = typeof row.format === 'string' ? row.format.trim() : blank(row.format) ? '' : String(row.format as number);
    const column: RecordColumn = { field: fieldName, path, header: headerName, type, format, required: bool(row.required, false, `${at} required`) };
    if (type === 'date') {
      const problem = dateFormatProblem(format);
      if (problem) fail(`${at} format`, `${problem}.`, { row: i + 1 });
    } else if (type === 'number') {
      const decimals = numberDecimals(format);
      if (decimals !== undefined && Number.isNaN(decimals))
        fail(`${at} format`, `"${format}" is not a number of decimals (0 to 20), e.g. 2; leave it empty to write numbers as they are.`, { row: i + 1 });
      column.decimals = decimals;
    } else if (type === 'boolean') {
      const words = booleanWords(format);
      if (!words)
        fail(`${at} format`, `"${format}" is not the partner's words for yes and no, e.g. J/N or 1/0; leave it empty for true/false.`, { row: i + 1 });
      column.words = words;
    }
    if (out.some((c) => c.header === headerName)) fail(at, `the column "${headerName}" is listed twice; keep one row for it.`, { row: i + 1 });
    if (out.some((c) => c.field === fieldName)) fail(at, `the field "${fieldName}" is listed twice; keep one row for it.`, { row: i + 1 });
    out.push(column);
  });
  return out;
}

/** The settings of a partner format, or INVALID_INPUT naming the field to fix. Blank fields take their defaults. */
export function partnerFormatFromConfig(fields: Partial<PartnerFormatFields>): RecordFormat {
  const kind = oneOf(fields.kind, RECORD_KINDS, 'csv', 'kind');
  const delimiter = delimiterOf(fields.delimiter);
  const quote = quoteOf(fields.quote, delimiter);
  const encoding = oneOf(fields.encoding, RECORD_ENCODINGS, 'utf8', 'encoding');
  const bom = bool(fields.bom, false, 'bom');
  if (bom && (encoding === 'latin1' || encoding === 'windows-1252'))
    fail('bom', `${encoding} has no byte order mark: untick "BOM", or choose utf8 or utf16le if the partner wants one.`);
  const lineEnding = oneOf(fields.lineEnding, ['lf', 'crlf'] as const, kind === 'csv' ? 'crlf' : 'lf', 'lineEnding');
  return {
    name: typeof fields.name === 'string' ? fields.name.trim() : '',
    kind,
    delimiter,
    quote,
    quoting: oneOf(fields.quoting, ['needed', 'always'] as const, 'needed', 'quoting'),
    header: bool(fields.header, true, 'header'),
    encoding,
    bom,
    lineEnding: lineEnding === 'lf' ? '\n' : '\r\n',
    columns: columnsOf(fields.columns),
    decimalSeparator: oneOf(fields.decimalSeparator, ['.', ','] as const, '.', 'decimalSeparator'),
    unknownColumns: oneOf(fields.unknownColumns, UNKNOWN_COLUMNS, 'drop', 'unknownColumns'),
    maxRecordBytes: maxRecordBytesOf(fields.maxRecordBytes),
  };
}

/** The default format for a file name's extension (.csv, .json, .jsonl or .ndjson), or undefined for any other. */
export function formatForFileName(fileName: string): RecordFormat | undefined {
  const ext = /\.([A-Za-z]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const kind: RecordKind | undefined = ext === 'csv' ? 'csv' : ext === 'json' ? 'json' : ext === 'jsonl' || ext === 'ndjson' ? 'jsonl' : undefined;
  return kind ? partnerFormatFromConfig({ kind }) : undefined;
}

/** How a format names itself in messages: `partner format "ACME"` or `the csv format`. */
export function formatLabel(format: RecordFormat): string {
  return format.name ? `partner format "${format.name}"` : `the ${format.kind} format`;
}
