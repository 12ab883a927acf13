import type { RemoteEntry } from './types';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * Reads the time column of a Unix-style FTP LIST line (`Nov 22 02:13` or `Nov 22  2025`). Servers
 * print recent files with minutes and no year, older ones with a year and no time, so precision is
 * reported along with the date. Times are taken as UTC, which is what vsftpd and most servers print
 * unless configured for local time.
 */
export function parseListTime(raw: string, now: Date = new Date()): { mtime: Date; precision: RemoteEntry['mtimePrecision'] } | undefined {
  const m = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1].toLowerCase());
  if (month < 0) return undefined;
  const day = Number(m[2]);
  if (m[5] !== undefined) {
    return { mtime: new Date(Date.UTC(Number(m[5]), month, day)), precision: 'day' };
  }
  const hours = Number(m[3]);
  const minutes = Number(m[4]);
  let year = now.getUTCFullYear();
  let date = new Date(Date.UTC(year, month, day, hours, minutes));
  // No year means "within the last six months": a date ahead of now (beyond clock skew) is last year's.
  if (date.getTime() > now.getTime() + 24 * 3600_000) {
    year -= 1;
    date = new Date(Date.UTC(year, month, day, hours, minutes));
  }
  return { mtime: date, precision: 'minute' };
}
