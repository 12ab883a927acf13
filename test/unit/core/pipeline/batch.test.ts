import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { BATCH_STATE_KEY, BatchCollector, batchItem, batchKey, type CompletedBatch } from '../../../../src/core/pipeline/batch';
import { batchSettingsFromConfig } from '../../../../src/core/pipeline/batch-config';
import { MemoryStore } from '../../../../src/core/key-value-store';
import { FileBridgeError } from '../../../../src/core/errors';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('batches kept in a store', () => {
  it('completes a batch once no item of it came for the quiet time, each key on its own', async () => {
    const store = new MemoryStore();
    const sent: CompletedBatch[] = [];
    const c = new BatchCollector(store, { quietMs: 150, maxItems: 100, maxItemBytes: 1000 }, (b) => sent.push(b));
    await c.add('B1', { row: 1 });
    await c.add('B2', { row: 'x' });
    await sleep(80);
    await c.add('B1', { row: 2 });
    await sleep(100);
    assert.deepEqual(
      sent.map((b) => [b.key, b.items.length]),
      [['B2', 1]],
      'B1 got an item 80 ms ago: still open',
    );
    await sleep(120);
    assert.deepEqual(sent[1].items, [{ row: 1 }, { row: 2 }]);
    assert.equal(sent[1].reason, 'quiet');
    assert.equal(await store.get(BATCH_STATE_KEY), undefined, 'sent batches leave the store');
    c.close();
  });

  it('a full batch goes at once', async () => {
    const sent: CompletedBatch[] = [];
    const c = new BatchCollector(new MemoryStore(), { quietMs: 60_000, maxItems: 2, maxItemBytes: 1000 }, (b) => sent.push(b));
    await c.add('k', 1);
    await c.add('k', 2);
    assert.deepEqual(
      sent.map((b) => [b.items, b.reason]),
      [[[1, 2], 'size']],
    );
    c.close();
  });

  it('keeps every item in the store before add resolves; a new collector on that store (a restart) completes the batch', async () => {
    const store = new MemoryStore();
    const first = new BatchCollector(store, { quietMs: 60_000, maxItems: 10, maxItemBytes: 1000 }, () => assert.fail('the stopped collector sends nothing'));
    await first.add('B42', { file: 'a.pdf' });
    first.close();
    const saved = (await store.get(BATCH_STATE_KEY)) as Record<string, { items: unknown[] }>;
    assert.deepEqual(saved.B42.items, [{ file: 'a.pdf' }], 'in the store before add resolved');
    const sent: CompletedBatch[] = [];
    const second = new BatchCollector(store, { quietMs: 100, maxItems: 10, maxItemBytes: 1000 }, (b) => sent.push(b));
    await second.ready;
    assert.deepEqual(second.open, { batches: 1, items: 1 });
    await second.add('B42', { file: 'b.pdf' });
    await sleep(200);
    assert.deepEqual(sent[0].items, [{ file: 'a.pdf' }, { file: 'b.pdf' }]);
    second.close();
  });

  it('refuses what cannot be kept, naming it: nothing, a stream, too big; keys are texts or numbers', () => {
    const refused = (fn: () => unknown, pattern: RegExp): void =>
      assert.throws(fn, (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && pattern.test(e.message));
    refused(() => batchItem(undefined, 'msg.payload', 100), /msg\.payload is missing/);
    refused(() => batchItem(Readable.from([]), 'msg.payload', 100), /stream/);
    refused(() => batchItem('x'.repeat(200), 'msg.payload', 100), /more than the 100/);
    assert.deepEqual(batchItem({ d: new Date(0) }, 'msg.payload', 100), { d: '1970-01-01T00:00:00.000Z' });
    assert.equal(batchKey(42, 'key'), '42');
    refused(() => batchKey(undefined, 'The batch key (msg.topic)'), /The batch key \(msg\.topic\) must be a text or a number/);
    refused(() => batchSettingsFromConfig({ maxItems: '0' }), /At most/);
    assert.deepEqual(batchSettingsFromConfig({}), { quietMs: 10_000, maxItems: 1000, maxItemBytes: 1024 * 1024 });
  });
});
