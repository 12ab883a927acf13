import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileBridgeError } from '../../../../src/core/errors';
import { mapSftpError } from '../../../../src/core/remote/sftp-errors';
import type { SftpHandleIo } from '../../../../src/core/remote/sftp-io';
import { SftpReadStream } from '../../../../src/core/remote/sftp-read-stream';
import { SftpWriteStream } from '../../../../src/core/remote/sftp-write-stream';

/**
 * A server stand-in that answers out of order, short and late on purpose: the orderings and partial
 * replies a real server produces only rarely, made common so the streams' bookkeeping is exercised.
 */
class FakeServer implements SftpHandleIo {
  readonly maxReadLength: number;
  readonly maxWriteLength: number;
  file: Buffer;
  outstanding = 0;
  maxOutstanding = 0;
  outstandingBytes = 0;
  maxOutstandingBytes = 0;
  requests = 0;
  closes = 0;
  /** Probability that a read answers with fewer bytes than asked although more exist. */
  shortReads = 0;
  /** A read or write covering this offset fails with this SFTP status. */
  failAt: { offset: number; status: number } | undefined;
  /** When set, answers wait until `release()` is called. */
  holding = false;
  private held: (() => void)[] = [];

  constructor(file: Buffer, limits = 1000) {
    this.file = file;
    this.maxReadLength = limits;
    this.maxWriteLength = limits;
  }

  release(): void {
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
  }

  read(_handle: Buffer, buffer: Buffer, position: number, callback: (err: Error | undefined, bytesRead: number) => void): void {
    assert.ok(buffer.length <= this.maxReadLength, `read of ${buffer.length} bytes exceeds the server limit`);
    this.begin(buffer.length);
    this.answer(() => {
      this.end(buffer.length);
      if (this.failAt && position <= this.failAt.offset && this.failAt.offset < position + buffer.length) {
        callback(this.statusError(this.failAt.status), 0);
        return;
      }
      const available = Math.max(0, Math.min(buffer.length, this.file.length - position));
      let n = available;
      if (n > 1 && Math.random() < this.shortReads) n = 1 + Math.floor(Math.random() * (n - 1));
      if (n > 0) this.file.copy(buffer, 0, position, position + n);
      callback(undefined, n);
    });
  }

  write(_handle: Buffer, data: Buffer, position: number, callback: (err: Error | undefined) => void): void {
    assert.ok(data.length <= this.maxWriteLength, `write of ${data.length} bytes exceeds the server limit`);
    this.begin(data.length);
    const copy = Buffer.from(data);
    this.answer(() => {
      this.end(copy.length);
      if (this.failAt && position <= this.failAt.offset && this.failAt.offset < position + copy.length) {
        callback(this.statusError(this.failAt.status));
        return;
      }
      if (this.file.length < position + copy.length) {
        const grown = Buffer.alloc(position + copy.length);
        this.file.copy(grown);
        this.file = grown;
      }
      copy.copy(this.file, position);
      callback(undefined);
    });
  }

  close(): Promise<void> {
    this.closes++;
    return Promise.resolve();
  }

  mapError(err: unknown, action: string, path: string): FileBridgeError {
    return mapSftpError(err, { server: 'fake:22', action, path });
  }

  private statusError(status: number): Error {
    return Object.assign(new Error('Permission denied'), { code: status });
  }

  private begin(bytes: number): void {
    this.requests++;
    this.outstanding++;
    this.outstandingBytes += bytes;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    this.maxOutstandingBytes = Math.max(this.maxOutstandingBytes, this.outstandingBytes);
  }

  private end(bytes: number): void {
    this.outstanding--;
    this.outstandingBytes -= bytes;
  }

  private answer(reply: () => void): void {
    if (this.holding) {
      this.held.push(reply);
      return;
    }
    // Random delays make replies arrive out of order, as they may from a busy server.
    const delay = Math.random();
    if (delay < 0.3) process.nextTick(reply);
    else if (delay < 0.6) setImmediate(reply);
    else setTimeout(reply, Math.floor(Math.random() * 3));
  }
}

