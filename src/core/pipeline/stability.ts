import type { RemoteEntry } from '../remote/types';

/*
 * When is a listed file complete? The writer may still be appending; a partner may upload with a
 * tool that keeps the file open between chunks. Three rules, chosen per watch:
 *  - stable: size and mtime unchanged across listings at least `stableMs` apart (the default);
 *  - age:    mtime at least `minAgeMs` old;
 *  - marker: a done file (`{name}.done`) exists; it releases the file whatever its age.
 * Listings with minute (or day) precision cannot show a change within the minute, so there the
 * watch confirms with an exact mtime (MDTM) or, failing that, waits until the mtime's whole minute
 * is `stableMs` in the past. Empty files are only taken after `emptyMinAgeMs`: an empty file is
 * usually one whose writer has not started yet.
 */

export type StabilityMode = 'stable' | 'age' | 'marker';

export interface StabilityOptions {
  mode: StabilityMode;
  stableMs: number;
  minAgeMs: number;
  emptyMinAgeMs: number;
  /** `{name}.done`, `{base}.ok`... only for mode marker. */
  markerPattern: string;
}

export const DEFAULT_STABILITY: StabilityOptions = {
  mode: 'stable',
  stableMs: 2_000,
  minAgeMs: 0,
  emptyMinAgeMs: 60_000,
  markerPattern: '{name}.done',
};

interface Seen {
  size: number;
  mtime: number;
  /** When this size+mtime was first observed. */
  since: number;
  /** Exact mtime from a stat, and when it was first seen, for coarse listings. */
  exact?: { mtime: number; since: number };
}

/** Latest moment the real mtime can be, given the listing's precision. */
export function latestMtime(entry: Pick<RemoteEntry, 'mtime' | 'mtimePrecision'>): number {
  const t = entry.mtime.getTime();
  if (entry.mtimePrecision === 'minute') return t + 60_000 - 1;
  if (entry.mtimePrecision === 'day') return t + 86_400_000 - 1;
  return t;
}

export class StabilityTracker {
  private seen = new Map<string, Seen>();

  constructor(readonly options: StabilityOptions) {}

  /** Records a listing: entries not in it are forgotten, changed ones start over. */
  observe(entries: readonly RemoteEntry[], now: number): void {
    const next = new Map<string, Seen>();
    for (const e of entries) {
      const prev = this.seen.get(e.path);
      const mtime = e.mtime.getTime();
      next.set(e.path, prev && prev.size === e.size && prev.mtime === mtime ? prev : { size: e.size, mtime, since: now });
    }
    this.seen = next;
  }

  /**
   * Records fresh facts of some files only (a stat of each, see `Watcher.recheck`): the others stay
   * as the last listing left them. A changed file starts over, like in `observe`.
   */
  observeSome(entries: readonly RemoteEntry[], now: number): void {
    for (const e of entries) {
      const prev = this.seen.get(e.path);
      const mtime = e.mtime.getTime();
      if (!prev || prev.size !== e.size || prev.mtime !== mtime) this.seen.set(e.path, { size: e.size, mtime, since: now });
    }
  }

  /**
   * When the stable rule's window of a listed file ends, if its verdict at `now` is 'no' only because
   * that window is still open: the moment to look at it again (`Watcher.recheck`). Undefined in the
   * other cases (another rule, an empty file waiting for its age, a minimum age): those wait for the
   * next poll as before.
   */
  windowEnd(entry: RemoteEntry, now: number): number | undefined {
    const o = this.options;
    if (o.mode !== 'stable' || o.minAgeMs > 0 || entry.size === 0) return undefined;
    const seen = this.seen.get(entry.path);
    if (!seen || now - seen.since >= o.stableMs) return undefined;
    return seen.since + o.stableMs;
  }

  /** Forget a path (claimed, or found changed), so it must prove itself again. */
  forget(path: string): void {
    this.seen.delete(path);
  }

  /**
   * First verdict from the listing alone. `confirm` means "looks stable, but the listing is too
   * coarse: check an exact mtime with `isStableExact` before claiming".
   */
  verdict(entry: RemoteEntry, now: number, hasMarker: boolean): 'no' | 'yes' | 'confirm' {
    const o = this.options;
    if (o.mode === 'marker') return hasMarker ? 'yes' : 'no';
    const v = this.verdictByRule(entry, now);
    // An empty file whose coarse listed time may or may not be old enough: its exact mtime tells
    // (`isStableExact`), instead of waiting until the end of the listed minute is.
    if (entry.size === 0 && v === 'yes' && now - latestMtime(entry) < Math.max(o.emptyMinAgeMs, o.minAgeMs)) return 'confirm';
    return v;
  }

  private verdictByRule(entry: RemoteEntry, now: number): 'no' | 'yes' | 'confirm' {
    const o = this.options;
    if (entry.size === 0 && now - entry.mtime.getTime() < Math.max(o.emptyMinAgeMs, o.minAgeMs)) return 'no';
    if (o.mode === 'age') {
      if (entry.mtimePrecision === 'second') return now - entry.mtime.getTime() >= o.minAgeMs ? 'yes' : 'no';
      return now - latestMtime(entry) >= o.minAgeMs ? 'yes' : 'confirm';
    }
    const seen = this.seen.get(entry.path);
    if (!seen || now - seen.since < o.stableMs) return 'no';
    if (o.minAgeMs > 0 && now - latestMtime(entry) < o.minAgeMs && entry.mtimePrecision === 'second') return 'no';
    if (entry.mtimePrecision === 'second') return 'yes';
    // Same size for stableMs, but a minute-precision mtime hides writes within the minute.
    return now - latestMtime(entry) >= Math.max(o.stableMs, o.minAgeMs) ? 'yes' : 'confirm';
  }

  /**
   * The verdict once an exact mtime (and size) is known for a 'confirm' entry: old enough by the
   * server's clock, or (in stable mode, whatever the clocks say) the exact mtime unchanged across
   * stats `stableMs` apart, so a server clock running ahead cannot hold files back for long.
   */
  isStableExact(entry: RemoteEntry, exact: RemoteEntry, now: number): boolean {
    const seen = this.seen.get(entry.path);
    if (exact.size !== entry.size) {
      this.forget(entry.path);
      return false;
    }
    const o = this.options;
    if (exact.size === 0 && now - latestMtime(exact) < Math.max(o.emptyMinAgeMs, o.minAgeMs)) return false;
    const need = o.mode === 'age' ? o.minAgeMs : Math.max(o.stableMs, o.minAgeMs);
    if (now - latestMtime(exact) >= need) return true;
    if (this.options.mode !== 'stable' || !seen) return false;
    const t = exact.mtime.getTime();
    if (!seen.exact || seen.exact.mtime !== t) {
      seen.exact = { mtime: t, since: now };
      return false;
    }
    return now - seen.exact.since >= need;
  }
}

/** Marker file name for a data file name under a pattern such as `{name}.done` or `{base}.ok`. */
export function markerName(pattern: string, name: string): string {
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  return pattern.replace(/\{name\}/g, name).replace(/\{base\}/g, base);
}

/** A glob matching every marker name of the pattern, so markers are never emitted as files. */
export function markerGlob(pattern: string): string {
  return pattern.replace(/\{name\}|\{base\}/g, '*');
}
