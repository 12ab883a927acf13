/** Delivery tracking of exported payloads: read to the end, cut off, closed early, left unread. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { trackStream } from '../../../../src/core/content-server';
import { FileBridgeError } from '../../../../src/core/errors';

const code =
  (c: string, message?: RegExp) =>
  (err: unknown): boolean =>
    err instanceof FileBridgeError && err.code === c && (!message || message.test(err.message));

describe('content-server export delivery tracking', () => {
  it('is delivered once the receiver read the last byte, with the bytes unchanged', async () => {
    const parts = [Buffer.alloc(40_000, 1), Buffer.alloc(40_000, 2), Buffer.alloc(10, 3)];
    const tracked = trackStream(Readable.from(parts), 1000, 'doc');
    const chunks: Buffer[] = [];
    for await (const c of tracked.stream) chunks.push(c as Buffer);
    await tracked.delivered;
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat(parts));
  });

  it('a download that breaks off is CONNECTION "broke off", also for the receiver', async () => {
    const source = new Readable({ read() {} });
    source.push(Buffer.from('part'));
    const tracked = trackStream(source, 1000, 'doc');
    const reading = (async () => {
      for await (const c of tracked.stream) assert.ok(c);
    })();
    setImmediate(() => source.destroy(new Error('socket hang up')));
    await assert.rejects(tracked.delivered, code('CONNECTION', /broke off: socket hang up/));
    await assert.rejects(reading);
  });

  it('a receiver that stops early is not a delivery; an idle one times out and the reader sees TIMEOUT', async () => {
    const closed = trackStream(Readable.from([Buffer.from('abc')]), 1000, 'doc');
    closed.stream.destroy();
    await assert.rejects(closed.delivered, code('CONNECTION', /before reading it to the end/));
    const idle = trackStream(Readable.from([Buffer.from('abc')]), 50, 'doc');
    await assert.rejects(idle.delivered, code('TIMEOUT', /Nobody read doc/));
    assert.ok(idle.stream.destroyed);
    const stalled = trackStream(new Readable({ read() {} }), 50, 'doc');
    stalled.stream.resume();
    await assert.rejects(stalled.delivered, code('TIMEOUT'), 'a stream that stops delivering bytes times out too');
  });
});
