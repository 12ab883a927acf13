import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { formatForFileName, partnerFormatFromConfig, type PartnerFormatFields } from '../../../../src/core/records/partner-format';

function refused(fields: Partial<PartnerFormatFields> | Record<string, unknown>, field: string, message: RegExp): void {
  assert.throws(
    () => partnerFormatFromConfig(fields as Partial<PartnerFormatFields>),
    (err: unknown) => {
      assert.ok(err instanceof FileBridgeError);
      assert.equal(err.code, 'INVALID_INPUT');
      assert.equal(err.details.field, field);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('records: partner format fields', () => {
  it('fills blank fields with the defaults (csv, comma, double quote, header, utf8, crlf, drop unknown columns, 1 MiB records)', () => {
    const format = partnerFormatFromConfig({});
    assert.deepEqual(format, {
      name: '',
      kind: 'csv',
      delimiter: ',',
      quote: '"',
      quoting: 'needed',
      header: true,
      encoding: 'utf8',
      bom: false,
      lineEnding: '\r\n',
      columns: [],
      decimalSeparator: '.',
      unknownColumns: 'drop',
      maxRecordBytes: 1024 * 1024,
    });
    assert.equal(partnerFormatFromConfig({ kind: 'jsonl' }).lineEnding, '\n', 'JSON lines default to LF');
    assert.equal(partnerFormatFromConfig({ kind: 'csv', lineEnding: 'lf' }).lineEnding, '\n');
  });

  it('takes every option as the dialog stores it (strings for booleans and numbers too)', () => {
    const format = partnerFormatFromConfig({
      name: ' ACME ',
      kind: 'csv',
      delimiter: '\\t',
      quote: "'",
      quoting: 'always',
      header: 'false' as unknown as boolean,
      encoding: 'windows-1252',
      bom: false,
      lineEnding: 'lf',
      decimalSeparator: ',',
      unknownColumns: 'fail',
      maxRecordBytes: '4096' as unknown as number,
      columns: [
        { field: 'price.amount', header: 'Preis', type: 'number', format: '2', required: true },
        { field: 'validFrom', header: 'Gültig ab', type: 'date', format: 'dd.MM.yyyy', required: false },
        { field: 'active', header: 'Aktiv', type: 'boolean', format: 'J/N', required: false },
        { field: 'sku', header: '', type: 'string', format: '', required: true },
      ],
    });
    assert.equal(format.name, 'ACME');
    assert.equal(format.delimiter, '\t');
    assert.equal(format.quote, "'");
    assert.equal(format.quoting, 'always');
    assert.equal(format.header, false);
    assert.equal(format.encoding, 'windows-1252');
    assert.equal(format.decimalSeparator, ',');
    assert.equal(format.unknownColumns, 'fail');
    assert.equal(format.maxRecordBytes, 4096);
    assert.deepEqual(format.columns[0].path, ['price', 'amount']);
    assert.equal(format.columns[0].decimals, 2);
    assert.deepEqual(format.columns[2].words, ['J', 'N']);
    assert.equal(format.columns[3].header, 'sku', 'a blank header is the field name');
    assert.equal(partnerFormatFromConfig({ delimiter: 'tab' }).delimiter, '\t');
    assert.equal(partnerFormatFromConfig({ quote: '' }).quote, '', 'an empty quote turns quoting off');
  });

  it('refuses each bad field naming it and what to write instead', () => {
    refused({ kind: 'xml' }, 'kind', /"xml" is not one of csv, json, jsonl/);
    refused({ delimiter: ';;' }, 'delimiter', /one character such as , or ;/);
    refused({ delimiter: '\n' }, 'delimiter', /cannot separate columns/);
    refused({ quote: ',' }, 'quote', /cannot be the quote character/);
    refused({ quoting: 'sometimes' }, 'quoting', /needed, always/);
    refused({ header: 'yes' }, 'header', /expected true or false/);
    refused({ encoding: 'ebcdic' }, 'encoding', /utf8, utf16le, latin1, windows-1252/);
    refused({ encoding: 'latin1', bom: true }, 'bom', /latin1 has no byte order mark/);
    refused({ lineEnding: 'cr' }, 'lineEnding', /lf, crlf/);
    refused({ decimalSeparator: ';' }, 'decimalSeparator', /\., ,/);
    refused({ unknownColumns: 'ignore' }, 'unknownColumns', /keep, drop, fail/);
    refused({ maxRecordBytes: 0 }, 'maxRecordBytes', /between 16 and/);
    refused({ maxRecordBytes: 'lots' }, 'maxRecordBytes', /between 16 and/);
    refused({ columns: 'sku' }, 'columns', /list of \{ field, header/);
  });

  it('refuses bad column rows naming the row', () => {
    const col = (c: Record<string, unknown>) => ({ columns: [{ field: 'a', header: 'A', type: 'string', format: '', required: false, ...c }] });
    refused(col({ field: '', header: '' }), 'columns row 1', /name the internal field/);
    refused(col({ field: 'a..b' }), 'columns row 1', /field "a..b" is not valid/);
    refused(col({ type: 'money' }), 'columns row 1 type', /string, number, integer, date, boolean/);
    refused(col({ type: 'date', format: 'dd.MM' }), 'columns row 1 format', /needs a year \(yyyy\), a month \(MM\) and a day/);
    refused(col({ type: 'number', format: 'two' }), 'columns row 1 format', /not a number of decimals/);
    refused(col({ type: 'boolean', format: 'yes' }), 'columns row 1 format', /partner's words for yes and no/);
    refused(
      {
        columns: [
          { field: 'a', header: 'A', type: 'string', format: '', required: false },
          { field: 'b', header: 'A', type: 'string', format: '', required: false },
        ],
      },
      'columns row 2',
      /column "A" is listed twice/,
    );
    refused(
      {
        columns: [
          { field: 'a', header: 'A', type: 'string', format: '', required: false },
          { field: 'a', header: 'B', type: 'string', format: '', required: false },
        ],
      },
      'columns row 2',
      /field "a" is listed twice/,
    );
  });

  it('guesses a default format from the file extension', () => {
    assert.equal(formatForFileName('catalogue.CSV')?.kind, 'csv');
    assert.equal(formatForFileName('a.json')?.kind, 'json');
    assert.equal(formatForFileName('a.jsonl')?.kind, 'jsonl');
    assert.equal(formatForFileName('a.ndjson')?.kind, 'jsonl');
    assert.equal(formatForFileName('a.xml'), undefined);
    assert.equal(formatForFileName('csv'), undefined);
  });
});
