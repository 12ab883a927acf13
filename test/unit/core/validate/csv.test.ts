import { strict as assert } from 'node:assert';
import { checkMagicBytes, describeContent, magicBytesCheck } from '../../../src/core/validate/magic-bytes';
import { csvCheck } from '../../../src/core/validate/csv';
import { jsonSchemaCheck } from '../../../src/core/validate/json-schema';
import { xmlCheck } from '../../../src/core/validate/xml';
import { parseRules, type RuleSettings } from '../../../src/core/validate/rules';
import type { ContentCheck, ValidationError } from '../../../src/core/validate/types';

/** Feeds `data` in chunks of `size` bytes, as a stream would, and returns what the check reports. */
async function run(check: ContentCheck, data: Buffer | string, size = 7): Promise<ValidationError[]> {
  const buf = Buffer.from(data);
  for (let i = 0; i < buf.length; i += size) await check.update(buf.subarray(i, i + size));
  return check.finish();
}

const csvRule = (settings: NonNullable<RuleSettings['csv']>) => parseRules({ csv: settings }).csv!;

describe('validate: content type by magic bytes', () => {
  const samples: Record<string, Buffer> = {
    pdf: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'),
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    jpg: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]),
    gif: Buffer.from('GIF89a\x01\x00'),
    tif: Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0]),
    docx: Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0]),
    gz: Buffer.from([0x1f, 0x8b, 8, 0]),
    xml: Buffer.from('\uFEFF  <?xml version="1.0"?><a/>'),
    json: Buffer.from('\n [1, 2]'),
    csv: Buffer.from('id;name\n1;Ä\n'),
  };

  for (const [ext, head] of Object.entries(samples)) {
    it(`.${ext}: its own signature passes`, async () => {
      assert.deepEqual(await run(magicBytesCheck(ext), head, 3), []);
    });
  }

  it('a mismatch names the expected type and what the content looks like', () => {
    const [err] = checkMagicBytes(samples.png, 'pdf');
    assert.equal(err.rule, 'magic');
    assert.match(err.reason, /"\.pdf" expects a PDF document, but the content looks like a PNG image/);
    assert.equal(err.detected, 'PNG image');
    assert.match(checkMagicBytes(samples.pdf, 'xlsx')[0].reason, /expects a ZIP archive/);
    assert.match(checkMagicBytes(Buffer.from([0, 1, 2, 0, 5]), 'csv')[0].reason, /expects a text, but the content looks like a unrecognised binary/);
    assert.match(checkMagicBytes(Buffer.from('hello'), 'json')[0].reason, /expects a JSON document, but the content looks like a text/);
    assert.match(checkMagicBytes(Buffer.alloc(0), 'pdf')[0].reason, /empty file/);
    // A PDF header is ASCII, yet a PDF is no text file.
    assert.match(checkMagicBytes(Buffer.from('%PDF-1.4\n'), 'txt')[0].reason, /expects a text, but the content looks like a PDF document/);
  });

  it('extensions without a known signature are not checked', () => {
    assert.deepEqual(checkMagicBytes(Buffer.from([0, 0, 0]), 'dat'), []);
    assert.equal(describeContent(Buffer.from('%PDF-1.4')), 'PDF document');
  });
});