const HANDLE = Buffer.from('h');

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('SftpReadStream (pipelined reads, against a scripted server)', () => {
  it('delivers every byte in order although replies come out of order and short', async () => {
    const data = randomBytes(200_003);
    const server = new FakeServer(data, 1000);
    server.shortReads = 0.3;
    const stream = new SftpReadStream(server, HANDLE, 'f', { sizeHint: data.length, concurrency: 16 });
    const got = await drain(stream);
    assert.equal(got.length, data.length);
    assert.equal(sha(got), sha(data));
    assert.ok(server.maxOutstanding > 4, `expected several requests in flight, saw at most ${server.maxOutstanding}`);
    assert.ok(server.maxOutstanding <= 17, `concurrency limit exceeded: ${server.maxOutstanding}`);
    assert.equal(server.closes, 1);
  });

  it('reads to the real end when the file is longer than the size hint (file grew)', async () => {
    const data = randomBytes(50_500);
    const server = new FakeServer(data, 1000);
    const stream = new SftpReadStream(server, HANDLE, 'f', { sizeHint: 10_000, concurrency: 8 });
    assert.equal(sha(await drain(stream)), sha(data));
  });

  it('stops at the real end when the file is shorter than the size hint (file shrank)', async () => {
    const data = randomBytes(7_777);
    const server = new FakeServer(data, 1000);
    server.shortReads = 0.2;
    const stream = new SftpReadStream(server, HANDLE, 'f', { sizeHint: 20_000, concurrency: 8 });
    assert.equal(sha(await drain(stream)), sha(data));
  });

  it('reads without a size hint, from a start offset, and an empty file', async () => {
    const data = randomBytes(12_345);
    assert.equal(sha(await drain(new SftpReadStream(new FakeServer(data, 1000), HANDLE, 'f', { concurrency: 4 }))), sha(data));
    assert.equal(
      sha(await drain(new SftpReadStream(new FakeServer(data, 1000), HANDLE, 'f', { start: 5_000, sizeHint: data.length }))),
      sha(data.subarray(5_000)),
    );
    assert.equal((await drain(new SftpReadStream(new FakeServer(Buffer.alloc(0), 1000), HANDLE, 'f', { sizeHint: 0 }))).length, 0);
    assert.equal((await drain(new SftpReadStream(new FakeServer(data, 1000), HANDLE, 'f', { start: 99_999, sizeHint: data.length }))).length, 0);
  });

  it('a small file costs one small request, not a window of large buffers', async () => {
    const server = new FakeServer(randomBytes(10), 1000);
    await drain(new SftpReadStream(server, HANDLE, 'f', { sizeHint: 10, concurrency: 32 }));
    // One request for the 10 bytes, one probe to confirm the end.
    assert.equal(server.requests, 2);
    assert.ok(server.maxOutstandingBytes <= 1000);
  });

  it('stops requesting while the consumer does not read, and resumes when it does', async () => {
    const data = randomBytes(500_000);
    const server = new FakeServer(data, 1000);
    const stream = new SftpReadStream(server, HANDLE, 'f', { sizeHint: data.length, concurrency: 10 });
    // Trigger the first reads, then leave the stream unread.
    stream.once('readable', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const requestsWhilePaused = server.requests;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(server.requests, requestsWhilePaused, 'requests kept going out while nobody read');
    // Budget (10 x 1000) plus the stream's high-water mark (a quarter of it).
    assert.ok(stream.bytesRead <= 12_500, `buffered ${stream.bytesRead} bytes unread`);
    assert.ok(stream.bytesRead >= 1_000);
    stream.removeAllListeners('readable');
    assert.equal(sha(await drain(stream)), sha(data));
  });

  it('fails with the mapped error, closes the handle and sends nothing more', async () => {
    const data = randomBytes(100_000);
    const server = new FakeServer(data, 1000);
    server.failAt = { offset: 40_000, status: 3 };
    const stream = new SftpReadStream(server, HANDLE, 'secret.txt', { sizeHint: data.length, concurrency: 8 });
    await assert.rejects(drain(stream), (err: unknown) => {
      assert.ok(err instanceof FileBridgeError);
      assert.equal(err.code, 'PERMISSION_DENIED');
      assert.match(err.message, /secret\.txt/);
      return true;
    });
    assert.equal(server.closes, 1);
    const after = server.requests;
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.requests, after);
  });

  it('closes the handle once when the consumer destroys the stream early', async () => {
    const data = randomBytes(100_000);
    const server = new FakeServer(data, 1000);
    const stream = new SftpReadStream(server, HANDLE, 'f', { sizeHint: data.length });
    for await (const chunk of stream) {
      assert.ok((chunk as Buffer).length > 0);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(server.closes, 1);
    assert.ok(stream.destroyed);
  });
});

describe('SftpWriteStream (pipelined writes, against a scripted server)', () => {
  it('writes every byte at the right offset with several requests in flight', async () => {
    const data = randomBytes(300_001);
    const server = new FakeServer(Buffer.alloc(0), 1000);
    const target = new SftpWriteStream(server, HANDLE, 'f', { concurrency: 12 });
    // Odd chunk sizes so blocks straddle chunks.
    const chunks: Buffer[] = [];
    for (let at = 0; at < data.length;) {
      const size = 1 + Math.floor(Math.random() * 3000);
      chunks.push(data.subarray(at, at + size));
      at += size;
    }
    await pipeline(Readable.from(chunks), target);
    assert.equal(target.bytesWritten, data.length);
    assert.equal(sha(server.file), sha(data));
    assert.ok(server.maxOutstanding > 4, `expected pipelining, saw at most ${server.maxOutstanding} writes in flight`);
    assert.ok(server.maxOutstanding <= 12 + 3, `concurrency limit exceeded: ${server.maxOutstanding}`);
    assert.equal(server.closes, 1);
  });

  it('holds the writer back while the server has not acknowledged', async () => {
    const server = new FakeServer(Buffer.alloc(0), 1000);
    server.holding = true;
    const target = new SftpWriteStream(server, HANDLE, 'f', { concurrency: 4 });
    let accepted = 0;
    // The source's buffer is pinned because its default is Node's (16 KiB on Node 20, 64 KiB on
    // 22): it is the test's, not the writer's, and would otherwise move the bound with the runtime.
    const source = new Readable({
      highWaterMark: 16 * 1024,
      read() {
        this.push(Buffer.alloc(1000));
        accepted++;
      },
    });
    source.pipe(target);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.outstanding, 4);
    // What the writer took: 4 blocks in flight (the last one's callback held), at most one buffered.
    const taken = accepted - source.readableLength / 1000;
    assert.ok(taken <= 4 + 1, `the writer took ${taken} chunks while the server answered nothing`);
    // Plus the source's own 16 KiB.
    assert.ok(accepted <= 4 + 1 + 17, `source was read ${accepted} times while the server answered nothing`);
    source.unpipe(target);
    source.destroy();
    target.destroy();
  });

  it('reports a refused write, closes the handle and rejects the pipeline', async () => {
    const server = new FakeServer(Buffer.alloc(0), 1000);
    server.failAt = { offset: 50_000, status: 2 };
    const target = new SftpWriteStream(server, HANDLE, 'out.bin', { concurrency: 8 });
    await assert.rejects(pipeline(Readable.from([randomBytes(100_000)]), target), (err: unknown) => {
      assert.ok(err instanceof FileBridgeError);
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.message, /out\.bin/);
      return true;
    });
    assert.equal(server.closes, 1);
  });

  it('writes an empty source as an empty file and still closes', async () => {
    const server = new FakeServer(Buffer.alloc(0), 1000);
    const target = new SftpWriteStream(server, HANDLE, 'f');
    await pipeline(Readable.from([]), target);
    assert.equal(target.bytesWritten, 0);
    assert.equal(server.requests, 0);
    assert.equal(server.closes, 1);
  });

  it("passes a failing source's own error through", async () => {
    const server = new FakeServer(Buffer.alloc(0), 1000);
    const target = new SftpWriteStream(server, HANDLE, 'f');
    const source = new Readable({
      read() {
        this.destroy(new Error('disk on fire'));
      },
    });
    await assert.rejects(pipeline(source, target), /disk on fire/);
    assert.equal(server.closes, 1);
  });
});
