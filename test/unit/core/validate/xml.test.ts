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

  it('entities declared in the internal DTD subset are known, in text and attributes', async () => {
    const doc =
      '<?xml version="1.0"?>\n<!DOCTYPE invoice [\n  <!-- vendors -->\n  <!ENTITY acme "ACME &amp; Co">\n  <!ENTITY signed \'Signed by &acme;\'>\n]>\n<invoice vendor="&acme;"><note>&signed;</note></invoice>\n';
    assert.deepEqual(await run(xmlCheck(), doc), []);
    const [undeclared] = await run(xmlCheck(), '<!DOCTYPE a [<!ENTITY x "1">]><a>&y;</a>');
    assert.match(undeclared.reason, /undefined entity/);
  });

  it('external entities are never read: a reference to one (XXE), also through another entity, is refused', async () => {
    const xxe = '<?xml version="1.0"?>\n<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>\n<foo>&xxe;</foo>';
    const [err] = await run(xmlCheck(), xxe);
    assert.equal(err.rule, 'xml');
    assert.match(err.reason, /refers to the external entity &xxe; \(SYSTEM "file:\/\/\/etc\/passwd"\)\. External entities are never read/);
    assert.equal(err.line, 3);
    const [through] = await run(xmlCheck(), '<!DOCTYPE foo [<!ENTITY xxe PUBLIC "-//X//Y" "http://127.0.0.1:9/x"><!ENTITY a "&xxe;">]><foo>&a;</foo>');
    assert.match(through.reason, /external entity &xxe; .* through &a;/);
    const [parameter] = await run(xmlCheck(), '<!DOCTYPE foo [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote; ]><foo/>');
    assert.match(parameter.reason, /external parameter entity %remote;/);
    // Declared but never used: nothing would be read, the file is well-formed.
    assert.deepEqual(await run(xmlCheck(), '<!DOCTYPE foo [<!ENTITY logo SYSTEM "logo.gif" NDATA gif><!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo/>'), []);
  });

  it('billion laughs, a large entity referenced too often and a recursive entity are refused', async () => {
    const laughs = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ' <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">',
      ...Array.from({ length: 8 }, (_, i) => ` <!ENTITY lol${i + 2} "${`&lol${i + 1};`.repeat(10)}">`),
      ']>',
      '<lolz>&lol9;</lolz>',
    ].join('\n');
    const [bomb] = await run(xmlCheck(), laughs, 64);
    assert.match(bomb.reason, /expand to more than 10000000 characters \(at &lol9;\).*billion laughs/);
    const big = 'x'.repeat(100_000);
    const quadratic = `<!DOCTYPE q [<!ENTITY big "${big}">]><q>${'&big;'.repeat(101)}</q>`;
    assert.match((await run(xmlCheck(), quadratic, 4096))[0].reason, /expand to more than 10000000 characters/);
    assert.deepEqual(await run(xmlCheck(), `<!DOCTYPE q [<!ENTITY big "${big}">]><q>${'&big;'.repeat(100)}</q>`, 4096), []);
    const [loop] = await run(xmlCheck(), '<!DOCTYPE a [<!ENTITY a "&b;"><!ENTITY b "&a;">]><a>&a;</a>');
    assert.match(loop.reason, /entity &[ab]; refers to itself/);
  });
});
