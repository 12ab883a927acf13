import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { MemoryStore, type KeyValueStore } from '../../../../src/core/key-value-store';
import { LEARNED_HOST_KEY, hostKeyMemory } from '../../../../src/core/remote/learned-host-key';

const FIRST = 'SHA256:' + Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '');
const OTHER = 'SHA256:' + Buffer.alloc(32, 2).toString('base64').replace(/=+$/, '');
const server = { host: 'sftp.example', port: 22 };

function isCode(code: string) {
  return (err: unknown): boolean => err instanceof FileBridgeError && err.code === code;
}

describe('trust on first use, remembered (learned host key)', () => {
  it('stores the learned key with its server before pinning it, and a fresh start loads it back', async () => {
    const store = new MemoryStore();
    const pins: string[] = [];
    const memory = hostKeyMemory(pins, server, store);
    await memory.load();
    assert.deepEqual(pins, []);
    await memory.learn(FIRST);
    assert.deepEqual(pins, [FIRST]);
    const stored = (await store.get(LEARNED_HOST_KEY)) as Record<string, unknown>;
    assert.equal(stored.fingerprint, FIRST);
    assert.equal(stored.host, 'sftp.example');
    assert.equal(stored.port, 22);
    // A restart: new options, same store.
    const restarted: string[] = [];
    await hostKeyMemory(restarted, { host: 'SFTP.example', port: 22 }, store).load();
    assert.deepEqual(restarted, [FIRST]);
  });

  it('a key learned for another host or port is not used: the changed configuration learns anew', async () => {
    const store = new MemoryStore();
    await hostKeyMemory([], server, store).learn(FIRST);
    for (const other of [
      { host: 'sftp2.example', port: 22 },
      { host: 'sftp.example', port: 2222 },
    ]) {
      const pins: string[] = [];
      await hostKeyMemory(pins, other, store).load();
      assert.deepEqual(pins, [], JSON.stringify(other));
    }
  });

  it('a bare fingerprint stored by earlier versions is kept as the learned key', async () => {
    const store = new MemoryStore();
    await store.set(LEARNED_HOST_KEY, FIRST);
    const pins: string[] = [];
    await hostKeyMemory(pins, server, store).load();
    assert.deepEqual(pins, [FIRST]);
  });

  it('two connections learning different keys at once: the second is refused, only the first is stored', async () => {
    const store = new MemoryStore();
    const pins: string[] = [];
    const memory = hostKeyMemory(pins, server, store);
    const results = await Promise.allSettled([memory.learn(FIRST), memory.learn(OTHER), memory.learn(FIRST)]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected');
    assert.ok(results[1].status === 'rejected' && isCode('HOST_KEY_MISMATCH')(results[1].reason));
    assert.equal(results[2].status, 'fulfilled');
    assert.deepEqual(pins, [FIRST]);
    assert.equal(((await store.get(LEARNED_HOST_KEY)) as { fingerprint: string }).fingerprint, FIRST);
  });

  it('a key that cannot be stored is not trusted; a store that cannot be read stops connections until it can', async () => {
    let failing = true;
    const store: KeyValueStore = {
      get: async () => {
        if (failing) throw new Error('store offline');
        return undefined;
      },
      set: async () => {
        if (failing) throw new Error('store offline');
      },
      keys: async () => [],
    };
    const pins: string[] = [];
    const memory = hostKeyMemory(pins, server, store);
    await assert.rejects(memory.learn(FIRST), (err: unknown) => isCode('CONNECTION')(err) && /could not store/.test((err as Error).message));
    assert.deepEqual(pins, []);
    await assert.rejects(memory.load(), (err: unknown) => isCode('CONNECTION')(err) && /store offline/.test((err as Error).message));
    failing = false;
    await memory.load();
    await memory.learn(FIRST);
    assert.deepEqual(pins, [FIRST]);
  });

  it('without a store (Test connection) a learned key is pinned for these options only', async () => {
    const pins: string[] = [];
    const memory = hostKeyMemory(pins, server, undefined);
    await memory.load();
    await memory.learn(FIRST);
    assert.deepEqual(pins, [FIRST]);
  });
});
