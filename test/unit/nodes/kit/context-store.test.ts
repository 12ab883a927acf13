import { strict as assert } from 'node:assert';
import { persistentContextStore } from '../../../../src/nodes/kit/context-store';

describe('persistent context store (from settings.js contextStorage)', () => {
  it('none when Node-RED keeps context in memory only', () => {
    assert.equal(persistentContextStore(undefined), undefined);
    assert.equal(persistentContextStore({}), undefined);
    assert.equal(persistentContextStore({ default: { module: 'memory' } }), undefined);
    assert.equal(persistentContextStore({ a: { module: 'memory' }, b: { module: 'memory' } }), undefined);
  });

  it('the default store when it persists, resolved as Node-RED resolves it', () => {
    assert.equal(persistentContextStore({ default: { module: 'localfilesystem' } }), 'default');
    assert.equal(persistentContextStore({ default: 'file', memoryOnly: { module: 'memory' }, file: { module: 'localfilesystem' } }), 'file');
    // No "default": the first store listed is the default.
    assert.equal(persistentContextStore({ file: { module: 'localfilesystem' }, memoryOnly: { module: 'memory' } }), 'file');
    // A store given as a module object (Redis and the like) is taken as persistent.
    assert.equal(persistentContextStore({ default: { module: { name: 'redis' } } }), 'default');
  });

  it('else the first persistent store listed', () => {
    assert.equal(persistentContextStore({ default: { module: 'memory' }, file: { module: 'localfilesystem' } }), 'file');
    assert.equal(persistentContextStore({ default: 'memoryOnly', memoryOnly: { module: 'memory' }, disk: { module: 'localfilesystem' } }), 'disk');
    assert.equal(persistentContextStore({ memoryOnly: { module: 'memory' }, broken: { config: {} }, disk: { module: 'localfilesystem' } }), 'disk');
  });
});
