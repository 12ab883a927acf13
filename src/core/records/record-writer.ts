import { Readable } from 'node:stream';
import { FileBridgeError } from '../errors';
import { getPath, isPlainObject } from '../mapping/object-path';
import { byteOrderMark, encodeText, unencodable } from './encoding';
import { formatLabel, type RecordColumn, type RecordFormat } from './partner-format';
import { describe, writeBoolean, writeDate, writeNumber, type ValueResult } from './values';

/*
 * Internal records as a file in a partner's format. The bytes are made batch by batch as the reader
 * of the returned stream asks for them (Readable.from pulls the generator only when its buffer has
 * room: https://nodejs.org/api/stream.html#streamreadablefromiterable-options), so writing the file
 * into a remote put pulls the next page of an API only as fast as the server takes the bytes.
 */

function writeError(format: RecordFormat, record: number, column: string | undefined, reason: string, extra: Record<string, unknown> = {}): FileBridgeError {
  return new FileBridgeError(
    'INVALID_INPUT',
    `${record === 0 ? 'The header row' : `Record ${record}`}${column !== undefined ? `, column "${column}"` : ''}: ${reason}. Correct the record, or change ${formatLabel(format)}; the file was not completed.`,
    { reason: 'RECORD', record, ...(column !== undefined ? { column } : {}), ...extra },
  );
}

const missing = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A column's value as the partner's text (CSV) or JSON value; undefined = no value. */
function columnValue(column: RecordColumn, value: unknown, format: RecordFormat, json: boolean): ValueResult<unknown> {
  if (missing(value)) {
    if (column.required) return { ok: false, reason: `the field "${column.field}" has no value and the column is required` };
    return { ok: true, value: undefined };
  }
  switch (column.type) {
    case 'string':
      if (typeof value === 'string') return { ok: true, value };
      if (value instanceof Date) return { ok: true, value: value.toISOString() };
      return { ok: true, value: typeof value === 'object' ? JSON.stringify(value) : String(value as number | boolean) };
    case 'number':
    case 'integer': {
      const text = writeNumber(value, column.decimals, json ? '.' : format.decimalSeparator, column.type === 'integer');
      if (!text.ok) return { ok: false, reason: `the field "${column.field}": ${text.reason}` };
      return json ? { ok: true, value: Number(text.value) } : text;
    }
    case 'date': {
      const text = writeDate(value, column.format);
      return text.ok ? text : { ok: false, reason: `the field "${column.field}": ${text.reason}` };
    }
    case 'boolean': {
      const words = column.words ?? ['true', 'false'];
      const text = writeBoolean(value, words);
      if (!text.ok) return { ok: false, reason: `the field "${column.field}": ${text.reason}` };
      return json ? { ok: true, value: text.value === words[0] } : text;
    }
  }
}

/** Top-level keys a record may hold besides the columns' fields, per unknownColumns. */
function unknownKeys(record: Record<string, unknown>, known: Set<string>): string[] {
  return Object.keys(record).filter((k) => !known.has(k));
}

class CsvLines {
  private readonly needsQuote: RegExp;
  private readonly quoteAll: RegExp;

  constructor(private readonly format: RecordFormat) {
    const esc = (c: string): string => c.replace(/[\\\]^-]/g, '\\$&');
    this.needsQuote = new RegExp(`[${esc(format.delimiter)}${format.quote ? esc(format.quote) : ''}\\r\\n]`);
    this.quoteAll = format.quote ? new RegExp(format.quote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : /$^/;
  }

  /** One cell, quoted when needed (or always); `where` names it for an error. */
  cell(text: string, where: () => FileBridgeError): string {
    const { quote, quoting } = this.format;
    if (quote === '') {
      if (this.needsQuote.test(text)) throw where();
      return text;
    }
    if (quoting === 'always' || this.needsQuote.test(text)) return quote + text.replace(this.quoteAll, quote + quote) + quote;
    return text;
  }
}

