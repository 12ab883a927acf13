import { strict as assert } from 'node:assert';
import { watchSettingsFromConfig } from '../../../../src/core/pipeline/watch-config';

describe('pipeline: watch settings', () => {
  describe('watch settings', () => {
    it('convert seconds and lists, and name the bad field', () => {
      const s = watchSettingsFromConfig({ folder: '/in', include: '*.pdf, *.xml\nsub/**', stableSeconds: '0.5', maxInFlight: 3 });
      assert.deepEqual(s.include, ['*.pdf', '*.xml', 'sub/**']);
      assert.equal(s.stability.stableMs, 500);
      assert.equal(s.maxInFlight, 3);
      assert.equal(s.claimFolder, '.filebridge/processing');
      assert.equal(s.leaseMs, 300_000, 'renewed while a file is in flight, so 5 minutes by default');
      assert.equal(watchSettingsFromConfig({ folder: '/in', leaseSeconds: '3600' }).leaseMs, 3_600_000, 'a saved lease is kept');
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', leaseSeconds: 0 }), /Lease \(seconds\) must be a number from 0.5/);
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', maxInFlight: 0 }), /Max in flight must be a number from 1/);
      assert.throws(() => watchSettingsFromConfig({ folder: '' }), /watched folder is empty/);
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', stability: 'marker', markerPattern: 'done' }), /\{name\} or \{base\}/);
    });
  });
});