describe('validate: CSV structure', () => {
  const good = 'id,amount,date,status\n1,12.50,2026-11-02,OPEN\n2,-3,2026-02-28,CLOSED\n';
  const columns = '{"id": {"type": "integer", "required": true}, "amount": {"type": "number"}, "date": {"type": "date"}, "status": {"pattern": "OPEN|CLOSED"}}';

  it('a file meeting header, count and column rules passes', async () => {
    assert.deepEqual(await run(csvCheck(csvRule({ requiredColumns: 'id, amount', columnCount: 4, columns })), good), []);
  });

  it('reports every failure with its row and column', async () => {
    const bad = 'id,amount,date,status\n1,12,5,2026-11-02,OPEN\nx,abc,2026-02-30,PENDING\n,1,2026-01-01,OPEN\n';
    const errors = await run(csvCheck(csvRule({ requiredColumns: 'id, amount, currency', columnCount: 4, columns })), bad);
    const reasons = errors.map((e) => e.reason);
    assert.ok(errors.every((e) => e.rule === 'csv'));
    assert.ok(reasons.includes('The header has no column "currency" (found: id, amount, date, status).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 2 has 5 columns, expected 4.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column id: "x" is not a whole number.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column amount: "abc" is not a number (with "." as decimal point).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column date: "2026-02-30" is not a date (YYYY-MM-DD).'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 3, column status: "PENDING" does not match OPEN|CLOSED.'), reasons.join('\n'));
    assert.ok(reasons.includes('Row 4, column id: the value is empty.'), reasons.join('\n'));
    assert.equal(errors.find((e) => e.value === '2026-02-30')?.row, 3);
    assert.equal(errors.find((e) => e.value === '2026-02-30')?.column, 'date');
  });

  it('stops after the row limit: a bad row past it is not read', async () => {
    const rows = ['n'];
    for (let i = 1; i <= 100; i++) rows.push(String(i));
    rows.push('not-a-number');
    const rule = { columns: '{"n": {"type": "integer"}}' };
    assert.deepEqual(await run(csvCheck(csvRule({ ...rule, maxRows: 100 })), rows.join('\n')), []);
    assert.equal((await run(csvCheck(csvRule({ ...rule, maxRows: 0 })), rows.join('\n'))).length, 1);
  });

  it('without a header, columns are checked by position; other delimiters', async () => {
    const rule = csvRule({ header: false, delimiter: ';', columnCount: 2, columns: '{"2": {"type": "boolean"}}' });
    assert.deepEqual(await run(rule && csvCheck(rule), 'a;yes\nb;0\n'), []);
    const errors = await run(csvCheck(rule), 'a;maybe\n');
    assert.equal(errors[0].reason, 'Row 1, column #2: "maybe" is not true/false, yes/no or 1/0.');
  });

  it('broken quoting and an empty file are reported, long error lists are capped', async () => {
    const quoted = await run(csvCheck(csvRule({})), 'a,b\n"unclosed,1\n');
    assert.match(quoted[0].reason, /not valid CSV/);
    assert.match((await run(csvCheck(csvRule({})), ''))[0].reason, /no header row/);
    const many = ['n', ...Array.from({ length: 50 }, () => 'x')].join('\n');
    const capped = await run(csvCheck(csvRule({ columns: '{"n": {"type": "integer"}}', maxErrors: 5 })), many);
    assert.equal(capped.length, 6);
    assert.match(capped[5].reason, /45 more csv error\(s\) not listed/);
  });
});

describe('validate: JSON Schema', () => {
  const schema = { type: 'object', required: ['id', 'lines'], properties: { id: { type: 'string' }, lines: { type: 'array', minItems: 1 } }, additionalProperties: false };
  const rule = (maxSize?: string) => parseRules({ json: { schema: JSON.stringify(schema), maxSize } }).json!;

  it('a document meeting the schema passes', async () => {
    assert.deepEqual(await run(jsonSchemaCheck(rule()), '\uFEFF{"id": "A-1", "lines": [1]}'), []);
  });

  it('every schema violation is listed with its path', async () => {
    const errors = await run(jsonSchemaCheck(rule()), '{"id": 5, "lines": [], "extra": true}');
    assert.deepEqual(errors.map((e) => e.reason).sort(), [
      '(document) must NOT have additional properties: extra.',
      '/id must be string.',
      '/lines must NOT have fewer than 1 items.',
    ]);
    assert.ok(errors.every((e) => e.rule === 'json'));
  });

  it('invalid JSON and files over the size cap fail the rule', async () => {
    assert.match((await run(jsonSchemaCheck(rule()), '{"id": '))[0].reason, /not valid JSON/);
    const big = JSON.stringify({ id: 'x', lines: Array.from({ length: 1000 }, (_, i) => i) });
    assert.match((await run(jsonSchemaCheck(rule('1 KB')), big, 256))[0].reason, /more than 1024 bytes, the limit for JSON Schema validation/);
  });

  it('a 2020-12 schema is compiled with that draft', async () => {
    const r = parseRules({ json: { schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', prefixItems: [{ type: 'number' }] } } }).json!;
    assert.deepEqual(await run(jsonSchemaCheck(r), '[1, "x"]'), []);
    assert.equal((await run(jsonSchemaCheck(r), '["x"]')).length, 1);
  });
});

describe('validate: XML well-formedness', () => {
  it('well-formed XML passes, with a BOM and multi-byte characters split across chunks', async () => {
    assert.deepEqual(await run(xmlCheck(), '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<invoice id="1"><vendor>Müller &amp; Söhne</vendor></invoice>\n', 3), []);
  });

  it('the first error is reported with its position', async () => {
    const [err] = await run(xmlCheck(), '<invoice>\n  <vendor>ACME</vendr>\n</invoice>');
    assert.equal(err.rule, 'xml');
    assert.match(err.reason, /not well-formed XML/);
    assert.equal(err.line, 2);
  });

  it('unclosed elements, a second root and an empty file fail', async () => {
    assert.equal((await run(xmlCheck(), '<a><b></b>')).length, 1);
    assert.equal((await run(xmlCheck(), '<a/><b/>')).length, 1);
    assert.equal((await run(xmlCheck(), '')).length, 1);
  });
});
