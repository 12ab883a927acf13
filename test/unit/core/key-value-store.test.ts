import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../src/core/errors';
import { codedStore, MemoryStore, type KeyValueStore } from '../../../src/core/key-value-store';
import { expectCode } from '../../support/expect-code';

/** A store whose every operation fails with `err`, as a context store module does when its file or server is gone. */
function failingStore(err: unknown): KeyValueStore {
  return { get: () => Promise.reject(err), set: () => Promise.reject(err), keys: () => Promise.reject(err) };
}

describe('key-value store: coded failures', () => {
  it('a failure of get, set or keys becomes CONNECTION naming the store and the operation, keeping the cause', async () => {
    const cause = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const store = codedStore(failingStore(cause), 'context store "file"', { store: 'file' });
    const read = await expectCode(store.get('k'), 'CONNECTION', /could not be read from context store "file": EACCES/);
    assert.equal(read.cause, cause);
    assert.deepEqual(read.details, { store: 'file', operation: 'read' });
    const written = await expectCode(store.set('k', { secret: 'whole value' }), 'CONNECTION', /written to context store "file"/);
    assert.doesNotMatch(written.message, /whole value|secret|\bk\b/, 'neither the value nor the key in the text');
    assert.equal((await expectCode(store.keys(), 'CONNECTION', /listed in/)).details.operation, 'list');
  });

  it('a failure that is not an Error (a module rejecting with text) is coded too', async () => {
    await expectCode(codedStore(failingStore('store down'), 'the ledger').get('k'), 'CONNECTION', /the ledger: store down/);
  });

  it('an error that already has a code passes unchanged', async () => {
    const coded = new FileBridgeError('TIMEOUT', 'too slow');
    assert.equal(
      await codedStore(failingStore(coded), 'x')
        .get('k')
        .catch((e: unknown) => e),
      coded,
    );
  });

  it('a working store answers as before', async () => {
    const store = codedStore(new MemoryStore(), 'memory');
    await store.set('a', 1);
    assert.equal(await store.get('a'), 1);
    assert.deepEqual(await store.keys(), ['a']);
    await store.set('a', undefined);
    assert.deepEqual(await store.keys(), []);
  });
});
