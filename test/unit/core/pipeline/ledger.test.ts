import { strict as assert } from 'node:assert';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');

describe('pipeline: ledger', () => {
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
});
