import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { partnerFormatFromConfig, type PartnerColumnFields, type PartnerFormatFields } from '../../../../src/core/records/partner-format';
import { readRecordBatches } from '../../../../src/core/records/record-reader';
import { formatRecords } from '../../../../src/core/records/record-writer';
import { expectCode } from '../../../support/expect-code';

async function* batchesOf(records: unknown[], size = 2): AsyncGenerator<Record<string, unknown>[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size) as Record<string, unknown>[];
}

async function bytes(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

async function written(records: unknown[], fields: Partial<PartnerFormatFields>): Promise<Buffer> {
  return bytes(formatRecords(batchesOf(records), partnerFormatFromConfig(fields)));
}

async function text(records: unknown[], fields: Partial<PartnerFormatFields>): Promise<string> {
  return (await written(records, fields)).toString('utf8');
}

const col = (field: string, header: string, type: PartnerColumnFields['type'] = 'string', format = '', required = false): PartnerColumnFields => ({
  field,
  header,
  type,
  format,
  required,
});

describe('records: writing partner files', () => {
  describe('CSV', () => {
    it('writes the records own keys with a header, CRLF and quoting only where needed', async () => {
      assert.equal(
        await text(
          [
            { sku: 'A-1', name: 'Chair, "Lux"', n: 2 },
            { sku: 'A-2', name: 'two\nlines', n: null },
          ],
          {},
        ),
        'sku,name,n\r\nA-1,"Chair, ""Lux""",2\r\nA-2,"two\nlines",\r\n',
      );
    });

    it('writes the partner header names in column order, typed and formatted', async () => {
      const fields = {
        delimiter: ';',
        decimalSeparator: ',' as const,
        lineEnding: 'lf' as const,
        columns: [
          col('sku', 'Artikel', 'string', '', true),
          col('price.amount', 'Preis', 'number', '2'),
          col('quantity', 'Menge', 'integer'),
          col('validFrom', 'Gültig ab', 'date', 'dd.MM.yyyy'),
          col('changedAt', 'Geändert', 'date', "yyyyMMdd'T'HHmm"),
          col('active', 'Aktiv', 'boolean', 'J/N'),
        ],
      };
      const records = [
        { quantity: 3, sku: 'A-1', price: { amount: 1234.5 }, validFrom: '2026-11-02', changedAt: '2026-11-02T10:15:00Z', active: true, ignored: 'x' },
        { sku: 'A;2', price: { amount: '0.125' }, quantity: '7', validFrom: new Date('2026-01-05T00:00:00Z'), active: 'no' },
      ];
      assert.equal(
        await text(records, fields),
        'Artikel;Preis;Menge;Gültig ab;Geändert;Aktiv\nA-1;1234,50;3;02.11.2026;20261102T1015;J\n"A;2";0,13;7;05.01.2026;;N\n',
      );
      assert.equal(
        await text([{ sku: 'A', validFrom: '2026-11-02T10:15:00Z' }], { columns: [col('validFrom', 'd', 'date', 'iso')], header: false }),
        '2026-11-02T10:15:00Z\r\n',
      );
      await expectCode(
        text([{ sku: 'A', x: 1 }], { ...fields, unknownColumns: 'fail' }),
        'INVALID_INPUT',
        /^Record 1: the field "x" is not a column of the csv format/,
      );
    });

    it('quotes every value when quoting is always, with the configured quote character', async () => {
      assert.equal(await text([{ a: "it's", b: 1 }], { quote: "'", quoting: 'always', lineEnding: 'lf' }), "'a','b'\n'it''s','1'\n");
    });

    it('writes no header row when header is off, and only the header for no records', async () => {
      assert.equal(await text([{ a: 1, b: 2 }], { header: false }), '1,2\r\n');
      assert.equal(await text([], { columns: [col('a', 'A'), col('b', 'B')] }), 'A,B\r\n');
      assert.equal(await text([], {}), '');
    });

    it('encodes latin1, windows-1252 and utf16le, with a BOM where asked', async () => {
      const records = [{ name: 'Größe € “x”' }];
      assert.deepEqual(await written([{ name: 'Größe' }], { encoding: 'latin1', lineEnding: 'lf' }), Buffer.from('name\nGr\xf6\xdfe\n', 'latin1'));
      assert.deepEqual(
        await written(records, { encoding: 'windows-1252', lineEnding: 'lf' }),
        Buffer.from([...Buffer.from('name\nGr\xf6\xdfe ', 'latin1'), 0x80, 0x20, 0x93, 0x78, 0x94, 0x0a]),
      );
      assert.deepEqual(
        await written(records, { encoding: 'utf16le', bom: true, lineEnding: 'lf' }),
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\nGröße € “x”\n', 'utf16le')]),
      );
      assert.deepEqual(
        await written(records, { bom: true, lineEnding: 'lf' }),
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name\nGröße € “x”\n')]),
      );
    });

    it('names the record and column of a character the encoding cannot hold', async () => {
      const err = await expectCode(
        text(
          [
            { sku: 'A', name: 'ok' },
            { sku: 'B', name: 'ok' },
            { sku: 'C', name: 'Zürich €' },
          ],
          { encoding: 'latin1', name: 'ACME' },
        ),
        'INVALID_INPUT',
        /^Record 3, column "name": the character "€" \(U\+20AC\) cannot be written in latin1; choose utf8 if the partner accepts it, or correct the value\. Correct the record, or change partner format "ACME"/,
      );
      assert.deepEqual(err.details, { reason: 'RECORD', record: 3, column: 'name', character: 'U+20AC' });
      await expectCode(
        text([{ name: 'Łódź' }], { encoding: 'windows-1252' }),
        'INVALID_INPUT',
        /^Record 1, column "name": the character "Ł" \(U\+0141\) cannot be written in windows-1252/,
      );
      await expectCode(text([{ name: 'x\ud800' }], {}), 'INVALID_INPUT', /Record 1, column "name": the character .* \(U\+D800\) cannot be written in utf8/);
    });

    it('names record, column and field of a value it cannot format', async () => {
      const fields = {
        name: 'ACME',
        columns: [
          col('sku', 'SKU', 'string', '', true),
          col('price', 'Preis', 'number', '2'),
          col('n', 'N', 'integer'),
          col('d', 'D', 'date', 'dd.MM.yyyy'),
          col('b', 'B', 'boolean'),
        ],
      };
      const ok = { sku: 'A', price: 1 };
      const err = await expectCode(
        text([ok, { ...ok, price: 'cheap' }], fields),
        'INVALID_INPUT',
        /^Record 2, column "Preis": the field "price": "cheap" is not a number/,
      );
      assert.deepEqual(err.details, { reason: 'RECORD', record: 2, column: 'Preis', field: 'price', value: '"cheap"' });
      await expectCode(
        text([ok, ok, { price: 1 }], fields),
        'INVALID_INPUT',
        /^Record 3, column "SKU": the field "sku" has no value and the column is required/,
      );
      await expectCode(text([{ ...ok, n: 1.5 }], fields), 'INVALID_INPUT', /Record 1, column "N": the field "n": 1.5 is not a whole number/);
      await expectCode(text([{ ...ok, d: 'soon' }], fields), 'INVALID_INPUT', /Record 1, column "D": the field "d": "soon" is not a date/);
      await expectCode(text([{ ...ok, b: 'maybe' }], fields), 'INVALID_INPUT', /Record 1, column "B": the field "b": "maybe" is not a yes\/no value/);
      await expectCode(text([ok, 'text'], fields), 'INVALID_INPUT', /Record 2: "text" is not a record/);
    });

    it('refuses what it cannot write: a new field after the first record, a delimiter with quoting off', async () => {
      await expectCode(
        text([{ a: 1 }, { a: 2, b: 3 }], {}),
        'INVALID_INPUT',
        /^Record 2, column "b": the first record set the columns \(a\) and this one has another field; list the columns/,
      );
      await expectCode(
        text([{ a: 'x,y' }], { quote: '' }),
        'INVALID_INPUT',
        /^Record 1, column "a": the value holds the delimiter or a line break and quoting is off/,
      );
    });

    it('reads back what it wrote (a round trip through the same partner format)', async () => {
      const fields: Partial<PartnerFormatFields> = {
        delimiter: ';',
        decimalSeparator: ',',
        encoding: 'windows-1252',
        columns: [
          col('sku', 'Artikel', 'string', '', true),
          col('price', 'Preis', 'number', '2'),
          col('d', 'Datum', 'date', 'dd.MM.yyyy'),
          col('note', 'Notiz'),
        ],
      };
      const records = [
        { sku: 'A', price: 12.5, d: '2026-11-02', note: 'Größe "L"; 5 €' },
        { sku: 'B', price: 0, d: '2026-01-31', note: 'zwei\r\nZeilen' },
      ];
      const file = await written(records, fields);
      const back = [];
      for await (const batch of readRecordBatches(Readable.from([file]), partnerFormatFromConfig(fields), { batchSize: 10 })) back.push(...batch.records);
      assert.deepEqual(back, records);
    });
  });

  describe('JSON and JSON lines', () => {
    it('writes one JSON array, typed values under the partner names, unknown fields per unknownColumns', async () => {
      const columns = [
        col('sku', 'Artikel'),
        col('price', 'Preis', 'number', '2'),
        col('d', 'Datum', 'date', 'dd.MM.yyyy'),
        col('b', 'Aktiv', 'boolean', 'J/N'),
      ];
      const records = [{ sku: 'A', price: '12.345', d: '2026-11-02', b: 'J', extra: [1] }, { sku: 'B' }];
      assert.equal(await text(records, { kind: 'json', columns }), '[\n{"Artikel":"A","Preis":12.35,"Datum":"02.11.2026","Aktiv":true},\n{"Artikel":"B"}\n]\n');
      assert.equal(JSON.parse(await text(records, { kind: 'json', columns, unknownColumns: 'keep' }))[0].extra[0], 1);
      await expectCode(text(records, { kind: 'json', columns, unknownColumns: 'fail' }), 'INVALID_INPUT', /^Record 1: the field "extra" is not a column/);
      assert.equal(await text([], { kind: 'json' }), '[]\n');
      assert.equal(await text([{ a: 1 }], { kind: 'json', lineEnding: 'crlf' }), '[\r\n{"a":1}\r\n]\r\n');
    });

    it('writes one record per line for JSON lines', async () => {
      assert.equal(await text([{ a: 1 }, { a: 'x\ny' }, { b: null }], { kind: 'jsonl' }), '{"a":1}\n{"a":"x\\ny"}\n{"b":null}\n');
      assert.equal(await text([], { kind: 'jsonl' }), '');
    });

    it('escapes characters a single-byte encoding lacks, so JSON in latin1 loses nothing', async () => {
      const file = await written([{ name: 'Zürich € 😀' }], { kind: 'jsonl', encoding: 'latin1' });
      assert.equal(file.toString('latin1'), '{"name":"Z\xfcrich \\u20ac \\ud83d\\ude00"}\n');
      assert.deepEqual(JSON.parse(file.toString('latin1')), { name: 'Zürich € 😀' });
      const cp = await written([{ name: '€ Ł' }], { kind: 'json', encoding: 'windows-1252', lineEnding: 'lf' });
      assert.deepEqual(cp, Buffer.from([...Buffer.from('[\n{"name":"'), 0x80, ...Buffer.from(' \\u0141"}\n]\n')]));
    });

    it('names the record that cannot be JSON', async () => {
      await expectCode(text([{ a: 1 }, { n: 10n }], { kind: 'jsonl' }), 'INVALID_INPUT', /^Record 2: the record cannot be written as JSON/);
    });
  });

  describe('flow control', () => {
    it('pulls the next batch only when the reader wants more bytes', async () => {
      let pulled = 0;
      async function* endless(): AsyncGenerator<Record<string, unknown>[]> {
        for (;;) {
          pulled++;
          yield Array.from({ length: 100 }, (_, i) => ({ id: pulled * 100 + i, text: 'x'.repeat(100) }));
        }
      }
      const stream = formatRecords(endless(), partnerFormatFromConfig({}));
      const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
      stream.pause();
      assert.ok(first.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(pulled <= 4, `a paused reader holds the writer at a few batches, pulled ${pulled}`);
      stream.destroy();
    });

    it('fails the stream when the batches fail', async () => {
      async function* failing(): AsyncGenerator<Record<string, unknown>[]> {
        yield [{ a: 1 }];
        throw new Error('page 2 failed');
      }
      await assert.rejects(bytes(formatRecords(failing(), partnerFormatFromConfig({}))), /page 2 failed/);
    });
  });
});
