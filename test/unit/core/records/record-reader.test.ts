import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { FileBridgeError } from '../../../../src/core/errors';
import { partnerFormatFromConfig, type PartnerColumnFields, type PartnerFormatFields } from '../../../../src/core/records/partner-format';
import { readRecordBatches, type RecordBatch } from '../../../../src/core/records/record-reader';
import { expectCode } from '../../../support/expect-code';

/** The bytes as a stream of `chunk`-byte pieces (1 splits every character across chunks). */
function source(data: Buffer | string, chunk = 64 * 1024): Readable {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  return Readable.from(pieces, { objectMode: false });
}

async function batches(data: Buffer | string, fields: Partial<PartnerFormatFields>, batchSize = 1000, chunk?: number): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const batch of readRecordBatches(source(data, chunk), partnerFormatFromConfig(fields), { batchSize })) out.push(batch);
  return out;
}

async function records(data: Buffer | string, fields: Partial<PartnerFormatFields>, chunk?: number): Promise<Record<string, unknown>[]> {
  return (await batches(data, fields, 1000, chunk)).flatMap((b) => b.records);
}

const col = (field: string, header: string, type: PartnerColumnFields['type'] = 'string', format = '', required = false): PartnerColumnFields => ({
  field,
  header,
  type,
  format,
  required,
});

async function failure(data: Buffer | string, fields: Partial<PartnerFormatFields>, message: RegExp): Promise<FileBridgeError> {
  return expectCode(records(data, fields), 'INVALID_INPUT', message);
}

