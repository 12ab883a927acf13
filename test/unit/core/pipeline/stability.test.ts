import { strict as assert } from 'node:assert';
import { archivePath, fillTemplate, templateValues } from '../../../src/core/pipeline/archive-path';
import { claimFileName, parseClaimFileName, resolveBelow } from '../../../src/core/pipeline/claim';
import { InFlight } from '../../../src/core/pipeline/in-flight';
import { Ledger, MemoryStore } from '../../../src/core/pipeline/ledger';
import { buildReport, failureOf, quarantinePath } from '../../../src/core/pipeline/quarantine-report';
import { DEFAULT_STABILITY, markerGlob, markerName, StabilityTracker } from '../../../src/core/pipeline/stability';
import { watchSettingsFromConfig } from '../../../src/core/pipeline/watch-config';
import type { SourceFacts } from '../../../src/core/pipeline/source';
import type { RemoteEntry } from '../../../src/core/remote/types';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');

function entry(path: string, size: number, mtime: number, precision: RemoteEntry['mtimePrecision'] = 'second'): RemoteEntry {
  return { name: path.split('/').pop()!, path, type: 'file', size, mtime: new Date(mtime), mtimePrecision: precision };
}

const SOURCE: SourceFacts = {
  server: 'srv', watch: 'w', protocol: 'sftp', host: 'h', port: 22, folder: '/inbox', path: '/inbox/sub/INV 7.pdf',
  relativePath: 'sub/INV 7.pdf', name: 'INV 7.pdf', claimPath: '/inbox/.filebridge/processing/sub/1-abcdef01-1~INV 7.pdf',
  size: 10, mtime: '2026-11-02T09:00:00.000Z', claimedAt: '2026-11-02T10:00:00.000Z', attempt: 2,
};

