import { FileBridgeError } from '../errors';

/**
 * A date as calendar parts. `instant` dates (now, a file's mtime, ISO text with Z or an offset) are
 * shown in the configured time zone; a plain `2026-11-02` from a file name is a calendar date and is
 * never shifted, or a partner's "2 November" would become "1 November" west of UTC.
 */
export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  dateOnly: boolean;
}

export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new FileBridgeError('INVALID_INPUT', `Unknown time zone "${timeZone}": use an IANA name such as UTC or Europe/Berlin.`, { timeZone });
  }
  return timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoned(date: Date, timeZone: string): DateParts {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, number> = {};
  for (const p of fmt.formatToParts(date)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
    millisecond: date.getUTCMilliseconds(),
    dateOnly: false,
  };
}

function valid(p: DateParts): DateParts | undefined {
  const probe = new Date(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second));
  const ok =
    probe.getUTCFullYear() === p.year && probe.getUTCMonth() === p.month - 1 && probe.getUTCDate() === p.day && p.hour < 24 && p.minute < 60 && p.second < 60;
  return ok ? p : undefined;
}

function floating(y: string, mo: string, d: string, h?: string, mi?: string, s?: string): DateParts | undefined {
  return valid({
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h ?? 0),
    minute: Number(mi ?? 0),
    second: Number(s ?? 0),
    millisecond: 0,
    dateOnly: h === undefined,
  });
}

/** Reads a Date, epoch milliseconds or text (`2026-11-02`, `20261102`, `2026-11`, `20261102T101500`, ISO 8601). */
export function toDateParts(value: unknown, timeZone: string): DateParts | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : zoned(value, timeZone);
  if (typeof value === 'number') return Number.isFinite(value) ? zoned(new Date(value), timeZone) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (m) return floating(m[1], m[2], m[3]);
  m = /^(\d{4})-(\d{2})$/.exec(text);
  if (m) return floating(m[1], m[2], '01');
  m = /^(\d{4})(\d{2})(\d{2})[T_-]?(\d{2})(\d{2})(\d{2})?$/.exec(text);
  if (m) return floating(m[1], m[2], m[3], m[4], m[5], m[6]);
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(text);
  if (m) return floating(m[1], m[2], m[3], m[4], m[5], m[6]);
  if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const t = Date.parse(text);
    return Number.isNaN(t) ? undefined : zoned(new Date(t), timeZone);
  }
  return undefined;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Tokens: yyyy yy MM M dd d HH mm ss SSS Q (quarter); text in single quotes is copied as it is. */
export function formatDate(p: DateParts, format: string): string {
  return format.replace(/'([^']*)'|yyyy|yy|MM|M|dd|d|HH|mm|ss|SSS|Q/g, (token, literal: string | undefined) => {
    if (literal !== undefined) return literal;
    switch (token) {
      case 'yyyy':
        return pad(p.year, 4);
      case 'yy':
        return pad(p.year % 100);
      case 'MM':
        return pad(p.month);
      case 'M':
        return String(p.month);
      case 'dd':
        return pad(p.day);
      case 'd':
        return String(p.day);
      case 'HH':
        return pad(p.hour);
      case 'mm':
        return pad(p.minute);
      case 'ss':
        return pad(p.second);
      case 'SSS':
        return pad(p.millisecond, 3);
      default:
        return String(Math.floor((p.month - 1) / 3) + 1);
    }
  });
}

/** `2026-11-02` for calendar dates, `2026-11-02T10:15:00` otherwise (in the configured time zone). */
export function isoText(p: DateParts): string {
  return p.dateOnly ? formatDate(p, 'yyyy-MM-dd') : formatDate(p, "yyyy-MM-dd'T'HH:mm:ss");
}
