import { formatDate, isoText, toDateParts, type DateParts } from '../mapping/dates';

/*
 * Dates, numbers and yes/no values as a partner writes them, and back. Reading gives internal values
 * (numbers, booleans, dates as `yyyy-MM-dd` or `yyyy-MM-ddTHH:mm:ss` text); writing gives the
 * partner's text. Each function answers `{ ok: false, reason }` instead of throwing so the caller can
 * name the record and column.
 */

export type ValueResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const DATE_TOKENS = /'([^']*)'|yyyy|yy|MM|M|dd|d|HH|mm|ss|SSS/g;

/** `''` or `'iso'` = ISO 8601; otherwise a pattern of yyyy yy MM M dd d HH mm ss SSS and quoted literals. */
export function isIsoFormat(format: string): boolean {
  return format === '' || format.toLowerCase() === 'iso';
}

/** Why a date pattern cannot be used, or undefined when it can (it needs a year, a month and a day). */
export function dateFormatProblem(format: string): string | undefined {
  if (isIsoFormat(format)) return undefined;
  const tokens = new Set<string>();
  for (const m of format.matchAll(DATE_TOKENS)) if (m[1] === undefined) tokens.add(m[0]);
  const year = tokens.has('yyyy') || tokens.has('yy');
  const month = tokens.has('MM') || tokens.has('M');
  const day = tokens.has('dd') || tokens.has('d');
  if (!year || !month || !day) return `"${format}" needs a year (yyyy), a month (MM) and a day (dd), e.g. dd.MM.yyyy, or "iso"`;
  return undefined;
}

const parsers = new Map<string, { regex: RegExp; tokens: string[] }>();

function dateParser(format: string): { regex: RegExp; tokens: string[] } {
  let parser = parsers.get(format);
  if (parser) return parser;
  const tokens: string[] = [];
  let source = '';
  let last = 0;
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  for (const m of format.matchAll(DATE_TOKENS)) {
    source += escape(format.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[1] !== undefined) {
      source += escape(m[1]);
      continue;
    }
    tokens.push(m[0]);
    const widths: Record<string, string> = { yyyy: '(\\d{4})', yy: '(\\d{2})', SSS: '(\\d{3})', M: '(\\d{1,2})', d: '(\\d{1,2})' };
    source += widths[m[0]] ?? '(\\d{2})';
  }
  source += escape(format.slice(last));
  parser = { regex: new RegExp(`^${source}$`), tokens };
  if (parsers.size > 100) parsers.clear();
  parsers.set(format, parser);
  return parser;
}

function validParts(p: DateParts): boolean {
  const probe = new Date(Date.UTC(p.year, p.month - 1, p.day));
  return (
    probe.getUTCFullYear() === p.year && probe.getUTCMonth() === p.month - 1 && probe.getUTCDate() === p.day && p.hour < 24 && p.minute < 60 && p.second < 60
  );
}

/** A partner's date text -> `yyyy-MM-dd` (date-only patterns) or `yyyy-MM-ddTHH:mm:ss`; ISO text is checked and kept as written. */
export function readDate(text: string, format: string): ValueResult<string> {
  const value = text.trim();
  if (isIsoFormat(format)) {
    const parts = toDateParts(value, 'UTC');
    return parts && /^\d{4}-\d{2}-\d{2}/.test(value)
      ? { ok: true, value }
      : { ok: false, reason: `"${value}" is not an ISO 8601 date (e.g. 2026-11-02 or 2026-11-02T10:15:00Z)` };
  }
  const { regex, tokens } = dateParser(format);
  const m = regex.exec(value);
  if (m) {
    const p: DateParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, millisecond: 0, dateOnly: true };
    tokens.forEach((token, i) => {
      const n = Number(m[i + 1]);
      if (token === 'yyyy') p.year = n;
      else if (token === 'yy') p.year = 2000 + n;
      else if (token === 'MM' || token === 'M') p.month = n;
      else if (token === 'dd' || token === 'd') p.day = n;
      else if (token === 'HH') p.hour = n;
      else if (token === 'mm') p.minute = n;
      else if (token === 'ss') p.second = n;
      else p.millisecond = n;
      if (token === 'HH') p.dateOnly = false;
    });
    if (validParts(p)) return { ok: true, value: isoText(p) };
  }
  return { ok: false, reason: `"${value}" is not a date in the format ${format}` };
}

