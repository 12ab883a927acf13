import type { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { FileBridgeError } from '../errors';
import { setPath } from '../mapping/object-path';
import { textDecoding } from './encoding';
import { JsonArraySplitter } from './json-splitter';
import { formatLabel, type RecordColumn, type RecordFormat } from './partner-format';
import { describe, readBoolean, readDate, readNumber, type ValueResult } from './values';

/*
 * A partner's file as batches of internal records, read only as fast as the batches are used: the
 * next bytes are pulled from the source when the consumer asks for the next batch (a REST call per
 * batch sets the pace), so a 200 MB file costs a few chunks and one batch of memory.
 */

export interface RecordBatch {
  /** 0-based. */
  index: number;
  /** 1-based record number of the first record (header rows are not counted). */
  first: number;
  records: Record<string, unknown>[];
}

export interface ReadRecordsOptions {
  /** Records per batch (the last one may hold fewer). */
  batchSize: number;
  /** Stops reading (the source is destroyed) and fails with the signal's reason. */
  signal?: AbortSignal;
}

/** A record that cannot be read: INVALID_INPUT naming the record, the line, the column and what to do. */
function recordError(
  format: RecordFormat,
  at: { record: number; line?: number },
  column: string | undefined,
  reason: string,
  extra: Record<string, unknown> = {},
): FileBridgeError {
  const where = `${at.record === 0 ? 'The header row' : `Record ${at.record}`}${at.line !== undefined ? ` (line ${at.line})` : ''}${column !== undefined ? `, column "${column}"` : ''}`;
  return new FileBridgeError(
    'INVALID_INPUT',
    `${where}: ${reason}. Correct the file, or change ${formatLabel(format)} to match it; no record of this file was read past this one.`,
    { reason: 'RECORD', record: at.record, ...(at.line !== undefined ? { line: at.line } : {}), ...(column !== undefined ? { column } : {}), ...extra },
  );
}

/** Turns a partner's value into the column's internal type; `undefined` = no value (left out of the record). */
function convert(column: RecordColumn, raw: unknown, format: RecordFormat): ValueResult<unknown> {
  const empty = raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (empty) {
    if (column.required) return { ok: false, reason: 'a value is required and the column is empty' };
    return { ok: true, value: column.type === 'string' && typeof raw === 'string' ? raw : undefined };
  }
  switch (column.type) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      return { ok: true, value: typeof raw === 'object' ? JSON.stringify(raw) : String(raw as number | boolean) };
    case 'number':
    case 'integer':
      return readNumber(raw, format.decimalSeparator, column.type === 'integer');
    case 'date':
      return typeof raw === 'string'
        ? readDate(raw, column.format)
        : { ok: false, reason: `${describe(raw)} is not a date text in the format ${column.format || 'iso'}` };
    case 'boolean':
      return readBoolean(raw, column.words ?? ['true', 'false']);
  }
}

/** Maps a partner's row (values by column name or position) to an internal record. */
class RowMapper {
  private readonly known: Set<string>;

  constructor(private readonly format: RecordFormat) {
    this.known = new Set(format.columns.map((c) => c.header));
  }

  /** CSV header row: checks required and unknown columns once, for the whole file. */
  checkHeader(names: string[], line: number): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name))
        throw new FileBridgeError('INVALID_INPUT', `The header (line ${line}) names the column "${name}" twice: ask the partner for unique column names.`, {
          reason: 'HEADER',
          line,
          column: name,
        });
      seen.add(name);
    }
    const missing = this.format.columns.filter((c) => c.required && !seen.has(c.header)).map((c) => c.header);
    if (missing.length > 0)
      throw new FileBridgeError(
        'INVALID_INPUT',
        `The header (line ${line}) lacks the required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} (found: ${names.join(', ')}). Ask the partner for the column, or correct its header name in ${formatLabel(this.format)}.`,
        { reason: 'HEADER', line, missing, found: names },
      );
    if (this.format.columns.length > 0 && this.format.unknownColumns === 'fail') {
      const unknown = names.filter((n) => !this.known.has(n));
      if (unknown.length > 0)
        throw new FileBridgeError(
          'INVALID_INPUT',
          `The header (line ${line}) has column${unknown.length > 1 ? 's' : ''} ${unknown.map((m) => `"${m}"`).join(', ')} that ${formatLabel(this.format)} does not know: add ${unknown.length > 1 ? 'them' : 'it'} to its columns, or set "Unknown columns" to drop.`,
          { reason: 'HEADER', line, unknown },
        );
    }
  }

  /** One record from the partner's named values (CSV with header, JSON). */
  map(values: Record<string, unknown>, at: { record: number; line?: number }, checkKeys: boolean): Record<string, unknown> {
    const { format } = this;
    if (format.columns.length === 0) return values;
    const record: Record<string, unknown> = {};
    for (const column of format.columns) {
      const raw = Object.hasOwn(values, column.header) ? values[column.header] : undefined;
      const converted = convert(column, raw, format);
      if (!converted.ok)
        throw recordError(format, at, column.header, converted.reason, { field: column.field, ...(raw !== undefined ? { value: describe(raw) } : {}) });
      if (converted.value !== undefined) setPath(record, column.path, converted.value);
    }
    if (format.unknownColumns !== 'drop') {
      for (const key of Object.keys(values)) {
        if (this.known.has(key)) continue;
        if (format.unknownColumns === 'fail' && checkKeys)
          throw recordError(format, at, key, `${formatLabel(format)} does not know this column (add it to its columns, or set "Unknown columns" to drop)`);
        if (format.unknownColumns === 'keep' && !Object.hasOwn(record, key)) record[key] = values[key];
      }
    }
    return record;
  }
}