function checkEncodable(text: string, format: RecordFormat, record: number, column: string | undefined): void {
  const bad = unencodable(text, format.encoding);
  if (bad !== undefined) {
    const code = `U+${bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw writeError(
      format,
      record,
      column,
      `the character "${bad}" (${code}) cannot be written in ${format.encoding}; choose utf8 if the partner accepts it, or correct the value`,
      {
        character: code,
      },
    );
  }
}

async function* csvChunks(batches: AsyncIterable<Record<string, unknown>[]>, format: RecordFormat): AsyncGenerator<Buffer> {
  const lines = new CsvLines(format);
  const eol = format.lineEnding;
  let headers: string[] | undefined = format.columns.length > 0 ? format.columns.map((c) => c.header) : undefined;
  const known = new Set(format.columns.map((c) => c.path[0]));
  let number = 0;
  let started = false;
  const start = (): string => {
    started = true;
    if (!format.header || !headers) return '';
    const row = headers
      .map((h) => lines.cell(h, () => writeError(format, 0, h, `the header name holds the delimiter or a line break and quoting is off`)))
      .join(format.delimiter);
    checkEncodable(row, format, 0, undefined);
    return row + eol;
  };
  if (format.bom) yield byteOrderMark(format.encoding);
  for await (const batch of batches) {
    let text = '';
    for (const record of batch) {
      number++;
      if (!isPlainObject(record)) throw writeError(format, number, undefined, `${describe(record)} is not a record (an object)`);
      if (!headers) headers = Object.keys(record);
      if (!started) text += start();
      const cells: string[] = [];
      if (format.columns.length > 0) {
        if (format.unknownColumns === 'fail') {
          const extra = unknownKeys(record, known);
          if (extra.length > 0)
            throw writeError(
              format,
              number,
              undefined,
              `the field "${extra[0]}" is not a column of ${formatLabel(format)} (add it, or set "Unknown columns" to drop)`,
            );
        }
        for (const column of format.columns) {
          const raw = getPath(record, column.path);
          const v = columnValue(column, raw, format, false);
          if (!v.ok) throw writeError(format, number, column.header, v.reason, { field: column.field, ...(raw !== undefined ? { value: describe(raw) } : {}) });
          const cellText = v.value === undefined ? '' : (v.value as string);
          cells.push(
            lines.cell(cellText, () =>
              writeError(format, number, column.header, 'the value holds the delimiter or a line break and quoting is off (set a quote character)'),
            ),
          );
        }
      } else {
        const extra = unknownKeys(record, new Set(headers));
        if (extra.length > 0)
          throw writeError(
            format,
            number,
            extra[0],
            `the first record set the columns (${headers.join(', ')}) and this one has another field; list the columns in ${formatLabel(format)}`,
          );
        for (const header of headers) {
          const raw = record[header];
          const cellText =
            raw === undefined || raw === null
              ? ''
              : typeof raw === 'string'
                ? raw
                : raw instanceof Date
                  ? raw.toISOString()
                  : typeof raw === 'object'
                    ? JSON.stringify(raw)
                    : String(raw as number);
          cells.push(
            lines.cell(cellText, () =>
              writeError(format, number, header, 'the value holds the delimiter or a line break and quoting is off (set a quote character)'),
            ),
          );
        }
      }
      text += cells.join(format.delimiter) + eol;
    }
    if (text === '') continue;
    if (unencodable(text, format.encoding) !== undefined) findUnencodable(batch, number - batch.length, format);
    yield encodeText(text, format.encoding);
  }
  if (!started) {
    const head = start();
    if (head) yield encodeText(head, format.encoding);
  }
}

/** Names the record and column of the character a CSV batch cannot be written with. */
function findUnencodable(batch: Record<string, unknown>[], before: number, format: RecordFormat): void {
  batch.forEach((record, i) => {
    const columns = format.columns.length > 0 ? format.columns.map((c) => [c.header, getPath(record, c.path)] as const) : Object.entries(record);
    for (const [column, value] of columns) if (typeof value === 'string') checkEncodable(value, format, before + i + 1, column);
  });
  checkEncodable(format.columns.map((c) => c.header).join(''), format, 0, undefined);
}

/** JSON text can say any character as \uXXXX, so a latin1 or windows-1252 JSON file loses nothing. */
function escapeUnencodable(text: string, format: RecordFormat): string {
  if (format.encoding === 'utf8' || format.encoding === 'utf16le') return text;
  let out = text;
  let bad = unencodable(out, format.encoding);
  while (bad !== undefined) {
    const escaped = bad
      .split('')
      .map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .join('');
    out = out.split(bad).join(escaped);
    bad = unencodable(out, format.encoding);
  }
  return out;
}

function jsonRecord(record: unknown, number: number, format: RecordFormat, known: Set<string>): string {
  if (!isPlainObject(record)) throw writeError(format, number, undefined, `${describe(record)} is not a record (an object)`);
  let out: Record<string, unknown> = record;
  if (format.columns.length > 0) {
    out = {};
    for (const column of format.columns) {
      const raw = getPath(record, column.path);
      const v = columnValue(column, raw, format, true);
      if (!v.ok) throw writeError(format, number, column.header, v.reason, { field: column.field, ...(raw !== undefined ? { value: describe(raw) } : {}) });
      if (v.value !== undefined) out[column.header] = v.value;
    }
    if (format.unknownColumns !== 'drop') {
      for (const key of unknownKeys(record, known)) {
        if (format.unknownColumns === 'fail')
          throw writeError(
            format,
            number,
            undefined,
            `the field "${key}" is not a column of ${formatLabel(format)} (add it, or set "Unknown columns" to drop)`,
          );
        if (!Object.hasOwn(out, key)) out[key] = record[key];
      }
    }
  }
  try {
    return JSON.stringify(out);
  } catch (err) {
    throw writeError(format, number, undefined, `the record cannot be written as JSON (${(err as Error).message})`);
  }
}

async function* jsonChunks(batches: AsyncIterable<Record<string, unknown>[]>, format: RecordFormat): AsyncGenerator<Buffer> {
  const eol = format.lineEnding;
  const array = format.kind === 'json';
  const known = new Set(format.columns.map((c) => c.path[0]));
  let number = 0;
  if (format.bom) yield byteOrderMark(format.encoding);
  for await (const batch of batches) {
    let text = '';
    for (const record of batch) {
      number++;
      const json = jsonRecord(record, number, format, known);
      text += array ? `${number === 1 ? `[${eol}` : `,${eol}`}${json}` : json + eol;
    }
    if (text !== '') yield encodeText(escapeUnencodable(text, format), format.encoding);
  }
  if (array) yield encodeText(number === 0 ? `[]${eol}` : `${eol}]${eol}`, format.encoding);
}

/**
 * The file's bytes for the records of `batches` in the partner's format: a CSV header row with the
 * partner's names in column order, values quoted when needed (or always), the delimiter, line ending,
 * encoding and BOM, dates and numbers formatted; JSON as one array, JSON lines one record per line.
 * A record that cannot be written fails the stream with INVALID_INPUT naming the record and column.
 */
export function formatRecords(batches: AsyncIterable<Record<string, unknown>[]>, format: RecordFormat): Readable {
  return Readable.from(format.kind === 'csv' ? csvChunks(batches, format) : jsonChunks(batches, format), { objectMode: false });
}