/** An internal date (ISO text, a Date, epoch milliseconds) -> the partner's text; instants are shown in UTC. */
export function writeDate(value: unknown, format: string): ValueResult<string> {
  if (isIsoFormat(format)) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return { ok: true, value: value.toISOString() };
    if (typeof value === 'string' && toDateParts(value, 'UTC')) return { ok: true, value: value.trim() };
  }
  const parts = toDateParts(value, 'UTC');
  if (!parts) return { ok: false, reason: `${describe(value)} is not a date (use 2026-11-02, ISO 8601 text or a Date)` };
  return { ok: true, value: isIsoFormat(format) ? isoText(parts) : formatDate(parts, format) };
}

/** Decimals from a number column's format: '' = as many as the number has. */
export function numberDecimals(format: string): number | undefined {
  const text = format.trim();
  if (text === '') return undefined;
  if (!/^\d{1,2}$/.test(text) || Number(text) > 20) return NaN;
  return Number(text);
}

/**
 * A partner's number text with its decimal separator. The other separator is read as a thousands
 * separator only in groups of three (`1.234,50` with ','), so `1.5` with ',' is refused rather than
 * read as 15.
 */
export function readNumber(value: unknown, decimalSeparator: '.' | ',', integer: boolean): ValueResult<number> {
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    const group = decimalSeparator === ',' ? '\\.' : ',';
    const dec = decimalSeparator === ',' ? ',' : '\\.';
    const pattern = new RegExp(`^[+-]?(\\d{1,3}(${group}\\d{3})+|\\d+)(${dec}\\d+)?([eE][+-]?\\d+)?$`);
    n = pattern.test(text) ? Number(text.replace(new RegExp(group, 'g'), '').replace(',', '.')) : NaN;
  } else {
    n = NaN;
  }
  if (!Number.isFinite(n)) return { ok: false, reason: `${describe(value)} is not a number (decimal separator "${decimalSeparator}")` };
  if (integer && !Number.isInteger(n)) return { ok: false, reason: `${describe(value)} is not a whole number` };
  return { ok: true, value: n };
}

/** A number -> the partner's text: fixed decimals when given, the decimal separator, no thousands separator. */
export function writeNumber(value: unknown, decimals: number | undefined, decimalSeparator: '.' | ',', integer: boolean): ValueResult<string> {
  const read = readNumber(value, '.', integer);
  if (!read.ok) return read;
  const text = integer ? String(read.value) : decimals === undefined ? String(read.value) : read.value.toFixed(decimals);
  return { ok: true, value: decimalSeparator === ',' ? text.replace('.', ',') : text };
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 'ja', 'j', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'nein']);

/** A boolean column's format `yes/no` names the partner's words for true and false; '' = true/false. */
export function booleanWords(format: string): [string, string] | undefined {
  if (format.trim() === '') return ['true', 'false'];
  const parts = format.split('/');
  if (parts.length !== 2 || parts[0] === parts[1]) return undefined;
  return [parts[0], parts[1]];
}

export function readBoolean(value: unknown, words: [string, string]): ValueResult<boolean> {
  if (typeof value === 'boolean') return { ok: true, value };
  const text = (typeof value === 'string' || typeof value === 'number' ? String(value) : '').trim();
  if (text === words[0]) return { ok: true, value: true };
  if (text === words[1]) return { ok: true, value: false };
  const lower = text.toLowerCase();
  if (TRUE.has(lower)) return { ok: true, value: true };
  if (FALSE.has(lower)) return { ok: true, value: false };
  return { ok: false, reason: `${describe(value)} is not a yes/no value (${words[0]}/${words[1]}, true/false, yes/no, 1/0)` };
}

export function writeBoolean(value: unknown, words: [string, string]): ValueResult<string> {
  const read = readBoolean(value, words);
  return read.ok ? { ok: true, value: read.value ? words[0] : words[1] } : read;
}

/** A value for a message: text quoted and cut to 80 characters. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value.length > 80 ? `${value.slice(0, 80)}...` : value}"`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'a list' : 'an object';
  return String(value);
}
