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

  it('a document nested 100,000 levels deep fails the rule with its depth, instead of a stack overflow', async () => {
    // A recursive schema makes ajv descend with the document: without the depth limit this throws an uncoded RangeError.
    const tree = parseRules({
      json: { schema: { $ref: '#/definitions/node', definitions: { node: { type: 'array', items: { $ref: '#/definitions/node' } } } } },
    }).json!;
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const errors = await run(jsonSchemaCheck(tree), deep, 65_536);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].rule, 'json');
    assert.match(errors[0].reason, /nested 100000 levels deep, more than the 1000 levels/);
    // Brackets inside strings are text, not nesting; 1000 levels still pass.
    assert.deepEqual(await run(jsonSchemaCheck(tree), '['.repeat(1000) + ']'.repeat(1000), 4096), []);
    assert.deepEqual(await run(jsonSchemaCheck(rule()), JSON.stringify({ id: '[[[["\\', lines: ['{{{{'.repeat(2000)] })), []);
  });
});
