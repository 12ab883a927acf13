import { strict as assert } from 'node:assert';
import { createHash, type Hash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { partnerFormatFromConfig, type PartnerFormatFields } from '../../../../src/core/records/partner-format';
import { readRecordBatches } from '../../../../src/core/records/record-reader';
import { formatRecords } from '../../../../src/core/records/record-writer';
import { retainedBytes, rssSampler } from '../../../support/memory';

const MiB = 1024 * 1024;
const ROWS = 1_000_000;
/** Peak RSS above the level before the run: far below the file's 200 MB, so neither the file nor its records are held. */
const RSS_BOUND = 96 * MiB;
/** Memory still referenced after a collection, above the level before the read, sampled as it goes. */
const RETAINED_BOUND = 32 * MiB;

/** A German partner's catalogue: windows-1252, semicolons, decimal commas, dd.MM.yyyy dates, J/N. */
const FIELDS: Partial<PartnerFormatFields> = {
  name: 'Katalog',
  kind: 'csv',
  delimiter: ';',
  encoding: 'windows-1252',
  decimalSeparator: ',',
  columns: [
    { field: 'sku', header: 'Artikel', type: 'string', format: '', required: true },
    { field: 'name', header: 'Bezeichnung', type: 'string', format: '', required: true },
    { field: 'price.amount', header: 'Preis', type: 'number', format: '2', required: true },
    { field: 'quantity', header: 'Menge', type: 'integer', format: '', required: false },
    { field: 'validFrom', header: 'Gültig ab', type: 'date', format: 'dd.MM.yyyy', required: false },
    { field: 'active', header: 'Aktiv', type: 'boolean', format: 'J/N', required: false },
    { field: 'note', header: 'Notiz', type: 'string', format: '', required: false },
  ],
};

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Row `i` (1-based) as the internal record the reader must give. */
function expectedRecord(i: number): Record<string, unknown> {
  const quoted = i % 10 === 0;
  const day = 1 + (i % 28);
  const month = 1 + (i % 12);
  const year = 2020 + (i % 7);
  return {
    sku: `SKU-${pad(i, 7)}`,
    name: quoted ? `Stuhl ${i}; Größe "L"` : `Stuhl ${i} Größe M`,
    price: { amount: (i % 100_000) / 100 },
    quantity: i % 1000,
    validFrom: `${year}-${pad(month, 2)}-${pad(day, 2)}`,
    active: i % 3 === 0,
    note: `Preis in € – Zeile ${i} `.padEnd(141, 'x'),
  };
}

/**
 * Row `i` as the partner's bytes, written independently of the code under test: windows-1252 text
 * spelled as latin1 with € as byte 0x80 and – as 0x96 (and ö, ß as themselves).
 */
function rowBytes(i: number): string {
  const r = expectedRecord(i);
  const name = i % 10 === 0 ? `"${String(r.name).replace(/"/g, '""')}"` : String(r.name);
  const [y, m, d] = String(r.validFrom).split('-');
  const price = ((i % 100_000) / 100).toFixed(2).replace('.', ',');
  const text = `${String(r.sku)};${name};${price};${i % 1000};${d}.${m}.${y};${r.active ? 'J' : 'N'};${String(r.note)}\r\n`;
  return text.replace(/€/g, '\x80').replace(/–/g, '\x96');
}

const HEADER = 'Artikel;Bezeichnung;Preis;Menge;G\xfcltig ab;Aktiv;Notiz\r\n';

/** The whole file, made as it is read (250 rows, about 50 KB, a chunk: a file read stream gives 64 KiB), hashed on the way. */
function generatedCsv(hash: Hash): { stream: Readable; size: () => number } {
  let next = 1;
  let size = 0;
  const stream = new Readable({
    read() {
      if (next > ROWS) return void this.push(null);
      let text = next === 1 ? HEADER : '';
      for (const end = Math.min(ROWS, next + 249); next <= end; next++) text += rowBytes(next);
      const chunk = Buffer.from(text, 'latin1');
      hash.update(chunk);
      size += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, size: () => size };
}

function hashingSink(hash: Hash): { sink: Writable; size: () => number } {
  let size = 0;
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback();
    },
  });
  return { sink, size: () => size };
}

describe('records: a 200 MB partner CSV of 1,000,000 rows read and written with flat memory [volume]', function () {
  this.timeout(600_000);
  const format = partnerFormatFromConfig(FIELDS);
  let fileSha = '';
  let fileSize = 0;

  it('reads every record, converted, in batches: exact count and checksum, memory held bounded (RSS reported)', async () => {
    const fileHash = createHash('sha256');
    const { stream, size } = generatedCsv(fileHash);
    const got = createHash('sha256');
    const want = createHash('sha256');
    let count = 0;
    let batches = 0;
    const retainedBefore = await retainedBytes();
    let retainedPeak = 0;
    const rss = rssSampler();
    for await (const batch of readRecordBatches(stream, format, { batchSize: 500 })) {
      // Every 100,000 records: what the reader holds now, after a collection.
      if (batch.index % 200 === 100) retainedPeak = Math.max(retainedPeak, (await retainedBytes()) - retainedBefore);
      assert.equal(batch.index, batches++);
      assert.equal(batch.first, count + 1);
      for (const record of batch.records) {
        count++;
        got.update(JSON.stringify(record));
        want.update(JSON.stringify(expectedRecord(count)));
      }
    }
    const grew = rss.stop();
    fileSha = fileHash.digest('hex');
    fileSize = size();
    console.log(
      `      read ${(fileSize / MiB).toFixed(1)} MiB, ${count} records: held after a collection at most +${(retainedPeak / MiB).toFixed(1)} MiB; peak RSS +${(grew / MiB).toFixed(1)} MiB`,
    );
    assert.ok(fileSize > 200 * 1000 * 1000, `the file is about 200 MB (${fileSize} bytes)`);
    assert.equal(count, ROWS);
    assert.equal(batches, ROWS / 500);
    assert.equal(got.digest('hex'), want.digest('hex'), 'every record as expected');
    assert.ok(retainedPeak < RETAINED_BOUND, `the reader held ${(retainedPeak / MiB).toFixed(1)} MiB after a collection`);
  });

  it('writes 1,000,000 records in the partner format byte for byte, pulling batches lazily, peak RSS bounded', async () => {
    assert.ok(fileSha, 'the read test ran and hashed the partner file');
    let made = 0;
    async function* batches(): AsyncGenerator<Record<string, unknown>[]> {
      while (made < ROWS) {
        const batch: Record<string, unknown>[] = [];
        for (let i = 0; i < 500; i++) batch.push(expectedRecord(++made));
        yield batch;
      }
    }
    const hash = createHash('sha256');
    const { sink, size } = hashingSink(hash);
    const rss = rssSampler();
    await pipeline(formatRecords(batches(), format), sink);
    const grew = rss.stop();
    console.log(`      wrote ${(size() / MiB).toFixed(1)} MiB, ${made} records: peak RSS +${(grew / MiB).toFixed(1)} MiB`);
    assert.equal(made, ROWS);
    assert.equal(size(), fileSize);
    assert.equal(hash.digest('hex'), fileSha, 'the written file is the partner file, byte for byte');
    assert.ok(grew < RSS_BOUND, `peak RSS grew by ${(grew / MiB).toFixed(1)} MiB`);
  });
});
