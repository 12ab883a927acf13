import { strict as assert } from 'node:assert';
import { jsonSchemaCheck } from '../../../../src/core/validate/json-schema';
import { parseRules } from '../../../../src/core/validate/rules';
import { run } from '../../../support/content-check';

describe('validate: JSON Schema', () => {
  const schema = {
    type: 'object',
    required: ['id', 'lines'],
    properties: { id: { type: 'string' }, lines: { type: 'array', minItems: 1 } },
    additionalProperties: false,
  };
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
