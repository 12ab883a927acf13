import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';
import { DEFAULT_WATCH_SETTINGS, resetFromMessage, Watcher } from '../../../../src/core/pipeline/watcher';
import type { SessionPool } from '../../../../src/core/remote/session-pool';
import type { RemoteSession } from '../../../../src/core/remote/types';
import { expectCode } from '../../../support/expect-code';

/** A watch that never polls: forgetting failures touches only its ledger. */
function watchWith(ledger: Ledger): Watcher {
  return new Watcher(
    { ...DEFAULT_WATCH_SETTINGS, folder: '/in' },
    {
      pool: {} as SessionPool<RemoteSession>,
      origin: { server: 's', watch: 'w', protocol: 'sftp', host: 'h', port: 22, folder: '/in' },
      ledger,
      emit: async () => undefined,
    },
  );
}

describe('pipeline: msg.reset of a watch', () => {
  it('no value is a plain poll, "failed" forgets first, anything else is INVALID_INPUT naming the value briefly', () => {
    for (const none of [undefined, null, false]) assert.equal(resetFromMessage(none), false);
    assert.equal(resetFromMessage('failed'), true);
    const refused = (value: unknown): FileBridgeError => {
      try {
        resetFromMessage(value);
      } catch (err) {
        assert.ok(err instanceof FileBridgeError);
        assert.equal(err.code, 'INVALID_INPUT');
        assert.deepEqual(err.details, { property: 'msg.reset', accepted: ['failed'] });
        return err;
      }
      return assert.fail(`${String(value)} was accepted`);
    };
    assert.match(refused('fail').message, /^msg\.reset is "fail": the watch accepts only "failed"/);
    assert.match(refused(true).message, /^msg\.reset is boolean true:/);
    assert.match(refused({ a: 1 }).message, /^msg\.reset is object:/);
    assert.match(refused('x'.repeat(100)).message, new RegExp(`^msg\\.reset is "${'x'.repeat(40)}\\.\\.\\.":`));
  });

  it('resetFailures forgets the failed outcomes and says how many; a store failure is coded, names the store and says nothing was polled', async () => {
    const store = new MemoryStore();
    const ledger = new Ledger(store, 'p_', 86_400_000);
    await ledger.record({ path: '/in/a', size: 1, mtime: '2026-11-02T09:00:00.000Z' }, 'quarantined');
    await ledger.record({ path: '/in/b', size: 1, mtime: '2026-11-02T09:00:00.000Z' }, 'left');
    const watch = watchWith(ledger);
    try {
      assert.equal(await watch.resetFailures('default'), 1);
      assert.equal(await ledger.has({ path: '/in/b', size: 1, mtime: '2026-11-02T09:00:00.000Z' }), true);
    } finally {
      watch.close();
    }

    const cause = new Error('store down');
    const broken = { get: () => Promise.reject(cause), set: () => Promise.reject(cause), keys: () => Promise.reject(cause) };
    const named = new Ledger(broken, 'p_', 86_400_000, Date.now, { what: 'the ledger store "redis"', details: { store: 'redis' } });
    const failing = watchWith(named);
    try {
      const err = await expectCode(
        failing.resetFailures('redis'),
        'CONNECTION',
        /^The failed files of \/in could not be forgotten: Values could not be listed in the ledger store "redis": store down\. Nothing was polled/,
      );
      assert.equal(err.details.store, 'redis');
      assert.ok(err.cause instanceof FileBridgeError);
    } finally {
      failing.close();
    }

    // A failure that is not coded is taken for one of the store the node names.
    const uncoded = watchWith({ forgetOutcomes: () => Promise.reject(new Error('gone')) } as unknown as Ledger);
    try {
      const err = await expectCode(
        uncoded.resetFailures('file'),
        'CONNECTION',
        /could not be forgotten: the ledger store "file" failed: gone\. Nothing was polled/,
      );
      assert.deepEqual(err.details, { store: 'file' });
    } finally {
      uncoded.close();
    }
  });
});