function csvFailure(err: CsvError, format: RecordFormat, dataRecord: number, expected: number | undefined): FileBridgeError {
  const line = typeof err.lines === 'number' ? err.lines : undefined;
  const at = { record: dataRecord, line };
  switch (err.code) {
    case 'CSV_MAX_RECORD_SIZE':
      return recordError(
        format,
        at,
        undefined,
        `the record is longer than ${format.maxRecordBytes} characters, the record-size limit (raise "Max record size" if such records are expected)`,
        {
          maxRecordBytes: format.maxRecordBytes,
        },
      );
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      const found = Array.isArray(err.record) ? err.record.length : undefined;
      return recordError(
        format,
        at,
        undefined,
        `the record has ${found ?? 'a different number of'} columns where the ${format.header ? 'header has' : 'first record has'} ${expected ?? 'another number'} (is the delimiter "${format.delimiter === '\t' ? '\\t' : format.delimiter}" right? a value holding it must be quoted)`,
      );
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return recordError(format, at, undefined, `a quoted value is not closed before the end of the file (a ${format.quote} is missing)`);
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'INVALID_OPENING_QUOTE':
      return recordError(
        format,
        at,
        undefined,
        `a quote ${format.quote} is misplaced (a quote inside a quoted value must be doubled: ${format.quote}${format.quote})`,
      );
    default:
      return recordError(format, at, undefined, `the file is not valid CSV: ${err.message}`);
  }
}

function isCsvError(err: unknown): err is CsvError {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(CSV_|INVALID_OPENING_QUOTE)/.test(code);
}

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new FileBridgeError('INVALID_INPUT', `Batch size: ${String(batchSize)} is not a whole number of records of 1 or more.`, { batchSize });
}

async function* csvRecords(source: Readable, format: RecordFormat, signal?: AbortSignal): AsyncGenerator<[Record<string, unknown>, number, number]> {
  const decoding = textDecoding(format.encoding, formatLabel(format));
  // Each chunk's rows are collected by on_record as csv-parse reads them, in order and before any
  // error it meets, so the records before a bad one are all handed out and the bad one is numbered
  // exactly (a failing parser stream would drop the rows still buffered in it).
  const rows: [string[], number][] = [];
  const quote = format.quote === '' ? null : format.quote;
  const parser = parse({
    delimiter: format.delimiter,
    quote,
    escape: quote,
    // Strict: no relax_* options, so a ragged row or a stray quote is an error, not a guess.
    skip_empty_lines: true,
    max_record_size: format.maxRecordBytes,
    on_record: (row: string[], context: { lines: number }) => {
      rows.push([row, context.lines]);
      return null;
    },
  });
  // Failures are taken from the write and end callbacks below.
  parser.on('error', () => undefined);
  const feed = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      parser.write(Buffer.from(text, 'utf8'), (err) => (err ? reject(err) : resolve()));
    });
  const finish = (): Promise<void> =>
    new Promise((resolve, reject) => {
      parser.once('error', reject);
      parser.end(() => resolve());
    });
  const mapper = new RowMapper(format);
  let names: string[] | undefined;
  let record = 0;
  let expected: number | undefined;
  function* take(): Generator<[Record<string, unknown>, number, number]> {
    for (const [values, line] of rows.splice(0)) {
      expected ??= values.length;
      if (format.header && names === undefined) {
        names = values.map((v) => v.trim());
        mapper.checkHeader(names, line);
        continue;
      }
      record++;
      const at = { record, line };
      const named: Record<string, unknown> = {};
      if (names) {
        for (let i = 0; i < names.length; i++) named[names[i]] = values[i];
      } else if (format.columns.length === 0) {
        for (let i = 0; i < values.length; i++) named[String(i + 1)] = values[i];
      } else {
        const { columns } = format;
        for (let i = 0; i < values.length; i++) named[i < columns.length ? columns[i].header : String(i + 1)] = values[i];
        if (values.length > columns.length && format.unknownColumns === 'fail')
          throw recordError(
            format,
            at,
            String(columns.length + 1),
            `the record has ${values.length} columns and ${formatLabel(format)} knows ${columns.length}`,
          );
      }
      yield [mapper.map(named, at, names === undefined), record, line];
    }
  }
  const failed = (err: unknown): unknown => (isCsvError(err) ? csvFailure(err, format, format.header && names === undefined ? 0 : record + 1, expected) : err);
  try {
    for await (const chunk of chunksOf(source, signal)) {
      const text = decoding.decode(chunk);
      let failure: unknown;
      await feed(text).catch((err: unknown) => (failure = err));
      yield* take();
      if (failure) throw failed(failure);
    }
    let failure: unknown;
    await feed(decoding.end())
      .then(finish)
      .catch((err: unknown) => (failure = err));
    yield* take();
    if (failure) throw failed(failure);
  } finally {
    parser.destroy();
  }
  if (format.header && names === undefined && format.columns.some((c) => c.required))
    throw new FileBridgeError('INVALID_INPUT', `The file is empty: ${formatLabel(format)} expects a header row with the required columns.`, {
      reason: 'HEADER',
    });
}

