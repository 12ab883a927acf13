/**
 * The streaming multipart parser (body.ts) over a real socket: boundaries split at every byte
 * position, preamble and transport padding, filename* (RFC 5987) over filename, the size limit on
 * non-file parts, truncated bodies (nothing stored).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { dispositionOf } from '../../../../../dev/sim/file360/body';
import { call, freshFolder, resultsOf, useFile360Sim } from '../../../../support/file360-sim';

describe('File 360 simulator: multipart bodies', function () {
  const used = useFile360Sim();

  /** Sends `body` in chunks of `size` bytes, each written after the previous one has been flushed. */
  function send(body: Buffer, size: number, boundary = 'b0undary'): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${used.sim.url}/api/v3/documents?collisionStrategy=overwrite`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': `multipart/form-data; boundary="${boundary}"` },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      let at = 0;
      const next = (): void => {
        if (at >= body.length) return void req.end();
        const piece = body.subarray(at, at + size);
        at += size;
        if (req.write(piece)) setImmediate(next);
        else req.once('drain', next);
      };
      next();
    });
  }

  const body = (parentId: string, name: string, content: Buffer, extra = ''): Buffer =>
    Buffer.concat([
      Buffer.from(
        `preamble to ignore\r\n--b0undary  \r\nContent-Disposition: form-data; name="parentId"\r\n\r\n${parentId}\r\n--b0undary\r\n${extra}Content-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      content,
      Buffer.from('\r\n--b0undary--\r\n'),
    ]);

  it('reads the same bytes whatever the chunking, including content that nearly contains the delimiter', async function () {
    const folder = await freshFolder(used);
    // RFC 2046 §5.1.1: a delimiter is CRLF "--" boundary; a part never contains one, but may contain pieces of it.
    const content = Buffer.from('line1\r\n--b0undar\r\nx--b0undary is no delimiter without CRLF\r\n\r\n--\r\n\r\n-end');
    for (const size of [1, 2, 3, 7, 11, 64, 100000]) {
      const a = await send(body(folder, `c${size}.bin`, content), size);
      assert.equal(a.status, 201, `${size}: ${a.text}`);
      const doc = JSON.parse(a.text) as { id: string; size: number };
      assert.equal(doc.size, content.length);
      const got = await fetch(`${used.sim.url}/api/v1/documents/${doc.id}/content`, { headers: { Authorization: `Bearer ${used.token}` } });
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), content, `chunks of ${size}`);
    }
  });

  it('takes filename* (RFC 5987) over filename', async function () {
    const folder = await freshFolder(used);
    const raw = Buffer.concat([
      Buffer.from(
        `--b0undary\r\nContent-Disposition: form-data; name="parentId"\r\n\r\n${folder}\r\n--b0undary\r\nContent-Disposition: form-data; name="file"; filename="fallback.txt"; filename*=UTF-8''%C3%9Cbersicht%20%E2%82%AC.txt\r\n\r\nx\r\n--b0undary--\r\n`,
      ),
    ]);
    const a = await send(raw, 1000);
    assert.equal(a.status, 201, a.text);
    assert.equal((JSON.parse(a.text) as { name: string }).name, 'Übersicht €.txt');
  });

  it('refuses a parentId part over 8 KiB, a body without its closing boundary, and a missing boundary, storing nothing', async function () {
    const folder = await freshFolder(used);
    const huge = Buffer.from(`--b0undary\r\nContent-Disposition: form-data; name="parentId"\r\n\r\n${'1'.repeat(9000)}\r\n--b0undary--\r\n`);
    const a = await send(huge, 4096);
    assert.equal(a.status, 400);
    assert.match(a.text, /larger than 8192 bytes/);
    const cut = body(folder, 'cut.txt', Buffer.from('abc'));
    const b = await send(cut.subarray(0, cut.length - 14), 1000);
    assert.equal(b.status, 400);
    assert.match(b.text, /closing boundary/);
    const noBoundary = await fetch(`${used.sim.url}/api/v3/documents?collisionStrategy=fail`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${used.token}`, 'Content-Type': 'multipart/form-data' },
      body: 'x',
    });
    assert.equal(noBoundary.status, 400);
    assert.equal(resultsOf(await call(used.sim, 'GET', `/api/v1/folders/${folder}/children`, { token: used.token })).length, 0);
  });

  it('parses Content-Disposition parameters: quoted, escaped, WHATWG %22, filename*', function () {
    assert.deepEqual(dispositionOf('form-data; name="file"; filename="a%22b.txt"'), { name: 'file', filename: 'a"b.txt' });
    assert.deepEqual(dispositionOf('form-data; name=file; filename="a\\"b.txt"'), { name: 'file', filename: 'a"b.txt' });
    assert.equal(dispositionOf(`form-data; name="file"; filename*=utf-8''%E2%82%AC; filename="e.txt"`).filename, '€');
    assert.throws(() => dispositionOf('attachment; name="file"'));
    assert.throws(() => dispositionOf(`form-data; name="file"; filename*=iso-8859-1''%E4`));
  });
});