describe('pipeline core units', () => {
  describe('claim names', () => {
    it('round-trip the claim time, token, attempt and the original name (tildes and dashes included)', () => {
      const name = claimFileName('a-b~c 1.pdf', T0, 3, '0123abcd');
      assert.equal(name, `${T0}-0123abcd-3~a-b~c 1.pdf`);
      assert.deepEqual(parseClaimFileName(name), { claimedAt: T0, token: '0123abcd', attempt: 3, name: 'a-b~c 1.pdf' });
      assert.equal(parseClaimFileName('INV.pdf'), undefined);
      assert.notEqual(claimFileName('x', T0, 1), claimFileName('x', T0, 1), 'random tokens keep two claims apart');
    });
    it('resolve the claim folder below the watched folder unless absolute', () => {
      assert.equal(resolveBelow('/inbox', '.filebridge/processing'), '/inbox/.filebridge/processing');
      assert.equal(resolveBelow('in', '/work/claims'), '/work/claims');
    });
  });

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
    it('empty files wait for emptyMinAgeMs', () => {
      const t = new StabilityTracker({ ...DEFAULT_STABILITY, stableMs: 100, emptyMinAgeMs: 60_000 });
      const e = entry('e', 0, T0 - 10_000);
      t.observe([e], T0);
      t.observe([e], T0 + 200);
      assert.equal(t.verdict(e, T0 + 200, false), 'no');
      t.observe([e], T0 + 50_001);
      assert.equal(t.verdict(e, T0 + 50_001, false), 'yes');
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

  describe('archive and quarantine paths', () => {
    const at = new Date('2026-11-02T08:07:06.005Z');
    it('fill date/time and name tokens, below the watched folder unless absolute', () => {
      assert.equal(archivePath('.filebridge/archive/{yyyy}/{MM}/{dd}/{relativePath}', SOURCE, at), '/inbox/.filebridge/archive/2026/11/02/sub/INV 7.pdf');
      assert.equal(archivePath('/archive/{yyyy}{MM}{dd}/{relativeDir}/{base}_{HH}{mm}{ss}{SSS}.{ext}', SOURCE, at), '/archive/20261102/sub/INV 7_080706005.pdf');
      assert.equal(archivePath('/done/{yyyy}/', SOURCE, at), '/done/2026/sub/INV 7.pdf', 'a trailing slash keeps the relative path');
      assert.equal(archivePath('', SOURCE, at), '/inbox/.filebridge/archive/2026/11/02/sub/INV 7.pdf', 'empty = default');
      assert.equal(fillTemplate('{correlationId}', templateValues(SOURCE, at, 'c-1')), 'c-1');
    });
    it('refuse unknown tokens and ".." naming what to use', () => {
      assert.throws(() => archivePath('/a/{yyy}/{name}', SOURCE, at), (err: Error & { code?: string }) => err.code === 'INVALID_INPUT' && /\{yyy\}.*\{yyyy\}/.test(err.message));
      assert.throws(() => archivePath('/a/../{name}', SOURCE, at), /"\.\."/);
    });
    it('quarantine: timestamped name in the exception folder, relative folder kept', () => {
      assert.equal(quarantinePath('', SOURCE, at), '/inbox/.filebridge/failed/sub/20261102T080706-005Z_INV 7.pdf');
      assert.equal(quarantinePath('/inbox-errors', SOURCE, at), '/inbox-errors/sub/20261102T080706-005Z_INV 7.pdf');
    });
    it('report: error and failing node from a Catch message, or the validation errors', () => {
      const caught = failureOf({ message: 'FileBridgeError: refused', code: 'CS_REJECTED', source: { id: 'n1', type: 'filebridge-cs-upload', name: 'Upload', count: 1 } }, undefined);
      assert.deepEqual(caught, { message: 'refused', code: 'CS_REJECTED', failedNode: { id: 'n1', type: 'filebridge-cs-upload', name: 'Upload' }, validation: undefined });
      const invalid = failureOf(undefined, { valid: false, errors: [{ rule: 'extension', reason: 'exe not allowed' }] });
      assert.equal(invalid.code, 'VALIDATION');
      assert.match(invalid.message, /extension: exe not allowed/);
      const report = buildReport(SOURCE, invalid, '/q/x', at, true, 'corr');
      assert.equal(report.attempt, 2);
      assert.equal(report.time, at.toISOString());
      assert.deepEqual(report.validation, [{ rule: 'extension', reason: 'exe not allowed' }]);
      assert.equal(report.correlationId, 'corr');
    });
  });

  describe('ledger', () => {
    it('remembers path+size+mtime until expiry; another size or mtime is another file', async () => {
      let now = T0;
      const store = new MemoryStore();
      const ledger = new Ledger(store, Ledger.prefixFor('h', 22, '/in'), 10_000, () => now);
      const facts = { path: '/in/a', size: 3, mtime: '2026-11-02T09:00:00.000Z' };
      assert.equal(await ledger.has(facts), false);
      await ledger.record(facts, 'left');
      assert.equal(await ledger.has(facts), true);
      assert.equal(await ledger.has({ ...facts, mtime: new Date('2026-11-02T09:00:00.000Z') }), true, 'Date and ISO text key alike');
      assert.equal(await ledger.has({ ...facts, size: 4 }), false);
      assert.equal(await ledger.has({ ...facts, mtime: '2026-11-02T09:00:01.000Z' }), false);
      const other = new Ledger(store, Ledger.prefixFor('h', 22, '/other'), 10_000, () => now);
      assert.equal(await other.has(facts), false, 'ledgers of other folders are apart');
      await other.record({ ...facts, path: '/other/b' }, 'deleted');
      now += 10_001;
      assert.equal(await ledger.has(facts), false, 'expired');
      assert.equal(await other.sweep(), 1);
      assert.equal(store.map.size, 0);
      await ledger.record(facts, 'left');
      await ledger.forget(facts);
      assert.equal(await ledger.has(facts), false);
    });
  });

  describe('in-flight slots', () => {
    it('wait while full, free on release, time out into the callback', async () => {
      const timedOut: string[] = [];
      const slots = new InFlight<string>(2, 200, (id) => timedOut.push(id));
      await slots.waitForSlot();
      slots.add('a', 'A');
      slots.add('b', 'B');
      let got = false;
      const waiting = slots.waitForSlot().then(() => { got = true; });
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got, false, 'full');
      assert.equal(slots.release('a'), true);
      await waiting;
      assert.equal(slots.release('a'), false, 'twice is harmless');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(timedOut, ['b']);
      assert.equal(slots.size, 0);
      slots.add('c', 'C');
      slots.add('d', 'D');
      const stopped = slots.waitForSlot();
      slots.close();
      await assert.rejects(stopped, /stopping/);
    });
  });

  describe('watch settings', () => {
    it('convert seconds and lists, and name the bad field', () => {
      const s = watchSettingsFromConfig({ folder: '/in', include: '*.pdf, *.xml\nsub/**', stableSeconds: '0.5', maxInFlight: 3 });
      assert.deepEqual(s.include, ['*.pdf', '*.xml', 'sub/**']);
      assert.equal(s.stability.stableMs, 500);
      assert.equal(s.maxInFlight, 3);
      assert.equal(s.claimFolder, '.filebridge/processing');
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', maxInFlight: 0 }), /Max in flight must be a number from 1/);
      assert.throws(() => watchSettingsFromConfig({ folder: '' }), /watched folder is empty/);
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', stability: 'marker', markerPattern: 'done' }), /\{name\} or \{base\}/);
    });
  });
});