async function* chunksOf(source: Readable, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    signal?.throwIfAborted();
    yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  }
  signal?.throwIfAborted();
}

function parseObject(text: string, format: RecordFormat, at: { record: number; line: number }): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw recordError(format, at, undefined, `the record is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw recordError(format, at, undefined, `${describe(value)} is not a record: each record must be a JSON object {...}`);
  return value as Record<string, unknown>;
}

async function* jsonRecords(source: Readable, format: RecordFormat, signal?: AbortSignal): AsyncGenerator<[Record<string, unknown>, number, number]> {
  const decoding = textDecoding(format.encoding, formatLabel(format));
  const splitter = new JsonArraySplitter(format.maxRecordBytes, formatLabel(format));
  const mapper = new RowMapper(format);
  for await (const chunk of chunksOf(source, signal)) {
    for (const element of splitter.push(decoding.decode(chunk))) {
      const at = { record: element.record, line: element.line };
      yield [mapper.map(parseObject(element.text, format, at), at, true), element.record, element.line];
    }
  }
  for (const element of splitter.push(decoding.end())) {
    const at = { record: element.record, line: element.line };
    yield [mapper.map(parseObject(element.text, format, at), at, true), element.record, element.line];
  }
  splitter.end();
}

async function* jsonLinesRecords(source: Readable, format: RecordFormat, signal?: AbortSignal): AsyncGenerator<[Record<string, unknown>, number, number]> {
  const decoding = textDecoding(format.encoding, formatLabel(format));
  const mapper = new RowMapper(format);
  let pending = '';
  let line = 0;
  let record = 0;
  const tooLong = (at: number): FileBridgeError =>
    recordError(
      format,
      { record: record + 1, line: at },
      undefined,
      `the line is longer than ${format.maxRecordBytes} characters, the record-size limit (raise "Max record size" if such records are expected)`,
      {
        maxRecordBytes: format.maxRecordBytes,
      },
    );
  function* lines(text: string, last: boolean): Generator<[Record<string, unknown>, number, number]> {
    let start = 0;
    let end = text.indexOf('\n');
    while (end >= 0 || (last && start < text.length)) {
      const stop = end >= 0 ? end : text.length;
      line++;
      const content = (start === 0 ? pending + text.slice(0, stop) : text.slice(start, stop)).replace(/\r$/, '');
      if (start === 0) pending = '';
      if (content.length > format.maxRecordBytes) throw tooLong(line);
      if (content.trim() !== '') {
        record++;
        const at = { record, line };
        yield [mapper.map(parseObject(content, format, at), at, true), record, line];
      }
      if (end < 0) {
        start = text.length;
        break;
      }
      start = end + 1;
      end = text.indexOf('\n', start);
    }
    if (start < text.length) {
      pending = start === 0 ? pending + text : text.slice(start);
      if (pending.length > format.maxRecordBytes) throw tooLong(line + 1);
    } else if (last && pending !== '') {
      const content = pending;
      pending = '';
      yield* lines(content, true);
    }
  }
  for await (const chunk of chunksOf(source, signal)) yield* lines(decoding.decode(chunk), false);
  yield* lines(decoding.end(), true);
}

/**
 * The records of a partner file in batches of `batchSize`. Reading stops at the first bad record
 * with INVALID_INPUT (details `{ reason: 'RECORD', record, line?, column?, field?, value? }`) or a
 * bad header (`reason: 'HEADER'`); the batches before it have been handed out.
 */
export async function* readRecordBatches(source: Readable, format: RecordFormat, options: ReadRecordsOptions): AsyncGenerator<RecordBatch, void, undefined> {
  checkBatchSize(options.batchSize);
  const { batchSize, signal } = options;
  const records =
    format.kind === 'csv'
      ? csvRecords(source, format, signal)
      : format.kind === 'json'
        ? jsonRecords(source, format, signal)
        : jsonLinesRecords(source, format, signal);
  let batch: Record<string, unknown>[] = [];
  let index = 0;
  let first = 1;
  try {
    signal?.throwIfAborted();
    for await (const [record, number] of records) {
      if (batch.length === 0) first = number;
      batch.push(record);
      if (batch.length >= batchSize) {
        const out = { index: index++, first, records: batch };
        batch = [];
        yield out;
        signal?.throwIfAborted();
      }
    }
    if (batch.length > 0) yield { index: index++, first, records: batch };
  } finally {
    if (!source.destroyed) source.destroy();
  }
}
