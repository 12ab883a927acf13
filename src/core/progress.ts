/** Short status texts for transfers in progress (node status has room for about 40 characters). */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** `report.pdf 45% of 2.1 GiB`, or `report.pdf 300 MiB` when the total is unknown; the name is shortened to fit. */
export function progressText(name: string, sent: number, total: number | undefined): string {
  const tail = total !== undefined && total > 0 ? ` ${Math.min(100, Math.floor((sent / total) * 100))}% of ${formatBytes(total)}` : ` ${formatBytes(sent)}`;
  const room = Math.max(8, 40 - tail.length);
  const shortName = name.length > room ? `${name.slice(0, room - 1)}…` : name;
  return `${shortName}${tail}`;
}
