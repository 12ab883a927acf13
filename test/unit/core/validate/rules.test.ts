import { strict as assert } from 'node:assert';
import { FileBridgeError } from '../../../../src/core/errors';
import { parseRules, parseSize, type RuleSettings } from '../../../../src/core/validate/rules';

function rejects(settings: RuleSettings, message: RegExp): void {
  assert.throws(
    () => parseRules(settings),
    (err: unknown) => {
      assert.ok(err instanceof FileBridgeError, String(err));
      assert.equal(err.code, 'INVALID_INPUT');
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('validate: rule settings', () => {
  it('parses sizes with units and refuses nonsense', () => {
    assert.equal(parseSize('2048', 'x'), 2048);
    assert.equal(parseSize('10 MB', 'x'), 10 * 1024 * 1024);
    assert.equal(parseSize('1.5kb', 'x'), 1536);
    assert.equal(parseSize('', 'x'), undefined);
    assert.throws(() => parseSize('ten', 'Maximum size'), /Maximum size "ten" is not a size/);
  });

  it('names the broken setting', () => {
    rejects({ name: { pattern: 'INV_(?<vendor' } }, /Name pattern is not a valid regular expression/);
    rejects({ name: { pattern: '' } }, /Name pattern: enter a regular expression/);
    rejects({ extensions: { allowed: ' , ' } }, /Allowed extensions: list at least one/);
    rejects({ size: { min: '2 MB', max: '1 MB' } }, /minimum .* is above the maximum/);
    rejects({ size: {} }, /give a minimum, a maximum or both/);
    rejects({ checksum: { algorithm: 'crc32' } }, /Checksum algorithm "crc32" is not one of auto, sha256, md5/);
    rejects({ csv: { header: false, requiredColumns: 'id' } }, /required columns need a header row/);
    rejects({ csv: { columns: '{"Amount": {"type": "money"}}' } }, /CSV column "Amount" type "money" is not one of/);
    rejects({ csv: { columns: '{"Amount": {"typ": "number"}}' } }, /unknown key\(s\) typ/);
    rejects({ csv: { columns: '{not json' } }, /CSV column rules is not valid JSON/);
    rejects({ csv: { delimiter: ';;' } }, /delimiter ";;" must be one character/);
    rejects({ json: { schema: '' } }, /JSON Schema: paste a schema/);
    rejects({ json: { schema: '{"type": "objekt"}' } }, /JSON Schema does not compile/);
    rejects({ manifest: { source: 'remote' } }, /give the manifest file name/);
    rejects({ manifest: { source: 'remote', fileName: '../x.csv' } }, /without folders/);
  });

  it('fills in defaults: extensions per content rule, CSV row limit, JSON size cap', () => {
    const rules = parseRules({ csv: {}, json: { schema: { type: 'object' } }, xml: {}, manifest: {} });
    assert.deepEqual(rules.csv?.extensions, ['csv']);
    assert.equal(rules.csv?.delimiter, ',');
    assert.equal(rules.csv?.header, true);
    assert.equal(rules.csv?.maxRows, 10_000);
    assert.deepEqual(rules.json?.extensions, ['json']);
    assert.equal(rules.json?.maxBytes, 10 * 1024 * 1024);
    assert.deepEqual(rules.xml?.extensions, ['xml']);
    assert.equal(rules.manifest?.source, 'self');
    assert.equal(rules.nonEmpty, false);
    assert.equal(rules.magic, false);
    assert.deepEqual(parseRules({ extensions: { allowed: '.PDF; *.xml csv' } }).extensions, ['pdf', 'xml', 'csv']);
    assert.equal(parseRules({ csv: { delimiter: '\\t' } }).csv?.delimiter, '\t');
  });
});
