/** The Content Server client's streaming multipart body: framing checked with a small parser, exact bytes, flat memory. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { multipartBody } from '../../../../src/core/content-server/multipart';

/** A deliberately small multipart reader for checking our own framing (headers and exact bytes). */
function parseMultipart(body: Buffer, boundary: string): { headers: string; content: Buffer }[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: { headers: string; content: Buffer }[] = [];
  let pos = body.indexOf(delimiter);
  assert.equal(pos, 0, 'body starts with the boundary');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') {
      assert.equal(body.subarray(pos + 2).toString(), '\r\n', 'nothing after the closing boundary');
      return parts;
    }
    assert.equal(body.subarray(pos, pos + 2).toString(), '\r\n');
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd);
    assert.ok(next > 0, 'part is terminated');
    parts.push({ headers: body.subarray(pos + 2, headerEnd).toString(), content: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('content-server: multipart bodies', () => {
  describe('streaming multipart body', () => {
    it('frames fields and the file so that a parser gets the exact bytes back', async () => {
      const content = Buffer.alloc(300_000);
      for (let i = 0; i < content.length; i++) content[i] = (i * 7919) % 256;
      // Include the delimiter's leading bytes in the content: framing must not depend on content.
      content.write('\r\n--', 1000, 'latin1');
      const mp = multipartBody(
        [
          ['type', '144'],
          ['body', '{"name":"ä \\"q\\""}'],
        ],
        {
          field: 'file',
          filename: 'a "b".bin',
          contentType: 'application/octet-stream',
          open: () => Readable.from([content.subarray(0, 1), content.subarray(1, 70_000), content.subarray(70_000)]),
        },
      );
      assert.match(mp.contentType, /^multipart\/form-data; boundary=----FileBridge[0-9a-f]{32}$/);
      let counted = 0;
      const raw = await readAll(mp.stream({ onChunk: (n) => (counted += n) }));
      const parts = parseMultipart(raw, mp.boundary);
      assert.equal(parts.length, 3);
      assert.equal(parts[0].headers, 'Content-Disposition: form-data; name="type"');
      assert.equal(parts[0].content.toString(), '144');
      assert.equal(parts[1].content.toString(), '{"name":"ä \\"q\\""}');
      assert.equal(parts[2].headers, 'Content-Disposition: form-data; name="file"; filename="a %22b%22.bin"\r\nContent-Type: application/octet-stream');
      assert.ok(parts[2].content.equals(content), 'file bytes are exact');
      assert.equal(counted, content.length);
    });

    it('opens the source anew for each body (a retry re-reads the file)', async () => {
      let opened = 0;
      const mp = multipartBody([], { field: 'file', filename: 'x', contentType: 'text/plain', open: () => (opened++, Readable.from([Buffer.from('abc')])) });
      const a = await readAll(mp.stream());
      const b = await readAll(mp.stream());
      assert.ok(a.equals(b));
      assert.equal(opened, 2);
    });

    it('reports a failing source through onSourceError', async () => {
      const mp = multipartBody([], {
        field: 'file',
        filename: 'x',
        contentType: 'text/plain',
        open: () =>
          new Readable({
            read() {
              this.destroy(new Error('disk gone'));
            },
          }),
      });
      let seen: unknown;
      await assert.rejects(readAll(mp.stream({ onSourceError: (e) => (seen = e) })), /disk gone/);
      assert.match(String(seen), /disk gone/);
    });

    it('reads the source only as fast as the body is read, and stops it when the body is destroyed', async () => {
      let produced = 0;
      let destroyed = false;
      const mp = multipartBody([], {
        field: 'file',
        filename: 'x',
        contentType: 'application/octet-stream',
        open: () =>
          new Readable({
            read() {
              produced += 1;
              this.push(Buffer.alloc(16 * 1024, 1));
            },
            destroy(err, cb) {
              destroyed = true;
              cb(err);
            },
          }),
      });
      const body = mp.stream();
      body.read(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Nothing reads the body: the source stops once the body's buffer is full, a few chunks in.
      const stalled = produced;
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(produced, stalled);
      assert.ok(produced < 16, `${produced} chunks read with nothing consuming them`);
      body.destroy();
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(destroyed, 'the source is destroyed with the body');
    });

    it('streams a 200 MB source of unknown length with flat memory', async () => {
      const total = 200 * 1024 * 1024;
      const chunk = Buffer.alloc(64 * 1024, 7);
      let produced = 0;
      const mp = multipartBody([['type', '144']], {
        field: 'file',
        filename: 'big.bin',
        contentType: 'application/octet-stream',
        open: () =>
          new Readable({
            read() {
              if (produced >= total) return void this.push(null);
              produced += chunk.length;
              this.push(Buffer.from(chunk));
            },
          }),
      });
      const hash = createHash('sha256');
      const before = process.memoryUsage().rss;
      let peak = before;
      let bytes = 0;
      let i = 0;
      for await (const value of mp.stream()) {
        bytes += (value as Buffer).byteLength;
        hash.update(value as Buffer);
        if (i++ % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.ok(bytes > total);
      assert.equal(produced, total);
      assert.ok(peak - before < 64 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1e6)} MB`);
    });
  });
});
