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
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', maxInFlight: 0 }), /Max in flight must be a number from 1/);
      assert.throws(() => watchSettingsFromConfig({ folder: '' }), /watched folder is empty/);
      assert.throws(() => watchSettingsFromConfig({ folder: '/in', stability: 'marker', markerPattern: 'done' }), /\{name\} or \{base\}/);
    });
  });
});
