/**
 * The multipart parser against every way a body can be cut into chunks: a delimiter split across
 * chunks must neither leak into the file nor be missed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readForm, formParams } from '../../../../../dev/sim/content-server/forms';

function fakeRequest(body: Buffer, chunkSize: number, contentType: string): IncomingMessage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  const stream = Readable.from(chunks);
  return Object.assign(stream, { headers: { 'content-type': contentType, 'content-length': String(body.length) } }) as unknown as IncomingMessage;
}

describe('Content Server simulator form parsing', function () {
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'cs-sim-forms-'));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  const boundary = 'XyZ-boundary-123';
  const file = Buffer.concat([Buffer.from('start\r\n--XyZ-boundary-12 not quite\r\n'), Buffer.alloc(3000, 0x41), Buffer.from('\r\n-end')]);
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nGröße.pdf\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n{"name":"fromBody","parent_id":2000}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a \\"q\\".bin"\r\nContent-Type: application/pdf\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\nepilogue`),
  ]);

  for (const size of [1, 2, 3, 7, 17, 64, 1000, 100000]) {
    it(`parses a body delivered in ${size}-byte chunks`, async function () {
      const form = await readForm(fakeRequest(body, size, `multipart/form-data; boundary=${boundary}`), { tmpDir: dir });
      assert.deepEqual(form.fields.get('name'), ['Größe.pdf']);
      const params = formParams(form);
      assert.equal(params.name, 'fromBody', 'body wins over flat fields');
      assert.equal(params.parent_id, 2000);
      assert.equal(form.files.length, 1);
      const f = form.files[0];
      assert.ok(f);
      assert.equal(f.filename, 'a "q".bin');
      assert.equal(f.contentType, 'application/pdf');
      assert.equal(f.size, file.length);
      assert.equal(f.sha256, createHash('sha256').update(file).digest('hex'));
      assert.deepEqual(readFileSync(f.path), file);
      rmSync(f.path);
    });
  }

  it('refuses a body without its closing boundary and leaves no file behind', async function () {
    const cut = body.subarray(0, body.length - 30);
    await assert.rejects(readForm(fakeRequest(cut, 100, `multipart/form-data; boundary=${boundary}`), { tmpDir: dir }), /closing boundary/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('repeats keys of urlencoded forms and refuses JSON', async function () {
    const form = await readForm(fakeRequest(Buffer.from('where_type=0&where_type=144&x=%20y'), 5, 'application/x-www-form-urlencoded'), { tmpDir: dir });
    assert.deepEqual(form.fields.get('where_type'), ['0', '144']);
    assert.deepEqual(formParams(form).x, ' y');
    await assert.rejects(
      readForm(fakeRequest(Buffer.from('{}'), 5, 'application/json'), { tmpDir: dir }),
      (err: Error & { status?: number }) => err.status === 400,
    );
  });
});
