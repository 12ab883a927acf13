/** The upload body: exact multipart bytes, its Content-Length, size checks, and replay of a one-shot stream. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { multipartLayout, multipartStream, UploadSource } from '../../../../src/core/file360/multipart';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function* bytes(...chunks: string[]): AsyncGenerator<Buffer> {
  for (const c of chunks) yield Buffer.from(c, 'utf8');
}

describe('file360: multipart upload body', () => {
  it('has the exact byte layout, and Content-Length equals the bytes sent', async () => {
    const layout = multipartLayout('2599466250228733940', 'Rechnung März.pdf', 11, 'BOUNDARY');
    const body = await collect(multipartStream(layout, bytes('hello', ' world'), 11));
    const expected =
      '--BOUNDARY\r\nContent-Disposition: form-data; name="parentId"\r\n\r\n2599466250228733940\r\n' +
      '--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="Rechnung März.pdf"\r\n' +
      'Content-Type: application/octet-stream\r\n\r\nhello world\r\n--BOUNDARY--\r\n';
    assert.equal(body.toString('utf8'), expected);
    assert.equal(layout.contentLength, Buffer.byteLength(expected, 'utf8'));
    assert.equal(layout.contentLength, body.length);
    assert.equal(layout.contentType, 'multipart/form-data; boundary=BOUNDARY');
    assert.equal(multipartLayout('1', 'a', undefined).contentLength, undefined, 'unknown size: no Content-Length (chunked)');
  });

  it('a name cannot break out of its header: quote, CR and LF are percent-encoded', async () => {
    const layout = multipartLayout('1', 'a"\r\nContent-Type: text/html; x="', 0, 'B');
    const head = layout.head.toString('utf8');
    assert.match(head, /filename="a%22%0D%0AContent-Type: text\/html; x=%22"\r\n/);
    assert.equal(head.split('\r\n').filter((l) => l.startsWith('Content-Type')).length, 1);
  });

  it('a source longer or shorter than its size fails with INVALID_INPUT before the closing boundary', async () => {
    for (const [chunks, size] of [[['12345', '6'], 5] as const, [['123'], 5] as const]) {
      const stream = multipartStream(multipartLayout('1', 'a', size, 'B'), bytes(...chunks), size);
      const seen: Buffer[] = [];
      await assert.rejects(
        (async () => {
          for await (const c of stream) seen.push(c as Buffer);
        })(),
        (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT',
      );
      assert.ok(!Buffer.concat(seen).toString().includes('--B--'), 'the body never ends as a valid form');
    }
  });

  it('streams: the body is pulled as it is read, never the whole source at once', async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced++;
        this.push(produced > 1000 ? null : Buffer.alloc(64 * 1024));
      },
    });
    const stream = multipartStream(multipartLayout('1', 'a', undefined, 'B'), new UploadSource(source).chunks(), undefined);
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    assert.ok(first.length > 0);
    stream.pause();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(produced < 40, `produced ${produced} chunks of 64 KiB before anyone read them`);
    stream.destroy();
  });

  it('a one-shot stream replays from the start while within the kept bound, and not after', async () => {
    const source = Readable.from([Buffer.from('abc'), Buffer.from('def'), Buffer.from('ghi')]);
    const up = new UploadSource(source, 6);
    const first = up.chunks();
    assert.equal((await first.next()).value?.toString(), 'abc');
    await first.return(undefined);
    assert.ok(up.replayable);
    const again: string[] = [];
    for await (const c of up.chunks()) again.push(c.toString());
    assert.deepEqual(again, ['abc', 'def', 'ghi'], 'the second attempt sends every byte, in order');
    assert.equal(up.replayable, false, 'past 6 bytes kept it cannot be sent again');
    await assert.rejects(up.chunks().next(), (e: unknown) => e instanceof FileBridgeError);
  });

  it('a factory source opens the file anew for every attempt', async () => {
    let opened = 0;
    const up = new UploadSource(() => {
      opened++;
      return Readable.from([Buffer.from('xyz')]);
    }, 0);
    for (let i = 0; i < 2; i++) {
      const got: string[] = [];
      for await (const c of up.chunks()) got.push(c.toString());
      assert.deepEqual(got, ['xyz']);
    }
    assert.equal(opened, 2);
    assert.ok(up.replayable);
  });

  it('a source that fails reading is INVALID_INPUT (not a network failure to retry)', async () => {
    const broken = new Readable({
      read() {
        this.destroy(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
      },
    });
    const stream = multipartStream(multipartLayout('1', 'a', undefined, 'B'), new UploadSource(broken).chunks(), undefined);
    await assert.rejects(collect(stream), (e: unknown) => e instanceof FileBridgeError && e.code === 'INVALID_INPUT' && /permission denied/.test(e.message));
  });
});
