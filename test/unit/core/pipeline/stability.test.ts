import { strict as assert } from 'node:assert';
import { DEFAULT_STABILITY, markerGlob, markerName, StabilityTracker } from '../../../../src/core/pipeline/stability';
import type { RemoteEntry } from '../../../../src/core/remote/types';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');

function entry(path: string, size: number, mtime: number, precision: RemoteEntry['mtimePrecision'] = 'second'): RemoteEntry {
  return { name: path.split('/').pop()!, path, type: 'file', size, mtime: new Date(mtime), mtimePrecision: precision };
}

describe('pipeline: when a file is complete', () => {
  describe('stability', () => {
    it('stable: size and mtime unchanged across listings at least stableMs apart', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000 });
      const a = entry('a', 5, T0 - 5000);
      t.observe([a], T0);
      assert.equal(t.verdict(a, T0, false), 'no', 'one listing proves nothing');
      t.observe([a], T0 + 500);
      assert.equal(t.verdict(a, T0 + 500, false), 'no');
      const grown = entry('a', 6, T0 - 5000);
      t.observe([grown], T0 + 1200);
      assert.equal(t.verdict(grown, T0 + 1200, false), 'no', 'a size change starts over');
      t.observe([grown], T0 + 2200);
      assert.equal(t.verdict(grown, T0 + 2200, false), 'yes');
      t.observe([], T0 + 2300);
      t.observe([grown], T0 + 3400);
      assert.equal(t.verdict(grown, T0 + 3400, false), 'no', 'a file that vanished from a listing starts over');
    });
    it('tells when the window of a waiting file ends, and takes a stat of a few files without forgetting the rest', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000 });
      const a = entry('a', 5, T0 - 5000);
      const b = entry('b', 7, T0 - 5000);
      t.observe([a, b], T0);
      assert.equal(t.windowEnd(a, T0 + 300), T0 + 1000);
      assert.equal(t.windowEnd(a, T0 + 1000), undefined, 'window over: the verdict decides');
      t.observeSome([a], T0 + 1000);
      assert.equal(t.verdict(a, T0 + 1000, false), 'yes', 'unchanged in a stat at the window end');
      assert.equal(t.verdict(b, T0 + 1000, false), 'yes', "a file not stat'ed keeps what the listing showed");
      const grown = entry('b', 8, T0 - 100);
      t.observeSome([grown], T0 + 1000);
      assert.equal(t.verdict(grown, T0 + 1000, false), 'no', 'grown: it starts over');
      assert.equal(t.windowEnd(grown, T0 + 1000), T0 + 2000);
      assert.equal(t.windowEnd(entry('c', 1, T0), T0), undefined, 'never listed');
      const empty = entry('e', 0, T0);
      t.observe([empty], T0);
      assert.equal(t.windowEnd(empty, T0), undefined, 'an empty file waits for its age, not a window');
      const aged = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000, minAgeMs: 5000 });
      aged.observe([a], T0);
      assert.equal(aged.windowEnd(a, T0), undefined, 'a minimum age: the polls decide');
      const age = new StabilityTracker({ ...DEFAULT_STABILITY, mode: 'age' });
      age.observe([a], T0);
      assert.equal(age.windowEnd(a, T0), undefined, 'age mode has no window');
    });
    it('empty files wait for emptyMinAgeMs', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 100, emptyMinAgeMs: 60_000 });
      const e = entry('e', 0, T0 - 10_000);
      t.observe([e], T0);
      t.observe([e], T0 + 200);
      assert.equal(t.verdict(e, T0 + 200, false), 'no');
      t.observe([e], T0 + 50_001);
      assert.equal(t.verdict(e, T0 + 50_001, false), 'yes');
    });
    it('an empty file in a minute-precision listing is settled by its exact mtime, not the end of its minute', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000, emptyMinAgeMs: 60_000 });
      const listed = entry('e', 0, T0 - 60_000, 'minute');
      t.observe([listed], T0 - 2000);
      t.observe([listed], T0 - 500);
      assert.equal(t.verdict(listed, T0 - 500, false), 'no', 'even its earliest time is not old enough');
      t.observe([listed], T0 + 1000);
      assert.equal(t.verdict(listed, T0 + 1000, false), 'confirm', 'its minute may or may not be old enough');
      assert.equal(t.isStableExact(listed, entry('e', 0, T0 - 30_000), T0 + 1000), false, 'made 31 s ago');
      assert.equal(t.isStableExact(listed, entry('e', 0, T0 - 59_000), T0 + 1000), true, 'made 60 s ago');
      const age = new StabilityTracker({ ...DEFAULT_STABILITY, mode: 'age', minAgeMs: 0, emptyMinAgeMs: 60_000 });
      assert.equal(age.verdict(listed, T0 + 1000, false), 'confirm', 'age mode too');
      assert.equal(age.isStableExact(listed, entry('e', 0, T0 - 30_000), T0 + 1000), false);
      assert.equal(age.verdict(listed, T0 + 60_000, false), 'yes', 'the whole minute is old enough');
    });
    it('minute-precision listings ask for an exact mtime until the whole minute is old enough', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000 });
      const listed = entry('f', 9, T0 - 20_000, 'minute');
      t.observe([listed], T0);
      t.observe([listed], T0 + 1500);
      assert.equal(t.verdict(listed, T0 + 1500, false), 'confirm');
      assert.equal(t.isStableExact(listed, entry('f', 9, T0 + 1000), T0 + 1500), false, 'written 0.5 s ago');
      assert.equal(t.isStableExact(listed, entry('f', 9, T0 - 2000), T0 + 1500), true);
      assert.equal(t.isStableExact(listed, entry('f', 10, T0 - 2000), T0 + 1500), false, 'grew since the listing');
      assert.equal(t.verdict(listed, T0 + 61_000, false), 'no', 'forgotten after the size changed');
      t.observe([listed], T0 + 61_000);
      t.observe([listed], T0 + 62_000);
      assert.equal(t.verdict(listed, T0 + 62_000, false), 'yes', 'the listed minute is long past');
    });
    it('an exact mtime unchanged across stats stableMs apart is stable even if the server clock runs ahead', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 1000 });
      const listed = entry('g', 9, T0 + 300_000, 'minute');
      t.observe([listed], T0);
      t.observe([listed], T0 + 1000);
      const exact = entry('g', 9, T0 + 300_500);
      assert.equal(t.isStableExact(listed, exact, T0 + 1000), false);
      assert.equal(t.isStableExact(listed, exact, T0 + 1500), false);
      assert.equal(t.isStableExact(listed, exact, T0 + 2100), true);
    });
    it('age mode and marker mode', () => {
      const age = new StabilityTracker({ ...DEFAULT_STABILITY, mode: 'age', minAgeMs: 10_000 });
      assert.equal(age.verdict(entry('a', 1, T0 - 9_000), T0, false), 'no');
      assert.equal(age.verdict(entry('a', 1, T0 - 10_000), T0, false), 'yes');
      const marker = new StabilityTracker({ ...DEFAULT_STABILITY, mode: 'marker' });
      assert.equal(marker.verdict(entry('a', 1, T0), T0, false), 'no');
      assert.equal(marker.verdict(entry('a', 0, T0), T0, true), 'yes', 'a marker releases even an empty file');
      assert.equal(markerName('{name}.done', 'a.pdf'), 'a.pdf.done');
      assert.equal(markerName('{base}.ok', 'a.pdf'), 'a.ok');
      assert.equal(markerGlob('{base}.ok'), '*.ok');
    });
  });
});
