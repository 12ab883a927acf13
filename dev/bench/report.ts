/**
 * The one shape every part of `npm run bench` reports in, and the table it is printed as. A row puts
 * our figure next to a reference measured in the same run (OpenSSH, lftp, rclone, curl, a simulator's own
 * rate) and says whether the target holds; the README's Performance table is this output.
 */

/** Whether a bigger figure is better (MiB/s, files/s) or a smaller one (seconds, MB, CPU seconds). */
export type Better = 'higher' | 'lower';

/**
 * `ratio`: ours against the reference as a speed, so >= 1 means at least as good, whichever way is
 * better (for seconds it is reference / ours); the target is met at `ratio >= value`.
 * `atMost` / `atLeast`: an absolute bound on our own figure (peak RSS < 150 MB is `atMost: 150`).
 */
export type Target = { ratio: number } | { atMost: number } | { atLeast: number };

export interface BenchRow {
  /** The part of the benchmark (a section's name). */
  section: string;
  /** What was measured, as a reader of the README understands it. */
  what: string;
  /** Our figure (the median of the runs), undefined when it could not be measured. */
  ours: number | undefined;
  unit: string;
  better: Better;
  /** The reference from the same run; `name` holds its command line or setting. */
  reference?: { name: string; value: number };
  target?: Target;
  /** Anything a reader needs to read the row right (the stability wait, CPU seconds beside it...). */
  note?: string;
}

/** Our figure against the reference as a speed ratio (>= 1: ours at least as good). */
export function ratioOf(row: BenchRow): number | undefined {
  if (row.ours === undefined || row.reference === undefined || row.ours <= 0 || row.reference.value <= 0) return undefined;
  return row.better === 'higher' ? row.ours / row.reference.value : row.reference.value / row.ours;
}

export function verdictOf(row: BenchRow): '' | 'ok' | 'MISSED' {
  const { target, ours } = row;
  if (target === undefined || ours === undefined) return '';
  if ('ratio' in target) {
    const ratio = ratioOf(row);
    return ratio === undefined ? '' : ratio >= target.ratio ? 'ok' : 'MISSED';
  }
  if ('atMost' in target) return ours <= target.atMost ? 'ok' : 'MISSED';
  return ours >= target.atLeast ? 'ok' : 'MISSED';
}

function targetText(target: Target | undefined, unit: string): string {
  if (target === undefined) return '';
  if ('ratio' in target) return `>= ${target.ratio}x`;
  if ('atMost' in target) return `<= ${target.atMost} ${unit}`;
  return `>= ${target.atLeast} ${unit}`;
}

/** A figure with as many digits as it needs to be read (1234, 12.3, 0.42). */
export function figure(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** Markdown table of the rows, one table for all, grouped by section in the given order. */
export function markdownTable(rows: readonly BenchRow[]): string {
  const lines = ['| Part | Measurement | Ours | Reference (same run) | Reference | Ratio | Target | Verdict |', '|---|---|---:|---|---:|---:|---:|---|'];
  for (const row of rows) {
    const ratio = ratioOf(row);
    const what = row.note ? `${row.what} (${row.note})` : row.what;
    lines.push(
      [
        '',
        row.section,
        what,
        `${figure(row.ours)} ${row.unit}`,
        row.reference?.name ?? '',
        row.reference ? `${figure(row.reference.value)} ${row.unit}` : '',
        ratio === undefined ? '' : `${ratio.toFixed(2)}x`,
        targetText(row.target, row.unit),
        verdictOf(row),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  return lines.join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
