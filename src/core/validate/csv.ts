import { parse, type Parser } from 'csv-parse';
import type { ContentCheck, ValidationError } from './types';

export type CsvColumnType = 'text' | 'integer' | 'number' | 'date' | 'datetime' | 'boolean';
export const CSV_COLUMN_TYPES: readonly CsvColumnType[] = ['text', 'integer', 'number', 'date', 'datetime', 'boolean'];

export interface CsvColumnRule {
  type?: CsvColumnType;
  /** Must match the whole value. */
  pattern?: RegExp;
  /** The pattern as the user wrote it, for messages. */
  patternText?: string;
  /** An empty value is an error (otherwise empty values skip the type and pattern checks). */
  required?: boolean;
}

export interface CsvRule {
  /** File extensions the rule applies to; other files are not read as CSV. */
  extensions: string[];
  delimiter: string;
  /** The first row names the columns. */
  header: boolean;
  /** Header names that must be present (needs `header`). */
  requiredColumns: string[];
  /** Every row must have exactly this many fields. */
  columnCount?: number;
  /** By header name, or by 1-based position when there is no header. */
  columns: Record<string, CsvColumnRule>;
  /** Data rows checked; later rows are not parsed (0 = all rows). */
  maxRows: number;
  /** Errors listed before the rest are summed up. */
  maxErrors: number;
  /**
   * The longest record read, in characters (csv-parse's `max_record_size`: field and line
   * together, https://csv.js.org/parse/options/max_record_size/). A longer row fails the rule and
   * reading stops there: without a limit a one-line 300 MB file is held whole, several times over.
   */
  maxRecordSize: number;
}

/** 1 MiB: far above any real row, far below what a broken or hostile file would cost. */
export const DEFAULT_CSV_MAX_RECORD_SIZE = 1024 * 1024;

const TESTS: Record<Exclude<CsvColumnType, 'text'>, (v: string) => boolean> = {
  integer: (v) => /^[+-]?\d+$/.test(v),
  number: (v) => /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v),
  date: (v) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (!m) return false;
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
  },
  datetime: (v) => /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v) && !Number.isNaN(Date.parse(v.replace(' ', 'T'))),
  boolean: (v) => /^(true|false|yes|no|1|0)$/i.test(v),
};

const TYPE_WORDS: Record<Exclude<CsvColumnType, 'text'>, string> = {
  integer: 'a whole number',
  number: 'a number (with "." as decimal point)',
  date: 'a date (YYYY-MM-DD)',
  datetime: 'a date and time (ISO 8601)',
  boolean: 'true/false, yes/no or 1/0',
};

/**
 * Streams the file through csv-parse and checks structure and values row by row, stopping after
 * `maxRows` data rows so a huge file costs no more than its head.
 */
export function csvCheck(rule: CsvRule): ContentCheck {
  const errors: ValidationError[] = [];
  // Only the first errors are kept (a bad 1 GB file must not fill memory); the rest are counted.
  let unlisted = 0;
  const report = (error: ValidationError): void => {
    if (errors.length < rule.maxErrors) errors.push(error);
    else unlisted++;
  };
  let parser: Parser | undefined = parse({
    delimiter: rule.delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: rule.maxRecordSize,
  });
  let row = 0;
  let dataRows = 0;
  let header: string[] | undefined;
  let bound: { index: number; name: string; rule: CsvColumnRule }[] | undefined = rule.header ? undefined : bind(undefined);
  let done = false;
  /** The parser failed: what it had not read yet says nothing about the header. */
  let broken = false;
  const finished = new Promise<void>((resolve) => {
    parser!.on('end', resolve);
    parser!.on('close', resolve);
    parser!.on('error', (err: Error & { code?: string }) => {
      broken = !done;
      if (!done && err.code === 'CSV_MAX_RECORD_SIZE') {
        report({
          rule: 'csv',
          reason: `Row ${row + 1} is longer than ${rule.maxRecordSize} characters, the row-size limit: the file is not read further. Raise "Max row size" in the node if such rows are expected.`,
          row: row + 1,
          maxRecordSize: rule.maxRecordSize,
        });
      } else if (!done) {
        report({ rule: 'csv', reason: `The file is not valid CSV near row ${row + 1}: ${err.message}`, row: row + 1 });
      }
      stop();
      resolve();
    });
  });

  function stop(): void {
    done = true;
    const p = parser;
    parser = undefined;
    p?.destroy();
  }

  function bind(names: string[] | undefined): { index: number; name: string; rule: CsvColumnRule }[] {
    const out: { index: number; name: string; rule: CsvColumnRule }[] = [];
    for (const [key, columnRule] of Object.entries(rule.columns)) {
      const index = names ? names.indexOf(key) : Number(key) - 1;
      // A configured column missing from the header is reported once, by the header check below.
      if (index >= 0) out.push({ index, name: names ? key : `#${key}`, rule: columnRule });
    }
    return out;
  }

  function onRecord(record: string[]): void {
    if (done) return;
    row++;
    if (rule.columnCount !== undefined && record.length !== rule.columnCount) {
      report({ rule: 'csv', reason: `Row ${row} has ${record.length} columns, expected ${rule.columnCount}.`, row, columns: record.length });
    }
    if (rule.header && header === undefined) {
      header = record.map((h) => h.trim());
      const missing = rule.requiredColumns.filter((c) => !header!.includes(c));
      const unknown = Object.keys(rule.columns).filter((c) => !header!.includes(c) && !rule.requiredColumns.includes(c));
      for (const column of [...missing, ...unknown]) {
        report({ rule: 'csv', reason: `The header has no column "${column}" (found: ${header.join(', ')}).`, row, column });
      }
      bound = bind(header);
      return;
    }
    dataRows++;
    for (const column of bound ?? []) {
      const value = (record[column.index] ?? '').trim();
      if (value === '') {
        if (column.rule.required) report({ rule: 'csv', reason: `Row ${row}, column ${column.name}: the value is empty.`, row, column: column.name });
        continue;
      }
      if (column.rule.type && column.rule.type !== 'text' && !TESTS[column.rule.type](value)) {
        report({
          rule: 'csv',
          reason: `Row ${row}, column ${column.name}: "${value.slice(0, 80)}" is not ${TYPE_WORDS[column.rule.type]}.`,
          row,
          column: column.name,
          value: value.slice(0, 80),
        });
      } else if (column.rule.pattern && !column.rule.pattern.test(value)) {
        report({
          rule: 'csv',
          reason: `Row ${row}, column ${column.name}: "${value.slice(0, 80)}" does not match ${column.rule.patternText ?? column.rule.pattern.source}.`,
          row,
          column: column.name,
          value: value.slice(0, 80),
        });
      }
    }
    if (rule.maxRows > 0 && dataRows >= rule.maxRows) stop();
  }

  parser.on('data', onRecord);

  return {
    async update(chunk) {
      const p = parser;
      if (!p || done) return;
      if (!p.write(chunk))
        await new Promise<void>((resolve) => {
          p.once('drain', resolve);
          p.once('close', resolve);
        });
    },
    async finish() {
      if (parser && !done) parser.end();
      await finished;
      done = true;
      if (rule.header && header === undefined && !broken) report({ rule: 'csv', reason: 'The file has no header row (it is empty).' });
      if (unlisted > 0) errors.push({ rule: 'csv', reason: `${unlisted} more csv error(s) not listed.`, omitted: unlisted });
      return errors;
    },
    abort: stop,
  };
}