describe('records: reading partner files', () => {
  describe('CSV', () => {
    it('reads every column by its header name as text when the format lists no columns', async () => {
      assert.deepEqual(await records('sku,name\r\nA-1,Chair\r\nA-2,Table\r\n', {}), [
        { sku: 'A-1', name: 'Chair' },
        { sku: 'A-2', name: 'Table' },
      ]);
    });

    it('honours the delimiter and quote: quoted delimiters, line breaks and doubled quotes', async () => {
      const csv = "sku;name;note\n'A;1';'Chair ''Lux''';'two\nlines'\nB;Table;\n";
      assert.deepEqual(await records(csv, { delimiter: ';', quote: "'" }), [
        { sku: 'A;1', name: "Chair 'Lux'", note: 'two\nlines' },
        { sku: 'B', name: 'Table', note: '' },
      ]);
      assert.deepEqual(await records('a\tb\n1\t2\n', { delimiter: '\\t' }), [{ a: '1', b: '2' }]);
    });

    it('reads files without a header: columns by position, or numbered when none are listed', async () => {
      assert.deepEqual(await records('A-1,9.5\n', { header: false }), [{ '1': 'A-1', '2': '9.5' }]);
      assert.deepEqual(await records('A-1,9.5\n', { header: false, columns: [col('sku', 'SKU'), col('price', 'Price', 'number')] }), [
        { sku: 'A-1', price: 9.5 },
      ]);
    });

    it('strips a UTF-8 byte order mark, also when it arrives one byte at a time', async () => {
      const csv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('sku,name\nA,Stühle\n')]);
      assert.deepEqual(await records(csv, {}, 1), [{ sku: 'A', name: 'Stühle' }]);
    });

    it('reads utf16le (with its BOM), latin1 and windows-1252, characters split across chunks', async () => {
      const text = 'sku,name\nA,Größe 5 € “x”\n';
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      assert.deepEqual(await records(utf16, { encoding: 'utf16le' }, 1), [{ sku: 'A', name: 'Größe 5 € “x”' }]);
      assert.deepEqual(await records(utf16, { encoding: 'utf16le' }, 3), [{ sku: 'A', name: 'Größe 5 € “x”' }]);
      // latin1 (ISO-8859-1): 0xE4 is ä, 0x80 is the C1 control U+0080, not the euro sign.
      assert.deepEqual(await records(Buffer.from([...Buffer.from('sku,name\nA,'), 0xe4, 0x80, 0x0a]), { encoding: 'latin1' }), [{ sku: 'A', name: 'ä\u0080' }]);
      // windows-1252: 0x80 is €, 0x93/0x94 typographic quotes, 0xFC ü.
      assert.deepEqual(await records(Buffer.from([...Buffer.from('sku,name\nA,'), 0x80, 0x93, 0xfc, 0x94, 0x0a]), { encoding: 'windows-1252' }), [
        { sku: 'A', name: '€“ü”' },
      ]);
      const utf8 = Buffer.from('sku,name\nA,€ and 😀\n');
      assert.deepEqual(await records(utf8, {}, 1), [{ sku: 'A', name: '€ and 😀' }]);
    });

    it('converts the partner columns to internal fields and types', async () => {
      const csv = 'Artikel;Preis;Menge;Gültig ab;Geändert;Aktiv;Extra\nA-1;1.234,50;3;02.11.2026;02.11.2026 10:15;J;x\nA-2;-0,5;0;;;N;y\n';
      const columns = [
        col('sku', 'Artikel', 'string', '', true),
        col('price.amount', 'Preis', 'number', '2', true),
        col('quantity', 'Menge', 'integer'),
        col('validFrom', 'Gültig ab', 'date', 'dd.MM.yyyy'),
        col('changedAt', 'Geändert', 'date', 'dd.MM.yyyy HH:mm'),
        col('active', 'Aktiv', 'boolean', 'J/N'),
      ];
      const fields = { delimiter: ';', decimalSeparator: ',' as const, columns };
      assert.deepEqual(await records(csv, fields), [
        { sku: 'A-1', price: { amount: 1234.5 }, quantity: 3, validFrom: '2026-11-02', changedAt: '2026-11-02T10:15:00', active: true },
        { sku: 'A-2', price: { amount: -0.5 }, quantity: 0, active: false },
      ]);
      assert.deepEqual((await records(csv, { ...fields, unknownColumns: 'keep' }))[1].Extra, 'y', 'keep: unknown columns as text under their header name');
      await failure(
        csv,
        { ...fields, unknownColumns: 'fail' },
        /The header \(line 1\) has column "Extra" that the csv format does not know: add it to its columns, or set "Unknown columns" to drop/,
      );
    });

    it('reads ISO dates as written and checks them', async () => {
      assert.deepEqual(await records('d\n2026-11-02T10:15:00Z\n', { columns: [col('d', 'd', 'date', 'iso')] }), [{ d: '2026-11-02T10:15:00Z' }]);
      await failure('d\n02.11.2026\n', { columns: [col('d', 'd', 'date', 'iso')] }, /Record 1 \(line 2\), column "d": "02.11.2026" is not an ISO 8601 date/);
    });

    it('hands out batches of batchSize with their index and first record number', async () => {
      const rows = Array.from({ length: 5 }, (_, i) => `r${i + 1}`).join('\n');
      const out = await batches(`id\n${rows}\n`, {}, 2);
      assert.deepEqual(
        out.map((b) => [b.index, b.first, b.records.map((r) => r.id)]),
        [
          [0, 1, ['r1', 'r2']],
          [1, 3, ['r3', 'r4']],
          [2, 5, ['r5']],
        ],
      );
      assert.deepEqual(await batches('id\n', {}, 2), [], 'a header without records is no batch');
      assert.deepEqual(await batches('', {}, 2), [], 'an empty file without required columns is no batch');
    });

    it('names record, line and column of a bad value, and what to do', async () => {
      const fields = {
        delimiter: ';',
        decimalSeparator: ',' as const,
        name: 'ACME',
        columns: [col('sku', 'SKU', 'string', '', true), col('price', 'Preis', 'number')],
      };
      const err = await failure(
        'SKU;Preis\nA;1,5\nB;12,5x\n',
        fields,
        /^Record 2 \(line 3\), column "Preis": "12,5x" is not a number \(decimal separator ","\)\. Correct the file, or change partner format "ACME" to match it/,
      );
      assert.deepEqual(err.details, { reason: 'RECORD', record: 2, line: 3, column: 'Preis', field: 'price', value: '"12,5x"' });
      await failure('SKU;Preis\nA;1.5\n', fields, /Record 1 \(line 2\), column "Preis": "1.5" is not a number/);
      await failure('SKU;Preis\n;1\n', fields, /Record 1 \(line 2\), column "SKU": a value is required and the column is empty/);
      await failure('n\n1.5\n', { columns: [col('n', 'n', 'integer')] }, /Record 1 \(line 2\), column "n": "1.5" is not a whole number/);
      await failure('d\n31.02.2026\n', { columns: [col('d', 'd', 'date', 'dd.MM.yyyy')] }, /column "d": "31.02.2026" is not a date in the format dd.MM.yyyy/);
      await failure('b\nmaybe\n', { columns: [col('b', 'b', 'boolean', 'J/N')] }, /column "b": "maybe" is not a yes\/no value \(J\/N, true\/false/);
    });

    it('hands out every batch before the bad record, even when all arrived in one chunk', async () => {
      const seen: number[] = [];
      const rows = ['1', '2', '3', '4', 'x', '6'].join('\n');
      const reading = (async () => {
        for await (const batch of readRecordBatches(source(`n\n${rows}\n`), partnerFormatFromConfig({ columns: [col('n', 'n', 'integer')] }), { batchSize: 2 }))
          seen.push(...batch.records.map((r) => r.n as number));
      })();
      const err = await expectCode(reading, 'INVALID_INPUT', /^Record 5 \(line 6\), column "n": "x" is not a number/);
      assert.deepEqual(seen, [1, 2, 3, 4]);
      assert.equal(err.details.record, 5);
      const structural = (async () => {
        seen.length = 0;
        for await (const batch of readRecordBatches(source('a,b\n1,2\n3,4\n5,6\n7\n'), partnerFormatFromConfig({}), { batchSize: 2 }))
          seen.push(batch.records.length);
      })();
      await expectCode(structural, 'INVALID_INPUT', /^Record 4 \(line 5\): the record has 1 columns where the header has 2/);
      assert.deepEqual(seen, [2], 'the batch of records 1-2 was handed out; record 3 waits with the bad record 4');
    });

    it('names the missing required columns and duplicate columns of the header', async () => {
      const fields = { columns: [col('sku', 'SKU', 'string', '', true), col('name', 'Name', 'string', '', true), col('x', 'X')] };
      const err = await failure(
        'Sku,Price\n1,2\n',
        fields,
        /The header \(line 1\) lacks the required columns "SKU", "Name" \(found: Sku, Price\)\. Ask the partner for the column/,
      );
      assert.deepEqual(err.details.missing, ['SKU', 'Name']);
      await failure('SKU,SKU\n1,2\n', {}, /names the column "SKU" twice/);
      await failure('', fields, /The file is empty: .* expects a header row/);
    });

    it('refuses extra positional columns when unknown columns fail', async () => {
      await failure(
        'A,1,x\n',
        { header: false, unknownColumns: 'fail', columns: [col('sku', 'SKU'), col('n', 'N')] },
        /Record 1 \(line 1\), column "3": the record has 3 columns/,
      );
    });

    it('is strict about structure: ragged rows, quotes, record size', async () => {
      await failure('a,b\n1,2\n3\n', {}, /Record 2 \(line 3\): the record has 1 columns where the header has 2 \(is the delimiter "," right/);
      await failure('a,b\n1,"2\n', {}, /Record 1 \(line 2\): a quoted value is not closed before the end of the file/);
      await failure('a,b\n1,"2"x\n', {}, /Record 1 \(line 2\): a quote " is misplaced/);
      const err = await failure(
        `a\n${'x'.repeat(100)}\n`,
        { maxRecordBytes: 64 },
        /Record 1 \(line 2\): the record is longer than 64 characters, the record-size limit \(raise "Max record size"/,
      );
      assert.equal(err.details.maxRecordBytes, 64);
    });

    it('refuses bytes that are not the configured encoding, naming the encoding to choose', async () => {
      const err = await failure(
        Buffer.from([...Buffer.from('a\n'), 0xe4, 0x0a]),
        { name: 'ACME' },
        /not valid UTF-8 \(near byte 2\): set the encoding of partner format "ACME"/,
      );
      assert.equal(err.details.byte, 2);
      await failure(Buffer.from([0xff, 0xfe, 0x61, 0x00]), {}, /UTF-16 byte order mark but the csv format says utf8: set its encoding to utf16le/);
      await failure(
        Buffer.from([0xef, 0xbb, 0xbf, 0x61]),
        { encoding: 'latin1' },
        /UTF-8 byte order mark but the csv format says latin1: set its encoding to utf8/,
      );
    });
  });

  describe('JSON array', () => {
    it('reads the records of an array, split anywhere across chunks', async () => {
      const json = ' \n[ {"sku":"A","n":1,"s":"a \\"}\\" ]","o":{"x":[1,{"y":2}]}} ,\n{"sku":"€"} ]\n';
      for (const chunk of [1, 2, 7, 1024]) {
        assert.deepEqual(
          await records(json, { kind: 'json' }, chunk),
          [{ sku: 'A', n: 1, s: 'a "}" ]', o: { x: [1, { y: 2 }] } }, { sku: '€' }],
          `chunk ${chunk}`,
        );
      }
      assert.deepEqual(await records('[]', { kind: 'json' }), []);
    });

    it('maps and converts listed columns (keys are the partner header names)', async () => {
      const fields = {
        kind: 'json' as const,
        unknownColumns: 'keep' as const,
        columns: [col('sku', 'Artikel', 'string', '', true), col('price', 'Preis', 'number'), col('d', 'Datum', 'date', 'dd.MM.yyyy')],
      };
      assert.deepEqual(await records('[{"Artikel":"A","Preis":"12.5","Datum":"02.11.2026","x":true},{"Artikel":"B","Preis":3}]', fields), [
        { sku: 'A', price: 12.5, d: '2026-11-02', x: true },
        { sku: 'B', price: 3 },
      ]);
      await failure(
        '[{"Artikel":"A","y":1}]',
        { ...fields, unknownColumns: 'fail' },
        /Record 1 \(line 1\), column "y": partner format|the json format does not know this column/,
      );
      await failure('[{"Preis":1}]', fields, /Record 1 \(line 1\), column "Artikel": a value is required/);
    });

    it('refuses what is not an array of objects, naming record and line', async () => {
      await failure('{"sku":"A"}', { kind: 'json' }, /not a JSON array \(it starts with "\{"\): .* choose JSON lines if the file has one object per line/);
      await failure('[{"a":1},\n 2]', { kind: 'json' }, /Record 2 \(line 2\): expected a record \{\.\.\.\}, found "2"/);
      await failure('[{"a":1} {"a":2}]', { kind: 'json' }, /Record 2 \(line 1\): expected , or \], found "\{"/);
      await failure('[{"a":1}]\nx', { kind: 'json' }, /Line 2: "x" after the closing \] of the array/);
      await failure('[{"a":1},\n{"a":tru}]', { kind: 'json' }, /Record 2 \(line 2\): the record is not valid JSON/);
      await failure('[{"a":1},\n{"a":2', { kind: 'json' }, /The JSON array ends too early \(record 2, line 2\): the file is cut off/);
      await failure('', { kind: 'json' }, /The file is empty: the json format expects a JSON array/);
    });

    it('refuses a record longer than the limit without holding it', async () => {
      const err = await failure(
        `[{"a":1},{"a":"${'x'.repeat(5000)}"}]`,
        { kind: 'json', maxRecordBytes: 100 },
        /Record 2 \(line 1\) is longer than 100 characters, the record-size limit/,
      );
      assert.equal(err.details.record, 2);
      await failure(`[{"a":"${'x'.repeat(5000)}"}]`, { kind: 'json', maxRecordBytes: 100 }, /Record 1/);
    });
  });

  describe('JSON lines', () => {
    it('reads one record per line, skipping blank lines, CRLF or LF, last line without a break', async () => {
      const text = '{"a":1}\r\n\n  \n{"a":"é"}\n{"a":3}';
      for (const chunk of [1, 3, 1024]) assert.deepEqual(await records(text, { kind: 'jsonl' }, chunk), [{ a: 1 }, { a: 'é' }, { a: 3 }], `chunk ${chunk}`);
      const out = await batches(text, { kind: 'jsonl' }, 2);
      assert.deepEqual(
        out.map((b) => [b.index, b.first]),
        [
          [0, 1],
          [1, 3],
        ],
      );
    });

    it('names record and line of a bad line', async () => {
      await failure('{"a":1}\n\n{"a":}\n', { kind: 'jsonl' }, /Record 2 \(line 3\): the record is not valid JSON/);
      await failure('{"a":1}\n[1]\n', { kind: 'jsonl' }, /Record 2 \(line 2\): a list is not a record: each record must be a JSON object/);
      await failure(
        `{"a":1}\n{"a":"${'x'.repeat(200)}"}\n`,
        { kind: 'jsonl', maxRecordBytes: 100 },
        /Record 2 \(line 2\): the line is longer than 100 characters/,
      );
      await failure(`{"a":"${'x'.repeat(200)}"}`, { kind: 'jsonl', maxRecordBytes: 100 }, /Record 1 \(line 1\): the line is longer than 100 characters/);
    });
  });

  describe('flow control', () => {
    /** A CSV of `rows` records made as it is read, counting the bytes pulled. */
    function countingCsv(rows: number): { stream: Readable; pulled: () => number } {
      let row = 0;
      let pulled = 0;
      const stream = new Readable({
        highWaterMark: 16 * 1024,
        read() {
          if (row >= rows) return void this.push(null);
          let text = row === 0 ? 'id,name\n' : '';
          for (let i = 0; i < 100 && row < rows; i++) text += `${++row},name ${row}\n`;
          pulled += text.length;
          this.push(text);
        },
      });
      return { stream, pulled: () => pulled };
    }

    it('pulls from the source only as batches are consumed, and destroys it when the consumer stops', async () => {
      const { stream, pulled } = countingCsv(1_000_000);
      const iterator = readRecordBatches(stream, partnerFormatFromConfig({}), { batchSize: 10 })[Symbol.asyncIterator]();
      const first = await iterator.next();
      assert.equal(first.done, false);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const early = pulled();
      assert.ok(early < 512 * 1024, `only buffers' worth pulled for one batch, got ${early} bytes`);
      for (let i = 0; i < 100; i++) await iterator.next();
      assert.ok(pulled() < early + 512 * 1024, 'a hundred more small batches pull little more');
      await iterator.return?.();
      assert.ok(stream.destroyed, 'the source is destroyed when reading stops early');
    });

    it('stops with the abort reason when the signal fires', async () => {
      const { stream } = countingCsv(100_000);
      const controller = new AbortController();
      let seen = 0;
      await assert.rejects(
        (async () => {
          for await (const batch of readRecordBatches(stream, partnerFormatFromConfig({}), { batchSize: 10, signal: controller.signal })) {
            seen += batch.records.length;
            if (seen === 30) controller.abort(new Error('stopped by test'));
          }
        })(),
        /stopped by test/,
      );
      assert.equal(seen, 30);
      assert.ok(stream.destroyed);
    });

    it('refuses a batch size that is not a whole number of 1 or more', async () => {
      await expectCode(
        records('a\n1\n', {}).then(() => batches('a\n1\n', {}, 0)),
        'INVALID_INPUT',
        /Batch size: 0 is not a whole number/,
      );
    });
  });
});
