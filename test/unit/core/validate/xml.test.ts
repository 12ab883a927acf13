import { strict as assert } from 'node:assert';
import { xmlCheck } from '../../../../src/core/validate/xml';
import { run } from '../../../support/content-check';

describe('validate: XML well-formedness', () => {
  it('well-formed XML passes, with a BOM and multi-byte characters split across chunks', async () => {
    assert.deepEqual(
      await run(xmlCheck(), '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<invoice id="1"><vendor>Müller &amp; Söhne</vendor></invoice>\n', 3),
      [],
    );
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
