import { isoText, toDateParts } from './dates';

export type ValueType = 'auto' | 'string' | 'number' | 'boolean' | 'date' | 'list';
export const VALUE_TYPES: readonly ValueType[] = ['auto', 'string', 'number', 'boolean', 'date', 'list'];

export type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

/** Empty text, null, undefined and empty lists count as "no value" (required / default apply). */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
}

/** Target fields that Content Server takes as lists: a text there is split on commas or semicolons. */
function listField(field: readonly string[]): boolean {
  return field[0] === 'holds' || (field[0] === 'permissions' && field.length === 2);
}

function toList(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string')
    return value
      .split(/[,;]/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return [value];
}

function toText(value: unknown, timeZone: string): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return isoText(toDateParts(value, timeZone)!);
  if (Array.isArray(value)) return value.map((v) => toText(v, timeZone)).join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 'ja', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'nein', '']);

export function convertValue(value: unknown, type: ValueType, field: readonly string[], timeZone: string): Converted {
  switch (type) {
    case 'auto':
      if (listField(field)) return { ok: true, value: toList(value) };
      if (value instanceof Date) return { ok: true, value: toText(value, timeZone) };
      if (Buffer.isBuffer(value)) return { ok: true, value: value.toString('utf8') };
      return { ok: true, value };
    case 'string':
      return { ok: true, value: toText(value, timeZone) };
    case 'number': {
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
      let text = toText(value, timeZone).trim();
      // "12,50" from a European partner is 12.5; "1,234.5" keeps its thousands separator out.
      if (/^-?\d+,\d+$/.test(text)) text = text.replace(',', '.');
      else text = text.replace(/,(?=\d{3}(\D|$))/g, '');
      const n = text === '' ? NaN : Number(text);
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: `"${toText(value, timeZone)}" is not a number` };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { ok: true, value };
      const text = toText(value, timeZone).trim().toLowerCase();
      if (TRUE.has(text)) return { ok: true, value: true };
      if (FALSE.has(text)) return { ok: true, value: false };
      return { ok: false, reason: `"${text}" is not a yes/no value (true/false, yes/no, 1/0)` };
    }
    case 'date': {
      const parts = toDateParts(value, timeZone);
      return parts
        ? { ok: true, value: isoText(parts) }
        : { ok: false, reason: `"${toText(value, timeZone)}" is not a date (use 2026-11-02, 20261102 or ISO 8601)` };
    }
    case 'list':
      return { ok: true, value: toList(value) };
  }
}
