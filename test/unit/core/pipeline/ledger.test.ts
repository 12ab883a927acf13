import { strict as assert } from 'node:assert';
import { Ledger, MemoryStore } from '../../../../src/core/pipeline/ledger';
import { expectCode } from '../../../support/expect-code';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');

describe('pipeline: ledger', () => {
  describe('ledger', () => {
    it("a store that fails gives coded errors (CONNECTION, the cause kept) for every use, so a node's done(err) carries a code", async () => {
      const cause = new Error('journal unusable');
      const broken = { get: () => Promise.reject(cause), set: () => Promise.reject(cause), keys: () => Promise.reject(cause) };
      const ledger = new Ledger(broken, Ledger.prefixFor('h', 22, '/in'), 10_000);
      const facts = { path: '/in/a', size: 3, mtime: '2026-11-02T09:00:00.000Z' };
      for (const use of [ledger.has(facts), ledger.record(facts, 'left'), ledger.forget(facts), ledger.forgetOutcomes(['quarantined']), ledger.sweep()]) {
        const err = await expectCode(use, 'CONNECTION', /the ledger's store: journal unusable/);
        assert.equal(err.cause, cause);
      }
    });
    it('a store given a name is named in its failures, with its details, wrapped once', async () => {
      const cause = new Error('store down');
      const broken = { get: () => Promise.reject(cause), set: () => Promise.reject(cause), keys: () => Promise.reject(cause) };
      const ledger = new Ledger(broken, 'p_', 10_000, Date.now, { what: 'the ledger store "redis"', details: { store: 'redis' } });
      const err = await expectCode(
        ledger.record({ path: '/in/a', size: 3, mtime: '2026-11-02T09:00:00.000Z' }, 'left'),
        'CONNECTION',
        /^Values could not be written to the ledger store "redis": store down$/,
      );
      assert.deepEqual(err.details, { store: 'redis', operation: 'write' });
      assert.equal(err.cause, cause);
    });
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
    it('keys a file with an id and a content hash by those two: moved or renamed and unchanged is known, changed bytes are not', async () => {
      const store = new MemoryStore();
      const ledger = new Ledger(store, Ledger.prefixFor('h', 443, '/Backup'), 10_000, () => T0);
      const facts = { path: '/Backup/a.pdf', size: 3, mtime: '2026-11-02T09:00:00.000Z', id: 'id:AAA', contentHash: 'h1' };
      const entry = await ledger.record(facts, 'left');
      assert.equal(entry.id, 'id:AAA');
      assert.equal(entry.contentHash, 'h1');
      assert.equal(
        await ledger.has({ ...facts, path: '/Backup/sub/renamed.pdf', mtime: '2026-11-02T09:30:00.000Z' }),
        true,
        'same id and bytes elsewhere, other time',
      );
      assert.equal(await ledger.has({ ...facts, contentHash: 'h2' }), false, 'same id, other bytes (Dropbox keeps the id when a file is overwritten)');
      assert.equal(await ledger.has({ ...facts, id: 'id:BBB' }), false, 'same bytes in another file (a copy has its own id)');
      assert.equal(await ledger.has({ path: facts.path, size: facts.size, mtime: facts.mtime }), false, 'without id and hash: keyed by path, size and time');
      await ledger.record({ path: '/Backup/b.pdf', size: 3, mtime: facts.mtime, id: 'id:CCC' }, 'left');
      assert.equal(await ledger.has({ path: '/Backup/b.pdf', size: 3, mtime: facts.mtime }), true, 'an id without a hash keys as before');
      await ledger.forget({ ...facts, path: '/elsewhere.pdf' });
      assert.equal(await ledger.has(facts), false, 'forgotten by id and hash');
    });
    it('finds the versions of a path and size whose time lies in a listed minute, from the store and from its own records and forgets', async () => {
      const store = new MemoryStore();
      const prefix = Ledger.prefixFor('h', 21, '/in');
      const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
      await new Ledger(store, prefix, 10_000, () => T0).record({ path: '/in/a', size: 3, mtime: at(5) }, 'left');
      await new Ledger(store, Ledger.prefixFor('h', 21, '/other'), 10_000, () => T0).record({ path: '/in/a', size: 3, mtime: at(6) }, 'left');
      const ledger = new Ledger(store, prefix, 10_000, () => T0);
      const times = async (size: number, from: number, to: number): Promise<string[]> =>
        (await ledger.versionsIn('/in/a', size, T0 + from * 1000, T0 + to * 1000)).map((v) => v.mtime).sort();
      assert.deepEqual(await times(3, 0, 59), [at(5)], 'what the store held (not another folder ledger)');
      assert.deepEqual(await times(4, 0, 59), [], 'another size');
      assert.deepEqual(await times(3, 6, 59), [], 'outside the minute');
      await ledger.record({ path: '/in/a', size: 3, mtime: at(40) }, 'left');
      await ledger.record({ path: '/in/a', size: 3, mtime: at(5) }, 'left');
      assert.deepEqual(await times(3, 0, 59), [at(5), at(40)], 'its own records, each version once');
      await ledger.forget({ path: '/in/a', size: 3, mtime: at(5) });
      assert.deepEqual(await times(3, 0, 59), [at(40)], 'its own forgets');
      assert.deepEqual(await ledger.versionsIn('/in/b', 3, T0, T0 + 59_000), []);
    });
  });
});
