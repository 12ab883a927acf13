import { strict as assert } from 'node:assert';
import { knownContextStores, missingContextStore } from '../../../src/core/context-stores';

describe('context store names a runtime knows (settings.js contextStorage)', () => {
  it('without contextStorage only the memory store exists', () => {
    assert.deepEqual(knownContextStores(undefined), ['memory']);
    assert.equal(missingContextStore(undefined, 'file'), 'file');
    assert.equal(missingContextStore(undefined, 'memory'), undefined);
    assert.equal(missingContextStore(undefined, ''), undefined, 'the default store is always there');
  });

  it('every configured store counts; a "default" alias names one of them and is no store itself', () => {
    const storage = { default: 'file', memoryOnly: { module: 'memory' }, file: { module: 'localfilesystem' } };
    assert.deepEqual(knownContextStores(storage), ['memoryOnly', 'file']);
    assert.equal(missingContextStore(storage, 'file'), undefined);
    assert.equal(missingContextStore(storage, 'redis'), 'redis');
    assert.equal(missingContextStore({ default: { module: 'memory' } }, 'default'), undefined);
  });
});
