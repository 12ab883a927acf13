import { strict as assert } from 'node:assert';
import { watchCursorKey, watchSettingsFromConfig } from '../../../../src/core/pipeline/watch-config';

describe('pipeline: watch settings', () => {
  it('keeps a change cursor per watch node, server, folder and depth, under the key deployed watches already use', () => {
    const endpoint = { host: 'dropbox.com', port: 443 };
    const key = watchCursorKey('w1', endpoint, { folder: '/Inbox', recursive: true });
    // The key of releases before it moved to core: a changed formula would make every deployed watch list from scratch.
    assert.equal(key, 'filebridge_cursor_1482fcf6c04df5d6');
    assert.notEqual(watchCursorKey('w2', endpoint, { folder: '/Inbox', recursive: true }), key);
    assert.notEqual(watchCursorKey('w1', { ...endpoint, port: 8282 }, { folder: '/Inbox', recursive: true }), key);
    assert.notEqual(watchCursorKey('w1', endpoint, { folder: '/Other', recursive: true }), key);
    assert.notEqual(watchCursorKey('w1', endpoint, { folder: '/Inbox', recursive: false }), key);
  });

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
