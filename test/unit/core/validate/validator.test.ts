import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { parseRules, type RuleSettings } from '../../../../src/core/validate/rules';
import { validateFile, type FileContext } from '../../../../src/core/validate/validator';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer | string): string => createHash('md5').update(data).digest('hex');

async function drain(stream: Readable): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { hash: hash.digest('hex'), bytes };
}

/** A stream that hands out `data` in small pieces, like a network read. */
function chunked(data: Buffer, size = 1000): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) parts.push(data.subarray(i, i + size));
  return Readable.from(parts);
}

describe('validate: all rules over one pass', () => {
  const everything: RuleSettings = {
    name: { pattern: 'ORD_(?<customer>[A-Z]+)_(?<n>\\d+)\\.csv' },
    extensions: { allowed: 'csv' },
    size: { min: '10', max: '1 MB' },
    nonEmpty: true,
    magic: true,
    checksum: { source: 'message', algorithm: 'sha256' },
    csv: { requiredColumns: 'sku, qty', columns: '{"qty": {"type": "integer"}}' },
  };
  const rules = parseRules(everything);
  const good = Buffer.from('sku,qty\nA-1,5\nB-2,7\n');

  it('a good Buffer passes every rule and is handed on as the same Buffer', async () => {
    const outcome = await validateFile(good, rules, { name: 'ORD_ACME_42.csv', sidecar: sha256(good) });
    assert.deepEqual(outcome.result, { valid: true, errors: [] });
    assert.deepEqual(outcome.fields, { customer: 'ACME', n: '42' });
    assert.equal(outcome.payload, good);
    assert.equal(outcome.size, good.length);
    assert.equal(outcome.sha256, sha256(good));
  });

  it('a bad file gets the full list of failures, one per broken rule', async () => {
    const bad = Buffer.from('\0\0binary');
    const outcome = await validateFile(bad, rules, { name: 'order.csv', sidecar: `${sha256(good)}  order.csv` });
    assert.equal(outcome.result.valid, false);
    assert.deepEqual([...new Set(outcome.result.errors.map((e) => e.rule))].sort(), ['checksum', 'csv', 'magic', 'name', 'size']);
    assert.equal(outcome.result.errors.filter((e) => e.rule === 'csv').length, 2, 'both missing columns are named');
    assert.ok(outcome.result.errors.every((e) => typeof e.reason === 'string' && e.reason.length > 10));
    assert.deepEqual(outcome.fields, {});
  });

  it('a known sha256 from the watch is used instead of computing one', async () => {
    const r = parseRules({ checksum: { source: 'message', algorithm: 'sha256' } });
    const told = await validateFile(good, r, { name: 'a.csv', sha256: sha256('something else'), sidecar: sha256(good) });
    assert.equal(told.result.valid, false);
    assert.equal(told.sha256, undefined);
    assert.match(told.result.errors[0].reason, /the file is damaged or incomplete/);
  });

  it('md5 side-cars and auto detection', async () => {
    const r = parseRules({ checksum: { source: 'message' } });
    assert.equal((await validateFile(good, r, { name: 'a.csv', sidecar: { md5: md5(good) } })).result.valid, true);
    assert.equal((await validateFile(good, r, { name: 'a.csv', sidecar: md5('x') })).result.valid, false);
    assert.match((await validateFile(good, r, { name: 'a.csv' })).result.errors[0].reason, /No side-car came with the message/);
  });

  it('a manifest in the message needs the folder it describes', async () => {
    const r = parseRules({ manifest: { source: 'message' } });
    await assert.rejects(
      validateFile(good, r, { name: 'a.csv', manifest: ['a.csv'] }),
      (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /msg\.filebridge\.source/.test(err.message),
    );
  });

  describe('stream payloads', () => {
    let spoolDir: string;
    beforeEach(async () => {
      spoolDir = await mkdtemp(join(tmpdir(), 'validate-spool-test-'));
    });
    afterEach(async () => {
      await rm(spoolDir, { recursive: true, force: true });
    });

    it('the next node gets the same bytes (sha256) and the temp file is gone once it is read', async () => {
      const rows = ['sku,qty'];
      for (let i = 0; i < 20_000; i++) rows.push(`SKU-${i},${i}`);
      const data = Buffer.from(rows.join('\n'));
      const r = parseRules({ ...everything, size: { max: '10 MB' } });
      const outcome = await validateFile(chunked(data, 777), r, { name: 'ORD_ACME_1.csv', sidecar: sha256(data) }, { spoolDir });
      assert.deepEqual(outcome.result.errors, []);
      assert.ok(outcome.payload instanceof Readable);
      const read = await drain(outcome.payload);
      assert.equal(read.bytes, data.length);
      assert.equal(read.hash, sha256(data));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await readdir(spoolDir), []);
    });

    it('an invalid stream is passed on too; destroying it unread removes the temp file', async () => {
      const data = randomBytes(50_000);
      const outcome = await validateFile(chunked(data), rules, { name: 'ORD_ACME_1.csv', sidecar: sha256(data) }, { spoolDir });
      assert.equal(outcome.result.valid, false);
      const stream = outcome.payload as Readable;
      stream.destroy();
      await new Promise((resolve) => stream.once('close', resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await readdir(spoolDir), []);
    });

    it('a stream that fails mid-way is an error (its own code kept), and leaves no temp file', async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000, 65));
          this.destroy(new FileBridgeError('CONNECTION', 'connection lost while reading /in/a.csv'));
        },
      });
      await assert.rejects(
        validateFile(failing, rules, { name: 'a.csv', sidecar: 'x' }, { spoolDir }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'CONNECTION',
      );
      const plain = new Readable({
        read() {
          this.destroy(new Error('EIO'));
        },
      });
      await assert.rejects(
        validateFile(plain, rules, { name: 'a.csv', sidecar: 'x' }, { spoolDir }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /payload stream failed/.test(err.message),
      );
      assert.deepEqual(await readdir(spoolDir), []);
    });

    it('with only name, extension and size rules and the size known from the source, the stream goes on unread and nothing is copied', async () => {
      const r = parseRules({
        name: { pattern: '(?<campaign>[A-Z0-9]+)_.+\\.mp4' },
        extensions: { allowed: 'mp4' },
        size: { max: '4 KB' },
        nonEmpty: true,
        magic: true,
      });
      const data = randomBytes(5000);
      const stream = chunked(data);
      const outcome = await validateFile(stream, r, { name: 'SPRING26_hero.mp4', size: data.length }, { spoolDir });
      assert.equal(outcome.payload, stream, 'the very stream that came in');
      assert.equal(stream.readableFlowing, null, 'not read');
      assert.deepEqual(outcome.fields, { campaign: 'SPRING26' });
      assert.deepEqual(
        outcome.result.errors.map((e) => e.rule),
        ['size'],
        'the size rule uses the known size',
      );
      assert.deepEqual(await readdir(spoolDir), []);
      assert.equal((await drain(stream)).hash, sha256(data));

      const unknownSize = chunked(data);
      const copied = await validateFile(unknownSize, r, { name: 'SPRING26_hero.mp4' }, { spoolDir });
      assert.notEqual(copied.payload, unknownSize, 'without a known size the bytes are counted on a copy');
      assert.equal((await drain(copied.payload as Readable)).hash, sha256(data));
      const withContentRule = chunked(data);
      const checked = await validateFile(withContentRule, parseRules({ magic: true }), { name: 'a.pdf', size: data.length }, { spoolDir });
      assert.deepEqual(
        checked.result.errors.map((e) => e.rule),
        ['magic'],
        'a content rule still reads the bytes',
      );
      assert.notEqual(checked.payload, withContentRule);
      (checked.payload as Readable).destroy();
    });

    it('an unusable temp folder is an INVALID_INPUT error naming it', async () => {
      await assert.rejects(
        validateFile(chunked(good), rules, { name: 'a.csv', sidecar: 'x' }, { spoolDir: join(spoolDir, 'missing') }),
        (err: unknown) => err instanceof FileBridgeError && err.code === 'INVALID_INPUT' && /temp folder/.test(err.message),
      );
    });

    it('a payload that is neither Buffer, string nor stream is refused', async () => {
      await assert.rejects(validateFile({ a: 1 }, rules, { name: 'a.csv' } as FileContext), /must be a Buffer, a string or a readable stream/);
    });

    it('a 200 MB stream validates with flat memory and arrives byte-exact', async function () {
      this.timeout(300_000);
      const SIZE = 200 * 1024 * 1024;
      const block = Buffer.alloc(64 * 1024);
      for (let i = 0; i < block.length; i++) block[i] = 0x61 + (i % 26);
      for (let i = 100; i < block.length; i += 100) block[i] = 0x0a;
      const make = function* (): Generator<Buffer> {
        for (let off = 0; off < SIZE; off += block.length) {
          const b = Buffer.from(block);
          // Every block differs (a reordered or repeated block changes the digest); all stays text.
          b.write(`${off.toString(16).padStart(8, '0')},`, 0, 'latin1');
          yield b;
        }
      };
      const expected = createHash('sha256');
      for (const b of make()) expected.update(b);
      const digest = expected.digest('hex');
      const r = parseRules({ magic: true, size: { max: '1 GB' }, checksum: { source: 'message', algorithm: 'sha256' }, csv: { header: false } });
      (globalThis as { gc?: () => void }).gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().rss);
      }, 20);
      let read: { hash: string; bytes: number };
      try {
        const outcome = await validateFile(Readable.from(make()), r, { name: 'big.csv', sidecar: digest }, { spoolDir });
        assert.deepEqual(outcome.result.errors, []);
        assert.equal(outcome.size, SIZE);
        read = await drain(outcome.payload as Readable);
      } finally {
        clearInterval(sampler);
      }
      const growthMb = (peak - baseline) / 1024 / 1024;
      console.log(`      200 MB validate + replay: RSS +${growthMb.toFixed(0)} MB over ${(baseline / 1024 / 1024).toFixed(0)} MB`);
      assert.ok(growthMb < 80, `RSS grew by ${growthMb.toFixed(0)} MB while validating 200 MB: something buffers the file`);
      assert.equal(read.bytes, SIZE);
      assert.equal(read.hash, digest);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(await readdir(spoolDir), []);
    });
  });
});
